"""Rectification ordered by a case decision (SUP-3, INS-3), tracked like an inspection rectification order.

A decision with the measure "ordered rectification" issues one order (`rectification_issue`, called by the
decision service inside its transaction). The institution's people holding respond_case_rectification answer
with a report and evidence; an assigned officer of the case (object grant handle_case) or a head of the
handling department accepts or returns it. Acceptance executes the measure and raises "rectification.timely"
or "rectification.late"; an order still unanswered after its deadline is escalated every morning (levels at
1, 7 and 30 days, as inspection orders are: the levels, `escalation_level_for` and `department_recipients`
are the inspections app's own, imported) and raises "rectification.missing" once. A decision quashed or set
aside on appeal cancels its open order (`rectification_cancel`, by the reviewing head).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.inspections.services.rectification import (
    ESCALATION_DAYS,
    RETURN_WORKING_DAYS,
    department_recipients,
    escalation_level_for,
)
from apps.workdays.services import add_working_days

from ..ladder import ARTICLES, Measure
from ..models import CaseMeasure, CaseOfficer, CaseRectification, RectificationReport
from ..workflows import DECIDE, HANDLE, RECTIFICATION_FLOW, RESPOND
from . import numbering
from .common import clean, in_portal_language, institution_people, officers_of
from .documents import documents_store, files_removed_on_failure

VIEW_RECTIFICATION = "cases.view_caserectification"
RS = CaseRectification.Status
AWAITING_INSTITUTION = (RS.ISSUED, RS.RETURNED)
OPEN_STATUSES = (RS.ISSUED, RS.SUBMITTED, RS.RETURNED)


def lock_rectification(rectification: CaseRectification) -> CaseRectification:
    return (CaseRectification.objects.select_for_update(of=("self",))
            .select_related("case", "institution", "measure", "measure__decision").get(pk=rectification.pk))


# --- who reads and who acts --------------------------------------------------------------------------------


def rectifications_visible(user):
    """Orders the user may read: the jurisdiction's, the institution's own, and those of cases the user is an
    assigned officer of (an officer may come from a department above the institution's)."""
    rows = policy.visible(user, CaseRectification.objects.all(), VIEW_RECTIFICATION)
    if not getattr(user, "is_authenticated", False):
        return rows
    return rows | CaseRectification.objects.filter(
        case_id__in=CaseOfficer.objects.filter(user=user, is_active=True).values("case_id"))


def rectification_rows(user, params, *, institution_id=None):
    """Orders the user may read, the first due first; ?status=, ?open=1, ?overdue=1, ?level=, ?q= (number,
    case number or part of the institution's name); `institution_id` limits them to one institution."""
    today = timezone.localdate()
    rows = rectifications_visible(user).select_related("institution", "case", "measure__decision")
    if institution_id is not None:
        rows = rows.filter(institution_id=institution_id)
    status = params.get("status", "")
    if status in RS.values:
        rows = rows.filter(status=status)
    if params.get("open") == "1":
        rows = rows.filter(status__in=OPEN_STATUSES)
    if params.get("overdue") == "1":
        rows = rows.filter(status__in=AWAITING_INSTITUTION, deadline__lt=today)
    level = str(params.get("level", ""))
    if level in {"1", "2", "3"}:
        rows = rows.filter(escalation_level=int(level))
    text = str(params.get("q") or "").replace("\x00", "").strip()
    if text:
        rows = rows.filter(Q(institution__name__icontains=text) | Q(number__icontains=text)
                           | Q(case__number__icontains=text))
    return rows.order_by("deadline", "pk")


def may_respond(user, rectification: CaseRectification) -> bool:
    """The institution's own people holding respond_case_rectification."""
    return (getattr(user, "organisation_id", None) == rectification.institution_id
            and policy.can(user, RESPOND, rectification))


def may_verify(user, rectification: CaseRectification) -> bool:
    """An assigned officer of the case (object grant), or a head of the handling department (who decided)."""
    case = rectification.case
    if policy.can(user, HANDLE, case):
        return True
    return getattr(user, "organisation_id", None) == case.department_id and policy.can(user, DECIDE, case)


def _require_visible(user, rectification: CaseRectification) -> None:
    if not rectifications_visible(user).filter(pk=rectification.pk).exists():
        raise errors.NotFound()


# --- issue, answer, verify, cancel ---------------------------------------------------------------------------


def _default_requirement(measure: CaseMeasure) -> str:
    """What the order asks when the decision gives no details, in the portal's language (a document of
    record), naming the articles held violated."""
    decision = measure.decision
    with translation.override(settings.LANGUAGE_CODE):
        articles = "; ".join(str(ARTICLES.get(code, code)) for code in (decision.articles or measure.case.articles))
        return _("Rectify the violations of %(articles)s established in decision %(decision)s and report the "
                 "measures taken, with evidence, by the deadline.") % {
            "articles": articles, "decision": decision.number}


@transaction.atomic
def rectification_issue(*, measure: CaseMeasure, by) -> CaseRectification:
    """Issue the order of an ordered-rectification measure (SUP-3). Called by the decision service inside the
    decision's transaction, which has authorised `by` (decide_case); the institution is told on commit."""
    if measure.kind != Measure.RECTIFICATION:
        raise errors.ValidationFailed(_("Only an ordered rectification is tracked as a rectification order."))
    if measure.deadline is None:
        raise errors.ValidationFailed(field_errors={"deadline": [_("Set the deadline of the rectification.")]})
    existing = CaseRectification.objects.filter(measure=measure).first()
    if existing is not None:
        return existing
    case = measure.case
    rectification = save_tracked(CaseRectification(
        measure=measure, case=case, institution_id=case.institution_id, region_id=case.region_id,
        number=numbering.rectification_number(measure),
        requirement=clean(measure.details) or _default_requirement(measure),
        deadline=measure.deadline, issued_at=timezone.now()), by=by, reason="rectification ordered by decision")
    transaction.on_commit(lambda: _notify(
        institution_people(rectification.case), rectification,
        gettext_lazy("Case %(case)s: rectification ordered (%(number)s)"),
        gettext_lazy("Decision %(decision)s orders %(institution)s to rectify by %(deadline)s. Answer order "
                     "%(number)s with a report and evidence before the deadline.")))
    return rectification


def rectification_respond(*, rectification: CaseRectification, report: str, files=(), by) -> RectificationReport:
    """The institution answers an issued or returned order with a report and evidence (SUP-3).

    Only its own people holding respond_case_rectification. Files are checked and stored by the case's
    document store (PDF, PNG or JPEG by content, at most 10 MB, all checked before any is stored); nothing is
    kept, rows or files, when anything is refused."""
    with files_removed_on_failure(), transaction.atomic():
        return _respond(rectification, report, files, by)


def _respond(rectification: CaseRectification, report: str, files, by) -> RectificationReport:
    rectification = lock_rectification(rectification)
    _require_visible(by, rectification)
    if not may_respond(by, rectification):
        raise errors.PermissionDenied(_("Only the institution's people who answer rectification orders may report "
                                        "on this order."))
    RECTIFICATION_FLOW.check(by, rectification, rectification.status, RS.SUBMITTED)
    report = clean(report)
    if not report:
        raise errors.ValidationFailed(field_errors={"report": [
            _("Describe the rectification done and how it was checked.")]})
    row = save_tracked(RectificationReport(
        rectification=rectification, round=rectification.reports.count() + 1, report=report, submitted_by=by),
        by=by, reason="rectification report submitted")
    files = [upload for upload in (files or []) if upload is not None]
    if files:
        documents_store(case=rectification.case, kind="rectification", files=files, by=by,
                        description=f"{rectification.number} #{row.round}",
                        rectification_report=row)
    rectification.status = RS.SUBMITTED
    save_tracked(rectification, by=by, reason=f"report {row.round} submitted")
    transaction.on_commit(lambda: _notify(
        officers_of(rectification.case), rectification,
        gettext_lazy("Rectification report on order %(number)s"),
        gettext_lazy("%(institution)s reported on order %(number)s of case %(case)s; please verify it.")))
    return row


@transaction.atomic
def rectification_verify(*, rectification: CaseRectification, accept: bool, comment: str = "",
                         by) -> CaseRectification:
    """Accept or return the institution's latest report (SUP-3, INS-3). Returning needs a comment.

    Accepting executes the measure and raises "rectification.timely" when the accepted report was submitted
    by the deadline, else "rectification.late" (unless the order was escalated: "rectification.missing" has
    then been raised already). A report sent in time but returned with fewer than RETURN_WORKING_DAYS working
    days left (or after the deadline) gets that many working days from the return, as inspection orders do."""
    from apps.institutions.services.credit import credit_event_record

    rectification = lock_rectification(rectification)
    _require_visible(by, rectification)
    if not may_verify(by, rectification):
        raise errors.PermissionDenied(_("Only an officer of the case or a head of the handling department may "
                                        "verify this rectification."))
    target = RS.ACCEPTED if accept else RS.RETURNED
    # The table's HANDLE is the officers' grant; a head of the handling department verifies as well, so the
    # permission is decided above and the table decides the move.
    RECTIFICATION_FLOW.transition(rectification.status, target)
    comment = clean(comment)
    if not accept and not comment:
        raise errors.ValidationFailed(field_errors={"comment": [
            _("Say what is still missing before returning the report.")]})
    report = rectification.reports.filter(verdict=RectificationReport.Verdict.PENDING).order_by("-round").first()
    if report is None:
        raise errors.TransitionNotAllowed(_("There is no report awaiting verification."))
    now = timezone.now()
    report.verdict = RectificationReport.Verdict.ACCEPTED if accept else RectificationReport.Verdict.RETURNED
    report.verdict_comment, report.decided_by, report.decided_at = comment, by, now
    save_tracked(report, by=by, reason=f"report {report.round} {report.verdict}")
    rectification.status = target
    reason = f"rectification {target}"
    if accept:
        rectification.accepted_at = now
    else:
        floor = add_working_days(timezone.localdate(), RETURN_WORKING_DAYS)
        if timezone.localdate(report.submitted_at) <= rectification.deadline < floor:
            reason = (f"rectification returned; deadline {rectification.deadline.isoformat()} -> "
                      f"{floor.isoformat()}")
            rectification.deadline = floor
    save_tracked(rectification, by=by, reason=reason[:100])
    url = reverse("cases:rectification_detail", args=[rectification.pk])
    if accept:
        measure = CaseMeasure.objects.select_for_update().get(pk=rectification.measure_id)
        if measure.execution == CaseMeasure.Execution.PENDING:
            measure.execution = CaseMeasure.Execution.EXECUTED
            measure.executed_at, measure.executed_by = now, by
            measure.execution_note = in_portal_language(
                gettext_noop("Rectification order %(number)s accepted on %(date)s."),
                number=rectification.number, date=timezone.localdate(now).isoformat())
            if comment:
                measure.execution_note += f"\n{comment}"
            save_tracked(measure, by=by, reason=f"executed: order {rectification.number} accepted"[:100])
        if rectification.escalation_level == 0:
            submitted_on = timezone.localdate(report.submitted_at)
            trigger = "rectification.timely" if submitted_on <= rectification.deadline else "rectification.late"
            credit_event_record(
                institution_id=rectification.institution_id, trigger=trigger, source=rectification,
                description=f"{rectification.number}: {rectification.case.title}", by=by, occurred_on=submitted_on,
                source_url=url)
    title = (gettext_lazy("Rectification order %(number)s accepted") if accept
             else gettext_lazy("Rectification order %(number)s returned"))
    body = (gettext_lazy("Your rectification of %(number)s is accepted.") if accept
            else gettext_lazy("Your report on %(number)s was returned: %(comment)s"))
    transaction.on_commit(lambda: _notify(institution_people(rectification.case), rectification, title, body,
                                          comment=comment))
    return rectification


@transaction.atomic
def rectification_cancel(*, rectification: CaseRectification, reason: str, by) -> CaseRectification:
    """Cancel an open order whose decision was quashed or set aside on appeal (SUP-3, SUP-4).

    Called by the appeal service with the reviewing head as `by`; the table's permission (review_appeal) is
    checked on the case, as the case's own moves on appeal are. Only an open order is cancelled: an accepted
    one stays as the record of work done (the table refuses it). Credit events the order raised (late,
    missing) are withdrawn with it: the obligation they were about no longer stands."""
    from apps.institutions.services.credit import credit_events_withdraw_for

    rectification = lock_rectification(rectification)
    RECTIFICATION_FLOW.check(by, rectification.case, rectification.status, RS.CANCELLED)
    reason = clean(reason)
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Give the reason for cancelling the order.")]})
    rectification.status = RS.CANCELLED
    save_tracked(rectification, by=by, reason=f"cancelled: {reason}"[:100])
    credit_events_withdraw_for(source=rectification, reason=f"order {rectification.number} cancelled", by=by)
    recipients = institution_people(rectification.case) + officers_of(rectification.case)
    transaction.on_commit(lambda: _notify(
        recipients, rectification, gettext_lazy("Rectification order %(number)s cancelled"),
        gettext_lazy("Order %(number)s of case %(case)s is cancelled: %(reason)s"), reason=reason))
    return rectification


def _notify(recipients, rectification: CaseRectification, title, body, **params) -> None:
    from apps.institutions.services.messages import portal_notify

    recipients = list({user.pk: user for user in recipients}.values())
    portal_notify(recipients=recipients, title=title, body=body,
                  params={"number": rectification.number, "institution": rectification.institution.name,
                          "case": rectification.case.number, "decision": rectification.measure.decision.number,
                          "deadline": rectification.deadline.isoformat(), **params},
                  url=reverse("cases:rectification_detail", args=[rectification.pk]))


# --- escalation (beat) -------------------------------------------------------------------------------------


def _due_for_escalation(today: datetime.date):
    """Orders awaiting the institution past their deadline whose escalation level is behind, in one query on
    the (status, deadline) index."""
    behind = Q()
    for level, days in ESCALATION_DAYS.items():
        behind |= Q(deadline__lte=today - datetime.timedelta(days=days), escalation_level__lt=level)
    return CaseRectification.objects.filter(status__in=AWAITING_INSTITUTION, deadline__lt=today).filter(behind)


def rectifications_escalate_overdue(today: datetime.date | None = None) -> int:
    """Escalate overdue orders (beat `cases.rectifications_escalate`, as the system account); return how many
    changed. Idempotent: each level is reached once per order; an order another run holds is skipped.

    Level 1 when first overdue: the institution and the case officers are told, "rectification.missing" is
    raised. Level 2 at 7 days: the heads of the departments covering the institution are told. Level 3 at 30
    days: the heads and the case officers are told that further accountability is proposed."""
    from apps.accounts.services import system_account

    today = today or timezone.localdate()
    system = system_account()
    changed = 0
    for rectification_id in list(_due_for_escalation(today).order_by("deadline", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            rectification = (_due_for_escalation(today).select_for_update(of=("self",), skip_locked=True)
                             .select_related("case", "institution", "measure__decision")
                             .filter(pk=rectification_id).first())
            if rectification is None:
                continue
            _escalate(rectification, escalation_level_for(rectification, today), today, system)
            changed += 1
    return changed


def _escalate(rectification: CaseRectification, level: int, today: datetime.date, by) -> None:
    from apps.institutions.services.credit import credit_event_record

    previous = rectification.escalation_level
    rectification.escalation_level = level
    rectification.escalated_at = timezone.now()
    save_tracked(rectification, by=by, reason=f"escalated to level {level}")
    if previous < 1 <= level:
        credit_event_record(
            institution_id=rectification.institution_id, trigger="rectification.missing", source=rectification,
            description=f"{rectification.number}: {rectification.case.title}", by=by,
            occurred_on=rectification.deadline + datetime.timedelta(days=1),
            source_url=reverse("cases:rectification_detail", args=[rectification.pk]))
    officers = officers_of(rectification.case)
    recipients: list = []
    if previous < 1 <= level:
        recipients += institution_people(rectification.case) + officers
    if previous < 2 <= level:
        recipients += department_recipients(rectification.region_id, ("department_head",))
    if previous < 3 <= level:
        recipients += department_recipients(rectification.region_id, ("department_head",)) + officers
    titles = {
        1: gettext_lazy("Rectification order %(number)s is overdue"),
        2: gettext_lazy("Rectification order %(number)s is a week overdue"),
        3: gettext_lazy("Rectification order %(number)s is a month overdue: further accountability proposed"),
    }
    body = gettext_lazy("%(institution)s has not reported on order %(number)s of case %(case)s, due on "
                        "%(deadline)s (%(days)s day(s) overdue).")
    transaction.on_commit(lambda: _notify(recipients, rectification, titles[level], body,
                                          days=(today - rectification.deadline).days))
