"""Inspection plans (SUP-1 routine inspections, SUP-2 evaluations of platforms and providers), their inspector
pool and declared conflicts of interest.

A plan belongs to the department of the user who makes it (its region: the department's; None for the
national department, whose plans only national users see). It is edited while a draft, then activated
(selections and inspections need an active plan), closed or cancelled through PLAN_FLOW.

Pool rule: an active user of a health department inside the plan department's jurisdiction (the national
department: any department) who holds the role "inspector" or "department_head". Inspectors carry out
inspections; heads are department officials who lead inspection teams in person. Other department roles
(reviewers, case officers, auditors, standards officers) are not enforcement staff and are refused."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.institutions.models import Institution
from apps.regions.models import Region

from ..models import ChecklistVersion, ConflictOfInterest, Inspection, InspectionPlan, PlanInspector
from ..workflows import INSPECTION_FLOW, MANAGE_PLAN, PLAN_FLOW
from . import numbering
from .inspections import revoke_team_grants

POOL_ROLES = ("inspector", "department_head")
PLAN_FIELDS = ("title", "kind", "subject", "description", "starts_on", "ends_on", "scope_regions", "scope_types",
               "checklist")
DECLARE_CONFLICT = "inspections.add_conflictofinterest"


def _department(by):
    organisation = getattr(by, "organisation", None)
    if organisation is None or organisation.kind != "department":
        raise errors.PermissionDenied(_("Only a health department makes inspection plans."))
    return organisation


def _as_date(value, field: str, field_errors: dict):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    field_errors[field] = [_("Give a date.")]
    return None


def _clean_plan(values: dict, *, department) -> dict:
    """Validate a whole plan's fields; raise ValidationFailed with every problem at once."""
    field_errors: dict[str, list[str]] = {}
    cleaned = {}
    title = (values.get("title") or "").strip()
    if not title or len(title) > 200:
        field_errors["title"] = [_("Give a title (at most 200 characters).")]
    cleaned["title"] = title
    cleaned["description"] = (values.get("description") or "").strip()
    if values.get("kind") not in InspectionPlan.Kind.values:
        field_errors["kind"] = [_("Choose annual, quarterly or special.")]
    cleaned["kind"] = values.get("kind")
    subject = values.get("subject") or InspectionPlan.Subject.ROUTINE
    if subject not in InspectionPlan.Subject.values:
        field_errors["subject"] = [_("Choose a routine inspection or an evaluation of platforms and providers.")]
    cleaned["subject"] = subject
    starts_on = _as_date(values.get("starts_on"), "starts_on", field_errors)
    ends_on = _as_date(values.get("ends_on"), "ends_on", field_errors)
    if starts_on and ends_on and ends_on < starts_on:
        field_errors["ends_on"] = [_("The plan cannot end before it starts.")]
    cleaned["starts_on"], cleaned["ends_on"] = starts_on, ends_on

    regions = [str(code).strip() for code in values.get("scope_regions") or [] if str(code).strip()]
    regions = list(dict.fromkeys(regions))
    known = dict(Region.objects.filter(code__in=regions).values_list("code", "prefix")) if regions else {}
    jurisdiction = department.jurisdiction_prefix or ""
    unknown = [code for code in regions if code not in known]
    outside = [code for code in regions if code in known and not code.startswith(jurisdiction)]
    if unknown:
        field_errors["scope_regions"] = [_("Unknown region code: %(codes)s.") % {"codes": ", ".join(unknown)}]
    elif outside:
        field_errors["scope_regions"] = [_("Outside your department's jurisdiction: %(codes)s.")
                                         % {"codes": ", ".join(outside)}]
    cleaned["scope_regions"] = sorted(regions)

    types = list(dict.fromkeys(str(value) for value in values.get("scope_types") or [] if value))
    wrong = [value for value in types if value not in Institution.Type.values]
    if wrong:
        field_errors["scope_types"] = [_("Unknown institution type: %(types)s.") % {"types": ", ".join(wrong)}]
    cleaned["scope_types"] = types

    checklist = values.get("checklist")
    if checklist is not None and not isinstance(checklist, ChecklistVersion):
        raw = str(checklist)
        checklist = ChecklistVersion.objects.filter(pk=raw).first() if raw.isascii() and raw.isdigit() else None
    if checklist is None:
        field_errors["checklist"] = [_("Choose a checklist.")]
    elif checklist.status != ChecklistVersion.Status.PUBLISHED:
        field_errors["checklist"] = [_("Choose a published checklist version (this one is %(status)s).")
                                     % {"status": checklist.get_status_display().lower()}]
    cleaned["checklist"] = checklist
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return cleaned


