"""Decision letters under /api/v1/cases/ (SUP-5): the same services and the same scoping as the pages.

- `decisions/<id>/letter/`: the letter's state (progress while produced, the error for the department when
  failed, SHA-256 and verification code when ready).
- `decisions/<id>/letter/download/`: the signed PDF; each download is audited.
- `decisions/<id>/letter/retry/` (POST): produce a failed letter again (department users who see the case)."""

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors
from apps.core.files import file_response

from ..models import Decision
from ..services import letters as letter_services


class CaseDecisionLetterSerializer(serializers.ModelSerializer):
    institution = serializers.CharField(source="case.institution.name", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    stage = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField()
    may_retry = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "number", "case", "case_number", "institution", "department", "department_name", "status",
                  "letter_status", "stage", "progress", "attempts", "last_error", "may_retry", "language",
                  "verification_code", "verification_url", "sha256", "page_count", "certificate_fingerprint",
                  "decided_at", "rendered_at", "download_url"]
        read_only_fields = fields

    def _may_manage(self, decision) -> bool:
        request = self.context.get("request")
        return bool(request) and letter_services.may_manage(request.user, decision)

    def get_stage(self, decision) -> str:
        """queued, rendering, signing or storing while pending; empty otherwise."""
        return letter_services.stage_of(decision)

    def get_progress(self, decision) -> int:
        return letter_services.progress_percent(decision)

    def get_last_error(self, decision) -> str:
        """The error summary of a failed production, for the department only."""
        return decision.last_error if self._may_manage(decision) else ""

    def get_may_retry(self, decision) -> bool:
        return decision.letter_status == Decision.LetterStatus.FAILED and self._may_manage(decision)

    def get_verification_url(self, decision) -> str:
        return letter_services.verification_url(decision.verification_code)

    def get_download_url(self, decision) -> str | None:
        """Where the signed PDF is, once produced."""
        if decision.letter_status != Decision.LetterStatus.READY:
            return None
        request = self.context.get("request")
        # The namespace the API is mounted under ("api", or nested by the app's URL module).
        match = getattr(request, "resolver_match", None)
        url = reverse(f"{match.namespace if match else 'api'}:cases-letter-download", args=[decision.pk])
        return request.build_absolute_uri(url) if request else url


class LetterDetailView(APIView):
    """The letter of one decision the caller may read (departments of the jurisdiction, the institution)."""

    @extend_schema(responses={200: CaseDecisionLetterSerializer})
    def get(self, request, pk: int):
        decision = letter_services.decision_get(request.user, pk)
        return Response(CaseDecisionLetterSerializer(decision, context={"request": request}).data)


class LetterDownloadView(APIView):
    """The signed PDF of a produced letter; each download is recorded (SUP-5)."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        decision = letter_services.decision_get(request.user, pk)
        if decision.letter_status != Decision.LetterStatus.READY:
            raise errors.NotFound()
        return file_response(decision.file, filename=f"{decision.number}.pdf", content_type="application/pdf",
                             audit_request=request, audit_object=decision)


class LetterRetryView(APIView):
    """Produce a failed letter again (409 unless failed; 403 for the institution)."""

    @extend_schema(request=None, responses={202: CaseDecisionLetterSerializer})
    def post(self, request, pk: int):
        decision = letter_services.decision_get(request.user, pk)
        decision = letter_services.letter_requeue(decision=decision, by=request.user)
        return Response(CaseDecisionLetterSerializer(decision, context={"request": request}).data, status=202)


urlpatterns = [
    path("decisions/<int:pk>/letter/", LetterDetailView.as_view(), name="cases-letter"),
    path("decisions/<int:pk>/letter/download/", LetterDownloadView.as_view(), name="cases-letter-download"),
    path("decisions/<int:pk>/letter/retry/", LetterRetryView.as_view(), name="cases-letter-retry"),
]
