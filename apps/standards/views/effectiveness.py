"""Effectiveness assessment pages (STD-7): list per standard, the figures, the officer's draft, the decision."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import ConformanceEvaluation, EffectivenessAssessment, Standard
from ..services import effectiveness as effectiveness_services

VIEW = "standards.view_effectivenessassessment"
A = EffectivenessAssessment


class PrepareForm(forms.Form):
    standard = forms.ModelChoiceField(
        label=gettext_lazy("Standard"), queryset=Standard.objects.none(),
        help_text=gettext_lazy("A published or in-force standard; the portal gathers today's figures."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = Standard.objects.filter(
            status__in=effectiveness_services.ASSESSABLE_STATUSES).order_by("code")


class DraftForm(forms.Form):
    comments_summary = forms.CharField(label=gettext_lazy("Comments and problems reported"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 5}))
    conclusion = forms.CharField(label=gettext_lazy("Conclusion"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 5}))


class DecisionForm(forms.Form):
    conclusion = forms.CharField(label=gettext_lazy("Conclusion"), widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=A.Decision.choices,
                                 help_text=gettext_lazy("Revise starts a revision project; abolish abolishes the "
                                                        "standard today."))


@login_required
def assessment_list(request):
    rows = policy.visible(request.user, A.objects.select_related("standard", "decided_by"), VIEW)
    standard = None
    if (request.GET.get("standard") or "").isdigit():
        standard = Standard.objects.filter(pk=request.GET["standard"]).first()
        if standard is not None:
            rows = rows.filter(standard=standard)
    return render(request, "standards/effectiveness/list.html", {
        "page": paginate(request, rows.order_by("-created_at", "-pk")), "standard": standard,
        "may_prepare": request.user.has_perm("standards.assess_effectiveness")})


@login_required
def assessment_create(request):
    policy.require(request.user, "standards.assess_effectiveness")
    initial = {"standard": request.GET.get("standard")} if (request.GET.get("standard") or "").isdigit() else {}
    form = PrepareForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        assessment = run_service(request, form, lambda: effectiveness_services.assessment_prepare(
            standard=form.cleaned_data["standard"], by=request.user),
            success_message=_("The figures are gathered; complete the assessment."))
        if assessment is not None:
            return redirect("standards:assessment_detail", assessment.pk)
    return render(request, "standards/effectiveness/create.html", {"form": form},
                  status=400 if form.errors else 200)


def _assessment(request, pk) -> A:
    try:
        return policy.get_object(request.user, A.objects.select_related(
            "standard", "created_by", "decided_by", "revision"), VIEW, pk=pk)
    except errors.NotFound:
        raise Http404 from None


def _summary_rows(summary: dict) -> dict:
    results = [(ConformanceEvaluation.Result(k).label, v) for k, v in summary.get("results", {}).items()
               if k in ConformanceEvaluation.Result.values]
    levels = [(ConformanceEvaluation.Level(k).label, v) for k, v in summary.get("levels", {}).items()
              if k in ConformanceEvaluation.Level.values]
    return {"results": results, "levels": levels, "evaluated": summary.get("evaluated", 0),
            "open": summary.get("open", 0)}


@login_required
def assessment_detail(request, pk: int):
    assessment = _assessment(request, pk)
    draft = assessment.status == A.Status.DRAFT
    may_edit = draft and policy.can(request.user, "standards.assess_effectiveness", assessment.standard)
    may_decide = draft and policy.can(request.user, "standards.approve_standard", assessment.standard)
    draft_form = DraftForm(initial={"comments_summary": assessment.comments_summary,
                                    "conclusion": assessment.conclusion})
    decision_form = DecisionForm(initial={"conclusion": assessment.conclusion})
    if request.method == "POST":
        if request.POST.get("action") == "save":
            draft_form = DraftForm(request.POST)
            if draft_form.is_valid() and run_service(
                    request, draft_form, lambda: effectiveness_services.assessment_update(
                        assessment=assessment, by=request.user, **draft_form.cleaned_data),
                    success_message=_("The assessment is saved.")) is not None:
                return redirect("standards:assessment_detail", assessment.pk)
        elif request.POST.get("action") == "decide":
            decision_form = DecisionForm(request.POST)
            if decision_form.is_valid():
                decided = run_service(request, decision_form, lambda: effectiveness_services.assessment_decide(
                    assessment=assessment, by=request.user, **decision_form.cleaned_data))
                if decided is not None:
                    messages.success(request, {
                        A.Decision.KEEP: _("Decided: the standard is kept."),
                        A.Decision.REVISE: _("Decided: a revision project is registered."),
                        A.Decision.ABOLISH: _("Decided: the standard is abolished."),
                    }[decided.decision])
                    return redirect("standards:assessment_detail", assessment.pk)
        else:
            raise Http404
    failed = bool(draft_form.errors or decision_form.errors)
    return render(request, "standards/effectiveness/detail.html", {
        "assessment": assessment, "summary": _summary_rows(assessment.conformance_summary),
        "may_edit": may_edit, "may_decide": may_decide, "draft_form": draft_form, "decision_form": decision_form,
    }, status=400 if failed else 200)


urlpatterns = [
    path("assessments/", assessment_list, name="assessment_list"),
    path("assessments/new/", assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
]