@transaction.atomic
def plan_create(*, data: dict, by) -> InspectionPlan:
    """A draft plan of the caller's department (SUP-1, SUP-2), numbered JC<year>-<region>-<serial>."""
    policy.require(by, MANAGE_PLAN)
    department = _department(by)
    cleaned = _clean_plan(data, department=department)
    plan = InspectionPlan(department=department, region_id=department.region_id, created_by=by,
                          number=numbering.plan_number(department, cleaned["starts_on"].year), **cleaned)
    return save_tracked(plan, by=by, reason="plan created")


def _locked(plan: InspectionPlan) -> InspectionPlan:
    return InspectionPlan.objects.select_for_update().select_related("department").get(pk=plan.pk)


@transaction.atomic
def plan_update(*, plan: InspectionPlan, data: dict, by) -> InspectionPlan:
    """Change a draft plan (fields not given keep their values)."""
    plan = _locked(plan)
    policy.require(by, MANAGE_PLAN, plan)
    if plan.status != InspectionPlan.Status.DRAFT:
        raise errors.TransitionNotAllowed(_("Only a draft plan can be changed."))
    values = {name: getattr(plan, name) for name in PLAN_FIELDS}
    values.update({name: data[name] for name in PLAN_FIELDS if name in data})
    cleaned = _clean_plan(values, department=plan.department)
    for name, value in cleaned.items():
        setattr(plan, name, value)
    return save_tracked(plan, by=by, reason="plan changed")


@transaction.atomic
def plan_activate(*, plan: InspectionPlan, by) -> InspectionPlan:
    """Start the plan: selections can now be made."""
    plan = _locked(plan)
    PLAN_FLOW.check(by, plan, plan.status, InspectionPlan.Status.ACTIVE)
    plan.status = InspectionPlan.Status.ACTIVE
    return save_tracked(plan, by=by, reason="plan activated")


@transaction.atomic
def plan_close(*, plan: InspectionPlan, by) -> InspectionPlan:
    """End an active plan; its inspections go on to their own close."""
    plan = _locked(plan)
    PLAN_FLOW.check(by, plan, plan.status, InspectionPlan.Status.CLOSED)
    plan.status = InspectionPlan.Status.CLOSED
    return save_tracked(plan, by=by, reason="plan closed")


