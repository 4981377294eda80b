"""Grant pages (SVC-3, SEC-4, SEC-8): the list of grants each party sees, one grant's page with its
releases, de-identification records, reports and certificate, the forms of each party, and the
departments' list of overdue obligations. Rules live in apps/catalog/services/grants.py."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import run_service
from apps.core.pagination import paginate
from apps.standards.services.evidence import evidence_content_type

from ..models import ApplicationItem, DataField, DataGrant, DestructionCertificate, GrantReport
from ..services import grants as grant_services
from .grant_forms import (
    CertificateForm,
    DeidentificationForm,
    GrantFilterForm,
    ReleaseForm,
    ReportForm,
    RevokeForm,
)

VIEW = grant_services.VIEW
EXPIRING_DAYS = 30


def _grant(request, pk: int) -> DataGrant:
    try:
        return policy.get_object(request.user, DataGrant.objects.select_related(
            "application", "applicant", "applicant_region", "revoked_by", "superseded_by"), VIEW, pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def grant_list(request):
    """A grantee sees its grants, a provider those on its resources, a department its jurisdiction, a
    recipient those naming it; filters by status, "ending within 30 days" and overdue obligations."""
    form = GrantFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = grant_services.grants_for(request.user)
    today = timezone.localdate()
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("expiring"):
        rows = grant_services.grants_expiring(request.user, EXPIRING_DAYS).filter(pk__in=rows.values("pk"))
    if data.get("overdue"):
        rows = rows.filter(pk__in=grant_services.grants_with_overdue_obligations(request.user).values("pk"))
    query = (data.get("q") or "").strip()
    if query:
        rows = (rows.filter(number=query.upper()) if query.upper().startswith("SG")
                else rows.filter(application__title__icontains=query))
    rows = rows.select_related("applicant", "application").order_by(
        *(["ends_on", "pk"] if data.get("expiring") else ["-created_at", "-pk"]))
    return render(request, "catalog/grants/list.html", {
        "page": paginate(request, rows), "form": form, "today": today, "expiring_days": EXPIRING_DAYS,
        "is_department": request.user.is_regulator,
    })


@login_required
def grant_obligations(request):
    """Departments (and every party, within what it sees): reports and certificates of destruction that are
    overdue, for follow-up (SVC-3)."""
    show = request.GET.get("show") if request.GET.get("show") in ("reports", "certificates") else "reports"
    if show == "reports":
        rows = grant_services.reports_overdue(request.user)
    else:
        rows = grant_services.certificates_overdue(request.user)
    return render(request, "catalog/grants/obligations.html", {
        "page": paginate(request, rows), "show": show, "today": timezone.localdate()})


def _forms_for(request, grant: DataGrant, actions: dict, bound: dict | None = None) -> dict:
    """The forms the user may use on this grant; `bound` replaces one of them with the submitted form."""
    bound = bound or {}
    forms = {}
    own_items = _own_items(request, grant)
    # A submitted form comes back with its errors even when the action is no longer offered (the grant
    # moved meanwhile, or the service refused the state): the user sees why.
    if actions["deidentify"] or "deidentification_form" in bound:
        forms["deidentification_form"] = bound.get("deidentification_form") or DeidentificationForm(items=own_items)
    if actions["release"] or "release_form" in bound:
        forms["release_form"] = bound.get("release_form") or ReleaseForm(
            items=own_items, fields=_granted_fields(own_items), recipients=_recipients(grant),
            deidentifications=grant.deidentifications.filter(item__in=own_items).select_related("item__resource"))
    if actions["certify"] or "certificate_form" in bound:
        forms["certificate_form"] = bound.get("certificate_form") or CertificateForm()
    if actions["revoke"] or "revoke_form" in bound:
        forms["revoke_form"] = bound.get("revoke_form") or RevokeForm()
    return forms


def _report_rows(grant: DataGrant, actions: dict, bound: dict) -> list[tuple]:
    """(report, its filing form or None) in due order; a report still due gets a form for those who file."""
    rows = []
    for report in grant.reports.select_related("submitted_by").order_by("due_on", "pk"):
        form = bound.get("report_form") if bound.get("report_form_for") == report.pk else None
        if form is None and actions["file"] and report.status == GrantReport.Status.DUE:
            form = ReportForm(prefix=f"report{report.pk}")
        rows.append((report, form))
    return rows


def _own_items(request, grant: DataGrant):
    """The grant's resources that the user's institution provides."""
    return (ApplicationItem.objects.filter(application_id=grant.application_id,
                                           provider_id=request.user.organisation_id)
            .select_related("resource", "version").order_by("pk"))


def _granted_fields(items):
    return DataField.objects.filter(pk__in=ApplicationItem.fields.through.objects.filter(
        applicationitem__in=items).values("datafield_id")).order_by("version", "position", "pk")


def _recipients(grant: DataGrant):
    return grant.recipients.select_related("organisation").order_by("pk")


def _render_detail(request, grant: DataGrant, *, bound: dict | None = None, status: int = 200):
    actions = grant_services.grant_actions(request.user, grant)
    items = (grant.application.items.select_related("resource", "version", "provider")
             .prefetch_related("fields").order_by("pk"))
    context = {
        "grant": grant, "items": items, "recipients": _recipients(grant), "actions": actions,
        "today": timezone.localdate(),
        "releases": grant.releases.select_related("item__resource", "recipient", "released_by",
                                                  "deidentification").prefetch_related("fields"),
        "deidentifications": grant.deidentifications.select_related("item__resource", "recorded_by"),
        "report_rows": _report_rows(grant, actions, bound or {}),
        "certificate": DestructionCertificate.objects.filter(grant=grant).select_related("filed_by").first(),
        "is_department": request.user.is_regulator,
        **_forms_for(request, grant, actions, bound),
    }
    return render(request, "catalog/grants/detail.html", context, status=status)


@login_required
def grant_detail(request, pk: int):
    return _render_detail(request, _grant(request, pk))


def _after(request, grant, form_name: str, form, call, success: str, report=None):
    """Run the service for a bound, valid form; redirect on success, else show the page with the errors."""
    if form.is_valid():
        result = run_service(request, form, call, success_message=success)
        if result is not None:
            return redirect("catalog:grant_detail", grant.pk)
    bound = {form_name: form}
    if report is not None:
        bound["report_form_for"] = report.pk
    return _render_detail(request, grant, bound=bound, status=400)


@login_required
@require_POST
def grant_deidentification_add(request, pk: int):
    grant = _grant(request, pk)
    grant_services.require_provider(request.user, grant)
    items = _own_items(request, grant)
    form = DeidentificationForm(request.POST, request.FILES, items=items)
    data = form.cleaned_data if form.is_valid() else {}
    return _after(request, grant, "deidentification_form", form, lambda: grant_services.deidentification_record(
        grant, item=data["item"], method=data["method"], description=data["description"],
        evidence_upload=data["evidence"], by=request.user), _("The de-identification is recorded."))


@login_required
@require_POST
def grant_release_add(request, pk: int):
    grant = _grant(request, pk)
    grant_services.require_provider(request.user, grant)
    items = _own_items(request, grant)
    form = ReleaseForm(request.POST, items=items, fields=_granted_fields(items), recipients=_recipients(grant),
                       deidentifications=grant.deidentifications.filter(item__in=items))
    data = form.cleaned_data if form.is_valid() else {}
    return _after(request, grant, "release_form", form, lambda: grant_services.release_record(
        grant, item=data["item"], description=data["description"], file_name=data["file_name"],
        checksum=data["checksum"], record_count=data.get("record_count"), recipient=data["recipient"],
        deidentification=data.get("deidentification"), fields=list(data["fields"]) or None, by=request.user),
        _("The release is recorded."))


@login_required
@require_POST
def grant_report_submit(request, pk: int, report_pk: int):
    grant = _grant(request, pk)
    report = get_object_or_404(grant.reports, pk=report_pk)
    grant_services.require_grantee(request.user, grant)
    form = ReportForm(request.POST, request.FILES, prefix=f"report{report.pk}")
    data = form.cleaned_data if form.is_valid() else {}
    return _after(request, grant, "report_form", form, lambda: grant_services.report_submit(
        report, content=data["content"], attachment=data.get("attachment"), by=request.user),
        _("The report is filed."), report=report)


@login_required
@require_POST
def grant_certificate_file(request, pk: int):
    grant = _grant(request, pk)
    grant_services.require_grantee(request.user, grant)
    form = CertificateForm(request.POST, request.FILES)
    data = form.cleaned_data if form.is_valid() else {}
    return _after(request, grant, "certificate_form", form, lambda: grant_services.destruction_certify(
        grant, destroyed_on=data["destroyed_on"], method=data["method"], signed_by_name=data["signed_by_name"],
        document=data["document"], by=request.user), _("The certificate of destruction is filed; the grant is "
                                                      "closed."))


@login_required
@require_POST
def grant_revoke(request, pk: int):
    grant = _grant(request, pk)
    policy.require(request.user, grant_services.REVOKE, grant)
    form = RevokeForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    return _after(request, grant, "revoke_form", form, lambda: grant_services.grant_revoke(
        grant, reason=data["reason"], breach=data.get("breach", False), by=request.user),
        _("The grant is revoked."))


# --- documents: served after the grant's policy check, every download audited (SUP-5) ----------------------


@login_required
def deidentification_evidence(request, pk: int, record_pk: int):
    grant = _grant(request, pk)
    record = get_object_or_404(grant.deidentifications, pk=record_pk)
    return file_response(record.evidence, filename=record.evidence_name or "evidence",
                         content_type=evidence_content_type(record.evidence.name),
                         audit_request=request, audit_object=record)


@login_required
def report_attachment(request, pk: int, report_pk: int):
    grant = _grant(request, pk)
    report = get_object_or_404(grant.reports, pk=report_pk)
    return file_response(report.attachment, filename=report.attachment_name or "attachment",
                         content_type=evidence_content_type(report.attachment.name or ""),
                         audit_request=request, audit_object=report)


@login_required
def certificate_document(request, pk: int):
    grant = _grant(request, pk)
    certificate = DestructionCertificate.objects.filter(grant=grant).first()
    if certificate is None:
        raise Http404
    return file_response(certificate.document, filename=certificate.document_name or "certificate",
                         content_type=evidence_content_type(certificate.document.name),
                         audit_request=request, audit_object=certificate)


urlpatterns = [
    path("grants/", grant_list, name="grant_list"),
    path("grants/obligations/", grant_obligations, name="grant_obligations"),
    path("grants/<int:pk>/", grant_detail, name="grant_detail"),
    path("grants/<int:pk>/deidentifications/", grant_deidentification_add, name="grant_deidentification_add"),
    path("grants/<int:pk>/deidentifications/<int:record_pk>/evidence/", deidentification_evidence,
         name="grant_deidentification_evidence"),
    path("grants/<int:pk>/releases/", grant_release_add, name="grant_release_add"),
    path("grants/<int:pk>/reports/<int:report_pk>/", grant_report_submit, name="grant_report_submit"),
    path("grants/<int:pk>/reports/<int:report_pk>/attachment/", report_attachment, name="grant_report_attachment"),
    path("grants/<int:pk>/certificate/", grant_certificate_file, name="grant_certificate_file"),
    path("grants/<int:pk>/certificate/document/", certificate_document, name="grant_certificate_document"),
    path("grants/<int:pk>/revoke/", grant_revoke, name="grant_revoke"),
]
