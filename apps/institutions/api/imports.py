"""Bulk import and export through the regulatory access port (INS-1, INS-8): the same services and
scoping as the pages. A job is visible only to the department that uploaded it."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import policy

from ..models import ImportJob
from ..services.exports import institutions_export
from ..services.imports import import_job_cancel, import_job_confirm, import_job_progress, import_job_start

VIEW_PERMISSION = "institutions.view_importjob"


class ProgressSerializer(serializers.Serializer):
    processed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    errors = serializers.JSONField(read_only=True,
                                   help_text='Per-row errors: [{"row": 7, "errors": {"field": ["message"]}}]')

    class Meta:
        model = ImportJob
        fields = ["id", "original_name", "status", "total_rows", "valid_rows", "processed_rows", "created_rows",
                  "only_valid_rows", "failure", "created_by", "created_at", "finished_at", "progress", "errors"]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job) -> dict:
        return import_job_progress(job)


class ImportJobSummarySerializer(ImportJobSerializer):
    """A list row: no per-row errors. `status` is plain text here so the schema has one ImportJob status enum."""

    status = serializers.CharField(read_only=True, help_text="validating, validated, importing, done, failed, "
                                                             "cancelled (see ImportJob.status)")

    class Meta(ImportJobSerializer.Meta):
        fields = [f for f in ImportJobSerializer.Meta.fields if f != "errors"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8 or GB18030) or .xlsx file laid out like the template.")


class ImportConfirmSerializer(serializers.Serializer):
    only_valid_rows = serializers.BooleanField(
        default=False, help_text="Import the valid rows and skip the invalid ones (required when there are errors).")


def _job(request, pk) -> ImportJob:
    return policy.get_object(request.user, ImportJob.objects.all(), VIEW_PERMISSION, pk=pk)


class ImportJobListCreateView(generics.ListAPIView):
    """The caller's department's imports; POST a file to start one (validated at once up to 500 rows)."""

    serializer_class = ImportJobSummarySerializer
    parser_classes = [MultiPartParser, FormParser]
    queryset = ImportJob.objects.none()  # for the schema generator

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        policy.require(self.request.user, VIEW_PERMISSION)
        return (policy.visible(self.request.user, ImportJob.objects.all(), VIEW_PERMISSION)
                .defer("errors").order_by("-created_at", "-pk"))

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def post(self, request):
        payload = ImportUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = import_job_start(upload=payload.validated_data["file"], by=request.user)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ImportJobDetailView(APIView):
    """A job's status, progress and per-row errors."""

    queryset = ImportJob.objects.none()

    @extend_schema(responses=ImportJobSerializer)
    def get(self, request, pk):
        return Response(ImportJobSerializer(_job(request, pk)).data)


class ImportJobConfirmView(APIView):
    """Write a validated import: 200 when done at once (small files), 202 while a task writes it."""

    queryset = ImportJob.objects.none()

    @extend_schema(request=ImportConfirmSerializer, responses={200: ImportJobSerializer, 202: ImportJobSerializer})
    def post(self, request, pk):
        job = _job(request, pk)
        payload = ImportConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = import_job_confirm(job=job, only_valid_rows=payload.validated_data["only_valid_rows"],
                                 by=request.user)
        code = status.HTTP_202_ACCEPTED if job.status == ImportJob.Status.IMPORTING else status.HTTP_200_OK
        return Response(ImportJobSerializer(job).data, status=code)


class ImportJobCancelView(APIView):
    queryset = ImportJob.objects.none()

    @extend_schema(request=None, responses=ImportJobSerializer)
    def post(self, request, pk):
        job = import_job_cancel(job=_job(request, pk), by=request.user)
        return Response(ImportJobSerializer(job).data)


class _FileDownloadNegotiation(DefaultContentNegotiation):
    """`format` names the file format here (csv/xlsx), not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class InstitutionExportView(APIView):
    """The filtered institution list as a file; same filters as GET /institutions/ (q, region, type...)."""

    queryset = ImportJob.objects.none()
    content_negotiation_class = _FileDownloadNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"], default="csv"),
                    *[OpenApiParameter(name, str) for name in (
                        "q", "region", "type", "hospital_grade", "credit_grade", "status", "ownership")]],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
                   (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                       OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request):
        params = request.query_params.copy()
        fmt = params.pop("format", ["csv"])[-1]
        return institutions_export(user=request.user, params=params, fmt=fmt)


urlpatterns = [
    path("imports/", ImportJobListCreateView.as_view(), name="institutions-import-list"),
    path("imports/<int:pk>/", ImportJobDetailView.as_view(), name="institutions-import-detail"),
    path("imports/<int:pk>/confirm/", ImportJobConfirmView.as_view(), name="institutions-import-confirm"),
    path("imports/<int:pk>/cancel/", ImportJobCancelView.as_view(), name="institutions-import-cancel"),
    path("export/", InstitutionExportView.as_view(), name="institutions-export"),
]
