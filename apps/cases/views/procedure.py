"""The steps of a case up to the decision (SUP-3): case officers (assign, release), responsible persons,
evidence, the investigation, the notice of proposed measures, the institution's defence (with the written
waiver of the rest of the period), a waiver received on paper, and the hearing (schedule, record, withdraw).

Each step is a small page (GET) whose form posts back to it; the case page shows the same forms inline.
The services decide who may act and when; a refusal comes back on the form, translated, with nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import run_service

from .. import selectors
from ..models import Hearing
from ..services import hearing as hearing_services
from ..services import notice as notice_services
from ..services import opening
from ..workflows import DEFEND, HANDLE
from . import forms as case_forms
from .cases import action_page, case_for, case_header, require_action


def _back(case):
    return redirect("cases:detail", case.pk)


# --- officers ----------------------------------------------------------------------------------------------


@login_required
def officers(request, pk: int):
    """Assign a case officer (optionally as lead) or release one with a reason (heads of the department)."""
    case = case_for(request, pk)
    require_action(request.user, case, selectors.case_actions(request.user, case), "assign")
    action = request.POST.get("action") if request.method == "POST" else None
    assign_form = case_forms.OfficerAssignForm(request.POST if action == "assign" else None, case=case)
    release_form = case_forms.OfficerReleaseForm(request.POST if action == "release" else None, case=case)
    if action == "assign" and assign_form.is_valid():
        data = assign_form.cleaned_data
        done = run_service(request, assign_form, lambda: opening.officer_assign(
            case=case, user=data["user"], lead=data["lead"], by=request.user),
            success_message=_("%(name)s is assigned to the case.") % {"name": data["user"].get_full_name()})
        if done is not None:
            return redirect("cases:officers", case.pk)
    elif action == "release" and release_form.is_valid():
        data = release_form.cleaned_data
        done = run_service(request, release_form, lambda: opening.officer_release(
            case=case, user=data["user"], reason=data["reason"], by=request.user),
            success_message=_("%(name)s is released from the case.") % {"name": data["user"].get_full_name()})
        if done is not None:
            return redirect("cases:officers", case.pk)
    has_errors = bool(assign_form.errors or release_form.errors)
    return render(request, "cases/officers.html", {
        **case_header(case), "assign_form": assign_form, "release_form": release_form,
        "officers": list(case.officers.select_related("user", "user__organisation", "assigned_by")
                         .order_by("-is_active", "-is_lead", "assigned_at")),
    }, status=400 if has_errors else 200)


# --- persons, evidence, investigation ----------------------------------------------------------------------


@login_required
def party_add(request, pk: int):
    case = case_for(request, pk)
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "add_party")
    form = case_forms.PartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: opening.party_add(case=case, by=request.user, **form.cleaned_data),
                           success_message=_("The responsible person is added."))
        if done is not None:
            return _back(case)
    return action_page(request, case, form, title=_("Add a responsible person"), submit=_("Add the person"))


@login_required
def evidence_add(request, pk: int):
    case = case_for(request, pk)
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "add_evidence")
    form = case_forms.EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: opening.evidence_add(
            case=case, files=form.cleaned_data["files"], description=form.cleaned_data["description"],
            by=request.user), success_message=_("The evidence is added."))
        if done is not None:
            return _back(case)
    return action_page(request, case, form, title=_("Add evidence"), submit=_("Upload"), multipart=True)


@login_required
@require_POST
def investigate(request, pk: int):
    case = case_for(request, pk)
    try:
        opening.investigation_start(case=case, by=request.user)
    except (errors.TransitionNotAllowed, errors.ValidationFailed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The investigation of case %(number)s has started.") % {"number": case.number})
    return _back(case)


# --- notice ------------------------------------------------------------------------------------------------


@login_required
def notice(request, pk: int):
    """The notice of the proposed measures: facts, articles, severity, measures from the ladder, the defence
    deadline (10 working days by default)."""
    case = case_for(request, pk)
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "notify")
    form = case_forms.NoticeForm(request.POST or None, initial={
        "facts": case.facts, "articles": case.articles, "severity": case.severity})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(request, form, lambda: renamed_fields(lambda: notice_services.notice_issue(
            case=case, facts=data["facts"], articles=data["articles"], severity=data["severity"],
            proposed_measures=form.proposed_measures(), defence_deadline=data["defence_deadline"],
            by=request.user), proposed_measures="measures"))
        if done is not None:
            messages.success(request, _("The notice is issued; the institution may state its defence until "
                                        "%(date)s.") % {"date": done.defence_deadline.isoformat()})
            return _back(case)
    return render(request, "cases/notice.html", {
        **case_header(case), "form": form, "measure_rows": form.measure_rows(),
        "suspected_illegal": case.suspected_illegal}, status=400 if form.errors else 200)


def renamed_fields(call, **names):
    """Call a service; its field errors under a service's argument name (`proposed_measures`) are moved to the
    form field that shows them (`measures`)."""
    try:
        return call()
    except errors.ValidationFailed as error:
        error.field_errors = {names.get(key, key): value for key, value in error.field_errors.items()}
        raise


# --- defence and waiver ------------------------------------------------------------------------------------


@login_required
def defence(request, pk: int):
    """The institution's statement of defence, documents, a request to be heard, or its written waiver of the
    rest of the period; refused after the deadline, with the reason."""
    case = case_for(request, pk)
    if request.method != "POST":
        policy.require(request.user, DEFEND, case)
    form = case_forms.DefenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(request, form, lambda: notice_services.defence_submit(
            case=case, statement=data["statement"], hearing_requested=data["hearing_requested"],
            waives_period=data["waives_period"], files=data["files"], by=request.user))
        if done is not None:
            messages.success(request, _("Your defence is submitted.") if not done.waives_period else
                             _("Your defence is submitted and the rest of the period is waived."))
            return _back(case)
    current = case.notices.filter(is_current=True).first()
    period = notice_services.defence_period_state(case) if current is not None else None
    today = timezone.localdate()
    return render(request, "cases/defence.html", {
        **case_header(case), "form": form, "notice": current, "period": period, "today": today,
        "actions": selectors.case_actions(request.user, case),
        "days_left": (period.deadline - today).days if period is not None and period.deadline else None,
        "defences": list(case.defences.filter(notice=current).select_related("submitted_by")) if current else [],
    }, status=400 if form.errors else 200)


@login_required
def waiver_record(request, pk: int):
    """A case officer records a waiver the institution signed on paper (the signed document is required)."""
    case = case_for(request, pk)
    if request.method != "POST":
        require_action(request.user, case, selectors.case_actions(request.user, case), "record_waiver")
    form = case_forms.WaiverForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: notice_services.waiver_record(
            case=case, files=form.cleaned_data["files"], note=form.cleaned_data["note"], by=request.user),
            success_message=_("The written waiver is recorded; the department may decide."))
        if done is not None:
            return _back(case)
    return action_page(request, case, form, title=_("Record a written waiver received on paper"),
                       submit=_("Record the waiver"), multipart=True,
                       intro=_("The institution declared in writing that it waives the rest of the defence "
                               "period. Attach the signed declaration."))


# --- hearing -----------------------------------------------------------------------------------------------


def _hearing(request, pk) -> Hearing:
    return policy.get_object(request.user, Hearing.objects.select_related(
        "case", "case__institution", "case__department", "notice", "requested_by", "recorded_by"),
        "cases.view_hearing", pk=pk)


@login_required
def hearing(request, pk: int):
    """The hearing: its request, schedule and record; officers schedule and record it, the institution may
    withdraw its request while it is pending."""
    row = _hearing(request, pk)
    case = row.case
    action = request.POST.get("action") if request.method == "POST" else None
    schedule_form = case_forms.HearingScheduleForm(
        request.POST if action == "schedule" else None,
        initial={"scheduled_for": row.scheduled_for, "place": row.place})
    record_form = case_forms.HearingRecordForm(request.POST if action == "record" else None,
                                               request.FILES if action == "record" else None)
    if action == "schedule" and schedule_form.is_valid():
        done = run_service(request, schedule_form, lambda: hearing_services.hearing_schedule(
            hearing=row, by=request.user, **schedule_form.cleaned_data),
            success_message=_("The hearing is scheduled; the institution is informed."))
        if done is not None:
            return redirect("cases:hearing", row.pk)
    elif action == "record" and record_form.is_valid():
        data = record_form.cleaned_data
        done = run_service(request, record_form, lambda: hearing_services.hearing_record(
            hearing=row, held=data["held"] == "yes", minutes=data["minutes"], files=data["files"],
            by=request.user), success_message=_("The hearing is recorded."))
        if done is not None:
            return redirect("cases:hearing", row.pk)
    elif action not in (None, "schedule", "record"):
        raise errors.ValidationFailed()
    is_officer = policy.can(request.user, HANDLE, case)
    return render(request, "cases/hearing.html", {
        **case_header(case), "hearing": row, "is_officer": is_officer,
        "may_withdraw": row.is_pending and request.user.organisation_id == case.institution_id
        and policy.can(request.user, DEFEND, case),
        "schedule_form": schedule_form, "record_form": record_form,
    }, status=400 if schedule_form.errors or record_form.errors else 200)


@login_required
@require_POST
def hearing_withdraw(request, pk: int):
    row = _hearing(request, pk)
    try:
        hearing_services.hearing_withdraw(hearing=row, by=request.user)
    except (errors.TransitionNotAllowed, errors.ValidationFailed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request to be heard is withdrawn."))
    return redirect("cases:detail", row.case_id)


urlpatterns = [
    path("<int:pk>/officers/", officers, name="officers"),
    path("<int:pk>/persons/", party_add, name="party_add"),
    path("<int:pk>/evidence/", evidence_add, name="evidence_add"),
    path("<int:pk>/investigate/", investigate, name="investigate"),
    path("<int:pk>/notice/", notice, name="notice"),
    path("<int:pk>/defence/", defence, name="defence"),
    path("<int:pk>/waiver/", waiver_record, name="waiver_record"),
    path("hearings/<int:pk>/", hearing, name="hearing"),
    path("hearings/<int:pk>/withdraw/", hearing_withdraw, name="hearing_withdraw"),
]