@transaction.atomic
def plan_cancel(*, plan: InspectionPlan, reason: str, by) -> InspectionPlan:
    """Cancel a draft or active plan with a reason; its planned inspections are cancelled with it. Refused while
    an inspection of the plan is on site (close or cancel it first)."""
    plan = _locked(plan)
    PLAN_FLOW.check(by, plan, plan.status, InspectionPlan.Status.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the plan is cancelled.")]})
    if plan.inspections.filter(status=Inspection.Status.IN_PROGRESS).exists():
        raise errors.TransitionNotAllowed(_("An inspection of this plan is on site: close or cancel it first."))
    for inspection in plan.inspections.select_for_update().filter(status=Inspection.Status.PLANNED):
        INSPECTION_FLOW.check(by, inspection, inspection.status, Inspection.Status.CANCELLED)
        inspection.status = Inspection.Status.CANCELLED
        inspection.cancel_reason = reason
        save_tracked(inspection, by=by, reason="plan cancelled")
        revoke_team_grants(inspection)
    plan.status = InspectionPlan.Status.CANCELLED
    plan.cancel_reason = reason
    return save_tracked(plan, by=by, reason="plan cancelled")


# --- the inspector pool -----------------------------------------------------------------------------------


def pool_candidates(plan: InspectionPlan):
    """Users who may join the plan's pool (see the module docstring), by name."""
    from django.contrib.auth import get_user_model

    rows = get_user_model().objects.filter(is_active=True, is_machine=False, organisation__kind="department",
                                           organisation__is_active=True, groups__name__in=POOL_ROLES)
    prefix = plan.department.jurisdiction_prefix or ""
    if prefix:
        rows = rows.filter(organisation__region__code__startswith=prefix)
    return rows.exclude(pk__in=plan.pool.values("user_id")).select_related("organisation").distinct().order_by(
        "organisation__region_id", "full_name", "pk")


def _check_pool_member(plan: InspectionPlan, user) -> None:
    """Only active department users inside the plan department's jurisdiction, holding a pool role. Someone
    outside that circle is refused by id alone: the planner learns nothing (not even a name) about people of
    other areas or of institutions."""
    organisation = user.organisation
    prefix = plan.department.jurisdiction_prefix or ""
    if not user.is_active or user.is_machine or organisation is None or organisation.kind != "department" \
            or not organisation.is_active or (prefix and not (organisation.region_id or "").startswith(prefix)):
        raise errors.ValidationFailed(field_errors={"user": [
            _("Person %(id)s is not an active health department user within the plan department's "
              "jurisdiction.") % {"id": user.pk}]})
    if not user.has_role(*POOL_ROLES):
        raise errors.ValidationFailed(field_errors={"user": [
            _("%(name)s is neither an inspector nor a department head.") % {"name": user.get_full_name()}]})


@transaction.atomic
def plan_pool_add(*, plan: InspectionPlan, user, by) -> PlanInspector:
    """Add an inspector to the plan's pool (draft or active plan)."""
    plan = _locked(plan)
    policy.require(by, MANAGE_PLAN, plan)
    if plan.status not in (InspectionPlan.Status.DRAFT, InspectionPlan.Status.ACTIVE):
        raise errors.TransitionNotAllowed(_("The pool of a closed or cancelled plan no longer changes."))
    _check_pool_member(plan, user)
    if plan.pool.filter(user=user).exists():
        raise errors.ValidationFailed(field_errors={"user": [
            _("%(name)s is already in the pool.") % {"name": user.get_full_name()}]})
    return save_tracked(PlanInspector(plan=plan, user=user), by=by, reason="added to the pool")


@transaction.atomic
def plan_pool_remove(*, plan: InspectionPlan, user, by) -> None:
    """Take an inspector out of the pool; teams already drawn keep them."""
    plan = _locked(plan)
    policy.require(by, MANAGE_PLAN, plan)
    if plan.status not in (InspectionPlan.Status.DRAFT, InspectionPlan.Status.ACTIVE):
        raise errors.TransitionNotAllowed(_("The pool of a closed or cancelled plan no longer changes."))
    member = plan.pool.filter(user=user).first()
    if member is None:
        raise errors.NotFound()
    member._history_user = by
    member._change_reason = "removed from the pool"
    member.delete()


# --- conflicts of interest --------------------------------------------------------------------------------


@transaction.atomic
def conflict_declare(*, user, institution: Institution, reason: str, by,
                     ends_on: datetime.date | None = None) -> ConflictOfInterest:
    """Record an inspector's tie to an institution (former employment, family, contracts); draws exclude the
    inspector for it while in force. An inspector declares their own (`add_conflictofinterest`); a planner
    (`manage_inspection_plan`) may record one for a member of a pool of a plan they manage."""
    if by.pk == user.pk:
        policy.require(by, DECLARE_CONFLICT)
        if by.organisation_id is None or by.organisation.kind != "department":
            raise errors.PermissionDenied()
    else:
        policy.require(by, MANAGE_PLAN)
        managed = policy.visible(by, InspectionPlan, MANAGE_PLAN)
        if not PlanInspector.objects.filter(user=user, plan__in=managed).exists():
            raise errors.ValidationFailed(field_errors={"user": [
                _("You record conflicts only for members of the pools of your plans.")]})
    institution = policy.get_object(by, Institution, "institutions.view_institution", pk=institution.pk)
    field_errors = {}
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        field_errors["reason"] = [_("Describe the tie (at most 300 characters).")]
    if ends_on is not None and ends_on < timezone.localdate():
        field_errors["ends_on"] = [_("The end of the declaration cannot be in the past.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return save_tracked(ConflictOfInterest(user=user, institution=institution, reason=reason, ends_on=ends_on,
                                           region_id=user.organisation.region_id if user.organisation_id else None),
                        by=by, reason="conflict declared")


def conflicts_in_force(queryset=None):
    """Declarations in force today (no end, or an end not yet passed)."""
    from django.db.models import Q

    rows = queryset if queryset is not None else ConflictOfInterest.objects.all()
    return rows.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
