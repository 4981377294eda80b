"""The resource catalog's rules (SVC-1, SEC-1, SVC-3, SVC-4, SEC-9).

An admitted institution registers its data resources; each resource's metadata live in versions that a
health department reviews before publication. Every function here runs in one transaction, checks access
through `apps.core.policy` and the moves of `RESOURCE_VERSION_FLOW`, validates everything before it writes
(so a refused call saves nothing) and records history naming the actor.

- `resource_register` creates the resource and its first draft version.
- `version_update` replaces a draft's metadata, fields, stage responsibilities and standards.
- `version_submit` checks completeness (SVC-3 responsibilities, SEC-9 storage inside mainland China) and
  asks the reviewers of the department covering the resource's region.
- `version_review` publishes (superseding the previous published version) or returns with comments.
- `version_new` opens the next draft from the published version; `version_withdraw` abandons a draft;
  `resource_retire` takes a resource out of the catalog (grants already made are untouched).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from apps.core import errors, policy
from apps.core.history import acting_as, save_tracked

from ..models import (
    DataCategory,
    DataField,
    DataResource,
    LifecycleStage,
    OpenForm,
    ResourceVersion,
    SharingType,
    StageResponsibility,
    UpdateFrequency,
)
from ..timing import RESOURCE_REVIEW_WORKING_DAYS
from ..workflows import REGISTER, RESOURCE_VERSION_FLOW, REVIEW

V = ResourceVersion.Status
OPEN_STATUSES = (V.DRAFT, V.SUBMITTED, V.RETURNED)
EDITABLE_STATUSES = (V.DRAFT, V.RETURNED)
REVIEW_DECISIONS = ("approve", "return")

# SEC-9 (M.30): health and medical big data stay on servers inside the territory. Hong Kong, Macao and
# Taiwan are outside the mainland's data-export boundary (a transfer there is an export needing a
# security assessment), so storage there is refused like storage abroad.
OUTSIDE_MAINLAND_PREFIXES = ("71", "81", "82")
STORAGE_MESSAGE = gettext_lazy(
    "Health and medical data must be stored on servers inside mainland China (SEC-9): choose the "
    "province-level region where the servers are.")

# What a version's metadata consists of, and which of it may stay empty.
VERSION_FIELDS = ("title", "title_en", "description", "description_en", "keywords", "category", "sharing_type",
                  "open_form", "update_frequency", "data_format", "volume", "coverage_start", "coverage_end",
                  "storage_province", "storage_description", "change_summary")
REQUIRED_FIELDS = ("title", "description", "category", "sharing_type", "open_form", "update_frequency",
                   "data_format", "volume", "coverage_start", "storage_province")
_CHOICES = {"category": DataCategory, "sharing_type": SharingType, "open_form": OpenForm,
            "update_frequency": UpdateFrequency}
FIELD_KEYS = ("name", "name_en", "element_code", "description", "level", "personal")
_PHONE = re.compile(r"^[0-9+()\- ]{3,30}$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


# --- reading helpers used by the rules --------------------------------------------------------------


def review_due_on(version: ResourceVersion) -> datetime.date | None:
    """The date by which the department should decide on a submitted version (working days, timing.py)."""
    if version.submitted_at is None:
        return None
    from apps.workdays.services import add_working_days

    return add_working_days(version.submitted_at, RESOURCE_REVIEW_WORKING_DAYS)


def cjk_bigrams(text: str) -> list[str]:
    """Every two-character sequence inside each run of Chinese characters, once, in order of appearance.

    pg_trgm cannot use its index for a two-character pattern (`%随访%` has no trigram), yet most Chinese
    search words have two characters. Storing each bigram as a word of its own lets a two-character
    search look for `% 随访 %`, whose padded trigrams are in the index."""
    seen: dict[str, None] = {}
    for run in _CJK.findall(text or ""):
        for index in range(len(run) - 1):
            seen.setdefault(run[index:index + 2], None)
    return list(seen)


def search_text_for(version: ResourceVersion, fields: Iterable[dict] | None = None, code: str = "") -> str:
    """The text the catalog search matches: code, titles, descriptions, keywords, field names and codes,
    followed by the Chinese bigrams of all of it (see `cjk_bigrams`)."""
    if fields is None:
        fields = version.fields.values("name", "name_en", "element_code")
    parts = [code or version.resource.code, version.title, version.title_en, version.description,
             version.description_en, version.keywords]
    for field in fields:
        parts.extend([field.get("name", ""), field.get("name_en", ""), field.get("element_code", "")])
    text = " ".join(" ".join(str(part).split()) for part in parts if part)
    bigrams = cjk_bigrams(text)
    return f"{text} \n {' '.join(bigrams)} " if bigrams else f"{text} "


def level_recompute(version: ResourceVersion, *, by, save: bool = True) -> ResourceVersion:
    """The version's level is its fields' highest level, and it contains personal information when any
    field is personal (SEC-1); recomputed whenever the fields change."""
    summary = version.fields.aggregate(level=Max("level"))
    version.level = summary["level"]
    version.has_personal_information = version.fields.filter(personal=True).exists()
    version.search_text = search_text_for(version)
    if save:
        save_tracked(version, by=by, reason="level recomputed")
    return version


# --- validation ---------------------------------------------------------------------------------------


def _text(value) -> str:
    return " ".join(str(value).replace("\x00", "").split()) if value is not None else ""


def _long_text(value) -> str:
    return str(value).replace("\x00", "").strip() if value is not None else ""


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return False


def storage_province_or_error(value):
    """The Region for a storage province, or (None, message) when it is not a province-level region of
    mainland China (SEC-9)."""
    from apps.regions.models import Region

    code = getattr(value, "code", value)
    region = value if isinstance(value, Region) else Region.objects.filter(code=str(code or "")).first()
    if (region is None or region.level != Region.Level.PROVINCE
            or region.code[:2] in OUTSIDE_MAINLAND_PREFIXES):
        return None, str(STORAGE_MESSAGE)
    return region, None


def _clean_metadata(data: dict, current: ResourceVersion | None = None) -> tuple[dict, dict]:
    """Clean the version metadata; keys missing from `data` keep `current`'s values (partial updates)."""
    field_errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    for name in VERSION_FIELDS:
        if name in data:
            value = data[name]
        elif current is not None:
            value = getattr(current, "storage_province" if name == "storage_province" else name)
        else:
            value = None
        model_field = ResourceVersion._meta.get_field(name)
        if name in ("coverage_start", "coverage_end"):
            value = _date(value)
            if value is False:
                field_errors.setdefault(name, []).append(_("Enter a valid date."))
                continue
        elif name == "storage_province":
            if value not in (None, ""):
                region, message = storage_province_or_error(value)
                if message:
                    field_errors.setdefault(name, []).append(message)
                    continue
                value = region
            else:
                value = None
        elif name in ("description", "description_en", "change_summary"):
            value = _long_text(value)
        else:
            value = _text(value)
        if name in _CHOICES and value and value not in _CHOICES[name].values:
            field_errors.setdefault(name, []).append(_("Choose one of the listed values."))
            continue
        if name in REQUIRED_FIELDS and value in (None, ""):
            field_errors.setdefault(name, []).append(_("This field is required."))
            continue
        max_length = getattr(model_field, "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            field_errors.setdefault(name, []).append(
                _("At most %(max)d characters.") % {"max": max_length})
            continue
        cleaned[name] = value
    start, end = cleaned.get("coverage_start"), cleaned.get("coverage_end")
    if start and end and end < start:
        field_errors.setdefault("coverage_end", []).append(
            _("The end of the time coverage cannot be before its start."))
    return cleaned, field_errors


