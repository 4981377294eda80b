"""Rectification pages (SUP-1, INS-3): the department's list of orders (status, overdue, escalation), the
institution's "Our rectification orders", and the order page with the finding, the deadline, each report
with its evidence (downloads audited), the institution's report form and the verifier's form."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core.files import file_response
from apps.core.forms import run_service
from apps.core.pagination import paginate

from .. import selectors
from ..models import RectificationOrder, ResponseEvidence
from ..services import rectification as services


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class RespondForm(forms.Form):
    report = forms.CharField(label=gettext_lazy("Rectification report"), widget=forms.Textarea(attrs={"rows": 6}),
                             help_text=gettext_lazy("What was done, by whom, and how it was checked."))
    files = MultipleFileField(label=gettext_lazy("Evidence (PDF, PNG or JPEG, at most 10 MB each)"), required=False)


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect(attrs={"class": "form-check-input"}), choices=[
        ("accept", gettext_lazy("Accept the rectification")),
        ("return", gettext_lazy("Return for further rectification"))])
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("Required when returning: what is still missing."))


def _order(request, pk) -> RectificationOrder:
    """The order if the user may read it (jurisdiction, own institution, or the inspection's team), else 404."""
    order = (services.orders_visible(request.user)
             .select_related("institution", "inspection", "finding", "finding__item", "issued_by")
             .filter(pk=pk).first())
    if order is None:
        raise Http404
    return order


@login_required
def order_list(request):
    """The department's orders in its jurisdiction: status, overdue, escalation level, search."""
    if not request.user.is_regulator and not request.user.is_superuser:
        raise Http404
    page = paginate(request, selectors.order_rows(request.user, request.GET))
    return render(request, "inspections/rectification/list.html", {
        "page": page, "statuses": RectificationOrder.Status.choices, "status": request.GET.get("status", ""),
        "overdue": request.GET.get("overdue") == "1", "level": request.GET.get("level", ""),
        "q": request.GET.get("q", ""), "today": timezone.localdate()})


@login_required
def my_orders(request):
    """The institution's own orders, open ones first by deadline."""
    organisation = request.user.organisation
    if organisation is None or request.user.is_regulator or not request.user.has_perm(services.VIEW_ORDER):
        raise Http404
    rows = selectors.order_rows(request.user, request.GET, institution_id=organisation.pk)
    page = paginate(request, rows)
    return render(request, "inspections/rectification/mine.html", {
        "page": page, "statuses": RectificationOrder.Status.choices, "status": request.GET.get("status", ""),
        "open": request.GET.get("open", ""), "today": timezone.localdate()})


def _detail(request, order, *, respond_form=None, verify_form=None, status=200):
    responses = list(order.responses.select_related("submitted_by", "decided_by").prefetch_related(
        Prefetch("evidence", queryset=ResponseEvidence.objects.order_by("pk"))).order_by("round"))
    may_respond = order.status in (RectificationOrder.Status.ISSUED, RectificationOrder.Status.RETURNED) \
        and services.may_respond(request.user, order)
    may_verify = order.status == RectificationOrder.Status.SUBMITTED and services.may_verify(request.user, order)
    return render(request, "inspections/rectification/detail.html", {
        "order": order, "finding": order.finding, "responses": responses, "today": timezone.localdate(),
        "may_respond": may_respond, "may_verify": may_verify,
        "respond_form": respond_form or RespondForm(), "verify_form": verify_form or VerifyForm(),
        "is_institution": request.user.organisation_id == order.institution_id,
    }, status=status)


@login_required
def order_detail(request, pk: int):
    return _detail(request, _order(request, pk))


@login_required
@require_POST
def order_respond(request, pk: int):
    order = _order(request, pk)
    form = RespondForm(request.POST, request.FILES)
    if form.is_valid():
        done = run_service(request, form, lambda: services.order_respond(
            order=order, report=form.cleaned_data["report"], files=form.cleaned_data["files"], by=request.user),
            success_message=_("Your report is submitted for verification."))
        if done is not None:
            return redirect("inspections:order_detail", order.pk)
    return _detail(request, _order(request, pk), respond_form=form, status=400)


@login_required
@require_POST
def order_verify(request, pk: int):
    order = _order(request, pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        done = run_service(request, form, lambda: services.order_verify(
            order=order, accept=accept, comment=form.cleaned_data["comment"], by=request.user),
            success_message=_("The rectification is accepted.") if accept else _("The report is returned."))
        if done is not None:
            return redirect("inspections:order_detail", order.pk)
    return _detail(request, _order(request, pk), verify_form=form, status=400)


@login_required
def response_file(request, pk: int, file_pk: int):
    """One evidence file of a report on the order (access recorded, SUP-5)."""
    order = _order(request, pk)
    evidence = ResponseEvidence.objects.filter(pk=file_pk, response__order=order).first()
    if evidence is None:
        raise Http404
    return file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type,
                         inline=False, audit_request=request, audit_object=evidence)


urlpatterns = [
    path("orders/", order_list, name="order_list"),
    path("orders/mine/", my_orders, name="my_orders"),
    path("orders/<int:pk>/", order_detail, name="order_detail"),
    path("orders/<int:pk>/respond/", order_respond, name="order_respond"),
    path("orders/<int:pk>/verify/", order_verify, name="order_verify"),
    path("orders/<int:pk>/files/<int:file_pk>/", response_file, name="order_response_file"),
]
