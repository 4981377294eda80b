"""The decision and what follows it (SUP-3, SUP-5, INS-3, INS-4): a head of the handling department decides
measures of the Article 40 ladder once the institution has been heard; the decision gets its number, its
verification code and its signed letter; the measures are executed; the case closes. A case without a
violation established is dropped."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors
from apps.core.history import save_tracked
from apps.core.verification import new_code

from ..ladder import LADDER, Measure, Severity
from ..models import Case, CaseDocument, CaseMeasure, CaseParty, Decision, Defence
from ..workflows import CASE_FLOW
from . import numbering
from .common import (
    clean,
    institution_people,
    lock_case,
    notify_on_commit,
    officers_of,
    require_decider,
    require_handler,
)
from .documents import documents_store, files_check, files_removed_on_failure
from .effects import decision_effects_apply, measures_check
from .notice import defence_period_state
from .opening import articles_check

APPEAL_DAYS = 60


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _measure_rows(case: Case, measures, severity: str) -> tuple[list[dict], list[str]]:
    """Measures as rows to create, and the problems of each (on the field "measures")."""
    rows = [dict(row) for row in measures or ()]
    for row in rows:
        row["kind"] = clean(row.get("kind"))
    try:
        measures_check(severity, case.suspected_illegal, [row["kind"] for row in rows])
    except errors.ValidationFailed as error:
        return [], error.field_errors["measures"]
    today = timezone.localdate()
    party_ids = set(CaseParty.objects.filter(case=case).values_list("pk", flat=True))
    problems: list[str] = []
    cleaned = []
    for row in sorted(rows, key=lambda row: LADDER.index(row["kind"])):
        kind, label = row["kind"], Measure(row["kind"]).label
        values = {"kind": kind, "details": clean(row.get("details")), "deadline": None, "party_ids": [],
                  "competent_body": "", "is_proposal": False, "judicial_organ": ""}
        if kind == Measure.RECTIFICATION:
            values["deadline"] = _date(row.get("deadline"))
            if values["deadline"] is None or values["deadline"] <= today:
                problems.append(_("%(measure)s: set a deadline after today.") % {"measure": label})
        elif kind == Measure.DISCIPLINARY:
            chosen = {int(pk) for pk in row.get("party_ids") or () if str(pk).isascii() and str(pk).isdigit()}
            values["party_ids"] = sorted(chosen)
            values["competent_body"] = clean(row.get("competent_body"))[:200]
            values["is_proposal"] = bool(row.get("is_proposal"))
            if not chosen or not chosen <= party_ids:
                problems.append(_("%(measure)s: choose the responsible persons of this case it concerns.")
                                % {"measure": label})
            if not values["competent_body"]:
                problems.append(_("%(measure)s: name the body competent to sanction them.") % {"measure": label})
        elif kind == Measure.JUDICIAL:
            values["judicial_organ"] = clean(row.get("judicial_organ"))[:200]
            if not values["judicial_organ"]:
                problems.append(_("%(measure)s: name the judicial organ the case is transferred to.")
                                % {"measure": label})
        cleaned.append(values)
    return cleaned, problems


def _decision_problems(case, notice, *, measures, facts, reasoning, severity, articles, defence_answer, disclosed,
                       public_summary) -> tuple[dict, list, list]:
    problems: dict[str, list] = {}
    if not facts:
        problems["facts"] = [_("State the facts established.")]
    if not reasoning:
        problems["reasoning"] = [_("Give the reasons of the decision.")]
    if severity not in Severity.values:
        problems["severity"] = [_("Choose the severity of the violation.")]
    try:
        articles = articles_check(articles)
    except errors.ValidationFailed as error:
        problems.update(error.field_errors)
    rows: list = []
    if severity in Severity.values:
        rows, measure_problems = _measure_rows(case, measures, severity)
        if measure_problems:
            problems["measures"] = measure_problems
    stated = notice.defences.filter(kind=Defence.Kind.STATEMENT).exclude(statement="").exists()
    if stated and not defence_answer:
        problems["defence_answer"] = [_("The institution stated a defence: answer it in the decision.")]
    if disclosed and not public_summary:
        problems["public_summary"] = [_("Write the summary the public will read.")]
    return problems, articles, rows


@transaction.atomic
def case_decide(*, case, measures, facts, reasoning, severity, articles, defence_answer="", disclosed=False,
                public_summary="", disclose_persons=False, by) -> Decision:
    """Decide the case (SUP-3): a head of the handling department, once the defence period has passed or was
    waived in writing and no requested hearing is pending. `measures` = [{"kind", "details", "deadline"
    (rectification: a date after today), "party_ids" (disciplinary: persons of this case), "competent_body",
    "is_proposal", "judicial_organ" (judicial)}], within the ladder for the severity. A defence on file must be
    answered; a disclosed decision needs its public summary. Effects (credit, rectification order, suspension
    proposal) apply at once; the letter is produced after commit; the institution is told."""
    from .letters import letter_enqueue  # helper H2's service: renders after commit (SUP-5)

    case = lock_case(case)
    require_decider(by, case)
    CASE_FLOW.check(by, case, case.status, Case.Status.DECIDED)
    state = defence_period_state(case)
    if not state.may_decide:
        raise errors.TransitionNotAllowed(state.blocking_reason)
    facts, reasoning, defence_answer = clean(facts), clean(reasoning), clean(defence_answer)
    public_summary = clean(public_summary) if disclosed else ""
    problems, articles, rows = _decision_problems(
        case, state.notice, measures=measures, facts=facts, reasoning=reasoning, severity=severity,
        articles=articles, defence_answer=defence_answer, disclosed=disclosed, public_summary=public_summary)
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    now = timezone.now()
    decision = save_tracked(Decision(
        case=case, notice=state.notice, number=numbering.decision_number(case.department, timezone.localdate(now).year),
        department=case.department, severity=severity, articles=articles, facts=facts, reasoning=reasoning,
        defence_answer=defence_answer, disclosed=bool(disclosed), public_summary=public_summary,
        disclose_persons=bool(disclosed and disclose_persons), decided_by=by, decided_at=now,
        appeal_until=timezone.localdate(now) + datetime.timedelta(days=APPEAL_DAYS),
        verification_code=new_code()), by=by, reason="decided")
    for row in rows:
        party_ids = row.pop("party_ids")
        measure = save_tracked(CaseMeasure(decision=decision, case=case, **row), by=by, reason="measure decided")
        if party_ids:
            measure.parties.set(party_ids)
    case.status, case.decided_at = Case.Status.DECIDED, now
    case.severity, case.articles = severity, articles
    save_tracked(case, by=by, reason=f"decided: {decision.number}")
    decision.case = case
    decision_effects_apply(decision, by)
    letter_enqueue(decision)
    notify_on_commit(institution_people(case) + officers_of(case), case,
                     gettext_lazy("Case %(number)s decided: %(decision)s"),
                     gettext_lazy("Decision %(decision)s on %(institution)s: %(measures)s. It may be appealed to "
                                  "the higher department until %(until)s."),
                     decision=decision.number, until=decision.appeal_until.isoformat(),
                     measures=", ".join(str(Measure(row["kind"]).label) for row in rows))
    return decision


@transaction.atomic
def case_drop(*, case, reason, by) -> Case:
    """Close a case without measures: no violation established (a head of the handling department, before the
    decision); the institution is told if it had been notified."""
    case = lock_case(case)
    require_decider(by, case)
    CASE_FLOW.check(by, case, case.status, Case.Status.DROPPED)
    reason = clean(reason)
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the case is closed without measures.")]})
    case.status, case.closed_at, case.closing_note = Case.Status.DROPPED, timezone.now(), reason
    save_tracked(case, by=by, reason="dropped: no violation established")
    recipients = officers_of(case) + (institution_people(case) if case.notified_at else [])
    notify_on_commit(recipients, case, gettext_lazy("Case %(number)s closed without measures"),
                     "%(reason)s", reason=reason)
    return case


def measure_execute(*, measure, note, files=(), by) -> CaseMeasure:
    """Record the execution of a measure (officers), with a note and documents. An ordered rectification is
    executed only by the acceptance of its order's report, never by hand. An appeal does not suspend execution."""
    with files_removed_on_failure(), transaction.atomic():
        row = CaseMeasure.objects.only("case_id").get(pk=measure.pk)
        case = lock_case(row.case_id)
        require_handler(by, case)
        measure = CaseMeasure.objects.select_for_update().select_related("decision").get(pk=measure.pk)
        if measure.kind == Measure.RECTIFICATION:
            raise errors.TransitionNotAllowed(_("An ordered rectification is executed by accepting the "
                                                "institution's rectification report, not by hand."))
        if (measure.execution != CaseMeasure.Execution.PENDING
                or measure.decision.status != Decision.Status.IN_FORCE
                or case.status not in (Case.Status.DECIDED, Case.Status.UNDER_REVIEW)):
            raise errors.TransitionNotAllowed(_("This measure is %(state)s; there is nothing to execute.")
                                              % {"state": str(measure.get_execution_display()).lower()})
        note = clean(note)
        problems: dict[str, list] = {}
        if not note:
            problems["note"] = [_("Record how the measure was executed.")]
        try:
            files_check(files)
        except errors.ValidationFailed as error:
            problems.update(error.field_errors)
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        measure.execution, measure.executed_at, measure.executed_by = CaseMeasure.Execution.EXECUTED, timezone.now(), by
        measure.execution_note = note
        save_tracked(measure, by=by, reason=f"executed: {measure.kind}")
        documents_store(case=case, kind=CaseDocument.Kind.EXECUTION, files=files, by=by,
                        description=str(measure.get_kind_display()))
        return measure


def pending_measures(case) -> list[CaseMeasure]:
    """Measures of the decision in force still to be executed."""
    return list(CaseMeasure.objects.filter(case_id=case.pk, decision__status=Decision.Status.IN_FORCE,
                                           execution=CaseMeasure.Execution.PENDING).order_by("pk"))


@transaction.atomic
def case_close(*, case, note="", by) -> Case:
    """Close a decided case once every measure is executed (or revoked): officers."""
    case = lock_case(case)
    require_handler(by, case)
    CASE_FLOW.check(by, case, case.status, Case.Status.CLOSED)
    pending = pending_measures(case)
    if pending:
        raise errors.TransitionNotAllowed(
            _("%(count)d measure(s) still to be executed: %(measures)s.")
            % {"count": len(pending), "measures": ", ".join(str(m.get_kind_display()) for m in pending)})
    case.status, case.closed_at, case.closing_note = Case.Status.CLOSED, timezone.now(), clean(note)
    return save_tracked(case, by=by, reason="closed: measures executed")
