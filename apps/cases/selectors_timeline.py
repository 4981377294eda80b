"""The case's timeline (SUP-3, SUP-5, SEC-7): every step of the procedure from the rows and the history that
record it, in date order, with a translated label, the acting person's name and a link where there is a
page. Entries the institution must not see (the investigation, officers, evidence) carry department_only."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Appeal,
    Case,
    CaseDocument,
    CaseMeasure,
    CaseOfficer,
    CaseRectification,
    Decision,
    Defence,
    Hearing,
    RectificationReport,
)

# Kinds of entries shown only to departments.
DEPARTMENT_ONLY = ("investigation", "officer_assigned", "officer_released", "evidence")


def _name(user) -> str:
    return user.get_full_name() if user is not None else ""


def _entry(at, kind, label, *, actor=None, detail="", url="") -> dict:
    return {"at": at, "kind": kind, "label": str(label), "actor": _name(actor), "detail": str(detail or ""),
            "url": url, "department_only": kind in DEPARTMENT_ONLY}


def _status_moves(case: Case) -> list[dict]:
    """Opening, the start of the investigation and each closing, from the case's own history (with who did it)."""
    entries, previous = [], None
    for row in case.history.order_by("history_date", "history_id").select_related("history_user"):
        if row.status != previous:
            if previous is None:
                entries.append(_entry(row.opened_at, "opened", _("Case opened"), actor=case.opened_by,
                                      detail=Case.Source(case.source).label))
            elif row.status == Case.Status.INVESTIGATING and previous == Case.Status.REGISTERED:
                entries.append(_entry(row.history_date, "investigation", _("Investigation started"),
                                      actor=row.history_user))
            elif row.status == Case.Status.CLOSED and previous == Case.Status.DECIDED:
                entries.append(_entry(row.history_date, "closed", _("Case closed, measures executed"),
                                      actor=row.history_user, detail=row.closing_note))
            elif row.status == Case.Status.DROPPED:
                entries.append(_entry(row.history_date, "dropped", _("Case closed without measures"),
                                      actor=row.history_user, detail=row.closing_note))
        previous = row.status
    return entries


def _officers(case: Case) -> list[dict]:
    entries = []
    for officer in CaseOfficer.objects.filter(case=case).select_related("user", "assigned_by"):
        label = _("Lead officer assigned: %(name)s") if officer.is_lead else _("Officer assigned: %(name)s")
        entries.append(_entry(officer.assigned_at, "officer_assigned", label % {"name": _name(officer.user)},
                              actor=officer.assigned_by))
        if officer.released_at:
            entries.append(_entry(officer.released_at, "officer_released",
                                  _("Officer released: %(name)s") % {"name": _name(officer.user)}))
    return entries


def _documents(case: Case) -> list[dict]:
    return [_entry(document.uploaded_at, "evidence", _("Evidence filed"), actor=document.uploaded_by,
                   detail=document.description or document.original_name,
                   url=reverse("cases:document_download", args=[document.pk]))
            for document in CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.EVIDENCE)
            .select_related("uploaded_by")]


def _hearing_day(hearing: Hearing) -> str:
    return timezone.localtime(hearing.scheduled_for).strftime("%Y-%m-%d %H:%M") if hearing.scheduled_for else ""


def _defence_and_hearings(case: Case) -> list[dict]:
    entries = []
    for notice in case.notices.select_related("issued_by"):
        entries.append(_entry(notice.issued_at, "notice", _("Notice of proposed measures (round %(round)d)")
                              % {"round": notice.round}, actor=notice.issued_by,
                              detail=_("Defence due by %(date)s") % {"date": notice.defence_deadline.isoformat()}))
    for defence in Defence.objects.filter(case=case).select_related("submitted_by"):
        if defence.kind == Defence.Kind.WAIVER:
            label = _("Written waiver received on paper") if defence.recorded_on_paper else \
                _("Defence period waived in writing")
            entries.append(_entry(defence.submitted_at, "waiver", label, actor=defence.submitted_by,
                                  detail=defence.statement))
        else:
            label = _("Defence submitted, period waived") if defence.waives_period else _("Defence submitted")
            entries.append(_entry(defence.submitted_at, "defence", label, actor=defence.submitted_by,
                                  detail=defence.statement))
    withdrawn = {row.id: row for row in Hearing.history.filter(case_id=case.pk, status=Hearing.Status.WITHDRAWN)
                 .order_by("-history_date").select_related("history_user")}
    for hearing in Hearing.objects.filter(case=case).select_related("requested_by", "recorded_by"):
        entries.append(_entry(hearing.requested_at, "hearing_requested", _("Hearing requested"),
                              actor=hearing.requested_by, detail=_hearing_day(hearing)))
        if hearing.status == Hearing.Status.HELD:
            entries.append(_entry(hearing.held_at, "hearing_held", _("Hearing held"), actor=hearing.recorded_by,
                                  detail=hearing.minutes))
        elif hearing.status == Hearing.Status.NOT_ATTENDED:
            entries.append(_entry(hearing.scheduled_for or hearing.requested_at, "hearing_held",
                                  _("Hearing not attended by the institution"), actor=hearing.recorded_by))
        elif hearing.pk in withdrawn:
            row = withdrawn[hearing.pk]
            entries.append(_entry(row.history_date, "hearing_withdrawn", _("Hearing request withdrawn"),
                                  actor=row.history_user))
    return entries