def _clean_fields(fields) -> tuple[list[dict], list[str]]:
    """The fields as a whole: at least one, names unique, each with a level 1-5 (SEC-1)."""
    problems: list[str] = []
    if fields is None or not isinstance(fields, list | tuple):
        return [], [_("List the resource's fields (data items).")]
    rows: list[dict] = []
    seen: dict[str, int] = {}
    limits = {key: DataField._meta.get_field(key).max_length for key in ("name", "name_en", "element_code",
                                                                          "description")}
    for number, raw in enumerate(fields, start=1):
        if not isinstance(raw, dict):
            problems.append(_("Field %(number)d is not valid.") % {"number": number})
            continue
        row = {key: _text(raw.get(key)) for key in ("name", "name_en", "element_code", "description")}
        if not row["name"]:
            problems.append(_("Field %(number)d needs a name.") % {"number": number})
            continue
        for key, limit in limits.items():
            if len(row[key]) > limit:
                problems.append(_("Field %(number)d: “%(key)s” has more than %(max)d characters.")
                                % {"number": number, "key": DataField._meta.get_field(key).verbose_name,
                                   "max": limit})
        try:
            level = int(raw.get("level"))
        except (TypeError, ValueError):
            level = None
        if level is None or not 1 <= level <= 5:
            problems.append(_("Field “%(name)s” needs a sensitivity level from 1 to 5.") % {"name": row["name"]})
        row["level"] = level
        personal = raw.get("personal", False)
        row["personal"] = personal in (True, "true", "True", "on", "1", 1)
        key = row["name"].casefold()
        if key in seen:
            problems.append(_("The field name “%(name)s” is used twice; field names must be unique.")
                            % {"name": row["name"]})
        seen[key] = number
        rows.append(row)
    if not rows and not problems:
        problems.append(_("A resource needs at least one field (data item)."))
    return rows, problems


