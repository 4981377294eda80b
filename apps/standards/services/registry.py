"""The standards registry (STD-1, STD-8): registering a standard, correcting its data, attaching its text.

Codes. A code is normalised first (`models.normalise_code`: case, full-width forms, dashes, spaces), so
`ws/t 500.1—2016`, `ＷＳ／Ｔ ５００.１-２０１６` and `WS/T 500.1-2016` are one code. Two forms are accepted:

- the **final code** of a published standard: issuing prefix, number (with its part), year, as in
  `WS 363.1-2011`, `WS/T 500.1-2016`, `GB/T 39725-2020`, `DB35/T 1234-2020`, `T/CHIA 12-2021`;
- a **provisional code** while a standard is being made (project to approval, and a withdrawn project
  keeps it): the year is the placeholder `20XX`, as on draft texts. A revision keeps the number of the
  standard it revises (`WS 363.1-20XX`, same series); a new standard has no number yet (`WS/T XXX-20XX`).
  When the same provisional code is taken, a serial in brackets tells them apart (`WS/T XXX-20XX (2)`).
  `provisional_code_for` proposes the first free one. Publication gives the final code (lifecycle).

The prefix decides nature and level (WS mandatory industry, WS/T recommended industry, GB mandatory
national, GB/T and GB/Z recommended national, DBxx local, T/... group), so a code and its nature cannot
disagree. A code is registered once; a number registered as mandatory cannot come back as recommended
(`WS 500.1-2016` next to `WS/T 500.1-2016`), which is nearly always a typing mistake.

Status is not registry data: a standard is registered as a project, or (for a standard already issued
elsewhere, e.g. a national standard) as published or in force; from there only the lifecycle moves it."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Organisation
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import FrameworkCategory, Standard, normalise_code, series_of

S = Standard.Status
PREFIX = r"(?:GB/T|GB/Z|GB|WS/T|WS|DB\d{2}(?:/T)?|T/[A-Z]+)"
FINAL_CODE = re.compile(rf"^(?P<prefix>{PREFIX}) (?P<number>\d+(?:\.\d+)*)-(?P<year>\d{{4}})$")
PROVISIONAL_CODE = re.compile(rf"^(?P<prefix>{PREFIX}) (?P<number>\d+(?:\.\d+)*|XXX)-20XX(?: \((?P<serial>\d+)\))?$")
# While the standard is being made its code may be provisional and may still change.
DRAFT_STATUSES = (S.PROJECT, S.DRAFTING, S.PUBLIC_COMMENT, S.EXPERT_REVIEW, S.APPROVAL, S.WITHDRAWN)
# How a standard enters the registry: a new project, or a standard already issued (national standards...).
REGISTRABLE_STATUSES = (S.PROJECT, S.PUBLISHED, S.IN_FORCE)
# What a newer version may supersede: an issued standard (a superseded one only to record history).
SUPERSEDABLE_STATUSES = (S.PUBLISHED, S.IN_FORCE, S.UNDER_REVISION, S.SUPERSEDED)
# The working group may replace the text of its draft while drafting; otherwise only officers.
WORKING_GROUP_TEXT_STATUSES = (S.PROJECT, S.DRAFTING)
REGISTRY_FIELDS = ("code", "title", "title_en", "nature", "level", "category", "scope_note",
                   "responsible_department", "published_on", "in_force_on", "abolished_on", "supersedes")


def nature_and_level(prefix: str) -> tuple[str, str]:
    """What the issuing prefix says: `WS/T` -> (recommended, industry)."""
    recommended = prefix.endswith(("/T", "/Z")) or prefix.startswith("T/")
    nature = Standard.Nature.RECOMMENDED if recommended else Standard.Nature.MANDATORY
    if prefix.startswith("GB"):
        return nature, Standard.Level.NATIONAL
    if prefix.startswith("DB"):
        return nature, Standard.Level.LOCAL
    if prefix.startswith("T/"):
        return nature, Standard.Level.GROUP
    return nature, Standard.Level.INDUSTRY


def code_parts(code: str) -> re.Match | None:
    """The prefix/number(/year) of a final or provisional code, else None."""
    text = normalise_code(code)
    return FINAL_CODE.match(text) or PROVISIONAL_CODE.match(text)


def is_provisional(code: str) -> bool:
    return PROVISIONAL_CODE.match(normalise_code(code)) is not None


def _code_error(message) -> errors.ValidationFailed:
    return errors.ValidationFailed(field_errors={"code": [message]})


def _nature_variants(match: re.Match) -> list[str]:
    """The same number and year under the other nature of the same issuer (WS <-> WS/T, GB <-> GB/T, GB/Z)."""
    prefix = match["prefix"]
    if prefix.startswith("T/"):
        return []
    issuer = prefix.split("/")[0]
    prefixes = [issuer, f"{issuer}/T"] + ([f"{issuer}/Z"] if issuer == "GB" else [])
    return [f"{other} {match['number']}-{match['year']}" for other in prefixes if other != prefix]


def standard_code_check(code: str, *, standard: Standard | None = None, provisional_ok: bool = False) -> str:
    """The normalised code, else ValidationFailed on `code`: well formed (final, or provisional when
    `provisional_ok`), not registered for another standard, not a nature-variant of a registered code.
    The lifecycle calls it for the final code given at publication."""
    text = normalise_code(code or "")
    if not text:
        raise _code_error(_("Give the code of the standard."))
    final = FINAL_CODE.match(text)
    if final is None and not (provisional_ok and PROVISIONAL_CODE.match(text)):
        if provisional_ok:
            raise _code_error(_("“%(code)s” is neither a standard code such as WS 363.1-2023 or GB/T 39725-2020 nor a "
                                "provisional code such as WS/T XXX-20XX or WS 363.1-20XX.") % {"code": text})
        raise _code_error(_("“%(code)s” is not a standard code such as WS 363.1-2023 or GB/T 39725-2020.")
                          % {"code": text})
    if final is not None and not 1949 <= int(final["year"]) <= timezone.localdate().year + 1:
        raise _code_error(_("%(year)s is not a possible year for a standard.") % {"year": final["year"]})
    others = Standard.objects.exclude(pk=standard.pk) if standard is not None and standard.pk else Standard.objects
    taken = others.filter(code=text).only("code", "title").first()
    if taken is not None:
        raise _code_error(_("%(code)s is already registered (“%(title)s”).") % {"code": text, "title": taken.title})
    if final is not None:
        variant = others.filter(code__in=_nature_variants(final)).only("code").first()
        if variant is not None:
            raise _code_error(_("%(other)s is already registered: the same number cannot be registered again as "
                                "%(code)s.") % {"other": variant.code, "code": text})
    return text


def provisional_code_for(standard: Standard | None = None, *, prefix: str = "WS/T") -> str:
    """A free provisional code: for the revision of `standard` its own prefix and number (`WS 363.1-20XX`),
    else a new standard of `prefix` (`WS/T XXX-20XX`); `(2)`, `(3)`... when taken."""
    number = "XXX"
    if standard is not None:
        match = code_parts(standard.code)
        if match is not None:
            prefix, number = match["prefix"], match["number"]
    base = f"{prefix} {number}-20XX"
    taken = set(Standard.objects.filter(code__startswith=base).values_list("code", flat=True))
    candidate, serial = base, 1
    while candidate in taken:
        serial += 1
        candidate = f"{base} ({serial})"
    return candidate


# --- cleaning ------------------------------------------------------------------------------------------------


def _instance_of(model, value, **conditions):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return model.objects.filter(pk=value.pk, **conditions).first() if value.pk is not None else None
    try:
        return model.objects.filter(pk=int(value), **conditions).first()
    except (TypeError, ValueError):
        return None


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _clean(data: dict, *, standard: Standard | None, status: str) -> dict:
    """`standard` is None when registering: an issued standard is then registered with its dates. Reference
    rows whose dates are unknown stay editable."""
    field_errors: dict[str, list] = {}

    def fail(field, message):
        field_errors.setdefault(field, []).append(message)

    values: dict = {}
    try:
        values["code"] = standard_code_check(data.get("code", ""), standard=standard,
                                             provisional_ok=status in DRAFT_STATUSES)
    except errors.ValidationFailed as error:
        field_errors.update(error.field_errors)
    parts = code_parts(values["code"]) if "code" in values else None

    values["title"] = (data.get("title") or "").strip()
    if not values["title"]:
        fail("title", _("Give the title of the standard."))
    elif len(values["title"]) > 300:
        fail("title", _("A title has at most 300 characters."))
    values["title_en"] = (data.get("title_en") or "").strip()[:400]
    values["scope_note"] = (data.get("scope_note") or "").strip()

    expected = nature_and_level(parts["prefix"]) if parts else (None, None)
    for field, choices, wanted in (("nature", Standard.Nature, expected[0]), ("level", Standard.Level, expected[1])):
        given = data.get(field) or wanted
        if given not in choices.values:
            fail(field, _("Choose a valid value."))
        elif wanted and given != wanted:
            fail(field, _("%(prefix)s codes are of this kind: %(value)s.")
                 % {"prefix": parts["prefix"], "value": choices(wanted).label})
        values[field] = given

    values["category"] = _instance_of(FrameworkCategory, data.get("category"))
    if values["category"] is None:
        fail("category", _("Choose the category of the standard-system framework."))
    department = data.get("responsible_department")
    values["responsible_department"] = _instance_of(Organisation, department, kind=Organisation.Kind.DEPARTMENT)
    if department not in (None, "") and values["responsible_department"] is None:
        fail("responsible_department", _("Choose a health administrative department."))

    for field in ("published_on", "in_force_on", "abolished_on"):
        values[field] = _as_date(data.get(field))
        if data.get(field) not in (None, "") and values[field] is None:
            fail(field, _("Enter a valid date."))
    _check_dates(values, status if standard is None else None, parts, fail)
    _check_supersedes(data, values, standard, fail)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return values


def _check_dates(values: dict, registering_as: str | None, parts, fail) -> None:
    published, in_force, abolished = values["published_on"], values["in_force_on"], values["abolished_on"]
    if published and in_force and in_force < published:
        fail("in_force_on", _("A standard cannot come into force before it is published (%(date)s).")
             % {"date": published})
    if abolished and published and abolished < published:
        fail("abolished_on", _("A standard cannot be abolished before it is published (%(date)s).")
             % {"date": published})
    if registering_as in (S.PUBLISHED, S.IN_FORCE) and published is None:
        fail("published_on", _("Give the date of publication of an issued standard."))
    if registering_as == S.IN_FORCE:
        if in_force is None:
            fail("in_force_on", _("Give the date the standard came into force."))
        elif in_force > timezone.localdate():
            fail("in_force_on", _("A standard coming into force on %(date)s is published, not yet in force.")
                 % {"date": in_force})
    if published and parts is not None and "year" in parts.groupdict() and int(parts["year"]) != published.year:
        fail("published_on", _("The year in the code (%(year)s) must be the year of publication (%(published)s).")
             % {"year": parts["year"], "published": published.year})


def _check_supersedes(data: dict, values: dict, standard: Standard | None, fail) -> None:
    """A newer version supersedes an issued standard of its own series, unless a change of series (WS ->
    WS/T, a merge of parts) is explicitly allowed; and nothing else already replaces it."""
    given = data.get("supersedes")
    older = _instance_of(Standard, given)
    values["supersedes"] = older
    if given in (None, ""):
        return
    if older is None:
        fail("supersedes", _("Choose a registered standard."))
        return
    if standard is not None and older.pk == standard.pk:
        fail("supersedes", _("A standard cannot supersede itself."))
        return
    if older.status not in SUPERSEDABLE_STATUSES:
        fail("supersedes", _("%(code)s is %(status)s; only an issued standard can be superseded.")
             % {"code": older.code, "status": older.get_status_display().lower()})
    code = values.get("code")
    if code and series_of(code) != older.series and not data.get("allow_other_series"):
        fail("supersedes", _("%(older)s is of another series than %(code)s; confirm that the new version "
                             "replaces a standard of another series.") % {"older": older.code, "code": code})
    replacing = (Standard.objects.filter(supersedes=older).exclude(status__in=(S.WITHDRAWN, S.ABOLISHED))
                 .exclude(pk=getattr(standard, "pk", None)).only("code").first())
    if replacing is not None:
        fail("supersedes", _("%(code)s already supersedes %(older)s.") % {"code": replacing.code, "older": older.code})


# --- services ------------------------------------------------------------------------------------------------


def _check_custodian(values: dict, by) -> None:
    """A local department registers standards it (or a department below it) is responsible for; by
    default itself. Only the national department registers standards without a responsible department."""
    prefix = policy.jurisdiction_prefix(by)
    if prefix in (None, ""):
        return
    if values.get("responsible_department") is None:
        values["responsible_department"] = by.organisation
    department = values["responsible_department"]
    if not (department.region_id or "").startswith(prefix):
        raise errors.ValidationFailed(field_errors={"responsible_department": [
            _("Choose your own department or a department of your jurisdiction.")]})


def _check_new_custodian(department, by) -> None:
    """A local department hands a standard only to itself or a department of its jurisdiction; only the
    national department leaves it without a responsible department (then the national department's)."""
    prefix = policy.jurisdiction_prefix(by)
    if prefix in (None, ""):
        return
    if department is None or not (department.region_id or "").startswith(prefix):
        raise errors.ValidationFailed(field_errors={"responsible_department": [
            _("Choose your own department or a department of your jurisdiction.")]})


def _check_supersedes_custodian(older: Standard | None, by) -> None:
    """Superseding a standard ends it when the new version comes into force (by the nightly job, as the system
    account), so a local department links as superseded only a standard its jurisdiction is custodian of."""
    prefix = policy.jurisdiction_prefix(by)
    if older is None or prefix in (None, ""):
        return
    custodian = older.responsible_department
    if custodian is None or not (custodian.region_id or "").startswith(prefix):
        raise errors.ValidationFailed(field_errors={"supersedes": [
            _("%(code)s is the responsibility of another department; only that department or one above it may "
              "replace it.") % {"code": older.code}]})


@transaction.atomic
def standard_create(*, data: dict, by, status: str = S.PROJECT) -> Standard:
    """Register a standard (STD-1): a new project (provisional code allowed), or a standard already issued
    (published or in force, final code and dates). Needs standards.add_standard. `data` holds the
    REGISTRY_FIELDS (category, department and supersedes as objects or ids) and `allow_other_series`."""
    policy.require(by, "standards.add_standard")
    if status not in REGISTRABLE_STATUSES:
        raise errors.ValidationFailed(field_errors={"status": [
            _("A standard is registered as a project, as published or as in force.")]})
    values = _clean(data, standard=None, status=status)
    _check_custodian(values, by)
    _check_supersedes_custodian(values["supersedes"], by)
    standard = Standard(status=status, **values)
    reason = "project registered" if status == S.PROJECT else f"registered ({status})"
    return save_tracked(standard, by=by, reason=reason)


@transaction.atomic
def standard_update(*, standard: Standard, data: dict, by) -> Standard:
    """Correct the registry data of a standard (STD-1); keys absent from `data` keep their value.

    The code may change only while the standard is being made (a published code is what institutions
    declare and certificates quote); the status never changes here (lifecycle)."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    policy.require(by, "standards.change_standard", standard)
    if "code" in data and normalise_code(data["code"] or "") != standard.code and standard.status not in DRAFT_STATUSES:
        raise errors.ValidationFailed(field_errors={"code": [
            _("The code of a published standard cannot change; register a new version instead.")]})
    merged = {field: getattr(standard, field) for field in REGISTRY_FIELDS}
    merged.update({key: value for key, value in data.items() if key in (*REGISTRY_FIELDS, "allow_other_series")})
    if standard.supersedes_id and merged.get("supersedes") == standard.supersedes and "allow_other_series" not in data:
        merged["allow_other_series"] = True  # an accepted link is not questioned again by an unrelated edit
    values = _clean(merged, standard=standard, status=standard.status)
    if values["responsible_department"] != standard.responsible_department:
        _check_new_custodian(values["responsible_department"], by)
    if values["supersedes"] != standard.supersedes:
        _check_supersedes_custodian(values["supersedes"], by)
    changed = [field for field, value in values.items() if getattr(standard, field) != value]
    if not changed:
        return standard
    for field in changed:
        setattr(standard, field, values[field])
    return save_tracked(standard, by=by, reason="registry data updated: " + ", ".join(changed))


def may_upload_text(user, standard: Standard) -> bool:
    """Officers always; the working group (edit_draft grant) while the draft is being written."""
    if policy.can(user, "standards.change_standard", standard):
        return True
    return standard.status in WORKING_GROUP_TEXT_STATUSES and policy.can(user, "standards.edit_draft", standard)


def pdf_check(upload, *, field: str = "text") -> None:
    """A PDF by content, not by name (size limit and magic number, as institution documents)."""
    from apps.institutions.services import document_check

    content_type, _extension = document_check(upload, field=field)
    if content_type != "application/pdf":
        raise errors.ValidationFailed(field_errors={field: [
            _("“%(name)s” is not a PDF file; the text of a standard is attached as PDF.") % {"name": upload.name}]})


@transaction.atomic
def standard_text_upload(*, standard: Standard, upload, by) -> Standard:
    """Attach (or replace) the text of a standard as a PDF (STD-1). The stored name is the content hash;
    the previous file stays on disk so that history rows still point at the text they describe."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if not may_upload_text(by, standard):
        policy.require(by, "standards.change_standard", standard)  # NotFound or PermissionDenied
    pdf_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    standard.text.save(f"{digest.hexdigest()[:32]}.pdf", upload, save=False)
    standard.text_name = upload.name[-200:]
    return save_tracked(standard, by=by, reason="text uploaded")
