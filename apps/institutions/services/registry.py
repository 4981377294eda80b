"""The registry: one validated identity per responsible entity (INS-1) with its named responsible
people (INS-5). Every path that creates or changes an institution's data comes through here."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from apps.accounts.models import Organisation
from apps.accounts.services import organisation_save
from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.regions.models import Region

from ..models import Institution

# Fields an institution's profile consists of, in form order. Status and credit are never set here.
PROFILE_FIELDS = (
    "name", "name_en", "credit_code", "type", "hospital_grade", "ownership", "region", "address",
    "legal_representative", "top_leader_name", "top_leader_title", "top_leader_phone",
    "security_officer_name", "security_officer_phone", "security_officer_email",
    "data_department", "data_department_head", "contact_name", "contact_phone", "contact_email",
)
# Fields an institution may propose to change itself (identity and region stay with the department).
PROPOSABLE_FIELDS = tuple(f for f in PROFILE_FIELDS if f not in ("credit_code", "region"))
REQUIRED_FIELDS = (
    "name", "credit_code", "type", "ownership", "region", "address", "legal_representative",
    "top_leader_name", "top_leader_title", "security_officer_name", "security_officer_phone",
    "data_department", "contact_name", "contact_phone", "contact_email",
)
GRADED_TYPES = (Institution.Type.HOSPITAL,)
PHONE = re.compile(r"^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")


def clean_credit_code(value: str) -> str:
    try:
        return uscc.validate((value or "").strip().upper())
    except StdnumError:
        raise ValidationError(_("“%(value)s” is not a valid unified social credit code (GB 32100).")
                              % {"value": value}) from None


def _is_county_level(region: Region) -> bool:
    """County-level divisions, and the few prefecture cities without counties (e.g. Dongguan, 441900)."""
    if region.level == Region.Level.COUNTY:
        return True
    return region.level == Region.Level.PREFECTURE and not Region.objects.filter(parent=region).exists()


def institution_clean(data: dict, *, exclude_pk=None, check_unique: bool = True,
                      regions: dict | None = None) -> dict:
    """Validate profile data; return cleaned values (region as a Region) or raise ValidationFailed.

    `regions` (code -> Region) lets a bulk import validate many rows without a query per row."""
    cleaned: dict = {}
    field_errors: dict[str, list[str]] = {}

    def fail(field, message):
        field_errors.setdefault(field, []).append(str(message))

    for field in PROFILE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, str):
            value = value.strip()
        cleaned[field] = "" if value is None else value
    for field in REQUIRED_FIELDS:
        if field in data and not cleaned.get(field):
            fail(field, _("This field is required."))

    if cleaned.get("credit_code"):
        try:
            cleaned["credit_code"] = clean_credit_code(cleaned["credit_code"])
        except ValidationError as error:
            fail("credit_code", error.messages[0])
        else:
            if check_unique and (
                Institution.objects.filter(credit_code=cleaned["credit_code"]).exclude(pk=exclude_pk).exists()
                or Organisation.objects.filter(credit_code=cleaned["credit_code"]).exclude(pk=exclude_pk).exists()
            ):
                fail("credit_code", _("An institution with this unified social credit code is already registered."))
    for field, choices in (("type", Institution.Type), ("ownership", Institution.Ownership),
                           ("hospital_grade", Institution.Grade)):
        if cleaned.get(field) and cleaned[field] not in choices.values:
            fail(field, _("“%(value)s” is not one of the choices.") % {"value": cleaned[field]})
    if "type" in cleaned and cleaned["type"] not in GRADED_TYPES:
        cleaned["hospital_grade"] = ""  # a grade only means something for hospitals
    if cleaned.get("region"):
        region = cleaned["region"]
        if not isinstance(region, Region):
            code = str(region)
            region = regions.get(code) if regions is not None else Region.objects.filter(code=code).first()
        if region is None:
            fail("region", _("“%(value)s” is not a known administrative division code (GB/T 2260).")
                 % {"value": cleaned["region"]})
        elif not _is_county_level(region):
            fail("region", _("Choose a county-level division; “%(name)s” is not one.") % {"name": region.name})
        else:
            cleaned["region"] = region
    for field in ("security_officer_phone", "top_leader_phone", "contact_phone"):
        if cleaned.get(field) and not PHONE.match(cleaned[field].replace(" ", "")):
            fail(field, _("Enter a mobile number or a landline with its area code."))
    for field in ("security_officer_email", "contact_email"):
        if cleaned.get(field):
            try:
                validate_email(cleaned[field])
            except ValidationError:
                fail(field, _("Enter a valid e-mail address."))
            else:
                cleaned[field] = cleaned[field].lower()
    for field in PROFILE_FIELDS:
        limit = Institution._meta.get_field(field).max_length
        if limit and isinstance(cleaned.get(field), str) and len(cleaned[field]) > limit:
            fail(field, _("At most %(limit)d characters.") % {"limit": limit})
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return cleaned


def _department_for(region: Region) -> Organisation | None:
    """The most local department whose jurisdiction covers `region` (SUP-4): county, city, province, nation."""
    prefixes = [region.code[:n] for n in (6, 4, 2)]
    candidates = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, is_active=True,
                                             jurisdiction_prefix__in=[*prefixes, ""])
    by_prefix = {org.jurisdiction_prefix: org for org in candidates}
    for prefix in [*prefixes, ""]:
        if prefix in by_prefix:
            return by_prefix[prefix]
    return None


def responsible_department(institution: Institution) -> Organisation | None:
    return _department_for(institution.region)


@transaction.atomic
def institution_create(*, data: dict, by, kind: str = Organisation.Kind.INSTITUTION,
                       status: str = Institution.Status.APPLICANT, reason: str = "registered") -> Institution:
    """Create the organisation and its institution profile in one step (INS-1).

    A department registering an institution must cover its region; a public registration passes the
    anonymous applicant's account as `by` after creating it."""
    if by is not None:  # None only for the public sign-up, whose applicant account does not exist yet
        policy.require(by, "institutions.add_institution")
    missing = [f for f in REQUIRED_FIELDS if f not in data]
    cleaned = institution_clean({**dict.fromkeys(missing, ""), **data})
    if by is not None and getattr(by, "is_regulator", False):
        prefix = policy.jurisdiction_prefix(by)
        if prefix and not cleaned["region"].code.startswith(prefix):
            raise errors.ValidationFailed(field_errors={"region": [
                _("This division is outside your jurisdiction.")]})
    organisation = Organisation(name=cleaned["name"], name_en=cleaned.get("name_en", ""), kind=kind,
                                region=cleaned["region"], credit_code=cleaned["credit_code"])
    organisation_save(organisation=organisation, by=by, reason=reason)
    institution = Institution(organisation=organisation, status=status, **cleaned)
    if status == Institution.Status.ADMITTED:
        institution.admitted_at = timezone.now()
    try:
        with transaction.atomic():
            save_tracked(institution, by=by, reason=reason)
    except IntegrityError:
        raise errors.ValidationFailed(field_errors={"credit_code": [
            _("An institution with this unified social credit code is already registered.")]}) from None
    return institution


