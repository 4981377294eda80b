"""Inspection reports and their public verification (SUP-5).

- `reports/<id>/`: the report's state for those who may read it (the team, departments of the jurisdiction,
  the inspected institution); while it is produced the status block polls itself (htmx, every 2 s).
- `reports/<id>/download/`: the signed PDF, every download audited.
- `reports/<id>/retry/`: produce a failed report again (team or department).
- `verify/` and `verify/<code>/`: anyone checks a report by its verification code or by uploading the PDF;
  unknown codes and files are limited per address; no personal data is shown.
The rules live in services/reports.py; these views only shape requests."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.core import errors
from apps.core.access import client_address
from apps.core.files import file_response
from apps.core.forms import apply_domain_error
from apps.core.pagination import paginate

from ..models import InspectionReport
from ..services import reports as report_services

# A request body larger than this is refused before it is read (the file limit plus the form's overhead).
_VERIFY_BODY_LIMIT = report_services.VERIFY_UPLOAD_MAX_BYTES + 64 * 1024


# --- the report ---------------------------------------------------------------------------------------------


@login_required
def my_reports(request):
    """The inspection reports addressed to the user's institution, newest first (SUP-5)."""
    organisation = request.user.organisation
    if organisation is None or request.user.is_regulator or not request.user.has_perm(report_services.VIEW_REPORT):
        raise Http404
    rows = (report_services.reports_visible(request.user)
            .filter(inspection__institution_id=organisation.pk)
            .select_related("inspection", "department").order_by("-issued_at", "-pk"))
    page = paginate(request, rows)
    for report in page.object_list:
        report.number = report_services.report_number(report)
    return render(request, "inspections/reports/mine.html", {"page": page})


def _status_context(request, report: InspectionReport) -> dict:
    may_manage = report_services.may_manage(request.user, report.inspection)
    return {
        "report": report, "number": report_services.report_number(report),
        "printed_code": report_services.format_code(report.verification_code),
        "verification_url": report_services.verification_url(report.verification_code),
        "stage": report_services.stage_of(report), "progress": report_services.progress_percent(report),
        "may_manage": may_manage,
        "may_retry": may_manage and report.status == InspectionReport.Status.FAILED,
    }


@login_required
def report_detail(request, pk: int):
    """The report's state: progress while produced, the error and a retry button when failed, the download,
    SHA-256 and verification code when ready. An htmx request gets the status block alone."""
    report = report_services.report_get(request.user, pk)
    context = _status_context(request, report)
    if request.htmx:
        return render(request, "inspections/reports/_status.html", context)
    return render(request, "inspections/reports/detail.html", context)


@login_required
def report_download(request, pk: int):
    """The signed PDF, audited (SUP-5); the state page while it is not ready."""
    report = report_services.report_get(request.user, pk)
    if report.status != InspectionReport.Status.READY:
        return redirect("inspections:report_detail", pk=report.pk)
    return file_response(report.file, filename=f"{report_services.report_number(report)}.pdf",
                         content_type="application/pdf", inline=request.GET.get("inline") == "1",
                         audit_request=request, audit_object=report)


@login_required
@require_POST
def report_retry(request, pk: int):
    """Produce a failed report again."""
    report = report_services.report_get(request.user, pk)
    try:
        report_services.report_requeue(report, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is being produced again."))
    return redirect("inspections:report_detail", pk=report.pk)


# --- public verification ------------------------------------------------------------------------------------


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40, required=False,
                           help_text=_("The 16 characters printed on the report; hyphens are optional."))
    file = forms.FileField(label=_("Or the report's PDF file"), required=False,
                           help_text=_("At most 20 MB. The file is checked and not kept."))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not report_services.normalise_code(cleaned.get("code")):
            raise forms.ValidationError(_("Type the verification code or choose the report's PDF file."))
        return cleaned


def verify(request):
    """The verification form: a code leads to its result page; an uploaded PDF is checked at once."""
    if request.method != "POST":
        form = VerifyForm(request.GET or None) if "code" in request.GET else VerifyForm()
        if form.is_bound and form.is_valid():
            return redirect("inspections:verify_result", code=report_services.normalise_code(form.cleaned_data["code"]))
        return render(request, "inspections/reports/verify.html", {"form": form})
    try:
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > _VERIFY_BODY_LIMIT
    except ValueError:
        too_large = False
    if too_large:  # refused before the body is read
        return render(request, "inspections/reports/verify.html", {
            "form": VerifyForm(),
            "too_large": _("The file is too large; the largest file that can be checked is 20 MB.")}, status=413)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "inspections/reports/verify.html", {"form": form}, status=400)
    upload = form.cleaned_data.get("file")
    if not upload:
        return redirect("inspections:verify_result", code=report_services.normalise_code(form.cleaned_data["code"]))
    try:
        content = report_services.verification_upload_read(upload)
        result = report_services.report_verify(content=content, client_key=client_address(request))
    except report_services.VerificationThrottled as error:
        return render(request, "inspections/reports/verify.html", {"form": VerifyForm(), "throttled": error.message},
                      status=429)
    except errors.ValidationFailed as error:
        apply_domain_error(form, error)
        return render(request, "inspections/reports/verify.html", {"form": form}, status=400)
    if result is None:
        return render(request, "inspections/reports/verify.html", {"form": VerifyForm(), "unknown_file": True},
                      status=404)
    return render(request, "inspections/reports/verify_result.html", {"form": VerifyForm(), "result": result})


def verify_result(request, code: str):
    """What the report with `code` is and whether it is genuine; a friendly 404 with the form when no report has
    it; 429 after too many unknown codes from one address."""
    form = VerifyForm(initial={"code": report_services.format_code(report_services.normalise_code(code))})
    try:
        result = report_services.report_verify(code=code, client_key=client_address(request))
    except report_services.VerificationThrottled as error:
        return render(request, "inspections/reports/verify.html", {"form": form, "throttled": error.message},
                      status=429)
    if result is None:
        return render(request, "inspections/reports/verify.html", {"form": form, "unknown": True}, status=404)
    return render(request, "inspections/reports/verify_result.html", {"form": form, "result": result})


urlpatterns = [
    path("reports/mine/", my_reports, name="my_reports"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
    path("reports/<int:pk>/retry/", report_retry, name="report_retry"),
    path("verify/", verify, name="verify"),
    path("verify/<str:code>/", verify_result, name="verify_result"),
]
