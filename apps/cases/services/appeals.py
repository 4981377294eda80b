"""Appeals (SUP-3, SUP-4): the institution the decision is addressed to, and only it, asks the higher
department to review the decision within the appeal period; lodging re-opens the case. A head of the reviewing
department upholds it (the case returns where it was), quashes it (measures revoked, credit items withdrawn,
open orders cancelled; the case closes) or sets it aside and sends it back (the same, and the case returns to
the investigation for a new notice). The institution may withdraw its appeal while it is lodged."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.accounts.models import Organisation
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import Appeal, Case, CaseDocument, Decision, Notice
from ..workflows import CASE_FLOW, REVIEW
from .common import (
    clean,
    heads_of,
    institution_people,
    lock_case,
    may_review,
    notify_on_commit,
    officers_of,
    require_institution,
)
from .documents import documents_store, files_check, files_removed_on_failure
from .effects import decision_effects_revoke

OUTCOMES = (Appeal.Status.UPHELD, Appeal.Status.QUASHED, Appeal.Status.REMITTED)
ONLY_ADDRESSEE = gettext_noop("Only the institution the decision is addressed to may appeal.")


def reviewing_department_for(case) -> Organisation | None:
    """The nearest active department above the case's department whose jurisdiction covers the institution;
    the national department (nothing above it) reviews its own decisions (SUP-4)."""
    department = case.department
    own = department.jurisdiction_prefix or ""
    if own == "":
        return department
    candidates = [org for org in Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, is_active=True)
                  .exclude(pk=department.pk).filter(jurisdiction_prefix__in=[own[:n] for n in range(len(own))])
                  if case.region_id.startswith(org.jurisdiction_prefix or "")]
    return max(candidates, key=lambda org: (len(org.jurisdiction_prefix or ""), -org.pk), default=None)


def _decision_in_force(case) -> Decision | None:
    return Decision.objects.filter(case_id=case.pk, status=Decision.Status.IN_FORCE).first()


def appeal_lodge(*, case, grounds, files=(), by) -> Appeal:
    """Appeal the decision in force (SUP-3, SUP-4): the institution concerned (defend_case) only, until
    `appeal_until`, once per decision (again after a withdrawal). Anyone else who sees the case or its
    disclosed decision is refused with a message; others get NotFound. The reviewing department's heads and
    the officers are told."""
    with files_removed_on_failure(), transaction.atomic():
        case = lock_case(case)
        require_institution(by, case, _(ONLY_ADDRESSEE), public_counts=True)
        decision = _decision_in_force(case)
        if decision is None:
            raise errors.TransitionNotAllowed(_("Case %(number)s has no decision in force to appeal.")
                                              % {"number": case.number})
        CASE_FLOW.check(by, case, case.status, Case.Status.UNDER_REVIEW)
        if timezone.localdate() > decision.appeal_until:
            raise errors.TransitionNotAllowed(_("The appeal period of decision %(number)s ended on %(date)s.")
                                              % {"number": decision.number, "date": decision.appeal_until.isoformat()})
        if Appeal.objects.filter(decision=decision).exclude(status=Appeal.Status.WITHDRAWN).exists():
            raise errors.TransitionNotAllowed(_("Decision %(number)s has already been appealed.")
                                              % {"number": decision.number})
        grounds = clean(grounds)
        problems: dict[str, list] = {}
        if not grounds:
            problems["grounds"] = [_("State the grounds of the appeal.")]
        try:
            files_check(files)
        except errors.ValidationFailed as error:
            problems.update(error.field_errors)
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        reviewing = reviewing_department_for(case)
        if reviewing is None:
            raise errors.ValidationFailed(_("No department above %(department)s covers this institution.")
                                          % {"department": case.department.name})
        appeal = save_tracked(Appeal(case=case, decision=decision, reviewing_department=reviewing, grounds=grounds,
                                     case_status_before=case.status, lodged_by=by), by=by, reason="appeal lodged")
        documents_store(case=case, kind=CaseDocument.Kind.APPEAL, files=files, by=by, appeal=appeal)
        case.status = Case.Status.UNDER_REVIEW
        save_tracked(case, by=by, reason=f"appeal against {decision.number}")
        notify_on_commit(heads_of(reviewing.pk) + officers_of(case), case,
                         gettext_lazy("Appeal against decision %(decision)s"),
                         gettext_lazy("%(institution)s appealed decision %(decision)s of case %(number)s to "
                                      "%(reviewing)s."), decision=decision.number, reviewing=reviewing.name)
        return appeal


def _lock_appeal(appeal) -> tuple[Case, Appeal]:
    row = Appeal.objects.only("case_id").get(pk=appeal.pk)
    case = lock_case(row.case_id)
    return case, Appeal.objects.select_for_update(of=("self",)).select_related(
        "decision", "reviewing_department").get(pk=appeal.pk)


@transaction.atomic
def appeal_decide(*, appeal, outcome, reasons, by) -> Appeal:
    """Decide a lodged appeal (SUP-4): a head of the reviewing department holding review_appeal. Upheld: the
    case returns to where it was (decided, or closed). Quashed: the decision's effects are revoked and the case
    closes. Remitted: the same revocation, and the case goes back to the investigation for a new notice."""
    case, appeal = _lock_appeal(appeal)
    policy.require(by, REVIEW, appeal)
    if not may_review(by, appeal):
        raise errors.PermissionDenied(_("Only a head of %(department)s, the reviewing department, may decide this "
                                        "appeal.") % {"department": appeal.reviewing_department.name})
    if appeal.status != Appeal.Status.LODGED:
        raise errors.TransitionNotAllowed(_("This appeal has already been dealt with (%(status)s).")
                                          % {"status": str(appeal.get_status_display()).lower()})
    reasons = clean(reasons)
    problems: dict[str, list] = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = [_("Choose the outcome: upheld, quashed or sent back.")]
    if not reasons:
        problems["reasons"] = [_("Give the reasons of the review.")]
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    target = {Appeal.Status.UPHELD: appeal.case_status_before or Case.Status.DECIDED,
              Appeal.Status.QUASHED: Case.Status.CLOSED,
              Appeal.Status.REMITTED: Case.Status.INVESTIGATING}[outcome]
    CASE_FLOW.check(by, case, case.status, target)
    now = timezone.now()
    if outcome != Appeal.Status.UPHELD:
        decision = Decision.objects.select_for_update().get(pk=appeal.decision_id)
        decision.status = Decision.Status.QUASHED if outcome == Appeal.Status.QUASHED else Decision.Status.REMITTED
        save_tracked(decision, by=by, reason=f"{outcome} on appeal")
        decision_effects_revoke(decision, reasons, by)
    case.status = target
    if outcome == Appeal.Status.QUASHED:
        case.closed_at, case.closing_note = now, reasons
    elif outcome == Appeal.Status.REMITTED:
        case.decided_at = None
        # The round of the notice the decision answered is over: the officers notify the case again.
        for notice in Notice.objects.select_for_update().filter(case=case, is_current=True):
            notice.is_current = False
            save_tracked(notice, by=by, reason="decision set aside on appeal")
    save_tracked(case, by=by, reason=f"appeal {outcome}")
    appeal.status, appeal.outcome_reasons, appeal.decided_by, appeal.decided_at = outcome, reasons, by, now
    save_tracked(appeal, by=by, reason=f"appeal {outcome}")
    notify_on_commit(institution_people(case) + officers_of(case) + heads_of(case.department_id), case,
                     gettext_lazy("Appeal against %(decision)s: %(outcome)s"),
                     gettext_lazy("%(reviewing)s decided the appeal against decision %(decision)s of case "
                                  "%(number)s: %(outcome)s. %(reasons)s"),
                     decision=appeal.decision.number, outcome=appeal.get_status_display(),
                     reviewing=appeal.reviewing_department.name, reasons=reasons)
    return appeal


@transaction.atomic
def appeal_withdraw(*, appeal, by) -> Appeal:
    """The institution withdraws its lodged appeal: the case returns to where it was; the decision stands."""
    case, appeal = _lock_appeal(appeal)
    require_institution(by, case, _("Only the institution that appealed may withdraw the appeal."))
    if appeal.status != Appeal.Status.LODGED:
        raise errors.TransitionNotAllowed(_("This appeal has already been dealt with (%(status)s).")
                                          % {"status": str(appeal.get_status_display()).lower()})
    # The institution's own act on its appeal (authorised above); the table decides the move only.
    target = appeal.case_status_before or Case.Status.DECIDED
    CASE_FLOW.transition(case.status, target)
    case.status = target
    save_tracked(case, by=by, reason="appeal withdrawn")
    appeal.status = Appeal.Status.WITHDRAWN
    save_tracked(appeal, by=by, reason="appeal withdrawn")
    notify_on_commit(heads_of(appeal.reviewing_department_id) + officers_of(case), case,
                     gettext_lazy("Appeal against %(decision)s withdrawn"),
                     gettext_lazy("%(institution)s withdrew its appeal in case %(number)s."),
                     decision=appeal.decision.number)
    return appeal
