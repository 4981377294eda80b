"""Rectification orders through the API (SUP-1, INS-3): the same services as the pages.

/orders/ lists what the caller may read (the jurisdiction's, the institution's own, the team's); an order
is answered with a report and files (multipart) by the institution, and accepted or returned by the team or
a department reviewer."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors
from apps.core.files import file_response

from .. import selectors
from ..models import RectificationOrder, RectificationResponse, ResponseEvidence
from ..services import rectification as services


class ResponseEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResponseEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class RectificationResponseSerializer(serializers.ModelSerializer):
    evidence = ResponseEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationResponse
        fields = ["id", "round", "report", "submitted_by", "submitted_at", "verdict", "verdict_comment",
                  "decided_by", "decided_at", "evidence"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    inspection_number = serializers.CharField(source="inspection.number", read_only=True)
    finding_title = serializers.CharField(source="finding.title", read_only=True)
    finding_severity = serializers.CharField(source="finding.severity", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RectificationOrder
        fields = ["id", "number", "inspection", "inspection_number", "institution", "institution_name", "finding",
                  "finding_title", "finding_severity", "requirement", "deadline", "status", "overdue",
                  "escalation_level", "escalated_at", "issued_at", "accepted_at"]
        read_only_fields = fields

    def get_overdue(self, order) -> bool:
        from django.utils import timezone

        return order.status in selectors.AWAITING_INSTITUTION and order.deadline < timezone.localdate()


class OrderDetailSerializer(OrderSerializer):
    finding_description = serializers.CharField(source="finding.description", read_only=True)
    requirement_ids = serializers.CharField(source="finding.requirement_ids", read_only=True)
    article = serializers.CharField(source="finding.article", read_only=True)
    responses = RectificationResponseSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "finding_description", "requirement_ids", "article", "responses"]
        read_only_fields = fields


class RespondSerializer(serializers.Serializer):
    report = serializers.CharField(allow_blank=True, help_text="What was done and how it was checked.")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text="PDF, PNG or JPEG files (checked by content), at most 10 MB each.")


class VerifySerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="Required when returning the report.")


def _order(request, pk) -> RectificationOrder:
    order = services.orders_visible(request.user).select_related("institution", "inspection", "finding") \
        .filter(pk=pk).first()
    if order is None:
        raise errors.NotFound()
    return order


def _detail_response(pk) -> Response:
    order = (RectificationOrder.objects.select_related("institution", "inspection", "finding")
             .prefetch_related(Prefetch("responses", queryset=RectificationResponse.objects.order_by("round")
                                        .prefetch_related("evidence"))).get(pk=pk))
    return Response(OrderDetailSerializer(order).data)


class OrderListView(generics.ListAPIView):
    """Orders the caller may read, the first due first."""

    serializer_class = OrderSerializer
    queryset = RectificationOrder.objects.none()

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=RectificationOrder.Status.values),
        OpenApiParameter("overdue", bool, description="Only orders past their deadline awaiting the institution."),
        OpenApiParameter("open", bool, description="Only orders not yet accepted or cancelled."),
        OpenApiParameter("level", int, enum=[1, 2, 3], description="Escalation level."),
        OpenApiParameter("q", str, description="Part of the institution's name or of the number."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RectificationOrder.objects.none()
        params = dict(self.request.query_params.items())
        for flag in ("overdue", "open"):
            if params.get(flag) in ("true", "yes"):
                params[flag] = "1"
        user = self.request.user
        own = user.organisation_id if not getattr(user, "is_regulator", False) else None
        return selectors.order_rows(user, params, institution_id=own)


class OrderDetailView(APIView):
    @extend_schema(responses=OrderDetailSerializer)
    def get(self, request, pk: int):
        return _detail_response(_order(request, pk).pk)


class OrderRespondView(APIView):
    """The institution reports on an issued or returned order (multipart: `report` and `files`)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": RespondSerializer}, responses={201: OrderDetailSerializer})
    def post(self, request, pk: int):
        order = _order(request, pk)
        if not hasattr(request.data, "get"):  # a JSON body that is not an object
            raise errors.ValidationFailed(field_errors={"report": [
                _("Describe the rectification done and how it was checked.")]})
        data = {"report": request.data.get("report", "")}
        if hasattr(request.data, "getlist"):
            data["files"] = request.FILES.getlist("files")
        payload = RespondSerializer(data=data)
        payload.is_valid(raise_exception=True)
        services.order_respond(order=order, report=payload.validated_data["report"],
                               files=payload.validated_data["files"], by=request.user)
        response = _detail_response(order.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class OrderVerifyView(APIView):
    @extend_schema(request=VerifySerializer, responses=OrderDetailSerializer)
    def post(self, request, pk: int):
        order = _order(request, pk)
        payload = VerifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.order_verify(order=order, by=request.user, **payload.validated_data)
        return _detail_response(order.pk)


class OrderFileView(APIView):
    """Download one evidence file of a report on the order (recorded)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, file_pk: int):
        order = _order(request, pk)
        evidence = ResponseEvidence.objects.filter(pk=file_pk, response__order=order).first()
        if evidence is None:
            raise errors.NotFound()
        return file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type,
                             audit_request=request, audit_object=evidence)


urlpatterns = [
    path("orders/", OrderListView.as_view(), name="inspections-order-list"),
    path("orders/<int:pk>/", OrderDetailView.as_view(), name="inspections-order-detail"),
    path("orders/<int:pk>/respond/", OrderRespondView.as_view(), name="inspections-order-respond"),
    path("orders/<int:pk>/verify/", OrderVerifyView.as_view(), name="inspections-order-verify"),
    path("orders/<int:pk>/files/<int:file_pk>/", OrderFileView.as_view(), name="inspections-order-file"),
]
