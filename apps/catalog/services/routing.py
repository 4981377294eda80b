"""Graded authorization of sharing applications (SVC-2, SEC-4, SEC-9).

"Unified hierarchical authorization, classified application management, authority consistent with
responsibility": the route of an application is computed from one rule table (`RouteRule`, maintained by
the national department, services/rules.py). For each requested resource the first active rule whose
conditions match (level, category, open form, sharing type, the parties' provinces) names the kinds of
steps; each kind resolves to a deciding organisation (the provider, its municipal or provincial
department, the applicant's provincial department, the national department). Steps of all resources are
merged into one sequential route, decided one at a time by named reviewers (object grants
`catalog.decide_routestep`), each within a deadline in working days.

Export out of the country (SEC-9): the route is computed normally, but no step can approve while the
application has no recorded security assessment (`security_assessment_record`).

Nobody from the applying institution (nor a named recipient of the data) can name itself a reviewer,
declare or decide a step of the application.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Max, Prefetch, Q, QuerySet, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.workdays.services import CALENDAR_TZ, add_working_days, deadline_after

from .. import timing
from ..models import (
    STEP_ORDER,
    ApplicationItem,
    ConflictDeclaration,
    DataField,
    Jurisdictions,
    Recipient,
    ReviewComment,
    RouteRule,
    RouteStep,
    RouteStepUserObjectPermission,
    SharingApplication,
    StepKind,
)
from ..workflows import APPLICATION_FLOW, DECIDE, STEP_FLOW

ASSIGN = "catalog.assign_step_reviewers"
RECORD_ASSESSMENT = "catalog.record_security_assessment"
VIEW_STEP = "catalog.view_routestep"
_DECIDE_CODENAME = DECIDE.split(".", 1)[1]

S = RouteStep.Status
D = RouteStep.Decision
A = SharingApplication.Status

DECISION_STATUS = {
    D.APPROVE: S.APPROVED,
    D.APPROVE_WITH_CONDITIONS: S.APPROVED_WITH_CONDITIONS,
    D.RETURN: S.RETURNED,
    D.REFUSE: S.REFUSED,
}
STATUS_DECISION = {status: decision for decision, status in DECISION_STATUS.items()}
APPROVED_STATUSES = (S.APPROVED, S.APPROVED_WITH_CONDITIONS)
OPEN_STATUSES = (S.WAITING, S.ACTIVE)

# Answers of an application a reviewer may comment on, shown beside each answer when it is corrected.
# (The same names and order as services/applications.ANSWER_FIELDS, plus the three parts; "" = general.)
ANSWER_FIELDS = (
    "title", "purpose", "project_description", "legal_basis", "legal_basis_note", "period_start", "period_end",
    "delivery_mode", "security_measures", "deidentification_method", "deidentification_description",
    "cross_border", "cross_border_destination", "items", "recipients", "documents",
)
_PART_LABELS = {
    "items": gettext_lazy("Requested resources and fields"),
    "recipients": gettext_lazy("Recipients"),
    "documents": gettext_lazy("Documents"),
}
MAX_COMMENT_CHARS = 5000


def answer_labels() -> list[tuple[str, str]]:
    """(name, label) of every answer a reviewer may comment on, in the application form's order."""
    labels = []
    for name in ANSWER_FIELDS:
        if name in _PART_LABELS:
            labels.append((name, str(_PART_LABELS[name])))
        else:
            labels.append((name, str(SharingApplication._meta.get_field(name).verbose_name)))
    return labels


def _kind_index(kind: str) -> int:
    return [str(k) for k in STEP_ORDER].index(str(kind))


def today():
    """Today in mainland China (deadlines are Chinese working days)."""
    return timezone.now().astimezone(CALENDAR_TZ).date()


# ==============================================================================================
# Computing the route
# ==============================================================================================
@dataclass
class PlannedStep:
    order: int
    kind: str
    organisation: object  # accounts.Organisation
    rule: RouteRule
    resource_codes: list[str]
    covered_digest: str = ""
    _items: list = field(default_factory=list, repr=False)


def _rule_matches(rule: RouteRule, *, level: int, category: str, open_form: str, sharing_type: str,
                  same_province: bool) -> bool:
    if not rule.min_level <= level <= rule.max_level:
        return False
    if rule.category and rule.category != category:
        return False
    if rule.open_form and rule.open_form != open_form:
        return False
    if rule.sharing_type and rule.sharing_type != sharing_type:
        return False
    if rule.jurisdictions == Jurisdictions.SAME_PROVINCE and not same_province:
        return False
    return not (rule.jurisdictions == Jurisdictions.OTHER_PROVINCE and same_province)


def rule_for(rules: list[RouteRule], item: ApplicationItem, applicant_region_code: str) -> RouteRule | None:
    """The first rule (lowest priority) whose conditions all match the item; None when none does."""
    version = item.version
    # A published version always has fields, hence a level; were it missing, the strictest level applies.
    level = version.level or 5
    provider_code = item.provider.region_id or ""
    same_province = bool(provider_code) and provider_code[:2] == (applicant_region_code or "")[:2]
    for rule in rules:
        if rule.is_active and _rule_matches(rule, level=level, category=version.category,
                                            open_form=version.open_form, sharing_type=version.sharing_type,
                                            same_province=same_province):
            return rule
    return None


