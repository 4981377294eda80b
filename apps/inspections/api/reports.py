"""Inspection reports and their public verification under /api/v1/inspections/ (SUP-5): the same services and
the same scoping as the pages.

- `reports/<id>/`: the report's state (progress while produced, the error for the team and department when
  failed, SHA-256 and verification code when ready).
- `reports/<id>/download/`: the signed PDF; each download is audited.
- `reports/<id>/retry/` (POST): produce a failed report again (team or department).
- `verify/` (POST: `code`, or a multipart `file`) and `verify/<code>/` (GET): anyone checks a report; unknown
  codes and files are limited per address. No personal data."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import errors
from apps.core.access import client_address
from apps.core.files import file_response

from ..models import InspectionReport
from ..services import reports as report_services


class VerifyThrottle(AnonRateThrottle):
    """A coarse guard on every lookup; the service also limits unknown codes and files per address and hour."""

    scope = "inspections-verify"
    rate = "30/minute"


# --- serializers -----------------------------------------------------------------------------------------


class InspectionReportSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField()
    inspection_number = serializers.CharField(source="inspection.number", read_only=True)
    institution = serializers.CharField(source="inspection.institution.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    stage = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField()
    may_retry = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionReport
        fields = ["id", "number", "inspection", "inspection_number", "institution", "department", "department_name",
                  "status", "stage", "progress", "attempts", "last_error", "may_retry", "language",
                  "verification_code", "verification_url", "sha256", "page_count", "signed",
                  "certificate_fingerprint", "issued_at", "rendered_at", "download_url"]
        read_only_fields = fields

    def _may_manage(self, report) -> bool:
        request = self.context.get("request")
        return bool(request) and report_services.may_manage(request.user, report.inspection)

    def get_number(self, report) -> str:
        return report_services.report_number(report)

    def get_stage(self, report) -> str:
        """queued, rendering, signing or storing while pending; empty otherwise."""
        return report_services.stage_of(report)

    def get_progress(self, report) -> int:
        return report_services.progress_percent(report)

    def get_last_error(self, report) -> str:
        """The error summary of a failed production, for the team and the department only."""
        return report.last_error if self._may_manage(report) else ""

    def get_may_retry(self, report) -> bool:
        return report.status == InspectionReport.Status.FAILED and self._may_manage(report)

    def get_verification_url(self, report) -> str:
        return report_services.verification_url(report.verification_code)

    def get_download_url(self, report) -> str | None:
        """Where the signed PDF is, once produced."""
        if report.status != InspectionReport.Status.READY:
            return None
        url = reverse("api:inspections-report-download", args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class SignatureStatusSerializer(serializers.Serializer):
    signed = serializers.BooleanField()
    intact = serializers.BooleanField()
    valid = serializers.BooleanField()
    trusted = serializers.BooleanField()
    covers_whole_file = serializers.BooleanField()
    ok = serializers.BooleanField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    certificate_fingerprint = serializers.CharField()


class ReportVerificationSerializer(serializers.Serializer):
    """What the public may know of a report: no person's name. `genuine`: the file is the one issued and the
    department's signature holds; `unchanged`: its bytes are those issued (None while not produced)."""

    source = serializers.ChoiceField(choices=["code", "file"])
    genuine = serializers.BooleanField()
    unchanged = serializers.BooleanField(allow_null=True)
    file_matches = serializers.BooleanField(allow_null=True)
    code = serializers.CharField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=InspectionReport.Status.choices)
    institution = serializers.CharField()
    department = serializers.CharField()
    inspected_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    issued_on = serializers.DateField()
    produced_on = serializers.DateField(allow_null=True)
    page_count = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    uploaded_sha256 = serializers.CharField()
    signature = SignatureStatusSerializer(allow_null=True)


# --- reports -------------------------------------------------------------------------------------------------


class ReportDetailView(APIView):
    """One report the caller may read (team, departments of the jurisdiction, the inspected institution)."""

    @extend_schema(responses={200: InspectionReportSerializer})
    def get(self, request, pk: int):
        report = report_services.report_get(request.user, pk)
        return Response(InspectionReportSerializer(report, context={"request": request}).data)


class ReportDownloadView(APIView):
    """The signed PDF of a produced report; each download is recorded (SUP-5)."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        report = report_services.report_get(request.user, pk)
        if report.status != InspectionReport.Status.READY:
            raise errors.NotFound()
        return file_response(report.file, filename=f"{report_services.report_number(report)}.pdf",
                             content_type="application/pdf", audit_request=request, audit_object=report)


class ReportRetryView(APIView):
    """Produce a failed report again (409 unless failed; 403 for the inspected institution)."""

    @extend_schema(request=None, responses={202: InspectionReportSerializer})
    def post(self, request, pk: int):
        report = report_services.report_get(request.user, pk)
        report = report_services.report_requeue(report, by=request.user)
        return Response(InspectionReportSerializer(report, context={"request": request}).data, status=202)


# --- public ----------------------------------------------------------------------------------------------------


class VerifyView(APIView):
    """Anyone checks a report (SUP-5) by its verification code or by uploading the PDF (multipart `file`, at
    most 20 MB): which report it is, whether the file is the one issued and unchanged, whether the department's
    signature holds. No personal data. 404 when no report matches."""

    permission_classes = [AllowAny]
    throttle_classes = [VerifyThrottle]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ReportVerifyUpload", {
            "code": serializers.CharField(required=False), "file": serializers.FileField(required=False)})},
        responses={200: ReportVerificationSerializer, 404: OpenApiResponse(description="No report matches")})
    def post(self, request):
        upload = request.FILES.get("file")
        client = client_address(request)
        if upload is not None:
            content = report_services.verification_upload_read(upload)
            result = report_services.report_verify(content=content, client_key=client)
        else:
            code = request.data.get("code") if hasattr(request.data, "get") else None
            if not report_services.normalise_code(code if isinstance(code, str) else ""):
                raise errors.ValidationFailed(field_errors={
                    "code": [_("Send the verification code, or the report's PDF file as “file”.")]})
            result = report_services.report_verify(code=code, client_key=client)
        if result is None:
            raise errors.NotFound()
        return Response(ReportVerificationSerializer(result).data)


class VerifyCodeView(APIView):
    """Anyone checks a report by its verification code (GET)."""

    permission_classes = [AllowAny]
    throttle_classes = [VerifyThrottle]

    @extend_schema(responses={200: ReportVerificationSerializer, 404: OpenApiResponse(description="Unknown code")})
    def get(self, request, code: str):
        result = report_services.report_verify(code=code, client_key=client_address(request))
        if result is None:
            raise errors.NotFound()
        return Response(ReportVerificationSerializer(result).data)


urlpatterns = [
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="inspections-report-detail"),
    path("reports/<int:pk>/download/", ReportDownloadView.as_view(), name="inspections-report-download"),
    path("reports/<int:pk>/retry/", ReportRetryView.as_view(), name="inspections-report-retry"),
    path("verify/", VerifyView.as_view(), name="inspections-verify"),
    path("verify/<str:code>/", VerifyCodeView.as_view(), name="inspections-verify-code"),
]
