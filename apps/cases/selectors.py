"""Reads of the cases app (SUP-3, SUP-4, SEC-7): the cases a user may read, the officer's work list with its
deadlines, the institution's own cases, the appeals a head reviews, the steps open to a user on a case, the
case's timeline and the department statistics.

Lists and figures are set-based (subqueries, GROUP BY), so the number of queries does not grow with the data;
everything goes through the policy layer (apps/core/policy.py)."""

from __future__ import annotations

from django.db import models as db
from django.db.models import DateField, F, OuterRef, Subquery, When
from django.db.models.functions import Least, TruncDate
from django.utils import timezone

from apps.core import errors, policy

from .models import Appeal, Case, CaseMeasure, CaseOfficer, CaseRectification, Decision, Hearing, Notice
from .selectors_statistics import statistics
from .selectors_timeline import case_timeline
from .services.common import cases_visible, is_handler, may_assign, may_decide, may_defend, may_review
from .workflows import REVIEW

__all__ = ["appeals_to_review", "case_actions", "case_get", "case_timeline", "cases_visible", "institution_cases",
           "statistics", "with_next_deadline", "work_list"]

CLOSED = (Case.Status.CLOSED, Case.Status.DROPPED)
AWAITING_INSTITUTION = (CaseRectification.Status.ISSUED, CaseRectification.Status.RETURNED)


def case_get(user, pk) -> Case:
    """A case the user may read, else NotFound (missing and invisible alike)."""
    text = str(pk)
    if not (text.isascii() and text.isdigit()):
        raise errors.NotFound()
    case = (cases_visible(user).select_related("institution", "department", "region", "opened_by")
            .filter(pk=int(text)).first())
    if case is None:
        raise errors.NotFound()
    return case


def with_next_deadline(rows):
    """Annotate `next_deadline`: the earliest of the defence deadline (a notified case), the day of a scheduled
    hearing and the deadline of a rectification order awaiting the institution (NULL when none)."""
    notice = Notice.objects.filter(case=OuterRef("pk"), is_current=True).values("defence_deadline")[:1]
    hearing = (Hearing.objects.filter(case=OuterRef("pk"), status=Hearing.Status.SCHEDULED)
               .order_by("scheduled_for").annotate(day=TruncDate("scheduled_for")).values("day")[:1])
    rectification = (CaseRectification.objects.filter(case=OuterRef("pk"), status__in=AWAITING_INSTITUTION)
                     .order_by("deadline").values("deadline")[:1])
    defence = db.Case(When(status=Case.Status.NOTIFIED, then=Subquery(notice)), default=None, output_field=DateField())
    # PostgreSQL's LEAST skips NULLs: the earliest of the deadlines that exist.
    return rows.annotate(next_deadline=Least(defence, Subquery(hearing, output_field=DateField()),
                                             Subquery(rectification), output_field=DateField()))


def work_list(user):
    """The open cases the user is an assigned officer of, the next deadline first (cases without one last)."""
    assigned = CaseOfficer.objects.filter(user=user, is_active=True).values("case_id")
    rows = Case.objects.filter(pk__in=assigned).exclude(status__in=CLOSED)
    return with_next_deadline(rows).order_by(F("next_deadline").asc(nulls_last=True), "opened_at", "pk")


def institution_cases(user):
    """The institution's own cases (from the notice on), the latest notified first."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return Case.objects.none()
    return (cases_visible(user).filter(institution_id=organisation_id)
            .order_by(F("notified_at").desc(nulls_last=True), "-pk"))


def appeals_to_review(user):
    """Lodged appeals the user's department reviews (heads holding review_appeal), the oldest first."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None or not getattr(user, "is_authenticated", False):
        return Appeal.objects.none()
    return (policy.visible(user, Appeal.objects.all(), REVIEW)
            .filter(reviewing_department_id=organisation_id, status=Appeal.Status.LODGED)
            .select_related("case", "case__institution", "decision").order_by("lodged_at", "pk"))


def case_actions(user, case) -> dict[str, bool]:
    """The steps the user may take on the case now (the services decide again; this only offers them)."""
    from .services.notice import defence_period_state

    status = case.status
    handler = is_handler(user, case)
    decider = may_decide(user, case)
    defender = may_defend(user, case)
    actions = dict.fromkeys(("assign", "investigate", "add_party", "add_evidence", "notify", "defend",
                             "record_waiver", "decide", "drop", "execute", "close", "appeal", "review"), False)
    actions["assign"] = case.is_open and may_assign(user, case)
    actions["investigate"] = handler and status == Case.Status.REGISTERED
    actions["add_party"] = handler and status in (Case.Status.REGISTERED, Case.Status.INVESTIGATING,
                                                  Case.Status.NOTIFIED)
    actions["add_evidence"] = handler and case.is_open
    actions["notify"] = handler and status == Case.Status.INVESTIGATING
    actions["drop"] = decider and status in (Case.Status.REGISTERED, Case.Status.INVESTIGATING, Case.Status.NOTIFIED)
    if status == Case.Status.NOTIFIED and (handler or decider or defender):
        period = defence_period_state(case)
        still_open = not period.passed and not period.waived
        actions["defend"] = defender and still_open
        actions["record_waiver"] = handler and still_open
        actions["decide"] = decider and period.may_decide
    if handler and status in (Case.Status.DECIDED, Case.Status.UNDER_REVIEW):
        pending = list(CaseMeasure.objects.filter(case_id=case.pk, decision__status=Decision.Status.IN_FORCE,
                                                  execution=CaseMeasure.Execution.PENDING)
                       .values_list("kind", flat=True))
        actions["execute"] = any(kind != "rectification" for kind in pending)
        actions["close"] = status == Case.Status.DECIDED and not pending
    if defender and status in (Case.Status.DECIDED, Case.Status.CLOSED):
        decision = Decision.objects.filter(case_id=case.pk, status=Decision.Status.IN_FORCE).first()
        actions["appeal"] = bool(decision and decision.appeal_until >= timezone.localdate() and not Appeal.objects
                                 .filter(decision=decision).exclude(status=Appeal.Status.WITHDRAWN).exists())
    if status == Case.Status.UNDER_REVIEW:
        appeal = Appeal.objects.filter(case_id=case.pk, status=Appeal.Status.LODGED).first()
        actions["review"] = appeal is not None and may_review(user, appeal)
    return actions

