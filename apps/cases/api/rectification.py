"""Rectification ordered in cases through the API (SUP-3, INS-3): the same services as the pages.

/rectifications/ lists what the caller may read (the jurisdiction's, the institution's own, the orders of
cases the caller is an officer of); an order is answered with a report and files (multipart) by the
institution, and accepted or returned by an officer of the case or a head of the handling department.
Evidence files are downloaded through the case documents' audited page (`download_url`). The payloads of a
report and of a verification are the inspection orders' own serializers, imported."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors
from apps.inspections.api.rectification import RespondSerializer, VerifySerializer  # the same payloads

from ..models import CaseDocument, CaseRectification, RectificationReport
from ..services import rectification as services


class ReportDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseDocument
        fields = ["id", "original_name", "content_type", "size", "sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        return reverse("cases:document_download", args=[document.pk])


class RectificationReportSerializer(serializers.ModelSerializer):
    documents = ReportDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationReport
        fields = ["id", "round", "report", "submitted_by", "submitted_at", "verdict", "verdict_comment",
                  "decided_by", "decided_at", "documents"]
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)
    decision = serializers.IntegerField(source="measure.decision_id", read_only=True)
    decision_number = serializers.CharField(source="measure.decision.number", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CaseRectification
        fields = ["id", "number", "case", "case_number", "case_title", "decision", "decision_number", "measure",
                  "institution", "institution_name", "requirement", "deadline", "status", "overdue",
                  "escalation_level", "escalated_at", "issued_at", "accepted_at"]
        read_only_fields = fields

    def get_overdue(self, rectification) -> bool:
        return (rectification.status in services.AWAITING_INSTITUTION
                and rectification.deadline < timezone.localdate())


class RectificationDetailSerializer(RectificationSerializer):
    articles = serializers.JSONField(source="measure.decision.articles", read_only=True)
    reports = RectificationReportSerializer(many=True, read_only=True)

    class Meta(RectificationSerializer.Meta):
        fields = [*RectificationSerializer.Meta.fields, "articles", "reports"]
        read_only_fields = fields


def _rectification(request, pk) -> CaseRectification:
    rectification = (services.rectifications_visible(request.user)
                     .select_related("institution", "case", "measure", "measure__decision").filter(pk=pk).first())
    if rectification is None:
        raise errors.NotFound()
    return rectification


def _detail_response(pk) -> Response:
    rectification = (CaseRectification.objects.select_related("institution", "case", "measure__decision")
                     .prefetch_related(Prefetch("reports", queryset=RectificationReport.objects.order_by("round")
                                                .prefetch_related("documents"))).get(pk=pk))
    return Response(RectificationDetailSerializer(rectification).data)


class RectificationListView(generics.ListAPIView):
    """Orders the caller may read, the first due first."""

    serializer_class = RectificationSerializer
    queryset = CaseRectification.objects.none()

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=CaseRectification.Status.values),
        OpenApiParameter("overdue", bool, description="Only orders past their deadline awaiting the institution."),
        OpenApiParameter("open", bool, description="Only orders not yet accepted or cancelled."),
        OpenApiParameter("level", int, enum=[1, 2, 3], description="Escalation level."),
        OpenApiParameter("q", str, description="Part of the institution's name, of the number or the case number."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CaseRectification.objects.none()
        params = dict(self.request.query_params.items())
        for flag in ("overdue", "open"):
            if params.get(flag) in ("true", "yes"):
                params[flag] = "1"
        user = self.request.user
        own = user.organisation_id if not getattr(user, "is_regulator", False) else None
        return services.rectification_rows(user, params, institution_id=own)


class RectificationDetailView(APIView):
    @extend_schema(responses=RectificationDetailSerializer)
    def get(self, request, pk: int):
        return _detail_response(_rectification(request, pk).pk)


class RectificationRespondView(APIView):
    """The institution reports on an issued or returned order (multipart: `report` and `files`)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": RespondSerializer}, responses={201: RectificationDetailSerializer})
    def post(self, request, pk: int):
        rectification = _rectification(request, pk)
        if not hasattr(request.data, "get"):  # a JSON body that is not an object
            raise errors.ValidationFailed(field_errors={"report": [
                _("Describe the rectification done and how it was checked.")]})
        data = {"report": request.data.get("report", "")}
        if hasattr(request.data, "getlist"):
            data["files"] = request.FILES.getlist("files")
        payload = RespondSerializer(data=data)
        payload.is_valid(raise_exception=True)
        services.rectification_respond(rectification=rectification, report=payload.validated_data["report"],
                                       files=payload.validated_data["files"], by=request.user)
        response = _detail_response(rectification.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class RectificationVerifyView(APIView):
    @extend_schema(request=VerifySerializer, responses=RectificationDetailSerializer)
    def post(self, request, pk: int):
        rectification = _rectification(request, pk)
        payload = VerifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.rectification_verify(rectification=rectification, by=request.user, **payload.validated_data)
        return _detail_response(rectification.pk)


urlpatterns = [
    path("rectifications/", RectificationListView.as_view(), name="cases-rectification-list"),
    path("rectifications/<int:pk>/", RectificationDetailView.as_view(), name="cases-rectification-detail"),
    path("rectifications/<int:pk>/respond/", RectificationRespondView.as_view(), name="cases-rectification-respond"),
    path("rectifications/<int:pk>/verify/", RectificationVerifyView.as_view(), name="cases-rectification-verify"),
]
