"""The right to be heard (SUP-3): the notice of the proposed measures, the institution's defence within the
deadline (documents, a request for a hearing, or a written waiver of the rest of the period), and the state
of the defence period a decision waits for."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors
from apps.core.history import save_tracked
from apps.workdays.services import add_working_days

from ..ladder import LADDER, Severity
from ..models import Case, CaseDocument, Defence, Hearing, Notice
from ..workflows import CASE_FLOW
from .common import (
    clean,
    institution_people,
    lock_case,
    notify_on_commit,
    officers_of,
    require_handler,
    require_institution,
)
from .documents import documents_store, files_check, files_removed_on_failure
from .effects import measures_check
from .opening import articles_check

DEFAULT_DEFENCE_WORKING_DAYS = 10
MIN_DEFENCE_WORKING_DAYS = 5
PENDING_HEARING = (Hearing.Status.REQUESTED, Hearing.Status.SCHEDULED)


def _as_date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise errors.ValidationFailed(field_errors={field: [
            _("“%(value)s” is not a date.") % {"value": value}]}) from None


def _collect(problems: dict, check, *args):
    """Run one check; its field errors join `problems` (so a form shows every problem at once)."""
    try:
        return check(*args)
    except errors.ValidationFailed as error:
        problems.update(error.field_errors)
        return None


def _proposed_measures(severity: str, suspected_illegal: bool, proposed) -> list[dict]:
    rows = [{"measure": clean(row.get("measure")), "details": clean(row.get("details"))} for row in proposed or ()]
    measures_check(severity, suspected_illegal, [row["measure"] for row in rows], field="proposed_measures")
    return sorted(rows, key=lambda row: LADDER.index(row["measure"]))


@transaction.atomic
def notice_issue(*, case, facts, articles, severity, proposed_measures, defence_deadline=None, by) -> Notice:
    """Notify the institution of the facts, articles and proposed measures (officers; investigating ->
    notified). `proposed_measures` = [{"measure", "details"}] from the ladder within the severity. The defence
    is due in 10 working days unless another date is set, never fewer than 5 working days from today. A case
    sent back on appeal is notified again (round 2, ...). The institution sees its case from now on; the case
    takes the notified articles and severity (the decision states them again)."""
    case = lock_case(case)
    require_handler(by, case)
    CASE_FLOW.check(by, case, case.status, Case.Status.NOTIFIED)
    today = timezone.localdate()
    facts = clean(facts)
    problems: dict[str, list] = {}
    if not facts:
        problems["facts"] = [_("State the facts as notified to the institution.")]
    if severity not in Severity.values:
        problems["severity"] = [_("Choose the severity of the violation.")]
    articles = _collect(problems, articles_check, articles)
    measures = (_collect(problems, _proposed_measures, severity, case.suspected_illegal, proposed_measures)
                if severity in Severity.values else None)
    earliest = add_working_days(today, MIN_DEFENCE_WORKING_DAYS)
    if defence_deadline in (None, ""):
        deadline = add_working_days(today, DEFAULT_DEFENCE_WORKING_DAYS)
    else:
        deadline = _collect(problems, _as_date, defence_deadline, "defence_deadline")
        if deadline is not None and deadline < earliest:
            problems["defence_deadline"] = [
                _("The institution must have at least %(days)d working days for its defence: choose %(date)s or "
                  "later.") % {"days": MIN_DEFENCE_WORKING_DAYS, "date": earliest.isoformat()}]
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    previous = list(Notice.objects.select_for_update().filter(case=case).order_by("round"))
    for notice in previous:
        if notice.is_current:
            notice.is_current = False
            save_tracked(notice, by=by, reason="superseded by a new notice")
    notice = save_tracked(Notice(
        case=case, round=(previous[-1].round + 1) if previous else 1, facts=facts, articles=articles,
        severity=severity, proposed_measures=measures, defence_deadline=deadline, issued_by=by), by=by,
        reason="notice issued")
    case.status = Case.Status.NOTIFIED
    case.notified_at = case.notified_at or timezone.now()
    case.articles, case.severity = articles, severity
    save_tracked(case, by=by, reason=f"notified (round {notice.round})")
    notify_on_commit(institution_people(case), case,
                     gettext_lazy("Case %(number)s: notice of proposed measures"),
                     gettext_lazy("%(institution)s is notified of the measures proposed in case %(number)s. Its "
                                  "defence is due by %(deadline)s; it may ask for a hearing."),
                     deadline=deadline.isoformat())
    return notice


# --- the defence period ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefencePeriod:
    notice: Notice | None
    deadline: datetime.date | None
    passed: bool
    waived: bool
    hearing_pending: bool
    may_decide: bool
    blocking_reason: str


def defence_period_state(case) -> DefencePeriod:
    """Where the right to be heard stands on the current notice: a decision may be taken once the period has
    passed, or earlier if the institution waived the rest of it in writing, and not while a requested hearing
    has been neither held nor withdrawn."""
    notice = Notice.objects.filter(case_id=case.pk, is_current=True).first()
    if notice is None:
        return DefencePeriod(None, None, False, False, False, False,
                             _("The institution has not been notified of the proposed measures."))
    passed = timezone.localdate() > notice.defence_deadline
    waived = notice.defences.filter(waives_period=True).exists()
    hearing_pending = notice.hearings.filter(status__in=PENDING_HEARING).exists()
    reason = ""
    if hearing_pending:
        reason = _("The institution asked for a hearing: hold it, or record its withdrawal, before deciding.")
    elif not (passed or waived):
        reason = _("The defence period runs until %(date)s: decide after it has passed, or earlier only if the "
                   "institution waives the rest of it in writing.") % {"date": notice.defence_deadline.isoformat()}
    return DefencePeriod(notice, notice.defence_deadline, passed, waived, hearing_pending, not reason, reason)


def _require_open_period(case: Case) -> DefencePeriod:
    if case.status != Case.Status.NOTIFIED:
        raise errors.TransitionNotAllowed(_("Case %(number)s is not awaiting a defence.") % {"number": case.number})
    state = defence_period_state(case)
    if state.passed:
        raise errors.TransitionNotAllowed(_("The defence period ended on %(date)s; no defence can be submitted "
                                            "any more.") % {"date": state.deadline.isoformat()})
    if state.waived:
        raise errors.TransitionNotAllowed(_("The institution has waived the rest of the defence period; no further "
                                            "defence can be submitted."))
    return state


def defence_submit(*, case, statement, hearing_requested=False, waives_period=False, files=(), by) -> Defence:
    """The institution states its defence on the current notice, until the deadline and not after a waiver
    (its own people holding defend_case). A statement or a waiver is required; a request for a hearing
    creates the hearing the decision then waits for."""
    with files_removed_on_failure(), transaction.atomic():
        case = lock_case(case)
        require_institution(by, case, _("Only the institution concerned may state a defence."))
        state = _require_open_period(case)
        statement = clean(statement)
        problems: dict[str, list] = {}
        if not statement and not waives_period:
            problems["statement"] = [_("Write the statement of defence, or waive the rest of the period.")]
        if hearing_requested and waives_period:
            problems["hearing_requested"] = [_("A hearing cannot be requested together with a waiver of the "
                                               "defence period.")]
        elif hearing_requested and state.notice.hearings.exclude(status=Hearing.Status.WITHDRAWN).exists():
            problems["hearing_requested"] = [_("A hearing has already been requested on this notice.")]
        try:
            files_check(files)
        except errors.ValidationFailed as error:
            problems.update(error.field_errors)
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        kind = Defence.Kind.STATEMENT if statement else Defence.Kind.WAIVER
        defence = save_tracked(Defence(
            case=case, notice=state.notice, kind=kind, statement=statement, hearing_requested=bool(hearing_requested),
            waives_period=bool(waives_period), submitted_by=by), by=by,
            reason="period waived" if waives_period and not statement else "defence submitted")
        documents_store(case=case, kind=CaseDocument.Kind.WAIVER if kind == Defence.Kind.WAIVER
                        else CaseDocument.Kind.DEFENCE, files=files, by=by, defence=defence)
        if hearing_requested:
            save_tracked(Hearing(case=case, notice=state.notice, requested_by=by), by=by, reason="hearing requested")
        notify_on_commit(officers_of(case), case, gettext_lazy("Case %(number)s: defence received"),
                         gettext_lazy("%(institution)s submitted its defence in case %(number)s."))
        return defence


def waiver_record(*, case, files, note, by) -> Defence:
    """An officer records a written waiver received on paper, with the signed document (required): the head
    may then decide before the deadline."""
    with files_removed_on_failure(), transaction.atomic():
        case = lock_case(case)
        require_handler(by, case)
        state = _require_open_period(case)
        if not [upload for upload in (files or []) if upload is not None]:
            raise errors.ValidationFailed(field_errors={"files": [_("Attach the signed written waiver.")]})
        files_check(files)
        defence = save_tracked(Defence(
            case=case, notice=state.notice, kind=Defence.Kind.WAIVER, statement=clean(note), waives_period=True,
            recorded_on_paper=True, submitted_by=by), by=by, reason="written waiver received on paper")
        documents_store(case=case, kind=CaseDocument.Kind.WAIVER, files=files, by=by, defence=defence)
        return defence
