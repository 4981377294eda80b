"""The department's institution list and the institution page's profile and documents tabs (INS-1, INS-5)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate
from apps.regions.selectors import region_choices_for

from ..forms import DocumentUploadForm, InstitutionFilterForm, ProfileForm
from ..models import CreditGrade, Document, Institution
from ..selectors import institution_search
from ..services import documents as document_services
from ..services import registry as registry_services
from .display import profile_rows


def _institution(request, pk, perm="institutions.view_institution") -> Institution:
    try:
        return policy.get_object(request.user, Institution.objects.select_related("region", "region__parent"),
                                 perm, pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def institution_list(request):
    """Searchable, filterable, fast at a million rows: no COUNT, indexed filters, one page of rows."""
    policy.require(request.user, "institutions.supervise_institution")
    prefix = policy.jurisdiction_prefix(request.user) or ""
    form = InstitutionFilterForm(
        request.GET or None,
        region_choices=region_choices_for(prefix, max_level=2 if not prefix else 3),
        credit_grades=CreditGrade.objects.order_by("-min_score").values_list("code", flat=True),
    )
    rows = institution_search(request.user, request.GET).select_related("region").only(
        "organisation_id", "name", "credit_code", "type", "hospital_grade", "status", "credit_grade",
        "credit_score", "region__code", "region__name")
    page = paginate(request, rows.order_by("name", "organisation_id"))
    template = "institutions/registry/_rows.html" if request.htmx else "institutions/registry/list.html"
    return render(request, template, {"form": form, "page": page, "query": request.GET.urlencode()})


@login_required
def institution_detail(request, pk: int):
    institution = _institution(request, pk)
    open_application = institution.admission_applications.filter(status__in=["submitted", "returned"]).first()
    return render(request, "institutions/registry/detail.html", {
        "institution": institution, "tab": "profile", "open_application": open_application,
        "can_edit": policy.can(request.user, "institutions.change_institution", institution),
        "can_propose": (request.user.is_regulator
                        and policy.can(request.user, "institutions.propose_status_decision", institution)),
        "can_transfer": (request.user.is_regulator and institution.status != Institution.Status.CLOSED
                         and policy.can(request.user, "institutions.manage_transfer", institution)),
        "profile_fields": profile_rows(institution),
    })


@login_required
def institution_create(request):
    """A department registers an institution of its jurisdiction directly (already admitted)."""
    policy.require(request.user, "institutions.add_institution")
    prefix = policy.jurisdiction_prefix(request.user)
    if prefix is None:
        raise Http404
    form = ProfileForm(request.POST or None, region_prefix=prefix)
    if request.method == "POST" and form.is_valid():
        institution = run_service(request, form, lambda: registry_services.institution_create(
            data=form.profile_data(), by=request.user, status=Institution.Status.ADMITTED,
            reason="registered by the department"), success_message=_("The institution has been registered."))
        if institution is not None:
            return redirect("institutions:detail", institution.pk)
    return render(request, "institutions/registry/form.html", {"form": form, "title": _("Register an institution")})


@login_required
def institution_edit(request, pk: int):
    institution = _institution(request, pk)
    policy.require(request.user, "institutions.change_institution", institution)
    initial = {name: getattr(institution, name) for name in registry_services.PROFILE_FIELDS if name != "region"}
    initial["region"] = institution.region_id
    form = ProfileForm(request.POST or None, initial=initial,
                       region_prefix=policy.jurisdiction_prefix(request.user) or "")
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if not changed:
            return redirect("institutions:detail", institution.pk)
        done = run_service(request, form, lambda: registry_services.institution_update(
            institution=institution, data=changed, by=request.user, reason="corrected by the department"),
            success_message=_("The profile has been updated."))
        if done is not None:
            return redirect("institutions:detail", institution.pk)
    return render(request, "institutions/registry/form.html", {
        "form": form, "institution": institution, "title": _("Edit %(name)s") % {"name": institution.name}})


@login_required
def institution_documents(request, pk: int):
    institution = _institution(request, pk)
    may_upload = document_services.may_add_documents(request.user, institution)
    form = DocumentUploadForm(request.POST or None, request.FILES or None) if may_upload else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            stored = run_service(request, form, lambda: document_services.institution_document_add(
                institution=institution, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                by=request.user), success_message=_("The document has been uploaded."))
            if stored is not None:
                return redirect("institutions:documents", institution.pk)
    documents = policy.visible(request.user, Document.objects.filter(institution=institution),
                               "institutions.view_document").select_related("uploaded_by", "application")
    return render(request, "institutions/registry/documents.html", {
        "institution": institution, "tab": "documents", "form": form,
        "page": paginate(request, documents.order_by("-uploaded_at", "-pk"), 50),
    })


urlpatterns = [
    path("", institution_list, name="list"),
    path("new/", institution_create, name="create"),
    path("<int:pk>/", institution_detail, name="detail"),
    path("<int:pk>/edit/", institution_edit, name="edit"),
    path("<int:pk>/documents/", institution_documents, name="documents"),
]