class _Departments:
    """Looks up deciding departments once per route computation."""

    def __init__(self):
        self._by_region: dict[tuple[str, str], object] = {}
        self._national = None
        self._region_names: dict[str, str] = {}

    def at(self, code: str, level: str):
        from apps.accounts.models import Organisation

        key = (code, level)
        if key not in self._by_region:
            self._by_region[key] = (Organisation.objects.select_related("region")
                                    .filter(kind=Organisation.Kind.DEPARTMENT, is_active=True, region_id=code,
                                            level=level).order_by("pk").first())
        return self._by_region[key]

    def national(self):
        from apps.accounts.models import Organisation

        if self._national is None:
            self._national = (Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, is_active=True,
                                                          level=Organisation.Level.NATIONAL)
                              .order_by("pk").first()) or False
        return self._national or None

    def region_name(self, code: str) -> str:
        from apps.regions.models import Region

        if code not in self._region_names:
            row = Region.objects.filter(code=code).only("name").first()
            self._region_names[code] = row.name if row else code
        return self._region_names[code]


def _prefecture_code(region) -> str | None:
    """The prefecture-level division `region` belongs to; None for a province, a municipality directly
    under the central government, or a county-level division directly under its province."""
    from apps.regions.models import Region

    if region.level == Region.Level.PREFECTURE:
        return region.code
    if region.level == Region.Level.COUNTY:
        parent = region.parent_id or ""
        if len(parent) == 6 and parent.endswith("00") and not parent.endswith("0000"):
            return parent
    return None


def _resource_label(item: ApplicationItem) -> str:
    return f"{item.version.title} ({item.resource.code})"


def _missing(kind: str, region_label: str, item: ApplicationItem):
    return errors.ValidationFailed(
        _("The route of “%(resource)s” needs a decision of the %(role)s, but no active health department is "
          "registered for %(region)s. The portal's administrators must register it before the application "
          "can be submitted.") % {"resource": _resource_label(item), "role": StepKind(kind).label.lower(),
                                  "region": region_label},
        field_errors={"items": [_("No active department is registered for %(region)s.") % {"region": region_label}]},
        code="route_department_missing")


def _decider(kind: str, item: ApplicationItem, application: SharingApplication, departments: _Departments):
    """The organisation that decides a step of `kind` for `item`; ValidationFailed when it does not exist."""
    from apps.accounts.models import Organisation

    provincial = Organisation.Level.PROVINCIAL
    if kind == StepKind.PROVIDER:
        if not _provider_may_share(item):
            raise errors.ValidationFailed(
                _("The provider of “%(resource)s” is suspended or closed and cannot decide on it.")
                % {"resource": _resource_label(item)}, field_errors={"items": [_("The provider is not active.")]})
        return item.provider
    if kind in (StepKind.PROVIDER_MUNICIPAL, StepKind.PROVIDER_PROVINCIAL):
        region = item.provider.region
        if region is None:
            raise _missing(kind, _("the provider's region"), item)
        province = region.code[:2] + "0000"
        if kind == StepKind.PROVIDER_MUNICIPAL:
            prefecture = _prefecture_code(region)
            if prefecture is not None:
                found = departments.at(prefecture, Organisation.Level.MUNICIPAL)
                if found is None:
                    raise _missing(kind, departments.region_name(prefecture), item)
                return found
            # No prefecture-level city above the provider: its provincial department decides.
        found = departments.at(province, provincial)
        if found is None:
            raise _missing(kind, departments.region_name(province), item)
        return found
    if kind == StepKind.APPLICANT_PROVINCIAL:
        province = application.applicant_region_id[:2] + "0000"
        found = departments.at(province, provincial)
        if found is None:
            raise _missing(kind, departments.region_name(province), item)
        return found
    if kind == StepKind.NATIONAL:
        found = departments.national()
        if found is None:
            raise _missing(kind, _("the whole country"), item)
        return found
    raise errors.ValidationFailed(_("The route table names an unknown kind of step: %(kind)s.") % {"kind": kind})


def _provider_may_share(item: ApplicationItem) -> bool:
    """An active organisation whose admission is in force: a suspended provider shares nothing (INS-4)."""
    from apps.institutions.selectors import institution_is_admitted

    return item.provider.is_active and institution_is_admitted(item.provider_id)


def _item_fingerprint(item: ApplicationItem) -> list:
    return [item.resource.code, item.version_id, sorted(f.pk for f in item.fields.all()), item.justification or ""]


# What an approving reviewer saw besides the items: a change to any of these after a later step returned the
# application means the earlier approval no longer covers it, so the step is decided again.
_DECIDED_ANSWERS = ("title", "purpose", "project_description", "legal_basis", "legal_basis_note", "period_start",
                    "period_end", "delivery_mode", "security_measures", "deidentification_method",
                    "deidentification_description", "cross_border", "cross_border_destination")


def _digest(items: list[ApplicationItem], application: SharingApplication | None = None) -> str:
    payload: list = sorted(_item_fingerprint(item) for item in items)
    if application is not None:
        payload.append([str(getattr(application, name)) for name in _DECIDED_ANSWERS])
        payload.append(sorted(application.recipients.values_list("user_id", flat=True)))
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _route_items(application: SharingApplication) -> list[ApplicationItem]:
    return list(ApplicationItem.objects.filter(application=application)
                .select_related("resource", "version", "provider", "provider__region")
                .prefetch_related(Prefetch("fields", queryset=DataField.objects.only("pk")))
                .order_by("pk"))


