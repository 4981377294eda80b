"""Effectiveness assessments through the API (STD-7): prepare, complete, decide; same services as the pages."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import policy

from ..models import EffectivenessAssessment, Standard
from ..services import effectiveness as effectiveness_services
from .adoption import StandardRefSerializer

VIEW = "standards.view_effectivenessassessment"
A = EffectivenessAssessment


class AssessmentSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(read_only=True)
    revision = StandardRefSerializer(read_only=True)

    class Meta:
        model = A
        fields = ["id", "standard", "adoption_rate", "adopters", "population", "conformance_summary",
                  "comments_summary", "conclusion", "decision", "status", "created_at", "decided_at", "revision"]
        read_only_fields = fields


class PrepareSerializer(serializers.Serializer):
    standard = serializers.IntegerField(help_text="Id of a published or in-force standard.")


class UpdateSerializer(serializers.Serializer):
    comments_summary = serializers.CharField(required=False, allow_blank=True, default="")
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentDecisionSerializer(serializers.Serializer):
    conclusion = serializers.CharField()
    decision = serializers.ChoiceField(choices=A.Decision.choices)


class AssessmentListView(generics.ListCreateAPIView):
    """GET: assessments (?standard=<id>, ?status=draft|decided). POST: prepare one for a standard."""

    serializer_class = AssessmentSerializer
    queryset = A.objects.none()
    filterset_fields = ["standard", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return A.objects.none()
        return policy.visible(self.request.user, A.objects.select_related("standard", "revision"),
                              VIEW).order_by("-created_at", "-pk")

    @extend_schema(request=PrepareSerializer, responses={201: AssessmentSerializer})
    def post(self, request):
        payload = PrepareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        standard = policy.get_object(request.user, Standard, "standards.view_standard",
                                     pk=payload.validated_data["standard"])
        assessment = effectiveness_services.assessment_prepare(standard=standard, by=request.user)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


def _assessment(request, pk) -> A:
    return policy.get_object(request.user, A.objects.select_related("standard", "revision"), VIEW, pk=pk)


class AssessmentDetailView(APIView):
    @extend_schema(responses=AssessmentSerializer)
    def get(self, request, pk: int):
        return Response(AssessmentSerializer(_assessment(request, pk)).data)

    @extend_schema(request=UpdateSerializer, responses=AssessmentSerializer)
    def patch(self, request, pk: int):
        payload = UpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        assessment = effectiveness_services.assessment_update(assessment=_assessment(request, pk), by=request.user,
                                                              **payload.validated_data)
        return Response(AssessmentSerializer(assessment).data)


class DecideView(APIView):
    @extend_schema(request=AssessmentDecisionSerializer, responses=AssessmentSerializer)
    def post(self, request, pk: int):
        payload = AssessmentDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        assessment = effectiveness_services.assessment_decide(assessment=_assessment(request, pk), by=request.user,
                                                              **payload.validated_data)
        return Response(AssessmentSerializer(assessment).data)


urlpatterns = [
    path("assessments/", AssessmentListView.as_view(), name="standards-assessment-list"),
    path("assessments/<int:pk>/", AssessmentDetailView.as_view(), name="standards-assessment-detail"),
    path("assessments/<int:pk>/decide/", DecideView.as_view(), name="standards-assessment-decide"),
]
