"""Conformance pages (STD-6): the institution's self-assessments, the department's work list and evaluation."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import ConformanceEvaluation
from ..services import conformance as conformance_services
from ..services.evidence import evidence_content_type
from .adoption import adoptable_codes
from .adoption_forms import EvaluationForm, ResubmitForm, ReturnForm, SelfAssessmentForm
from .registry_forms import search_text

VIEW = "standards.view_conformanceevaluation"
C = ConformanceEvaluation


@login_required
def conformance_mine(request):
    """The institution's self-assessments and the form to submit one."""
    organisation = request.user.organisation
    if organisation is None or organisation.kind == "department" or not request.user.has_perm(VIEW):
        raise Http404
    may_assess = request.user.has_perm("standards.self_assess_conformance")
    form = SelfAssessmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_assess:
            raise errors.PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            evaluation = run_service(request, form, lambda: conformance_services.conformance_self_assess(
                organisation=organisation, standard=data["standard"], result=data["result"],
                assessment=data["assessment"], evidence_upload=data.get("evidence"), by=request.user),
                success_message=_("Your self-assessment was submitted to the department."))
            if evaluation is not None:
                return redirect("standards:conformance_detail", evaluation.pk)
    rows = (policy.visible(request.user, C.objects.filter(organisation=organisation), VIEW)
            .select_related("standard").order_by("-submitted_at", "-pk"))
    return render(request, "standards/conformance/mine.html", {
        "page": paginate(request, rows), "form": form, "may_assess": may_assess, "codes": adoptable_codes(),
    }, status=400 if form.errors else 200)


@login_required
def conformance_list(request):
    """Departments: self-assessments waiting for evaluation in the jurisdiction (oldest first), or any status."""
    if not request.user.is_regulator and not request.user.is_superuser:
        return redirect("standards:conformance_mine")
    rows = policy.visible(request.user, C.objects.select_related("standard", "organisation", "region"), VIEW)
    status = request.GET.get("status", C.Status.SELF_ASSESSED)
    if status in C.Status.values:
        rows = rows.filter(status=status)
    query = search_text(request.GET.get("q"))
    if query:
        rows = rows.filter(Q(standard__code__icontains=query) | Q(organisation__name__icontains=query))
    ordering = ("submitted_at", "pk") if status == C.Status.SELF_ASSESSED else ("-submitted_at", "-pk")
    return render(request, "standards/conformance/list.html", {
        "page": paginate(request, rows.order_by(*ordering)), "status": status, "q": query,
        "statuses": C.Status.choices})


def _evaluation(request, pk) -> C:
    try:
        return policy.get_object(request.user, C.objects.select_related(
            "standard", "organisation", "region", "submitted_by", "evaluated_by"), VIEW, pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def conformance_detail(request, pk: int):
    """One evaluation: the self-assessment, the department's result; evaluate / return / resubmit forms."""
    evaluation = _evaluation(request, pk)
    may_evaluate = conformance_services.may_evaluate(request.user, evaluation)
    may_resubmit = conformance_services.may_resubmit(request.user, evaluation)
    evaluate_form, return_form = EvaluationForm(), ReturnForm()
    resubmit_form = ResubmitForm(initial={"result": evaluation.self_result,
                                          "assessment": evaluation.self_assessment})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "evaluate":
            evaluate_form = EvaluationForm(request.POST)
            if evaluate_form.is_valid():
                data = evaluate_form.cleaned_data
                if run_service(request, evaluate_form, lambda: conformance_services.conformance_evaluate(
                        evaluation=evaluation, result=data["result"], level=data["level"],
                        findings=data["findings"], by=request.user),
                        success_message=_("The evaluation is recorded.")) is not None:
                    return redirect("standards:conformance_detail", evaluation.pk)
        elif action == "return":
            return_form = ReturnForm(request.POST)
            if return_form.is_valid() and run_service(
                    request, return_form, lambda: conformance_services.conformance_return(
                        evaluation=evaluation, reason=return_form.cleaned_data["reason"], by=request.user),
                    success_message=_("The self-assessment was returned to the institution.")) is not None:
                return redirect("standards:conformance_detail", evaluation.pk)
        elif action == "resubmit":
            resubmit_form = ResubmitForm(request.POST, request.FILES)
            if resubmit_form.is_valid():
                data = resubmit_form.cleaned_data
                if run_service(request, resubmit_form, lambda: conformance_services.conformance_resubmit(
                        evaluation=evaluation, result=data["result"], assessment=data["assessment"],
                        evidence_upload=data.get("evidence"), by=request.user),
                        success_message=_("Your self-assessment was submitted again.")) is not None:
                    return redirect("standards:conformance_detail", evaluation.pk)
        else:
            raise Http404
    failed = any(form.errors for form in (evaluate_form, return_form, resubmit_form))
    steps = [{"when": row.history_date, "who": row.history_user, "status": row.get_status_display(),
              "reason": row.history_change_reason}
             for row in evaluation.history.select_related("history_user").order_by("history_date")]
    return render(request, "standards/conformance/detail.html", {
        "evaluation": evaluation, "may_evaluate": may_evaluate, "may_resubmit": may_resubmit,
        "evaluate_form": evaluate_form, "return_form": return_form, "resubmit_form": resubmit_form, "steps": steps,
    }, status=400 if failed else 200)


@login_required
def conformance_evidence(request, pk: int):
    evaluation = _evaluation(request, pk)
    name = evaluation.self_evidence.name
    return file_response(evaluation.self_evidence, filename=f"conformance-{evaluation.pk}.{name.rsplit('.', 1)[-1]}",
                         content_type=evidence_content_type(name))


urlpatterns = [
    path("conformance/", conformance_list, name="conformance_list"),
    path("conformance/mine/", conformance_mine, name="conformance_mine"),
    path("conformance/<int:pk>/", conformance_detail, name="conformance_detail"),
    path("conformance/<int:pk>/evidence/", conformance_evidence, name="conformance_evidence"),
]