def route_plan(application: SharingApplication) -> list[PlannedStep]:
    """The steps the application's requested resources need under the current rule table (SVC-2).

    One step per deciding organisation: the steps of all resources are merged (a department that appears
    for several resources, or under two kinds — a municipality directly under the central government has
    no municipal department, so its provincial department holds both roles — decides once, at the latest
    of its kinds), ordered by STEP_ORDER and then by organisation. A resource whose rule refuses, or whose
    deciding department does not exist, raises ValidationFailed naming the resource."""
    items = _route_items(application)
    if not items:
        raise errors.ValidationFailed(_("The application requests no data resource."),
                                      field_errors={"items": [_("Choose at least one data resource.")]})
    rules = list(RouteRule.objects.filter(is_active=True).order_by("priority"))
    departments = _Departments()
    merged: dict[int, PlannedStep] = {}
    for item in items:
        if not _provider_may_share(item):
            raise errors.ValidationFailed(
                _("The provider of “%(resource)s” is suspended or closed and cannot decide on it.")
                % {"resource": _resource_label(item)}, field_errors={"items": [_("The provider is not active.")]})
        rule = rule_for(rules, item, application.applicant_region_id)
        if rule is None:
            raise errors.ValidationFailed(
                _("No rule of the route table applies to “%(resource)s” (level %(level)s). The national department "
                  "must complete the table before it can be requested.")
                % {"resource": _resource_label(item), "level": item.version.level or 5},
                field_errors={"items": [_("No route rule applies to this resource.")]}, code="route_no_rule")
        if rule.refuse:
            reason = _(rule.refusal_reason) if rule.refusal_reason else _("The route table refuses it.")
            message = _("“%(resource)s” cannot be requested: %(reason)s") % {"resource": _resource_label(item),
                                                                           "reason": reason}
            raise errors.ValidationFailed(message, field_errors={"items": [message]}, code="route_refused")
        for kind in rule.steps:
            organisation = _decider(kind, item, application, departments)
            if organisation.pk == application.applicant_id:
                raise errors.ValidationFailed(
                    _("“%(resource)s” is held by your own institution: it cannot decide on its own application. "
                      "Remove it from the application.") % {"resource": _resource_label(item)},
                    field_errors={"items": [_("Your institution provides this resource.")]})
            planned = merged.get(organisation.pk)
            if planned is None:
                merged[organisation.pk] = PlannedStep(order=0, kind=str(kind), organisation=organisation, rule=rule,
                                                      resource_codes=[], _items=[])
                planned = merged[organisation.pk]
            elif _kind_index(kind) > _kind_index(planned.kind):
                planned.kind, planned.rule = str(kind), rule
            if item.resource.code not in planned.resource_codes:
                planned.resource_codes.append(item.resource.code)
                planned._items.append(item)
    plan = sorted(merged.values(), key=lambda step: (_kind_index(step.kind), step.organisation.region_id or "",
                                                     step.organisation.pk))
    for order, step in enumerate(plan, start=1):
        step.order = order
        step.covered_digest = _digest(step._items, application)
    return plan


# ==============================================================================================
# People around a step
# ==============================================================================================
def _reviewer_rows(step: RouteStep):
    return RouteStepUserObjectPermission.objects.filter(content_object=step, permission__codename=_DECIDE_CODENAME)


def step_reviewers(step: RouteStep) -> list:
    """The named reviewers of a step (holders of the decide_routestep object grant)."""
    from apps.accounts.models import User

    return list(User.objects.filter(pk__in=_reviewer_rows(step).values("user_id")).order_by("full_name", "pk"))


def is_named_reviewer(user, step: RouteStep) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and _reviewer_rows(step).filter(user=user).exists()


def organisation_members_with(organisation_id: int, perm: str):
    """Active people of an organisation holding `perm` through a role or directly."""
    from apps.accounts.models import User

    app_label, codename = perm.split(".", 1)
    held = (Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
            | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label))
    ids = User.objects.filter(held, organisation_id=organisation_id).values("pk")
    return User.objects.filter(pk__in=ids, is_active=True, is_machine=False).order_by("full_name", "pk")


def eligible_reviewers(step: RouteStep):
    """People who may be named reviewers of `step`: active members of its organisation whose role reads review
    steps, and who are neither of the applying institution nor recipients of the data."""
    from apps.accounts.models import User

    recipients = Recipient.objects.filter(application_id=step.application_id).values("user_id")
    readers = organisation_members_with(step.organisation_id, VIEW_STEP).values("pk")
    return (User.objects.filter(organisation_id=step.organisation_id, is_active=True, is_machine=False,
                                pk__in=readers)
            .exclude(organisation_id=step.application.applicant_id).exclude(pk__in=recipients)
            .order_by("full_name", "pk"))


def on_applying_side(user, application: SharingApplication) -> bool:
    """Is `user` of the applying institution or a named recipient of the data?"""
    if user.organisation_id is not None and user.organisation_id == application.applicant_id:
        return True
    return Recipient.objects.filter(application=application, user=user).exists()


def _refuse_applying_side(user, application: SharingApplication) -> None:
    if on_applying_side(user, application):
        raise errors.PermissionDenied(_("Nobody from the applying institution, nor a recipient of the data, can "
                                        "review or decide a step of the application."))


def _step_url(step: RouteStep) -> str:
    return reverse("catalog:step_detail", args=[step.pk])


def application_url(application: SharingApplication) -> str:
    """The applicant's page of the application (written by the applications area), when it exists."""
    try:
        return reverse("catalog:application_detail", args=[application.pk])
    except NoReverseMatch:
        return ""