def _clean_responsibilities(responsibilities, provider) -> tuple[list[dict], list[str]]:
    """At most one named person per lifecycle stage (SVC-3), each with name and position. Completeness
    (all eight stages) is checked at submission."""
    from apps.accounts.models import User

    problems: list[str] = []
    if responsibilities is None:
        return [], []
    if not isinstance(responsibilities, list | tuple):
        return [], [_("The stage responsibilities are not valid.")]
    labels = dict(LifecycleStage.choices)
    rows: list[dict] = []
    seen: set[str] = set()
    for raw in responsibilities:
        if not isinstance(raw, dict) or raw.get("stage") not in labels:
            problems.append(_("Each responsibility must name one of the eight lifecycle stages."))
            continue
        stage = raw["stage"]
        label = labels[stage]
        if stage in seen:
            problems.append(_("The stage “%(stage)s” is listed twice.") % {"stage": label})
            continue
        seen.add(stage)
        row = {"stage": stage, "person_name": _text(raw.get("person_name")), "position": _text(raw.get("position")),
               "phone": _text(raw.get("phone"))}
        if not row["person_name"] or not row["position"]:
            problems.append(_("Stage “%(stage)s” needs the responsible person's name and position.")
                            % {"stage": label})
        for key in ("person_name", "position", "phone"):
            limit = StageResponsibility._meta.get_field(key).max_length
            if len(row[key]) > limit:
                problems.append(_("Stage “%(stage)s”: at most %(max)d characters.") % {"stage": label, "max": limit})
        if row["phone"] and not _PHONE.match(row["phone"]):
            problems.append(_("Stage “%(stage)s”: the telephone number is not valid.") % {"stage": label})
        user = raw.get("user")
        if user not in (None, ""):
            user_id = getattr(user, "pk", user)
            found = User.objects.filter(pk=user_id, organisation=provider, is_active=True).first() \
                if str(user_id).isdigit() else None
            if found is None:
                problems.append(_("Stage “%(stage)s”: the portal account must be an active member of the "
                                  "provider.") % {"stage": label})
            row["user"] = found
        else:
            row["user"] = None
        rows.append(row)
    return rows, problems


def _clean_standards(standards) -> tuple[list, list[str]]:
    """Standards followed, by code or object: each must be a standard in use in the registry (STD-8)."""
    from apps.standards.models import Standard
    from apps.standards.selectors import standard_by_code, standards_in_use

    if standards is None:
        return [], []
    if isinstance(standards, str):
        standards = re.split(r"[,;，；\n]+", standards)
    found: dict[int, Standard] = {}
    problems: list[str] = []
    in_use = standards_in_use()
    for item in standards:
        if isinstance(item, Standard):
            standard = item
            code = item.code
        else:
            code = _text(item)
            if not code:
                continue
            standard = standard_by_code(code)
        if standard is None or not in_use.filter(pk=standard.pk).exists():
            problems.append(_("No standard in use has the code “%(code)s”.") % {"code": code})
            continue
        found[standard.pk] = standard
    return list(found.values()), problems


def _raise(field_errors: dict) -> None:
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)


