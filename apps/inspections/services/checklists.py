"""Versioned checklist templates (SUP-1, SUP-2): a published version never changes; revisions are made in one
draft at a time (a copy of the published items) and publishing it retires the previous version.

Checklists are shared reference data: every department reads them; only the keeping department or one
above it changes them (policy custodian rule on `owner_region`; the seeded default has no keeper, so only
the national department revises it). Every write needs `inspections.manage_checklist`."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import ChecklistItem, ChecklistTemplate, ChecklistVersion, Severity
from ..workflows import CHECKLIST_FLOW, MANAGE_CHECKLIST

REQUIREMENT_ID = re.compile(r"^[A-Z]{2,5}-\d{1,3}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ITEM_FIELDS = ("code", "section", "section_en", "text", "text_en", "requirement_ids", "article",
               "standard_reference", "evidence_expected", "evidence_expected_en", "severity")


def _require_department(by) -> None:
    policy.require(by, MANAGE_CHECKLIST)
    if not by.is_superuser and (by.organisation_id is None or by.organisation.kind != "department"):
        raise errors.PermissionDenied(_("Only a health department keeps checklists."))


@transaction.atomic
def checklist_template_create(*, code: str, name: str, by, name_en: str = "", description: str = "") -> ChecklistVersion:
    """A new template kept by the caller's department, with an empty draft version 1 (returned)."""
    _require_department(by)
    code, name = (code or "").strip(), (name or "").strip()
    field_errors: dict[str, list[str]] = {}
    if not code or not CODE.match(code) or len(code) > 40:
        field_errors["code"] = [_("Give a code of letters, digits, “-”, “_” or “.” (at most 40).")]
    elif ChecklistTemplate.objects.filter(code__iexact=code).exists():
        field_errors["code"] = [_("A checklist with this code exists.")]
    if not name or len(name) > 200:
        field_errors["name"] = [_("Give a name (at most 200 characters).")]
    if len(name_en or "") > 300:
        field_errors["name_en"] = [_("At most 300 characters.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    organisation = by.organisation
    template = save_tracked(ChecklistTemplate(
        code=code, name=name, name_en=(name_en or "").strip(), description=(description or "").strip(),
        owner=organisation, owner_region_id=getattr(organisation, "region_id", None)),
        by=by, reason="checklist created")
    return save_tracked(ChecklistVersion(template=template, number=1, owner_region_id=template.owner_region_id),
                        by=by, reason="first draft")


@transaction.atomic
def checklist_version_draft_create(*, template: ChecklistTemplate, by, notes: str = "") -> ChecklistVersion:
    """A new draft: a copy of the published version's items, numbered after the last version. One draft at a
    time."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    policy.require(by, MANAGE_CHECKLIST, template)
    if template.versions.filter(status=ChecklistVersion.Status.DRAFT).exists():
        raise errors.ValidationFailed(_("This checklist already has a draft; finish or publish it first."),
                                      field_errors={"template": [_("This checklist already has a draft.")]})
    last = template.versions.aggregate(last=Max("number"))["last"] or 0
    draft = save_tracked(ChecklistVersion(template=template, number=last + 1, notes=(notes or "").strip(),
                                          owner_region_id=template.owner_region_id), by=by, reason="draft created")
    published = template.versions.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if published is not None:
        for item in published.items.order_by("position", "pk"):
            save_tracked(ChecklistItem(version=draft, position=item.position,
                                       **{name: getattr(item, name) for name in ITEM_FIELDS}),
                         by=by, reason="copied from the published version")
    return draft


def _editable(version: ChecklistVersion, by) -> ChecklistVersion:
    version = ChecklistVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    policy.require(by, MANAGE_CHECKLIST, version)
    if version.status != ChecklistVersion.Status.DRAFT:
        raise errors.TransitionNotAllowed(
            _("Version %(number)s is %(status)s: a published or retired version never changes. Make a new draft.")
            % {"number": version.number, "status": version.get_status_display().lower()})
    return version


def _clean_item(data: dict, *, version: ChecklistVersion, item: ChecklistItem | None = None) -> dict:
    values = {name: getattr(item, name) for name in ITEM_FIELDS} if item else {}
    values.update({name: data[name] for name in ITEM_FIELDS if name in data})
    field_errors: dict[str, list[str]] = {}
    for name in ("code", "section", "section_en", "text", "text_en", "article", "standard_reference",
                 "evidence_expected", "evidence_expected_en", "severity"):
        value = values.get(name)
        values[name] = "" if value is None else str(value).strip()
    ids = values.get("requirement_ids") or []
    if isinstance(ids, str):
        ids = [part for part in re.split(r"[\s,;，；]+", ids) if part]
    values["requirement_ids"] = list(dict.fromkeys(str(part).strip().upper() for part in ids if str(part).strip()))
    limits = {"code": 20, "section": 100, "section_en": 150, "article": 60, "standard_reference": 100}
    for name, label in (("code", _("Give the item's code.")), ("section", _("Give the section.")),
                        ("text", _("Say what is checked.")),
                        ("evidence_expected", _("Say which evidence is expected."))):
        if not values[name]:
            field_errors[name] = [label]
    for name, limit in limits.items():
        if len(values[name]) > limit:
            field_errors.setdefault(name, []).append(_("At most %(limit)s characters.") % {"limit": limit})
    if values["code"] and not CODE.match(values["code"]):
        field_errors.setdefault("code", []).append(_("Use letters, digits, “-”, “_” or “.”."))
    elif values["code"] and version.items.filter(code=values["code"]).exclude(pk=getattr(item, "pk", None)).exists():
        field_errors.setdefault("code", []).append(_("Another item of this version has this code."))
    if values["severity"] not in Severity.values:
        field_errors["severity"] = [_("Choose critical, major or minor.")]
    bad = [part for part in values["requirement_ids"] if not REQUIREMENT_ID.match(part) or len(part) > 12]
    if bad:
        field_errors["requirement_ids"] = [_("Not a requirement ID: %(ids)s (write them like SEC-2).")
                                           % {"ids": ", ".join(bad)}]
    if not values["requirement_ids"] and not values["article"]:
        field_errors.setdefault("requirement_ids", []).append(
            _("Name at least one requirement ID or the article the item checks."))
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return values


@transaction.atomic
def checklist_item_add(*, version: ChecklistVersion, data: dict, by) -> ChecklistItem:
    """Append an item to a draft version."""
    version = _editable(version, by)
    values = _clean_item(data, version=version)
    position = (version.items.aggregate(last=Max("position"))["last"] or 0) + 1
    return save_tracked(ChecklistItem(version=version, position=position, **values), by=by, reason="item added")


@transaction.atomic
def checklist_item_update(*, item: ChecklistItem, data: dict, by) -> ChecklistItem:
    """Change an item of a draft version (only the fields given)."""
    version = _editable(item.version, by)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    values = _clean_item(data, version=version, item=item)
    for name, value in values.items():
        setattr(item, name, value)
    return save_tracked(item, by=by, reason="item changed")


@transaction.atomic
def checklist_item_remove(*, item: ChecklistItem, by) -> None:
    """Remove an item from a draft version; the others keep their order."""
    version = _editable(item.version, by)
    item = ChecklistItem.objects.get(pk=item.pk)
    item._history_user = by
    item._change_reason = "item removed"
    item.delete()
    _renumber(version, [row.pk for row in version.items.order_by("position", "pk")], by)


def _renumber(version: ChecklistVersion, order: list[int], by) -> None:
    items = {item.pk: item for item in version.items.all()}
    for position, pk in enumerate(order, start=1):
        item = items[pk]
        if item.position != position:
            item.position = position
            save_tracked(item, by=by, reason="items reordered")


@transaction.atomic
def checklist_items_reorder(*, version: ChecklistVersion, order: list[int], by) -> ChecklistVersion:
    """Put the draft's items in the given order (every item id exactly once)."""
    version = _editable(version, by)
    try:
        order = [int(pk) for pk in order]
    except (TypeError, ValueError):
        order = []
    if sorted(order) != sorted(version.items.values_list("pk", flat=True)) or len(set(order)) != len(order):
        raise errors.ValidationFailed(field_errors={"order": [_("Give every item of this version exactly once.")]})
    _renumber(version, order, by)
    return version


@transaction.atomic
def checklist_item_move(*, item: ChecklistItem, offset: int, by) -> ChecklistVersion:
    """Move one item up (-1) or down (+1) in its draft version."""
    version = item.version
    order = list(version.items.order_by("position", "pk").values_list("pk", flat=True))
    index = order.index(item.pk)
    target = max(0, min(len(order) - 1, index + (1 if offset > 0 else -1)))
    order.insert(target, order.pop(index))
    return checklist_items_reorder(version=version, order=order, by=by)


@transaction.atomic
def checklist_version_publish(*, version: ChecklistVersion, notes: str, by) -> ChecklistVersion:
    """Publish a draft (needs at least one item and a note of what changed); the previously published version
    of the template is retired. Plans and inspections keep the version they point at."""
    version = ChecklistVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    CHECKLIST_FLOW.check(by, version, version.status, ChecklistVersion.Status.PUBLISHED)
    field_errors = {}
    notes = (notes or "").strip()
    if not notes:
        field_errors["notes"] = [_("Say what changed in this version.")]
    if not version.items.exists():
        field_errors["items"] = [_("A checklist version needs at least one item before it is published.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    previous = (ChecklistVersion.objects.select_for_update()
                .filter(template=version.template, status=ChecklistVersion.Status.PUBLISHED).first())
    if previous is not None:
        CHECKLIST_FLOW.check(by, previous, previous.status, ChecklistVersion.Status.RETIRED)
        previous.status = ChecklistVersion.Status.RETIRED
        save_tracked(previous, by=by, reason=f"retired by version {version.number}")
    version.status = ChecklistVersion.Status.PUBLISHED
    version.notes = notes
    version.published_at = timezone.now()
    return save_tracked(version, by=by, reason="published")