def _applicant_people(application: SharingApplication) -> list:
    people = {application.created_by_id: application.created_by}
    for recipient in application.recipients.select_related("user"):
        people.setdefault(recipient.user_id, recipient.user)
    return list(people.values())


def _notify(recipients, title, body, url: str, params: dict) -> None:
    from apps.institutions.services.messages import portal_notify

    recipients = list(recipients)
    if recipients:
        portal_notify(recipients=recipients, title=title, body=body, url=url, params=params)


def _notify_applicant(application: SharingApplication, title, body, params: dict | None = None) -> None:
    values = {"number": application.number, "title": application.title, **(params or {})}
    _notify(_applicant_people(application), title, body, application_url(application), values)


def _portal_text(text, params: dict | None = None) -> str:
    """A text stored in the record in the portal's language, whatever the actor's language."""
    with translation.override(settings.LANGUAGE_CODE):
        value = str(text)
        return value % params if params else value


# ==============================================================================================
# Starting, resuming and cancelling a route
# ==============================================================================================
def _require_in_review(application: SharingApplication) -> None:
    if application.status != A.IN_REVIEW or application.round < 1:
        raise errors.TransitionNotAllowed(_("A route starts only when the application is submitted for review."))


def _steps_create(application: SharingApplication, plan: list[PlannedStep], *, by, reason: str) -> list[RouteStep]:
    steps = []
    for planned in plan:
        step = RouteStep(application=application, round=application.round, order=planned.order, kind=planned.kind,
                         organisation=planned.organisation, rule=planned.rule,
                         resource_codes=list(planned.resource_codes), covered_digest=planned.covered_digest)
        save_tracked(step, by=by, reason=reason)
        steps.append(step)
    return steps


def _step_activate(step: RouteStep, *, by) -> RouteStep:
    """Start a waiting step: deadline in working days from today, reviewers (or their assigners) told."""
    STEP_FLOW.transition(step.status, S.ACTIVE)
    step.status = S.ACTIVE
    step.activated_at = timezone.now()
    step.due_on = deadline_after(step.activated_at, timing.STEP_WORKING_DAYS[step.kind])
    step.reminded_at = None
    save_tracked(step, by=by, reason="step started")
    application = step.application
    params = {"number": application.number, "title": application.title, "due": step.due_on.isoformat(),
              "kind": StepKind(step.kind).label}
    reviewers = step_reviewers(step)
    if reviewers:
        _notify(reviewers, gettext_lazy("Application %(number)s is waiting for your decision"),
                gettext_lazy("“%(title)s” has reached your review step (%(kind)s). Declare that you have no conflict "
                             "of interest, then decide by %(due)s."), _step_url(step), params)
    assigners = [user for user in organisation_members_with(step.organisation_id, ASSIGN) if user not in reviewers]
    _notify(assigners, gettext_lazy("Application %(number)s needs your organisation's review"),
            gettext_lazy("“%(title)s” has reached your organisation's review step (%(kind)s), due %(due)s. "
                         "Name its reviewers if they are not named yet."), _step_url(step), params)
    return step


@transaction.atomic
def route_start(application: SharingApplication, *, by) -> list[RouteStep]:
    """Create the route of the application's current round and start its first step (SVC-2).

    Called by the applications service inside its transaction, after the application moved to in_review
    with its round incremented. ValidationFailed (refusing rule, missing department) undoes the submission."""
    _require_in_review(application)
    if RouteStep.objects.filter(application=application, round=application.round).exists():
        raise errors.TransitionNotAllowed(_("The route of this submission has already been started."))
    plan = route_plan(application)
    steps = _steps_create(application, plan, by=by, reason="route computed at submission")
    _step_activate(steps[0], by=by)
    _notify_applicant(application, gettext_lazy("Application %(number)s is under review"),
                      gettext_lazy("“%(title)s” goes through %(count)s review steps; the first is with %(first)s. You "
                                   "can follow the route on the application's page."),
                      {"count": len(steps), "first": steps[0].organisation.name})
    return steps


def _grants_copy(source: RouteStep, target: RouteStep) -> list:
    """Name the previous round's reviewers again, as far as they may still review."""
    eligible = set(eligible_reviewers(target).values_list("pk", flat=True))
    copied = []
    for user in step_reviewers(source):
        if user.pk in eligible:
            policy.grant(user, DECIDE, target)
            copied.append(user)
    return copied