@transaction.atomic
def institution_update(*, institution: Institution, data: dict, by, reason: str = "updated",
                       check_permission: bool = True) -> Institution:
    """Change profile data; the organisation's name, region and code follow (INS-1 consistency)."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if check_permission:
        policy.require(by, "institutions.change_institution", institution)
    cleaned = institution_clean({k: v for k, v in data.items() if k in PROFILE_FIELDS}, exclude_pk=institution.pk)
    if by is not None and getattr(by, "is_regulator", False) and "region" in cleaned:
        prefix = policy.jurisdiction_prefix(by)
        if prefix and not cleaned["region"].code.startswith(prefix):
            raise errors.ValidationFailed(field_errors={"region": [_("This division is outside your jurisdiction.")]})
    for field, value in cleaned.items():
        setattr(institution, field, value)
    organisation = institution.organisation
    organisation.name, organisation.name_en = institution.name, institution.name_en
    organisation.region, organisation.credit_code = institution.region, institution.credit_code
    organisation_save(organisation=organisation, by=by, reason=reason)
    return save_tracked(institution, by=by, reason=reason)


def institution_set_status(*, institution: Institution, status: str, by, reason: str) -> Institution:
    """The only writer of `Institution.status`; callers have checked their own workflow and permission.

    Keeps the organisation's `is_active` in step: a closed entity's accounts act on nothing."""
    institution.status = status
    institution.status_changed_at = timezone.now()
    if status == Institution.Status.ADMITTED and institution.admitted_at is None:
        institution.admitted_at = institution.status_changed_at
    save_tracked(institution, by=by, reason=reason)
    active = status != Institution.Status.CLOSED
    if institution.organisation.is_active != active:
        organisation = institution.organisation
        organisation.is_active = active
        save_tracked(organisation, by=by, reason=reason)
    from .. import signals

    signals.institution_status_changed.send(sender=Institution, institution=institution, status=status, by=by)
    return institution
