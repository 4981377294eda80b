"""Entrustments through the access port (INS-7, INS-8): both parties read, the entrusting side writes."""

from django.db.models import Q
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from ..models import Entrustment, Institution
from ..services import entrustment as entrustment_services
from ..views.documents import document_file_response
from .serializers import InstitutionSummarySerializer

E = Entrustment


class EntrustmentSerializer(serializers.ModelSerializer):
    institution = InstitutionSummarySerializer(read_only=True)
    provider = InstitutionSummarySerializer(read_only=True)
    agreement = serializers.SerializerMethodField()

    class Meta:
        model = E
        fields = ["id", "institution", "provider", "scope", "systems", "security_obligations", "starts_on",
                  "ends_on", "status", "ended_reason", "agreement", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_agreement(self, entrustment) -> str | None:
        """Download link of the signed agreement (readable by both parties and the department)."""
        if not entrustment.agreement_id:
            return None
        return reverse("api:institutions-entrustment-agreement", args=[entrustment.pk])


class EntrustmentRecordSerializer(serializers.Serializer):
    institution = serializers.IntegerField(help_text="Id of the entrusting institution.")
    provider = serializers.IntegerField(help_text="Id of the service provider's institution profile.")
    scope = serializers.ChoiceField(choices=E.Scope.choices)
    systems = serializers.CharField()
    security_obligations = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    agreement = serializers.FileField(help_text="The signed agreement: PDF, PNG or JPEG.")


class EntrustmentEndSerializer(serializers.Serializer):
    reason = serializers.CharField()


def _visible():
    return E.objects.select_related("institution", "provider")


class EntrustmentListView(generics.ListCreateAPIView):
    """Entrustments the caller may see. ?institution=<id> narrows to one institution (either side);
    ?side=provider lists what the caller's organisation is entrusted with. POST (multipart) records one."""

    serializer_class = EntrustmentSerializer
    queryset = E.objects.none()
    filterset_fields = ["status", "scope"]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return E.objects.none()
        rows = policy.visible(self.request.user, _visible(), "institutions.view_entrustment")
        institution = self.request.query_params.get("institution", "")
        if institution.isascii() and institution.isdigit():  # "²" passes isdigit() alone but not int()
            rows = rows.filter(Q(institution_id=int(institution)) | Q(provider_id=int(institution)))
        if self.request.query_params.get("side") == "provider":
            rows = rows.filter(provider_id=self.request.user.organisation_id)
        return rows.order_by("-starts_on", "-pk")

    @extend_schema(parameters=[
        OpenApiParameter("institution", int, description="Either party's id."),
        OpenApiParameter("side", str, enum=["provider"], description="Only what the caller is entrusted with."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=EntrustmentRecordSerializer, responses={201: EntrustmentSerializer})
    def post(self, request):
        payload = EntrustmentRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        institution = policy.get_object(request.user, Institution, "institutions.view_institution",
                                        pk=data["institution"])
        provider = Institution.objects.filter(pk=data["provider"]).first()
        if provider is None:
            raise errors.ValidationFailed(field_errors={"provider": [_("No such institution.")]})
        entrustment = entrustment_services.entrustment_record(
            institution=institution, provider=provider, scope=data["scope"], systems=data["systems"],
            security_obligations=data["security_obligations"], starts_on=data["starts_on"],
            ends_on=data["ends_on"], agreement_upload=data["agreement"], by=request.user)
        return Response(EntrustmentSerializer(entrustment).data, status=status.HTTP_201_CREATED)


def _entrustment(request, pk) -> E:
    return policy.get_object(request.user, _visible(), "institutions.view_entrustment", pk=pk)


class EntrustmentDetailView(APIView):
    @extend_schema(responses=EntrustmentSerializer)
    def get(self, request, pk: int):
        return Response(EntrustmentSerializer(_entrustment(request, pk)).data)


class EntrustmentEndView(APIView):
    @extend_schema(request=EntrustmentEndSerializer, responses=EntrustmentSerializer)
    def post(self, request, pk: int):
        entrustment = _entrustment(request, pk)
        payload = EntrustmentEndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entrustment = entrustment_services.entrustment_end(entrustment=entrustment,
                                                           reason=payload.validated_data["reason"], by=request.user)
        return Response(EntrustmentSerializer(entrustment).data)


class EntrustmentAgreementView(APIView):
    """The signed agreement file, for both parties and the department."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        return document_file_response(_entrustment(request, pk).agreement)


urlpatterns = [
    path("entrustments/", EntrustmentListView.as_view(), name="institutions-entrustment-list"),
    path("entrustments/<int:pk>/", EntrustmentDetailView.as_view(), name="institutions-entrustment-detail"),
    path("entrustments/<int:pk>/end/", EntrustmentEndView.as_view(), name="institutions-entrustment-end"),
    path("entrustments/<int:pk>/agreement/", EntrustmentAgreementView.as_view(),
         name="institutions-entrustment-agreement"),
]
