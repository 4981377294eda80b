"""Appeals (SUP-3, SUP-4): the institution the decision is addressed to asks the higher department to review
it within the appeal period; the heads of the reviewing department uphold it, quash it, or set it aside and
send the case back for a new notice, with reasons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from .. import selectors
from ..models import Appeal, Case, CaseDocument, CaseMeasure, Decision
from ..services import appeals as appeal_services
from ..services.common import publicly_decided
from ..workflows import DEFEND, REVIEW
from . import forms as case_forms
from .cases import articles_of, case_for, case_header, optional_url


def _decision_in_force(user, case) -> Decision | None:
    return (policy.visible(user, Decision.objects.filter(case=case, status=Decision.Status.IN_FORCE),
                           "cases.view_decision")
            .prefetch_related(Prefetch("measures", queryset=CaseMeasure.objects.order_by("pk"))).first())


def _public_reader_refused(request, pk: int):
    """Someone who cannot read the case but reads its disclosed decision on the public page (another institution,
    say) is told that only the institution addressed may appeal: on submission by the service itself, which
    lodges nothing; the case's own page stays closed to them. Anyone else gets 404."""
    case = Case.objects.filter(pk=pk).first()
    if case is None or not publicly_decided(case):
        raise Http404
    message = _(appeal_services.ONLY_ADDRESSEE)
    if request.method == "POST":
        try:
            appeal_services.appeal_lodge(case=case, grounds=request.POST.get("grounds", ""), by=request.user)
        except errors.PermissionDenied as error:
            message = error.message
        else:  # the service let it through: only the institution itself could get here, which reads its case
            raise errors.PermissionDenied()
    return render(request, "errors/error.html", {"code": 403, "title": message, "message": ""}, status=403)


@login_required
def appeal(request, pk: int):
    """The institution's appeal: grounds and documents; the page says which department reviews it and until
    when an appeal is possible."""
    try:
        case = case_for(request, pk)
    except errors.NotFound:
        return _public_reader_refused(request, pk)
    if request.method != "POST":
        policy.require(request.user, DEFEND, case)
    form = case_forms.AppealForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            done = run_service(request, form, lambda: appeal_services.appeal_lodge(
                case=case, grounds=form.cleaned_data["grounds"], files=form.cleaned_data["files"], by=request.user))
        except errors.PermissionDenied as error:  # someone other than the institution: say so on the page
            form.add_error(None, error.message)
            done, status = None, 403
        if done is not None:
            messages.success(request, _("Your appeal is lodged with %(department)s.")
                             % {"department": done.reviewing_department.name})
            return redirect("cases:detail", case.pk)
    decision = _decision_in_force(request.user, case)
    return render(request, "cases/appeal.html", {
        **case_header(case), "form": form, "decision": decision, "today": timezone.localdate(),
        "decision_url": optional_url("cases:decision_detail", decision.pk) if decision else "",
        "reviewing_department": appeal_services.reviewing_department_for(case),
        "actions": selectors.case_actions(request.user, case),
    }, status=status if status != 200 else 400 if form.errors else 200)


@login_required
def appeal_list(request):
    """Appeals lodged with the user's department, the oldest first, then those already decided."""
    user = request.user
    if not user.has_perm(REVIEW) or not (user.is_regulator or user.is_superuser):
        raise Http404
    rows = selectors.appeals_to_review(user).select_related("case", "case__institution", "decision",
                                                            "reviewing_department")
    return render(request, "cases/appeal_list.html", {"page": paginate(request, rows)})


def _appeal(request, pk) -> Appeal:
    return policy.get_object(request.user, Appeal.objects.select_related(
        "case", "case__institution", "case__department", "decision", "reviewing_department", "lodged_by",
        "decided_by"), "cases.view_appeal", pk=pk)


@login_required
def appeal_review(request, pk: int):
    """The appeal with the decision appealed; heads of the reviewing department decide it."""
    row = _appeal(request, pk)
    case = row.case
    form = case_forms.AppealReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: appeal_services.appeal_decide(
            appeal=row, outcome=form.cleaned_data["outcome"], reasons=form.cleaned_data["reasons"], by=request.user))
        if done is not None:
            messages.success(request, _("The appeal is decided: %(outcome)s.")
                             % {"outcome": dict(Appeal.Status.choices)[form.cleaned_data["outcome"]]})
            return redirect("cases:appeal_review", row.pk)
    documents = policy.visible(request.user, CaseDocument.objects.filter(appeal=row), "cases.view_casedocument")
    may_review = (row.status == Appeal.Status.LODGED and request.user.organisation_id == row.reviewing_department_id
                  and request.user.has_perm(REVIEW))
    decision = row.decision
    return render(request, "cases/appeal_review.html", {
        **case_header(case), "appeal": row, "decision": decision, "form": form, "may_review": may_review,
        "decision_articles": articles_of(decision.articles),
        "measures": list(decision.measures.order_by("pk")),
        "decision_url": optional_url("cases:decision_detail", decision.pk),
        "documents": list(documents.order_by("pk")),
    }, status=400 if form.errors else 200)


urlpatterns = [
    path("<int:pk>/appeal/", appeal, name="appeal"),
    path("appeals/", appeal_list, name="appeal_list"),
    path("appeals/<int:pk>/", appeal_review, name="appeal_review"),
]