@transaction.atomic
def route_resume(application: SharingApplication, *, by) -> list[RouteStep]:
    """Continue the route after a corrected application was resubmitted (round already incremented).

    The route is computed afresh. A step of the previous round that the same organisation approved in
    the same role, for exactly the same requests (resources, catalog versions, fields and justifications),
    is carried over as approved; the others are decided again, by the reviewers named in the previous
    round where they may still review. So an unchanged application continues at the step that returned
    it, and a changed one restarts wherever its changes reach. At least one step is always decided again."""
    _require_in_review(application)
    previous_round = (RouteStep.objects.filter(application=application, round__lt=application.round)
                      .aggregate(last=Max("round"))["last"])
    if previous_round is None:
        return route_start(application, by=by)
    if RouteStep.objects.filter(application=application, round=application.round).exists():
        raise errors.TransitionNotAllowed(_("The route of this submission has already been started."))
    previous = list(RouteStep.objects.filter(application=application, round=previous_round)
                    .select_related("organisation", "decided_by").order_by("order"))
    for old in previous:
        if old.status in OPEN_STATUSES:
            STEP_FLOW.transition(old.status, S.CANCELLED)
            old.status = S.CANCELLED
            save_tracked(old, by=by, reason="replaced at resubmission")
    plan = route_plan(application)
    by_role = {(old.kind, old.organisation_id): old for old in previous}
    by_organisation: dict[int, RouteStep] = {}
    for old in previous:
        by_organisation.setdefault(old.organisation_id, old)
    carried = {planned.order for planned in plan
               if (old := by_role.get((planned.kind, planned.organisation.pk))) is not None
               and old.status in APPROVED_STATUSES and old.covered_digest == planned.covered_digest}
    if len(carried) == len(plan):
        carried.discard(plan[-1].order)  # a corrected application is always looked at again
    steps = []
    for planned in plan:
        step = RouteStep(application=application, round=application.round, order=planned.order, kind=planned.kind,
                         organisation=planned.organisation, rule=planned.rule,
                         resource_codes=list(planned.resource_codes), covered_digest=planned.covered_digest)
        old = by_role.get((planned.kind, planned.organisation.pk))
        if planned.order in carried:
            note = _portal_text(gettext_lazy("Carried over from round %(round)s."), {"round": previous_round})
            step.status = old.status
            step.activated_at, step.due_on = old.activated_at, old.due_on
            step.decided_by, step.decided_at, step.conditions = old.decided_by, old.decided_at, old.conditions
            step.decision_comment = f"{note}\n{old.decision_comment}".strip()
            save_tracked(step, by=by, reason=f"carried over from round {previous_round}")
        else:
            save_tracked(step, by=by, reason="route computed at resubmission")
            source = old or by_organisation.get(planned.organisation.pk)
            if source is not None:
                _grants_copy(source, step)
        steps.append(step)
    first = next(step for step in steps if step.status == S.WAITING)
    _step_activate(first, by=by)
    _notify_applicant(application, gettext_lazy("Application %(number)s is under review again"),
                      gettext_lazy("The corrected “%(title)s” continues with %(first)s; %(carried)s earlier approvals "
                                   "were kept."), {"first": first.organisation.name, "carried": len(carried)})
    return steps


@transaction.atomic
def route_cancel(application: SharingApplication, *, by) -> int:
    """Cancel the undecided steps of the current round (withdrawal); return how many were cancelled.

    The caller (the withdrawal service) has authorized the withdrawal; the moves are checked against
    STEP_FLOW for legality."""
    count = 0
    rows = (RouteStep.objects.select_for_update().filter(application=application, round=application.round,
                                                          status__in=OPEN_STATUSES).order_by("order"))
    for step in rows:
        STEP_FLOW.transition(step.status, S.CANCELLED)
        step.status = S.CANCELLED
        save_tracked(step, by=by, reason="application withdrawn")
        count += 1
    return count


# ==============================================================================================
# Reviewers, declarations, decisions
# ==============================================================================================
def _step_for_update(step: RouteStep) -> RouteStep:
    return (RouteStep.objects.select_for_update(of=("self",))
            .select_related("application", "organisation", "rule").get(pk=step.pk))


def _require_open(step: RouteStep) -> None:
    application = step.application
    if step.status not in OPEN_STATUSES or step.round != application.round or application.status != A.IN_REVIEW:
        raise errors.TransitionNotAllowed(_("This step is no longer under review."))


def may_assign(user, step: RouteStep) -> bool:
    return (policy.can(user, ASSIGN, step) and user.organisation_id == step.organisation_id
            and step.organisation_id != step.application.applicant_id)


@transaction.atomic
def step_reviewers_assign(step: RouteStep, *, users, by) -> list:
    """Name the reviewers of a step (object grants decide_routestep), replacing any named before.

    Only a person of the step's organisation holding assign_step_reviewers names them; every reviewer must
    be an active person of that organisation, and nobody of the applying institution or among the
    recipients of the data (SEC-4)."""
    step = _step_for_update(step)
    policy.require(by, ASSIGN, step)
    if by.organisation_id != step.organisation_id and not by.is_superuser:
        raise errors.PermissionDenied(_("Only the deciding organisation names the reviewers of its step."))
    application = step.application
    if step.organisation_id == application.applicant_id:
        raise errors.PermissionDenied(_("The applying institution cannot review its own application."))
    _require_open(step)
    people = list(users)
    if not people:
        raise errors.ValidationFailed(field_errors={"users": [_("Name at least one reviewer.")]})
    recipients = set(Recipient.objects.filter(application=application).values_list("user_id", flat=True))
    problems = []
    for person in people:
        name = person.get_full_name()
        if person.organisation_id == application.applicant_id or person.pk in recipients:
            problems.append(_("%(name)s belongs to the applying side (its institution or the recipients of the "
                              "data) and cannot review this application.") % {"name": name})
        elif person.organisation_id != step.organisation_id:
            problems.append(_("%(name)s is not a member of %(organisation)s.")
                            % {"name": name, "organisation": step.organisation.name})
        elif not person.is_active or person.is_machine:
            problems.append(_("%(name)s has no active account.") % {"name": name})
        elif not person.has_perm(VIEW_STEP):
            problems.append(_("%(name)s holds no role that reads review steps, so cannot review.") % {"name": name})
    if problems:
        raise errors.ValidationFailed(problems[0], field_errors={"users": problems})
    wanted = {person.pk: person for person in people}
    current = {user.pk: user for user in step_reviewers(step)}
    for pk, user in current.items():
        if pk not in wanted:
            policy.revoke(user, DECIDE, step)
    added = [person for pk, person in wanted.items() if pk not in current]
    for person in added:
        policy.grant(person, DECIDE, step)
    names = ", ".join(person.get_full_name() for person in wanted.values())
    save_tracked(step, by=by, reason=f"reviewers named: {names}")
    _notify(added, gettext_lazy("You review application %(number)s"),
            gettext_lazy("You are a named reviewer of “%(title)s” (%(kind)s at %(organisation)s). Declare that you "
                         "have no conflict of interest before deciding."), _step_url(step),
            {"number": application.number, "title": application.title, "kind": StepKind(step.kind).label,
             "organisation": step.organisation.name})
    return list(wanted.values())


