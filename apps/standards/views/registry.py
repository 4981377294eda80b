"""The registry pages (STD-1, STD-8): the staff list and page of a standard, registration and correction
by standards officers, the text upload, and the text download (which the public uses too)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import PUBLIC_STATUSES, Standard, StandardProposal
from ..services import registry as registry_services
from .registry_forms import StandardFilterForm, StandardForm, TextUploadForm, standard_search

VIEW = "standards.view_standard"


def _standard(request, pk, perm=VIEW) -> Standard:
    try:
        return policy.get_object(
            request.user, Standard.objects.select_related("category__parent", "responsible_department", "supersedes"),
            perm, pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def standard_list(request):
    """Every registered standard, searchable by code or title and filtered; one page of rows, no COUNT."""
    policy.require(request.user, VIEW)
    form = StandardFilterForm(request.GET or None)
    rows = standard_search(policy.visible(request.user, Standard.objects.select_related("category"), VIEW),
                           request.GET)
    page = paginate(request, rows.order_by("code", "pk"))
    template = "standards/registry/_rows.html" if request.htmx else "standards/registry/list.html"
    return render(request, template, {"form": form, "page": page})


def series_versions(standard: Standard, rows=None):
    """The versions of the series and whatever this version replaces or is replaced by (even across series)."""
    rows = Standard.objects.all() if rows is None else rows
    condition = Q(series=standard.series) | Q(supersedes=standard)
    if standard.supersedes_id:
        condition |= Q(pk=standard.supersedes_id)
    # Newest first: the year (or a draft's 20XX) ends the code, so the code orders the versions of a series.
    return rows.filter(condition).only("pk", "code", "title", "status", "published_on", "in_force_on").order_by(
        "-code")


@login_required
def standard_detail(request, pk: int):
    standard = _standard(request, pk)
    user = request.user
    proposals = []
    if user.has_perm("standards.view_standardproposal"):
        proposals = list(StandardProposal.objects.filter(Q(target=standard) | Q(project=standard))
                         .only("pk", "number", "kind", "status", "submitted_at", "title").order_by("-submitted_at"))
    return render(request, "standards/registry/detail.html", {
        "standard": standard, "versions": series_versions(standard), "proposals": proposals,
        "is_public": standard.status in PUBLIC_STATUSES,
        "may_edit": policy.can(user, "standards.change_standard", standard),
        "may_upload": registry_services.may_upload_text(user, standard),
        "may_work": any(policy.can(user, perm, standard) for perm in (
            "standards.manage_standard", "standards.edit_draft", "standards.review_standard")),
        "upload_form": TextUploadForm(),
    })


@login_required
def standard_create(request):
    policy.require(request.user, "standards.add_standard")
    form = StandardForm(request.POST or None, initial={"status": Standard.Status.PROJECT})
    if request.method == "POST" and form.is_valid():
        standard = run_service(request, form, lambda: registry_services.standard_create(
            data=form.service_data(), by=request.user, status=form.cleaned_data["status"]),
            success_message=_("The standard is registered."))
        if standard is not None:
            return redirect("standards:detail", standard.pk)
    return render(request, "standards/registry/form.html", {"form": form, "title": _("Register a standard")})


@login_required
def standard_edit(request, pk: int):
    standard = _standard(request, pk)
    policy.require(request.user, "standards.change_standard", standard)
    form = StandardForm(request.POST or None, creating=False, initial=StandardForm.initial_for(standard))
    if standard.status not in registry_services.DRAFT_STATUSES:
        form.fields["code"].disabled = True
        form.fields["code"].help_text = _("The code of a published standard does not change.")
    if request.method == "POST" and form.is_valid():
        updated = run_service(request, form, lambda: registry_services.standard_update(
            standard=standard, data=form.service_data(), by=request.user), success_message=_("Changes saved."))
        if updated is not None:
            return redirect("standards:detail", standard.pk)
    return render(request, "standards/registry/form.html", {
        "form": form, "standard": standard, "title": _("Edit %(code)s") % {"code": standard.code}})


@login_required
@require_POST
def standard_text_upload(request, pk: int):
    """Officers, or the working group while drafting, attach the text (a PDF, checked by content)."""
    standard = _standard(request, pk)
    if not registry_services.may_upload_text(request.user, standard):
        policy.require(request.user, "standards.change_standard", standard)  # 403 (visible, not allowed)
    form = TextUploadForm(request.POST, request.FILES)
    if form.is_valid() and run_service(request, form, lambda: registry_services.standard_text_upload(
            standard=standard, upload=form.cleaned_data["text"], by=request.user),
            success_message=_("The text is attached.")) is not None:
        return redirect("standards:detail", standard.pk)
    return render(request, "standards/registry/detail.html", {
        "standard": standard, "versions": series_versions(standard), "proposals": [], "may_upload": True,
        "may_edit": policy.can(request.user, "standards.change_standard", standard), "upload_form": form,
    }, status=400)


def downloadable(user, pk: int) -> Standard:
    """What a visitor may download: every standard the user's role shows, and for everyone (signed in or
    not) the standards in public statuses."""
    if getattr(user, "is_authenticated", False):
        found = policy.visible(user, Standard.objects.filter(pk=pk), VIEW).first()
        if found is not None:
            return found
    found = Standard.objects.filter(pk=pk, status__in=PUBLIC_STATUSES).first()
    if found is None:
        raise Http404
    return found


def standard_text(request, pk: int):
    """The text of a standard (public for public statuses; drafts for those who may see them)."""
    standard = downloadable(request.user, pk)
    return file_response(standard.text, filename=standard.text_name or f"{standard.code.replace('/', '-')}.pdf",
                         content_type="application/pdf", inline=request.GET.get("inline") == "1",
                         public=standard.status in PUBLIC_STATUSES)


urlpatterns = [
    path("", standard_list, name="list"),
    path("new/", standard_create, name="create"),
    path("<int:pk>/", standard_detail, name="detail"),
    path("<int:pk>/edit/", standard_edit, name="edit"),
    path("<int:pk>/text/", standard_text, name="text"),
    path("<int:pk>/text/upload/", standard_text_upload, name="text_upload"),
]
