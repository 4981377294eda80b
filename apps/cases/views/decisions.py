"""The decision and after (SUP-3, SUP-5, INS-3, INS-4): the head's decision with its measures from the
Article 40 ladder, closing a case without measures, the execution of each measure, and closing the case.

The decision letter's own page (progress, download, verification) is H2's `cases:decision_detail`; the
ordered rectification's page is H3's `cases:rectification_detail`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from apps.core import policy
from apps.core.forms import run_service

from .. import selectors
from ..ladder import ALLOWED_BY_SEVERITY, LADDER, Measure, Severity
from ..models import CaseMeasure
from ..services import decisions as decision_services
from ..services import notice as notice_services
from ..services.common import require_decider
from . import forms as case_forms
from .cases import action_page, case_for, case_header, optional_url, require_action


@login_required
def decide(request, pk: int):
    """The head's decision: measures with their particulars, facts, reasons, the answer to the defence and
    what is disclosed. Refused, with the reason, while the defence period runs (unless waived in writing)."""
    case = case_for(request, pk)
    if request.method != "POST":
        require_decider(request.user, case)
    notice = case.notices.filter(is_current=True).first()
    parties = list(case.parties.order_by("pk"))
    initial = {}
    if notice is not None:
        initial = {"facts": notice.facts, "articles": notice.articles, "severity": notice.severity,
                   "measures": [row.get("measure") for row in notice.proposed_measures],
                   **{f"details_{row.get('measure')}": row.get("details", "") for row in notice.proposed_measures}}
    form = case_forms.DecideForm(request.POST or None, parties=parties, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = run_service(request, form, lambda: decision_services.case_decide(
            case=case, measures=form.measures(), facts=data["facts"], reasoning=data["reasoning"],
            severity=data["severity"], articles=data["articles"], defence_answer=data["defence_answer"],
            disclosed=data["disclosed"], public_summary=data["public_summary"],
            disclose_persons=data["disclose_persons"], by=request.user))
        if decision is not None:
            messages.success(request, _("Decision %(number)s is taken; the letter is being produced.")
                             % {"number": decision.number})
            return redirect(optional_url("cases:decision_detail", decision.pk) or optional_url("cases:detail", case.pk))
    period = notice_services.defence_period_state(case) if notice is not None else None
    return render(request, "cases/decide.html", {
        **case_header(case), "form": form, "notice": notice, "period": period, "parties": parties,
        "measure_rows": form.measure_rows(),
        "ladder": [(kind, Measure(kind).label, [str(Severity(severity).label) for severity, allowed
                                                in ALLOWED_BY_SEVERITY.items() if kind in allowed])
                   for kind in LADDER],
        "defences": list(case.defences.filter(notice=notice).select_related("submitted_by")) if notice else [],
        "actions": selectors.case_actions(request.user, case),
    }, status=400 if form.errors else 200)


@login_required
def drop(request, pk: int):
    """Close the case without measures (no violation established), with the reasons."""
    case = case_for(request, pk)
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "drop")
    form = case_forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: decision_services.case_drop(
            case=case, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The case is closed without measures."))
        if done is not None:
            return redirect("cases:detail", case.pk)
    return action_page(request, case, form, title=_("Close the case without measures"),
                       submit=_("Close without measures"),
                       intro=_("Only when no violation is established; the institution is told the reasons."))


@login_required
def measure_execute(request, pk: int):
    """Record the execution of one measure (an ordered rectification is executed by accepting its order)."""
    measure = policy.get_object(request.user, CaseMeasure.objects.select_related(
        "case", "case__institution", "decision"), "cases.view_casemeasure", pk=pk)
    case = measure.case
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "execute")
    form = case_forms.ExecuteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: decision_services.measure_execute(
            measure=measure, note=form.cleaned_data["note"], files=form.cleaned_data["files"], by=request.user),
            success_message=_("“%(measure)s” is recorded as executed.") % {"measure": measure.get_kind_display()})
        if done is not None:
            return redirect("cases:detail", case.pk)
    return action_page(request, case, form, title=_("Record the execution of “%(measure)s”")
                       % {"measure": measure.get_kind_display()}, submit=_("Record the execution"),
                       multipart=True, measure=measure)


@login_required
def close(request, pk: int):
    """Close a decided case once every measure is executed (or revoked)."""
    case = case_for(request, pk)
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "close")
    form = case_forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: decision_services.case_close(
            case=case, note=form.cleaned_data["note"], by=request.user),
            success_message=_("Case %(number)s is closed.") % {"number": case.number})
        if done is not None:
            return redirect("cases:detail", case.pk)
    return action_page(request, case, form, title=_("Close the case"), submit=_("Close the case"),
                       intro=_("Every measure of the decision must be executed first."))


urlpatterns = [
    path("<int:pk>/decide/", decide, name="decide"),
    path("<int:pk>/drop/", drop, name="drop"),
    path("<int:pk>/close/", close, name="close"),
    path("measures/<int:pk>/execute/", measure_execute, name="measure_execute"),
]