def _require_named(user, step: RouteStep) -> None:
    if not policy.can_see(user, step):
        raise errors.NotFound()
    if not is_named_reviewer(user, step):
        raise errors.PermissionDenied(_("Only a named reviewer of this step can do this."))


@transaction.atomic
def conflict_declare(step: RouteStep, *, user, statement: str) -> ConflictDeclaration:
    """A named reviewer declares no conflict of interest, once per step, before deciding it (SEC-4)."""
    step = _step_for_update(step)
    _require_named(user, step)
    _refuse_applying_side(user, step.application)
    _require_open(step)
    statement = (statement or "").strip()
    if not statement:
        raise errors.ValidationFailed(field_errors={"statement": [_("Write the declaration.")]})
    if len(statement) > MAX_COMMENT_CHARS:
        raise errors.ValidationFailed(field_errors={"statement": [
            _("Keep the declaration under %(count)s characters.") % {"count": MAX_COMMENT_CHARS}]})
    if ConflictDeclaration.objects.filter(step=step, user=user).exists():
        raise errors.ValidationFailed(_("You have already declared for this step."))
    declaration = ConflictDeclaration(step=step, user=user, statement=statement)
    return save_tracked(declaration, by=user, reason="no conflict of interest declared")


def _clean_field_comments(field_comments) -> tuple[dict[str, str], list[str]]:
    cleaned, problems = {}, []
    if field_comments in (None, ""):
        return cleaned, problems
    if not isinstance(field_comments, dict):
        return cleaned, [_("Comments on answers must name the answer each is about.")]
    for name, text in field_comments.items():
        if name not in ANSWER_FIELDS:
            problems.append(_("“%(name)s” is not an answer of the application.") % {"name": name})
            continue
        if not isinstance(text, str):
            problems.append(_("The comment on “%(name)s” must be text.") % {"name": name})
            continue
        text = text.strip()
        if len(text) > MAX_COMMENT_CHARS:
            problems.append(_("Keep each comment under %(count)s characters.") % {"count": MAX_COMMENT_CHARS})
        elif text:
            cleaned[name] = text
    return cleaned, problems


def assessment_awaited(application: SharingApplication) -> bool:
    """SEC-9: the data would leave the country and no security assessment is recorded yet."""
    return bool(application.cross_border) and not application.security_assessment_reference


def step_decide(step: RouteStep, *, decision: str, comment: str = "", conditions: str = "",
                field_comments: dict | None = None, by) -> RouteStep:
    """Decide the active step: approve, approve with conditions, return for correction, or refuse (SVC-2).

    Only a named reviewer (object grant) who has declared no conflict of interest decides; nobody from the
    applying side does, even if granted. Approving the last step approves the application, creates its
    grant and issues the approval letter; refusing cancels the rest of the route and issues the refusal
    letter; returning sends the application back with the comments beside each answer."""
    with transaction.atomic():
        step = _step_for_update(step)
        if not policy.can_see(by, step):
            raise errors.NotFound()
        application = SharingApplication.objects.select_for_update().get(pk=step.application_id)
        step.application = application
        _refuse_applying_side(by, application)
        target = DECISION_STATUS.get(decision)
        if target is None:
            raise errors.ValidationFailed(field_errors={"decision": [_("Choose a decision.")]})
        STEP_FLOW.check(by, step, step.status, target)
        _require_open(step)
        if not ConflictDeclaration.objects.filter(step=step, user=by).exists():
            raise errors.ValidationFailed(_("Declare that you have no conflict of interest before deciding this "
                                            "step."), code="declaration_required")
        comment, conditions = (comment or "").strip(), (conditions or "").strip()
        cleaned_comments, comment_problems = _clean_field_comments(field_comments)
        problems: dict[str, list] = {}
        if comment_problems:
            problems["field_comments"] = comment_problems
        if decision == D.APPROVE_WITH_CONDITIONS and not conditions:
            problems["conditions"] = [_("State the conditions of the approval.")]
        if decision != D.APPROVE_WITH_CONDITIONS and conditions:
            problems["conditions"] = [_("Only an approval with conditions carries conditions: choose it, or leave "
                                        "the conditions empty.")]
        if decision in (D.RETURN, D.REFUSE) and not comment:
            problems["comment"] = [_("Give the reasons: the applicant reads them.")]
        for name, value in (("comment", comment), ("conditions", conditions)):
            if len(value) > MAX_COMMENT_CHARS:
                problems.setdefault(name, []).append(
                    _("Keep it under %(count)s characters.") % {"count": MAX_COMMENT_CHARS})
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        if target in APPROVED_STATUSES and assessment_awaited(application):
            raise errors.ValidationFailed(
                _("The data would leave the country: no step can approve until a health department records the "
                  "security assessment of the export (SEC-9). You may still return or refuse the application."),
                code="security_assessment_required")
        step.status = target
        step.decision_comment, step.conditions = comment, conditions
        step.decided_by, step.decided_at = by, timezone.now()
        save_tracked(step, by=by, reason=f"decision: {decision}")
        if decision == D.RETURN and comment:
            save_tracked(ReviewComment(application=application, step=step, round=application.round, field_name="",
                                       text=comment, author=by), by=by, reason="review comment")
        for name, text in cleaned_comments.items():
            save_tracked(ReviewComment(application=application, step=step, round=application.round, field_name=name,
                                       text=text, author=by), by=by, reason="review comment")
        if target in APPROVED_STATUSES:
            _after_approval(step, application, by=by)
        elif target == S.RETURNED:
            _application_return(step, application, by=by)
        else:
            _application_refuse(step, application, by=by)
    return step