def require_register_for(user, provider) -> None:
    """May `user` register resources of `provider`? Its own organisation only, with the role permission:
    NotFound when the organisation is invisible to the user, PermissionDenied when visible but not allowed."""
    from apps.accounts.models import Organisation

    if not policy.visible(user, Organisation.objects.filter(pk=provider.pk)).exists():
        raise errors.NotFound()
    policy.require(user, REGISTER)
    if user.organisation_id != provider.pk:
        raise errors.PermissionDenied()


def _require_admitted(provider) -> None:
    from apps.institutions.selectors import institution_is_admitted

    if not institution_is_admitted(provider.pk):
        raise errors.PermissionDenied(_("Only an admitted institution can register and maintain data resources."))


# --- writing helpers ----------------------------------------------------------------------------------


def _write_fields(version: ResourceVersion, rows: list[dict], by) -> None:
    """Replace the version's fields by `rows`, keeping the rows whose name stays (stable ids, readable
    history)."""
    existing = {field.name: field for field in version.fields.all()}
    wanted = {row["name"] for row in rows}
    with acting_as(by):
        for name, field in existing.items():
            if name not in wanted:
                field.delete()
    for position, row in enumerate(rows):
        field = existing.get(row["name"]) or DataField(version=version, name=row["name"])
        changed = field.pk is None
        for key in ("name_en", "element_code", "description", "level", "personal"):
            if getattr(field, key) != row[key]:
                setattr(field, key, row[key])
                changed = True
        if field.position != position:
            field.position = position
            changed = True
        if changed:
            save_tracked(field, by=by, reason="fields updated")


def _write_responsibilities(version: ResourceVersion, rows: list[dict], by) -> None:
    existing = {row.stage: row for row in version.responsibilities.all()}
    wanted = {row["stage"] for row in rows}
    with acting_as(by):
        for stage, row in existing.items():
            if stage not in wanted:
                row.delete()
    for row in rows:
        record = existing.get(row["stage"]) or StageResponsibility(version=version, stage=row["stage"])
        changed = record.pk is None
        for key in ("person_name", "position", "phone", "user"):
            if getattr(record, key) != row[key]:
                setattr(record, key, row[key])
                changed = True
        if changed:
            save_tracked(record, by=by, reason="responsibilities updated")


def _next_code(provider) -> str:
    """Provider's credit code, a hyphen and a four-digit serial per provider (the provider row is locked
    so that two registrations never take the same serial)."""
    from apps.accounts.models import Organisation

    locked = Organisation.objects.select_for_update().get(pk=provider.pk)
    credit_code = locked.credit_code or getattr(getattr(locked, "institution", None), "credit_code", "")
    if not credit_code:
        raise errors.ValidationFailed(_("The provider has no unified social credit code; resources cannot be "
                                        "numbered."))
    prefix = f"{credit_code}-"
    serials = [int(code[len(prefix):]) for code in
               DataResource.objects.filter(code__startswith=prefix).values_list("code", flat=True)
               if code[len(prefix):].isdigit()]
    serial = max(serials, default=0) + 1
    if serial > 9999:
        raise errors.ValidationFailed(_("The provider has used all resource numbers."))
    return f"{prefix}{serial:04d}"


def _people_of(organisation_id, perm_codename: str):
    from apps.accounts.models import User

    return list(User.objects.filter(
        organisation_id=organisation_id, is_active=True, is_machine=False,
        groups__permissions__codename=perm_codename, groups__permissions__content_type__app_label="catalog",
    ).distinct())


def reviewers_for(resource: DataResource) -> list:
    """The reviewers (catalog.review_resource) of the nearest active department covering the resource's
    region: the county first, then the city, the province and the national department."""
    from apps.accounts.models import Organisation, User

    code = resource.region_id or ""
    prefixes = [code[:6], code[:4], code[:2], ""]
    departments = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, is_active=True,
                                              jurisdiction_prefix__in=prefixes)
    people = User.objects.filter(
        organisation__in=departments, is_active=True, is_machine=False,
        groups__permissions__codename="review_resource", groups__permissions__content_type__app_label="catalog",
    ).select_related("organisation").distinct()
    by_prefix: dict[str, list] = {}
    for person in people:
        by_prefix.setdefault(person.organisation.jurisdiction_prefix, []).append(person)
    for prefix in prefixes:
        if by_prefix.get(prefix):
            return by_prefix[prefix]
    return []