def _decisions(case: Case) -> list[dict]:
    entries = []
    measures = list(CaseMeasure.objects.filter(case=case).select_related("executed_by").order_by("pk"))
    for decision in Decision.objects.filter(case=case).select_related("decided_by").order_by("decided_at"):
        kinds = ", ".join(str(m.get_kind_display()) for m in measures if m.decision_id == decision.pk)
        entries.append(_entry(decision.decided_at, "decision", _("Decision %(number)s") % {"number": decision.number},
                              actor=decision.decided_by, detail=kinds,
                              url=reverse("cases:decision_detail", args=[decision.pk])))
    for measure in measures:
        if measure.executed_at and measure.kind != "rectification":
            entries.append(_entry(measure.executed_at, "measure_executed", _("Measure executed: %(measure)s")
                                  % {"measure": measure.get_kind_display()}, actor=measure.executed_by,
                                  detail=measure.execution_note))
    for rectification in CaseRectification.objects.filter(case=case):
        entries.append(_entry(rectification.issued_at, "rectification", _("Rectification ordered: %(number)s")
                              % {"number": rectification.number},
                              detail=_("Due by %(date)s") % {"date": rectification.deadline.isoformat()},
                              url=reverse("cases:rectification_detail", args=[rectification.pk])))
    for report in (RectificationReport.objects.filter(rectification__case=case)
                   .select_related("rectification", "submitted_by", "decided_by")):
        url = reverse("cases:rectification_detail", args=[report.rectification_id])
        entries.append(_entry(report.submitted_at, "rectification_report",
                              _("Rectification report %(round)d on %(number)s")
                              % {"round": report.round, "number": report.rectification.number},
                              actor=report.submitted_by, url=url))
        if report.decided_at:
            label = (_("Rectification accepted: %(number)s") if report.verdict == "accepted"
                     else _("Rectification report returned: %(number)s"))
            entries.append(_entry(report.decided_at, "rectification_verified",
                                  label % {"number": report.rectification.number}, actor=report.decided_by,
                                  detail=report.verdict_comment, url=url))
    return entries


def _appeals(case: Case) -> list[dict]:
    entries = []
    withdrawn = {row.id: row for row in Appeal.history.filter(case_id=case.pk, status=Appeal.Status.WITHDRAWN)
                 .order_by("-history_date").select_related("history_user")}
    for appeal in Appeal.objects.filter(case=case).select_related("lodged_by", "decided_by", "reviewing_department",
                                                                   "decision"):
        entries.append(_entry(appeal.lodged_at, "appeal_lodged", _("Appeal against %(number)s lodged with "
                                                                   "%(department)s")
                              % {"number": appeal.decision.number, "department": appeal.reviewing_department.name},
                              actor=appeal.lodged_by, detail=appeal.grounds))
        if appeal.decided_at:
            entries.append(_entry(appeal.decided_at, "appeal_decided", _("Appeal decided: %(outcome)s")
                                  % {"outcome": appeal.get_status_display()}, actor=appeal.decided_by,
                                  detail=appeal.outcome_reasons))
        elif appeal.pk in withdrawn:
            row = withdrawn[appeal.pk]
            entries.append(_entry(row.history_date, "appeal_withdrawn", _("Appeal withdrawn"),
                                  actor=row.history_user))
    return entries


def case_timeline(case: Case) -> list[dict]:
    """[{at, kind, label, actor, detail, url, department_only}] in date order (a fixed number of queries)."""
    entries = (_status_moves(case) + _officers(case) + _documents(case) + _defence_and_hearings(case)
               + _decisions(case) + _appeals(case))
    floor = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return sorted(entries, key=lambda entry: entry["at"] or floor)
