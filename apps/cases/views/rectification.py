"""Pages of the rectification ordered in cases (SUP-3, INS-3): the department's list of orders in its
jurisdiction (status, overdue, escalation), the institution's "Our case rectification orders", and the order
page with the decision, the deadline, each report with its evidence (downloads through the case documents'
audited view), the institution's report form and the officer's verification form.

The forms are the inspection orders' own (same fields, same rules), imported rather than copied."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.forms import run_service
from apps.core.pagination import paginate
from apps.inspections.views.rectification import RespondForm, VerifyForm

from ..ladder import ARTICLES
from ..models import CaseDocument, CaseRectification
from ..services import rectification as services

AWAITING = " ".join(services.AWAITING_INSTITUTION)


def _rectification(request, pk) -> CaseRectification:
    """The order if the user may read it (jurisdiction, own institution, or an officer of the case), else 404."""
    rectification = (services.rectifications_visible(request.user)
                     .select_related("institution", "case", "measure", "measure__decision")
                     .filter(pk=pk).first())
    if rectification is None:
        raise Http404
    return rectification


@login_required
def rectification_list(request):
    """The department's orders in its jurisdiction: status, open, overdue, escalation level, search."""
    user = request.user
    if not (user.is_regulator and user.has_perm(services.VIEW_RECTIFICATION)) and not user.is_superuser:
        raise Http404
    page = paginate(request, services.rectification_rows(user, request.GET))
    return render(request, "cases/rectification/list.html", {
        "page": page, "statuses": CaseRectification.Status.choices, "status": request.GET.get("status", ""),
        "open": request.GET.get("open") == "1", "overdue": request.GET.get("overdue") == "1",
        "level": request.GET.get("level", ""), "q": request.GET.get("q", ""), "today": timezone.localdate(),
        "awaiting": AWAITING})


@login_required
def my_rectifications(request):
    """The institution's own orders, the first due first."""
    organisation = request.user.organisation
    if organisation is None or request.user.is_regulator or not request.user.has_perm(services.VIEW_RECTIFICATION):
        raise Http404
    rows = services.rectification_rows(request.user, request.GET, institution_id=organisation.pk)
    return render(request, "cases/rectification/mine.html", {
        "page": paginate(request, rows), "statuses": CaseRectification.Status.choices,
        "status": request.GET.get("status", ""), "open": request.GET.get("open", ""),
        "today": timezone.localdate(), "awaiting": AWAITING})


def _detail(request, rectification, *, respond_form=None, verify_form=None, status=200):
    reports = list(rectification.reports.select_related("submitted_by", "decided_by").prefetch_related(
        Prefetch("documents", queryset=CaseDocument.objects.order_by("pk"))).order_by("round"))
    may_respond = (rectification.status in services.AWAITING_INSTITUTION
                   and services.may_respond(request.user, rectification))
    may_verify = (rectification.status == CaseRectification.Status.SUBMITTED
                  and services.may_verify(request.user, rectification))
    decision = rectification.measure.decision
    return render(request, "cases/rectification/detail.html", {
        "rectification": rectification, "case": rectification.case, "decision": decision, "reports": reports,
        "articles": [ARTICLES.get(code, code) for code in decision.articles], "today": timezone.localdate(),
        "overdue": (rectification.status in services.AWAITING_INSTITUTION
                    and rectification.deadline < timezone.localdate()),
        "may_respond": may_respond, "may_verify": may_verify,
        "respond_form": respond_form or RespondForm(), "verify_form": verify_form or VerifyForm(),
        "is_institution": request.user.organisation_id == rectification.institution_id,
    }, status=status)


@login_required
def rectification_detail(request, pk: int):
    return _detail(request, _rectification(request, pk))


@login_required
@require_POST
def rectification_respond(request, pk: int):
    rectification = _rectification(request, pk)
    form = RespondForm(request.POST, request.FILES)
    if form.is_valid():
        done = run_service(request, form, lambda: services.rectification_respond(
            rectification=rectification, report=form.cleaned_data["report"], files=form.cleaned_data["files"],
            by=request.user), success_message=_("Your report is submitted for verification."))
        if done is not None:
            return redirect("cases:rectification_detail", rectification.pk)
    return _detail(request, _rectification(request, pk), respond_form=form, status=400)


@login_required
@require_POST
def rectification_verify(request, pk: int):
    rectification = _rectification(request, pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        done = run_service(request, form, lambda: services.rectification_verify(
            rectification=rectification, accept=accept, comment=form.cleaned_data["comment"], by=request.user),
            success_message=_("The rectification is accepted.") if accept else _("The report is returned."))
        if done is not None:
            return redirect("cases:rectification_detail", rectification.pk)
    return _detail(request, _rectification(request, pk), verify_form=form, status=400)


urlpatterns = [
    path("rectifications/", rectification_list, name="rectification_list"),
    path("institution/rectifications/", my_rectifications, name="my_rectifications"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/respond/", rectification_respond, name="rectification_respond"),
    path("rectifications/<int:pk>/verify/", rectification_verify, name="rectification_verify"),
]