def _notify(recipients, title, body, url, params) -> None:
    from apps.institutions.services.messages import portal_notify

    recipients = [person for person in recipients if person is not None]
    if recipients:
        transaction.on_commit(lambda: portal_notify(recipients=recipients, title=title, body=body, url=url,
                                                    params=params))


def _move(version: ResourceVersion, target: str, by, *, system: bool = False) -> None:
    """Check a status move against the table (and the actor's right to make it, unless a system move)."""
    if system:
        RESOURCE_VERSION_FLOW.transition(version.status, target)
    else:
        RESOURCE_VERSION_FLOW.check(by, version, version.status, target)


# --- the services -------------------------------------------------------------------------------------


@transaction.atomic
def resource_register(*, provider, data: dict, fields, responsibilities=None, standards=None, by) -> DataResource:
    """Register a data resource of `provider` with its first version, a draft (SVC-1).

    Only an admitted institution's people with catalog.register_resource may; the code is the provider's
    credit code and a serial number."""
    require_register_for(by, provider)
    _require_admitted(provider)
    metadata, field_errors = _clean_metadata(data or {})
    rows, problems = _clean_fields(fields)
    if problems:
        field_errors["fields"] = problems
    stage_rows, problems = _clean_responsibilities(responsibilities, provider)
    if problems:
        field_errors["responsibilities"] = problems
    standard_rows, problems = _clean_standards(standards)
    if problems:
        field_errors["standards"] = problems
    _raise(field_errors)
    if provider.region_id is None:
        raise errors.ValidationFailed(_("The provider has no region; update its profile first."))

    resource = DataResource(code=_next_code(provider), provider=provider, region_id=provider.region_id,
                            created_by=by)
    save_tracked(resource, by=by, reason="registered")
    version = ResourceVersion(resource=resource, number=1, status=V.DRAFT, created_by=by, **metadata)
    version.search_text = search_text_for(version, rows, code=resource.code)
    save_tracked(version, by=by, reason="first version drafted")
    _write_fields(version, rows, by)
    _write_responsibilities(version, stage_rows, by)
    version.standards.set(standard_rows)
    level_recompute(version, by=by)
    return resource


@transaction.atomic
def version_update(version: ResourceVersion, *, data: dict | None = None, fields=None, responsibilities=None,
                   standards=None, by) -> ResourceVersion:
    """Change a draft or returned version. `data` may be partial; `fields`, `responsibilities` and
    `standards`, when given, replace the current ones as a whole (None keeps them)."""
    version = ResourceVersion.objects.select_for_update().select_related("resource__provider").get(pk=version.pk)
    resource = version.resource
    policy.require(by, REGISTER, resource)
    if version.status not in EDITABLE_STATUSES:
        raise errors.TransitionNotAllowed(_("Only a draft or a returned version can be changed."))
    if resource.status != DataResource.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("The resource is retired."))
    _require_admitted(resource.provider)
    metadata, field_errors = _clean_metadata(data or {}, current=version)
    rows = None
    if fields is not None:
        rows, problems = _clean_fields(fields)
        if problems:
            field_errors["fields"] = problems
    stage_rows = None
    if responsibilities is not None:
        stage_rows, problems = _clean_responsibilities(responsibilities, resource.provider)
        if problems:
            field_errors["responsibilities"] = problems
    standard_rows = None
    if standards is not None:
        standard_rows, problems = _clean_standards(standards)
        if problems:
            field_errors["standards"] = problems
    _raise(field_errors)

    for name, value in metadata.items():
        setattr(version, name, value)
    save_tracked(version, by=by, reason="version edited")
    if rows is not None:
        _write_fields(version, rows, by)
    if stage_rows is not None:
        _write_responsibilities(version, stage_rows, by)
    if standard_rows is not None:
        version.standards.set(standard_rows)
    return level_recompute(version, by=by)


