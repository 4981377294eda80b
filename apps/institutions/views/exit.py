"""Exit and restoration pages (INS-4): the department's work list of proposals, the proposal form, the
decision page (decide or dismiss, then the letter) and the institution's "Decisions" tab."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core import policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import Document, Institution, StatusDecision
from ..services import exit as exit_services

Measure = StatusDecision.Measure


def _field(name: str):
    return StatusDecision._meta.get_field(name)


class ProposalForm(forms.Form):
    measure = forms.ChoiceField(label=_field("measure").verbose_name)
    ground = forms.ChoiceField(label=_field("ground").verbose_name, choices=StatusDecision.Ground.choices)
    facts = forms.CharField(label=_field("facts").verbose_name, widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=gettext_lazy("The facts, the records they come from and the rules applied."))
    rectification = forms.ModelChoiceField(
        label=gettext_lazy("Rectification evidence"), queryset=Document.objects.none(), required=False,
        help_text=gettext_lazy("For a restoration: the institution's evidence of the completed rectification."))
    source_url = forms.CharField(
        label=_field("source_url").verbose_name, required=False, max_length=300,
        help_text=gettext_lazy("The inspection, case or other record the proposal rests on, e.g. /cases/12/."))

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(m, Measure(m).label) for m in exit_services.measures_open_to(institution)]
        documents = Document.objects.filter(institution=institution, kind=Document.Kind.RECTIFICATION)
        if documents.exists():
            self.fields["rectification"].queryset = documents.order_by("-uploaded_at")
        else:
            del self.fields["rectification"]


class DecideForm(forms.Form):
    decision_text = forms.CharField(
        label=_field("decision_text").verbose_name, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("The operative text of the decision letter."))
    disclosed = forms.BooleanField(label=_field("disclosed").verbose_name, required=False, initial=True)


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reasons for dismissing the proposal"),
                             widget=forms.Textarea(attrs={"rows": 3}))


def _institution(request, pk: int) -> Institution:
    return policy.get_object(request.user, Institution.objects.select_related("region__parent"),
                             "institutions.view_institution", pk=pk)


def _decision(request, pk: int) -> StatusDecision:
    return policy.get_object(
        request.user,
        StatusDecision.objects.select_related("institution__region__parent", "department", "proposed_by",
                                              "decided_by", "letter"),
        "institutions.view_statusdecision", pk=pk)


@login_required
def decision_list(request):
    """The department's work list: proposals awaiting a decision first, all decisions on request."""
    policy.require(request.user, "institutions.supervise_institution")
    rows = policy.visible(request.user, StatusDecision.objects.select_related("institution", "department"),
                          "institutions.view_statusdecision")
    state = request.GET.get("status", StatusDecision.Status.PROPOSED)
    if state in StatusDecision.Status.values:
        rows = rows.filter(status=state)
    measure = request.GET.get("measure", "")
    if measure in Measure.values:
        rows = rows.filter(measure=measure)
    return render(request, "institutions/exit/list.html", {
        "page": paginate(request, rows.order_by("-proposed_at", "-pk")), "state": state, "measure": measure,
        "states": StatusDecision.Status.choices, "measures": Measure.choices,
    })


@login_required
def decision_propose(request, pk: int):
    institution = _institution(request, pk)
    policy.require(request.user, "institutions.propose_status_decision", institution)
    form = ProposalForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        evidence = data.get("rectification")
        source_url = data["source_url"] or (reverse("institutions:document_download", args=[evidence.pk])
                                            if evidence else "")
        decision = run_service(request, form, lambda: exit_services.status_decision_propose(
            institution=institution, measure=data["measure"], ground=data["ground"], facts=data["facts"],
            by=request.user, source=evidence, source_url=source_url),
            success_message=_("The proposal has been recorded; the department heads have been notified."))
        if decision is not None:
            return redirect("institutions:decision_detail", decision.pk)
    return render(request, "institutions/exit/propose.html", {
        "institution": institution, "tab": "decisions", "form": form,
        "open_measures": exit_services.measures_open_to(institution),
    })


def _detail_context(request, decision, *, decide_form=None, dismiss_form=None) -> dict:
    may_decide = (decision.status == StatusDecision.Status.PROPOSED
                  and policy.can(request.user, "institutions.decide_status_decision", decision))
    return {
        "decision": decision, "institution": decision.institution, "tab": "decisions", "may_decide": may_decide,
        "decide_form": decide_form or (DecideForm() if may_decide else None),
        "dismiss_form": dismiss_form or (DismissForm() if may_decide else None),
        "source_is_link": decision.source_url.startswith(("/", "https://", "http://")),
    }


@login_required
def decision_detail(request, pk: int):
    decision = _decision(request, pk)
    return render(request, "institutions/exit/detail.html", _detail_context(request, decision))


@login_required
@require_POST
def decision_decide(request, pk: int):
    decision = _decision(request, pk)
    policy.require(request.user, "institutions.decide_status_decision", decision)
    form = DecideForm(request.POST)
    if form.is_valid():
        done = run_service(request, form, lambda: exit_services.status_decision_decide(
            decision=decision, decision_text=form.cleaned_data["decision_text"],
            disclosed=form.cleaned_data["disclosed"], by=request.user),
            success_message=_("The decision has been taken; the decision letter is being prepared."))
        if done is not None:
            return redirect("institutions:decision_detail", decision.pk)
    return render(request, "institutions/exit/detail.html",
                  _detail_context(request, decision, decide_form=form), status=400)


@login_required
@require_POST
def decision_dismiss(request, pk: int):
    decision = _decision(request, pk)
    policy.require(request.user, "institutions.decide_status_decision", decision)
    form = DismissForm(request.POST)
    if form.is_valid():
        done = run_service(request, form, lambda: exit_services.status_decision_dismiss(
            decision=decision, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The proposal has been dismissed."))
        if done is not None:
            return redirect("institutions:decision_detail", decision.pk)
    return render(request, "institutions/exit/detail.html",
                  _detail_context(request, decision, dismiss_form=form), status=400)


@login_required
def decision_letter(request, pk: int):
    """The letter's download link, or a placeholder that htmx polls until the pdf task has run."""
    return render(request, "institutions/exit/_letter.html", {"decision": _decision(request, pk)})


@login_required
def institution_decisions(request, pk: int):
    """The institution's "Decisions" tab: every proposal and decision about it, newest first."""
    institution = _institution(request, pk)
    rows = policy.visible(request.user, StatusDecision.objects.filter(institution=institution),
                          "institutions.view_statusdecision").select_related("department", "letter")
    may_propose = (policy.can(request.user, "institutions.propose_status_decision", institution)
                   and bool(exit_services.measures_open_to(institution)))
    return render(request, "institutions/exit/tab.html", {
        "institution": institution, "tab": "decisions", "may_propose": may_propose,
        "page": paginate(request, rows.order_by("-proposed_at", "-pk")),
        "has_open_proposal": rows.filter(status=StatusDecision.Status.PROPOSED).exists(),
    })


urlpatterns = [
    path("decisions/", decision_list, name="decision_list"),
    path("decisions/<int:pk>/", decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/decide/", decision_decide, name="decision_decide"),
    path("decisions/<int:pk>/dismiss/", decision_dismiss, name="decision_dismiss"),
    path("decisions/<int:pk>/letter/", decision_letter, name="decision_letter"),
    path("<int:pk>/decisions/", institution_decisions, name="decisions"),
    path("<int:pk>/decisions/propose/", decision_propose, name="decision_propose"),
]