def _after_approval(step: RouteStep, application: SharingApplication, *, by) -> None:
    following = (RouteStep.objects.select_related("application", "organisation")
                 .filter(application=application, round=application.round, status=S.WAITING).order_by("order").first())
    if following is not None:
        following.application = application
        _step_activate(following, by=by)
        _notify_applicant(application, gettext_lazy("Application %(number)s: a review step is approved"),
                          gettext_lazy("%(organisation)s approved “%(title)s”; it continues with %(next)s."),
                          {"organisation": step.organisation.name, "next": following.organisation.name})
        return
    from . import grants, letters

    APPLICATION_FLOW.transition(application.status, A.APPROVED)
    application.status = A.APPROVED
    application.decided_at = timezone.now()
    save_tracked(application, by=by, reason="approved at the last review step")
    grants.grant_create(application, by=by)
    letters.letter_issue(application, kind="approval", by=by)
    _notify_applicant(application, gettext_lazy("Application %(number)s is approved"),
                      gettext_lazy("Every review step approved “%(title)s”. The grant and the approval letter are on "
                                   "the application's page."))


def _application_return(step: RouteStep, application: SharingApplication, *, by) -> None:
    APPLICATION_FLOW.transition(application.status, A.RETURNED)
    application.status = A.RETURNED
    save_tracked(application, by=by, reason="returned for correction at a review step")
    _notify_applicant(application, gettext_lazy("Application %(number)s is returned for correction"),
                      gettext_lazy("%(organisation)s returned “%(title)s”: %(comment)s The comments are shown beside "
                                   "your answers; correct them and submit again."),
                      {"organisation": step.organisation.name, "comment": step.decision_comment})


def _application_refuse(step: RouteStep, application: SharingApplication, *, by) -> None:
    from . import letters

    rest = (RouteStep.objects.select_for_update().filter(application=application, round=application.round,
                                                          status__in=OPEN_STATUSES).exclude(pk=step.pk))
    for other in rest:
        STEP_FLOW.transition(other.status, S.CANCELLED)
        other.status = S.CANCELLED
        save_tracked(other, by=by, reason="route ended by a refusal")
    APPLICATION_FLOW.transition(application.status, A.REFUSED)
    application.status = A.REFUSED
    application.refusal_reason = step.decision_comment
    application.decided_at = timezone.now()
    save_tracked(application, by=by, reason="refused at a review step")
    letters.letter_issue(application, kind="refusal", by=by)
    _notify_applicant(application, gettext_lazy("Application %(number)s is refused"),
                      gettext_lazy("%(organisation)s refused “%(title)s”: %(comment)s"),
                      {"organisation": step.organisation.name, "comment": step.decision_comment})


# ==============================================================================================
# Security assessment of an export (SEC-9)
# ==============================================================================================
def may_record_assessment(user, application: SharingApplication) -> bool:
    return (application.cross_border and user.is_authenticated and getattr(user, "is_regulator", False)
            and policy.can(user, RECORD_ASSESSMENT, application))


@transaction.atomic
def security_assessment_record(application: SharingApplication, *, reference: str, assessed_on, by):
    """A health department whose jurisdiction covers the applicant or a provider records the security
    assessment of a data export; until then no step can approve the application (SEC-9)."""
    application = SharingApplication.objects.select_for_update().get(pk=application.pk)
    policy.require(by, RECORD_ASSESSMENT, application)
    if not by.is_superuser and not by.is_regulator:
        raise errors.PermissionDenied(_("Only a health department records a security assessment."))
    if not application.cross_border:
        raise errors.ValidationFailed(_("This application does not export data: it needs no security assessment."))
    if application.status not in (A.IN_REVIEW, A.RETURNED):
        raise errors.TransitionNotAllowed(_("A security assessment is recorded while the application is in review."))
    reference = (reference or "").strip()
    problems = {}
    max_length = SharingApplication._meta.get_field("security_assessment_reference").max_length
    if not reference:
        problems["reference"] = [_("Give the reference of the assessment.")]
    elif len(reference) > max_length:
        problems["reference"] = [_("Keep the reference under %(count)s characters.") % {"count": max_length}]
    if assessed_on is None:
        problems["assessed_on"] = [_("Give the date of the assessment.")]
    elif assessed_on > today():
        problems["assessed_on"] = [_("The assessment cannot be dated in the future.")]
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    correction = bool(application.security_assessment_reference)
    application.security_assessment_reference = reference
    application.security_assessment_date = assessed_on
    application.security_assessment_recorded_by = by
    save_tracked(application, by=by, reason="security assessment corrected" if correction
                 else "security assessment recorded")
    active = (RouteStep.objects.filter(application=application, round=application.round, status=S.ACTIVE)
              .first())
    if active is not None:
        _notify(step_reviewers(active), gettext_lazy("Application %(number)s: security assessment recorded"),
                gettext_lazy("The security assessment of the export of “%(title)s” is recorded (%(reference)s); "
                             "the step can now be approved."), _step_url(active),
                {"number": application.number, "title": application.title, "reference": reference})
    return application