def completeness_problems(version: ResourceVersion) -> dict[str, list[str]]:
    """What keeps a version from being submitted (SVC-1, SVC-3, SEC-9), by field."""
    problems: dict[str, list[str]] = {}
    present = set(version.responsibilities.exclude(person_name="").exclude(position="")
                  .values_list("stage", flat=True))
    missing = [label for value, label in LifecycleStage.choices if value not in present]
    if missing:
        problems["responsibilities"] = [
            _("Name the responsible person of every lifecycle stage (SVC-3); missing: %(stages)s.")
            % {"stages": pgettext("separator between list items", ", ").join(str(label) for label in missing)}]
    if not version.fields.exists():
        problems["fields"] = [_("A resource needs at least one field (data item).")]
    _region, message = storage_province_or_error(version.storage_province)
    if message:
        problems["storage_province"] = [message]
    if version.coverage_end and version.coverage_end < version.coverage_start:
        problems["coverage_end"] = [_("The end of the time coverage cannot be before its start.")]
    for name in REQUIRED_FIELDS:
        if getattr(version, name if name != "storage_province" else "storage_province_id") in (None, ""):
            problems.setdefault(name, []).append(_("This field is required."))
    return problems


@transaction.atomic
def version_submit(version: ResourceVersion, *, by) -> ResourceVersion:
    """Send a complete draft (or a corrected returned version) to the department for review (SVC-4)."""
    version = ResourceVersion.objects.select_for_update().select_related(
        "resource__provider", "storage_province").get(pk=version.pk)
    resource = version.resource
    _move(version, V.SUBMITTED, by)
    if resource.status != DataResource.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("The resource is retired."))
    _require_admitted(resource.provider)
    _raise(completeness_problems(version))
    version.status = V.SUBMITTED
    version.submitted_at = timezone.now()
    save_tracked(version, by=by, reason="submitted for review")
    due = review_due_on(version)
    _notify(reviewers_for(resource), gettext_lazy("Catalog entry to review: %(title)s"),
            gettext_lazy("%(provider)s submitted version %(number)s of “%(title)s” (%(code)s) for review. "
                         "Please decide by %(due)s."),
            reverse("catalog:version_review", args=[version.pk]),
            {"title": version.title, "provider": resource.provider.name, "number": version.number,
             "code": resource.code, "due": due.isoformat() if due else ""})
    return version


@transaction.atomic
def version_review(version: ResourceVersion, *, decision: str, comment: str = "", by) -> ResourceVersion:
    """A department covering the resource's region publishes a submitted version or returns it with
    comments (SVC-4). Publication supersedes the previously published version."""
    version = ResourceVersion.objects.select_for_update().select_related("resource__provider").get(pk=version.pk)
    resource = DataResource.objects.select_for_update().get(pk=version.resource_id)
    if decision not in REVIEW_DECISIONS:
        raise errors.ValidationFailed(field_errors={"decision": [_("Choose to approve or to return the entry.")]})
    target = V.PUBLISHED if decision == "approve" else V.RETURNED
    _move(version, target, by)
    if by.organisation_id == resource.provider_id:
        raise errors.PermissionDenied(_("A provider cannot review its own catalog entry."))
    if policy.jurisdiction_prefix(by) is None:
        raise errors.PermissionDenied(_("Only a health department covering the resource's region may review it."))
    comment = _long_text(comment)
    if target == V.RETURNED and not comment:
        raise errors.ValidationFailed(field_errors={"comment": [_("Say what must be corrected.")]})
    if resource.status != DataResource.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("The resource is retired."))
    now = timezone.now()
    if target == V.PUBLISHED:
        previous = (ResourceVersion.objects.select_for_update().filter(resource=resource, status=V.PUBLISHED)
                    .exclude(pk=version.pk).first())
        if previous is not None:
            _move(previous, V.SUPERSEDED, by)
            previous.status = V.SUPERSEDED
            save_tracked(previous, by=by, reason=f"superseded by version {version.number}")
        version.published_at = now
    version.status = target
    version.reviewed_by = by
    version.reviewed_at = now
    version.review_comment = comment
    save_tracked(version, by=by, reason="approved and published" if target == V.PUBLISHED else "returned")
    if target == V.PUBLISHED:
        resource.published_version = version
        save_tracked(resource, by=by, reason=f"version {version.number} published")
        title = gettext_lazy("Catalog entry published: %(title)s")
        body = gettext_lazy("Version %(number)s of “%(title)s” (%(code)s) is published in the catalog.")
    else:
        title = gettext_lazy("Catalog entry returned: %(title)s")
        body = gettext_lazy("Version %(number)s of “%(title)s” (%(code)s) was returned for correction: "
                            "%(comment)s")
    recipients = {person.pk: person for person in _people_of(resource.provider_id, "register_resource")}
    recipients.setdefault(version.created_by_id, version.created_by)
    _notify(list(recipients.values()), title, body, reverse("catalog:version_detail", args=[version.pk]),
            {"title": version.title, "number": version.number, "code": resource.code, "comment": comment})
    return version


