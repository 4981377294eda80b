"""Institutions through the regulatory access port: list, detail, register, correct, documents (INS-1, INS-8)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from ..models import Document, Institution
from ..selectors import institution_search
from ..services import documents as document_services
from ..services import registry as registry_services
from ..views.documents import document_file_response
from .serializers import (
    DocumentSerializer,
    DocumentUploadSerializer,
    InstitutionSerializer,
    InstitutionSummarySerializer,
    ProfileInputSerializer,
)

FILTERS = [OpenApiParameter(name, str, required=False, description=description) for name, description in (
    ("q", "Name fragment or exact unified social credit code"), ("region", "GB/T 2260 code of a division"),
    ("type", "Institution type"), ("hospital_grade", "Hospital grade"), ("credit_grade", "A, B, C or D"),
    ("status", "Admission status"), ("ownership", "Ownership"))]


def _institution(request, pk, perm="institutions.view_institution") -> Institution:
    return policy.get_object(request.user, Institution.objects.select_related("region"), perm, pk=pk)


class InstitutionListView(generics.ListAPIView):
    """Institutions the caller may see: a department's jurisdiction, an institution itself (no total count)."""

    serializer_class = InstitutionSummarySerializer
    queryset = Institution.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Institution.objects.none()
        return institution_search(self.request.user, self.request.query_params).order_by("name", "organisation_id")

    @extend_schema(request=ProfileInputSerializer, responses={201: InstitutionSerializer})
    def post(self, request):
        """A department registers an institution of its jurisdiction (admitted at once)."""
        policy.require(request.user, "institutions.add_institution")
        if policy.jurisdiction_prefix(request.user) is None:
            raise errors.PermissionDenied()
        payload = ProfileInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        institution = registry_services.institution_create(
            data=payload.validated_data, by=request.user, status=Institution.Status.ADMITTED,
            reason="registered by the department (API)")
        return Response(InstitutionSerializer(institution).data, status=status.HTTP_201_CREATED)


class InstitutionDetailView(APIView):
    @extend_schema(responses=InstitutionSerializer)
    def get(self, request, pk: int):
        return Response(InstitutionSerializer(_institution(request, pk)).data)

    @extend_schema(request=ProfileInputSerializer, responses=InstitutionSerializer)
    def patch(self, request, pk: int):
        """The supervising department corrects registered data (institutions propose changes instead)."""
        institution = _institution(request, pk)
        payload = ProfileInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        institution = registry_services.institution_update(
            institution=institution, data=payload.validated_data, by=request.user, reason="corrected (API)")
        return Response(InstitutionSerializer(institution).data)


class DocumentListView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, pk: int):
        institution = _institution(request, pk)
        rows = policy.visible(request.user, Document.objects.filter(institution=institution),
                              "institutions.view_document").order_by("-uploaded_at", "-pk")[:200]
        return Response(DocumentSerializer(rows, many=True).data)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def post(self, request, pk: int):
        institution = _institution(request, pk)
        payload = DocumentUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = document_services.institution_document_add(
            institution=institution, kind=payload.validated_data["kind"], upload=payload.validated_data["file"],
            by=request.user)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int):
        return document_file_response(
            policy.get_object(request.user, Document, "institutions.view_document", pk=pk))


urlpatterns = [
    path("", InstitutionListView.as_view(), name="institutions-list"),
    path("<int:pk>/", InstitutionDetailView.as_view(), name="institutions-detail"),
    path("<int:pk>/documents/", DocumentListView.as_view(), name="institutions-documents"),
    path("documents/<int:pk>/", DocumentDownloadView.as_view(), name="institutions-document-download"),
]