# ==============================================================================================
# Deadlines and work lists
# ==============================================================================================
def step_reminders_send() -> int:
    """Remind once the named reviewers (or, when none is named, the assigners) of every active step due
    within timing.STEP_REMINDER_WORKING_DAYS working days; return how many steps were reminded."""
    from apps.accounts.services import system_account

    limit = add_working_days(today(), timing.STEP_REMINDER_WORKING_DAYS)
    due = list(RouteStep.objects.filter(status=S.ACTIVE, reminded_at__isnull=True, due_on__lte=limit,
                                        application__status=A.IN_REVIEW).values_list("pk", flat=True))
    system = system_account()
    sent = 0
    for pk in due:
        with transaction.atomic():
            step = (RouteStep.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("application", "organisation")
                    .filter(pk=pk, status=S.ACTIVE, reminded_at__isnull=True).first())
            if step is None:
                continue
            people = step_reviewers(step) or list(organisation_members_with(step.organisation_id, ASSIGN))
            overdue = step.due_on < today()
            _notify(people,
                    gettext_lazy("Overdue: application %(number)s") if overdue
                    else gettext_lazy("Reminder: application %(number)s is due %(due)s"),
                    gettext_lazy("The review step of “%(title)s” at %(organisation)s is due %(due)s."),
                    _step_url(step), {"number": step.application.number, "title": step.application.title,
                                      "organisation": step.organisation.name, "due": step.due_on.isoformat()})
            step.reminded_at = timezone.now()
            save_tracked(step, by=system, reason="deadline reminder sent")
            sent += 1
    return sent


def steps_overdue(qs: QuerySet | None = None) -> QuerySet:
    """Active steps past their due date (of `qs`, default all), the most overdue first."""
    qs = RouteStep.objects.all() if qs is None else qs
    return qs.filter(status=S.ACTIVE, due_on__lt=today()).order_by("due_on", "pk")


def named_step_ids(user):
    return (RouteStepUserObjectPermission.objects.filter(user=user, permission__codename=_DECIDE_CODENAME)
            .values("content_object_id"))


def _current(qs: QuerySet) -> QuerySet:
    from django.db.models import F

    return qs.filter(round=F("application__round"), application__status=A.IN_REVIEW)


def _worklist_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("application", "application__applicant", "organisation", "rule")


def steps_pending(user) -> QuerySet:
    """Steps the user is a named reviewer of that await a decision now or later: active first, then by
    due date."""
    qs = policy.visible(user, RouteStep.objects.filter(pk__in=named_step_ids(user), status__in=OPEN_STATUSES),
                        VIEW_STEP)
    qs = _current(qs).annotate(waiting=Case(When(status=S.ACTIVE, then=Value(0)), default=Value(1),
                                            output_field=IntegerField()))
    return _worklist_related(qs).order_by("waiting", "due_on", "pk")


def steps_without_reviewers(user) -> QuerySet:
    """Active steps of the user's organisation with nobody named yet (for those who name reviewers)."""
    if not user.is_authenticated or user.organisation_id is None or not user.has_perm(ASSIGN):
        return RouteStep.objects.none()
    named = RouteStepUserObjectPermission.objects.filter(permission__codename=_DECIDE_CODENAME).values(
        "content_object_id")
    qs = policy.visible(user, RouteStep.objects.filter(organisation_id=user.organisation_id, status=S.ACTIVE),
                        VIEW_STEP).exclude(pk__in=named)
    return _worklist_related(_current(qs)).order_by("due_on", "pk")


# ==============================================================================================
# For the applicant
# ==============================================================================================
def route_explanation(application: SharingApplication) -> list[dict]:
    """Every step of every round for the applicant (the caller has checked the application is visible):
    who decides, why (the rule), what it covers, where it stands and each decision."""
    current_day = today()
    awaited = assessment_awaited(application)
    rows = []
    for step in (RouteStep.objects.filter(application=application).select_related("organisation", "rule")
                 .order_by("-round", "order")):
        decision = STATUS_DECISION.get(step.status, "")
        rows.append({
            "id": step.pk, "round": step.round, "current": step.round == application.round, "order": step.order,
            "kind": step.kind, "kind_label": str(StepKind(step.kind).label),
            "organisation": step.organisation.name, "organisation_id": step.organisation_id,
            "status": step.status, "status_label": str(S(step.status).label),
            "activated_at": step.activated_at, "due_on": step.due_on,
            "overdue": step.status == S.ACTIVE and step.due_on is not None and step.due_on < current_day,
            "decision": str(decision), "decision_label": str(D(decision).label) if decision else "",
            "decided_at": step.decided_at, "comment": step.decision_comment, "conditions": step.conditions,
            "rule": {"name": _(step.rule.name), "priority": step.rule.priority},
            "resource_codes": list(step.resource_codes),
            "awaiting_assessment": awaited and step.status == S.ACTIVE,
        })
    return rows