@transaction.atomic
def version_new(resource: DataResource, *, by) -> ResourceVersion:
    """Open the next version as a draft copied from the published one (fields, responsibilities,
    standards); the published version stays in the catalog until the new one is approved (SVC-4)."""
    resource = DataResource.objects.select_for_update().get(pk=resource.pk)
    policy.require(by, REGISTER, resource)
    if resource.status != DataResource.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("The resource is retired."))
    _require_admitted(resource.provider)
    open_version = resource.versions.filter(status__in=OPEN_STATUSES).first()
    if open_version is not None:
        raise errors.TransitionNotAllowed(
            _("Version %(number)s is already being prepared or reviewed.") % {"number": open_version.number})
    source = resource.published_version or resource.versions.order_by("-number").first()
    if source is None:
        raise errors.TransitionNotAllowed(_("The resource has no version to copy."))
    number = (resource.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    copy = ResourceVersion(resource=resource, number=number, status=V.DRAFT, created_by=by,
                           level=source.level, has_personal_information=source.has_personal_information,
                           search_text=source.search_text,
                           **{name: getattr(source, name) for name in VERSION_FIELDS if name != "change_summary"})
    try:
        with transaction.atomic():
            save_tracked(copy, by=by, reason=f"new version from version {source.number}")
    except IntegrityError:
        raise errors.TransitionNotAllowed(_("Another version is already being prepared.")) from None
    for field in source.fields.all():
        save_tracked(DataField(version=copy, position=field.position, name=field.name, name_en=field.name_en,
                               element_code=field.element_code, description=field.description, level=field.level,
                               personal=field.personal), by=by, reason="copied")
    for row in source.responsibilities.all():
        save_tracked(StageResponsibility(version=copy, stage=row.stage, person_name=row.person_name,
                                         position=row.position, phone=row.phone, user_id=row.user_id),
                     by=by, reason="copied")
    copy.standards.set(source.standards.all())
    return level_recompute(copy, by=by)


@transaction.atomic
def version_withdraw(version: ResourceVersion, *, by) -> ResourceVersion:
    """Abandon a draft or returned version; it stays in the history as withdrawn."""
    version = ResourceVersion.objects.select_for_update().get(pk=version.pk)
    _move(version, V.WITHDRAWN, by)
    version.status = V.WITHDRAWN
    save_tracked(version, by=by, reason="withdrawn")
    return version


def _retire(resource: DataResource, reason: str, by) -> DataResource:
    """Retire without a permission check (the callers decide who may): the open version ends as withdrawn
    (a version in review is first returned with the reason, the only path the table allows), the resource
    leaves the catalog search; published versions and grants made on them stay as they are."""
    open_version = resource.versions.select_for_update().filter(status__in=OPEN_STATUSES).first()
    if open_version is not None:
        if open_version.status == V.SUBMITTED:
            _move(open_version, V.RETURNED, by, system=True)
            open_version.status = V.RETURNED
            open_version.review_comment = reason
            save_tracked(open_version, by=by, reason="returned: resource retired")
        _move(open_version, V.WITHDRAWN, by, system=True)
        open_version.status = V.WITHDRAWN
        save_tracked(open_version, by=by, reason="withdrawn: resource retired")
    resource.status = DataResource.Status.RETIRED
    resource.retired_at = timezone.now()
    resource.retired_reason = reason
    save_tracked(resource, by=by, reason="retired")
    return resource


@transaction.atomic
def resource_retire(resource: DataResource, *, reason: str, by) -> DataResource:
    """Take a resource out of the catalog (its provider, or a department covering its region)."""
    resource = DataResource.objects.select_for_update().get(pk=resource.pk)
    if not (policy.can(by, REGISTER, resource) or policy.can(by, REVIEW, resource)):
        policy.require(by, REGISTER, resource)  # NotFound when invisible, PermissionDenied otherwise
    if resource.status != DataResource.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("The resource is already retired."))
    reason = _long_text(reason)
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Give the reason for retiring the resource.")]})
    return _retire(resource, reason, by)
