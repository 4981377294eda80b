"""Conformance evaluations through the regulatory access port (STD-6): institutions self-assess and resubmit,
departments evaluate or return. Same services, same scoping as the pages."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from ..models import ConformanceEvaluation, Standard, normalise_code
from ..services import conformance as conformance_services
from .adoption import StandardRefSerializer

VIEW = "standards.view_conformanceevaluation"
C = ConformanceEvaluation


class EvaluationSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(read_only=True)
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = C
        fields = ["id", "organisation", "organisation_name", "region", "standard", "self_result",
                  "self_assessment", "submitted_at", "status", "result", "level", "findings", "evaluated_at"]
        read_only_fields = fields


class SelfAssessSerializer(serializers.Serializer):
    standard = serializers.CharField(max_length=40, help_text="The standard's code.")
    result = serializers.ChoiceField(choices=C.Result.choices)
    assessment = serializers.CharField()
    evidence = serializers.FileField(required=False)


class ResubmitSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=C.Result.choices)
    assessment = serializers.CharField()
    evidence = serializers.FileField(required=False)


class EvaluateSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=C.Result.choices)
    level = serializers.ChoiceField(choices=C.Level.choices)
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField()


class EvaluationListView(generics.ListCreateAPIView):
    """GET: evaluations the caller may see, ?status=self_assessed|returned|evaluated. POST: a self-assessment
    of the caller's institution."""

    serializer_class = EvaluationSerializer
    queryset = C.objects.none()
    filterset_fields = ["status", "standard"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return C.objects.none()
        return policy.visible(self.request.user, C.objects.select_related("standard", "organisation"),
                              VIEW).order_by("-submitted_at", "-pk")

    @extend_schema(request=SelfAssessSerializer, responses={201: EvaluationSerializer})
    def post(self, request):
        payload = SelfAssessSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        standard = Standard.objects.filter(code=normalise_code(data["standard"])).first()
        if standard is None:
            raise errors.ValidationFailed(field_errors={"standard": [_("No standard with this code is registered.")]})
        if request.user.organisation is None:
            raise errors.PermissionDenied()
        evaluation = conformance_services.conformance_self_assess(
            organisation=request.user.organisation, standard=standard, result=data["result"],
            assessment=data["assessment"], evidence_upload=data.get("evidence"), by=request.user)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


def _evaluation(request, pk) -> C:
    return policy.get_object(request.user, C.objects.select_related("standard", "organisation"), VIEW, pk=pk)


class EvaluationDetailView(APIView):
    @extend_schema(responses=EvaluationSerializer)
    def get(self, request, pk: int):
        return Response(EvaluationSerializer(_evaluation(request, pk)).data)


class EvaluateView(APIView):
    @extend_schema(request=EvaluateSerializer, responses=EvaluationSerializer)
    def post(self, request, pk: int):
        payload = EvaluateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = conformance_services.conformance_evaluate(evaluation=_evaluation(request, pk), by=request.user,
                                                               **payload.validated_data)
        return Response(EvaluationSerializer(evaluation).data)


class ReturnView(APIView):
    @extend_schema(request=ReturnSerializer, responses=EvaluationSerializer)
    def post(self, request, pk: int):
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = conformance_services.conformance_return(evaluation=_evaluation(request, pk), by=request.user,
                                                             reason=payload.validated_data["reason"])
        return Response(EvaluationSerializer(evaluation).data)


class ResubmitView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ResubmitSerializer, responses=EvaluationSerializer)
    def post(self, request, pk: int):
        payload = ResubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        evaluation = conformance_services.conformance_resubmit(
            evaluation=_evaluation(request, pk), result=data["result"], assessment=data["assessment"],
            evidence_upload=data.get("evidence"), by=request.user)
        return Response(EvaluationSerializer(evaluation).data)


urlpatterns = [
    path("conformance/", EvaluationListView.as_view(), name="standards-conformance-list"),
    path("conformance/<int:pk>/", EvaluationDetailView.as_view(), name="standards-conformance-detail"),
    path("conformance/<int:pk>/evaluate/", EvaluateView.as_view(), name="standards-conformance-evaluate"),
    path("conformance/<int:pk>/return/", ReturnView.as_view(), name="standards-conformance-return"),
    path("conformance/<int:pk>/resubmit/", ResubmitView.as_view(), name="standards-conformance-resubmit"),
]
