"""Entrustment pages (INS-7): the institution's "Entrustments" tab (list, record form, end action), and the
provider's read-only "Entrusted to us" page. The agreement is served through the entrustment, so the
provider can read the agreement it signed without seeing the rest of the institution's documents."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import Entrustment, Institution
from ..services import entrustment as entrustment_services
from .documents import document_file_response

E = Entrustment
DOCUMENT_ACCEPT = "application/pdf,image/png,image/jpeg"


def _label(name: str):
    return E._meta.get_field(name).verbose_name


class EntrustmentForm(forms.Form):
    provider = forms.CharField(label=_label("provider"), max_length=18, help_text=gettext_lazy(
        "The provider's unified social credit code; it must be an admitted service provider."))
    scope = forms.ChoiceField(label=_label("scope"), choices=E.Scope.choices)
    systems = forms.CharField(label=_label("systems"), widget=forms.Textarea(attrs={"rows": 3}), help_text=(
        gettext_lazy("The information systems, data centres and data sets the provider stores or operates.")))
    security_obligations = forms.CharField(label=_label("security_obligations"),
                                           widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_label("starts_on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_label("ends_on"), widget=forms.DateInput(attrs={"type": "date"}))
    agreement = forms.FileField(label=_label("agreement"), widget=forms.ClearableFileInput(
        attrs={"accept": DOCUMENT_ACCEPT}), help_text=gettext_lazy("The signed agreement: PDF, PNG or JPEG."))

    def clean_provider(self):
        code = self.cleaned_data["provider"].strip().upper()
        provider = Institution.objects.select_related("organisation").filter(credit_code=code).first()
        if provider is None:
            raise forms.ValidationError(_("No registered institution has this code."))
        return provider


class EndForm(forms.Form):
    reason = forms.CharField(label=_label("ended_reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _institution(request, pk: int) -> Institution:
    try:
        return policy.get_object(request.user, Institution.objects.select_related("region", "region__parent"),
                                 "institutions.view_institution", pk=pk)
    except errors.NotFound:
        raise Http404 from None


def _entrustments(user):
    return policy.visible(user, E.objects.select_related("institution", "provider", "agreement"),
                          "institutions.view_entrustment")


@login_required
def institution_entrustments(request, pk: int):
    """The institution's tab: agreements it made, and those in which it is the provider."""
    institution = _institution(request, pk)
    policy.require(request.user, "institutions.view_entrustment")
    may_record = entrustment_services.may_manage(request.user, institution)
    form = EntrustmentForm(request.POST or None, request.FILES or None) if may_record else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            recorded = run_service(request, form, lambda: entrustment_services.entrustment_record(
                institution=institution, provider=data["provider"], scope=data["scope"], systems=data["systems"],
                security_obligations=data["security_obligations"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], agreement_upload=data["agreement"], by=request.user),
                success_message=_("The entrustment has been recorded."))
            if recorded is not None:
                return redirect("institutions:entrustments", institution.pk)
    rows = _entrustments(request.user).filter(Q(institution=institution) | Q(provider=institution))
    return render(request, "institutions/entrustment/tab.html", {
        "institution": institution, "tab": "entrustments", "form": form, "may_record": may_record,
        "page": paginate(request, rows.order_by("status", "-starts_on", "-pk"), 50),
        "today": timezone.localdate(), "show_form": request.method == "POST",
    })


@login_required
def entrusted_to_us(request):
    """A provider's view of what it is entrusted with: read-only (M.32: it shares the responsibility)."""
    organisation_id = request.user.organisation_id
    if organisation_id is None or not Institution.objects.filter(pk=organisation_id).exists():
        raise Http404
    policy.require(request.user, "institutions.view_entrustment")
    rows = _entrustments(request.user).filter(provider_id=organisation_id)
    status = request.GET.get("status", E.Status.ACTIVE)
    if status in E.Status.values:
        rows = rows.filter(status=status)
    return render(request, "institutions/entrustment/entrusted.html", {
        "page": paginate(request, rows.order_by("-starts_on", "-pk")), "status": status,
        "statuses": E.Status.choices, "today": timezone.localdate(),
    })


def _entrustment(request, pk: int) -> E:
    try:
        return policy.get_object(request.user, _entrustments(request.user), pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def entrustment_end(request, pk: int):
    entrustment = _entrustment(request, pk)
    entrustment_services.require_may_change(request.user, entrustment)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = run_service(request, form, lambda: entrustment_services.entrustment_end(
            entrustment=entrustment, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The entrustment has ended; the provider has been told."))
        if ended is not None:
            return redirect("institutions:entrustments", entrustment.institution_id)
    return render(request, "institutions/entrustment/end.html", {
        "entrustment": entrustment, "institution": entrustment.institution, "tab": "entrustments", "form": form})


@login_required
def entrustment_agreement(request, pk: int):
    """The signed agreement, for both parties and the department (the provider has no other way to it)."""
    entrustment = _entrustment(request, pk)
    return document_file_response(entrustment.agreement)


urlpatterns = [
    path("<int:pk>/entrustments/", institution_entrustments, name="entrustments"),
    path("entrusted/", entrusted_to_us, name="entrusted_to_us"),
    path("entrustments/<int:pk>/end/", entrustment_end, name="entrustment_end"),
    path("entrustments/<int:pk>/agreement/", entrustment_agreement, name="entrustment_agreement"),
]
