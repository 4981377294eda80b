"""Published double-random draws under /api/v1/inspections/public/ (SUP-1, SUP-2), no sign-in: the same reads
as the public pages (only published random selections; inspectors' names, no contact data)."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import errors

from ..models import Inspection, TargetSelection
from ..selectors_plans import public_inspections, public_selections
from ..services import selection as selection_services
from ..views.plans import selection_rows

RECTIFICATION_CHOICES = [("none", "none"), ("in_progress", "in progress"), ("completed", "completed"),
                         ("overdue", "overdue")]


class PublicReadThrottle(AnonRateThrottle):
    scope = "inspections-public"
    rate = "120/minute"


class PublicInspectionSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    rectification_status = serializers.ChoiceField(choices=RECTIFICATION_CHOICES, source="rectification",
                                                   read_only=True)

    class Meta:
        model = Inspection
        fields = ["institution", "institution_name", "scheduled_on", "status", "outcome", "rectification_status"]
        read_only_fields = fields


class PublicDrawSerializer(serializers.ModelSerializer):
    plan_number = serializers.CharField(source="plan.number", read_only=True)
    plan_title = serializers.CharField(source="plan.title", read_only=True)
    department = serializers.CharField(source="plan.department.name", read_only=True)
    inspections = PublicInspectionSerializer(source="public_inspections", many=True, read_only=True)

    class Meta:
        model = TargetSelection
        fields = ["id", "plan_number", "plan_title", "department", "number", "drawn_at", "algorithm", "digest",
                  "status", "void_reason", "inspections"]
        read_only_fields = fields


class PublicDrawTargetSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    name = serializers.CharField()
    inspectors = serializers.ListField(child=serializers.CharField(), help_text="Names, the leader first.")


class PublicDrawDetailSerializer(PublicDrawSerializer):
    seed = serializers.CharField(read_only=True)
    candidate_count = serializers.SerializerMethodField()
    exclusion_count = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()

    class Meta(PublicDrawSerializer.Meta):
        fields = [*PublicDrawSerializer.Meta.fields, "seed", "target_count", "team_size", "candidate_count",
                  "exclusion_count", "targets"]
        read_only_fields = fields

    def get_candidate_count(self, selection) -> int:
        return len(selection.candidates)

    def get_exclusion_count(self, selection) -> int:
        return sum(len(rows) for rows in selection.exclusions.values())

    @extend_schema_field(PublicDrawTargetSerializer(many=True))
    def get_targets(self, selection) -> list[dict]:
        return PublicDrawTargetSerializer([{"institution": row["institution"], "name": row["name"],
                                            "inspectors": row["inspectors"]} for row in selection_rows(selection)],
                                          many=True).data


def _attach(selections) -> None:
    grouped = public_inspections([selection.pk for selection in selections])
    for selection in selections:
        selection.public_inspections = grouped.get(selection.pk, [])


class PublicResultListView(generics.ListAPIView):
    """Published double-random draws, newest first, with their targets' inspections and rectification status."""

    serializer_class = PublicDrawSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicReadThrottle]
    queryset = TargetSelection.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TargetSelection.objects.none()
        return public_selections()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        _attach(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _public(pk) -> TargetSelection:
    selection = public_selections().filter(pk=pk).first()
    if selection is None:
        raise errors.NotFound()
    return selection


class PublicDrawView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicReadThrottle]

    @extend_schema(responses=PublicDrawDetailSerializer)
    def get(self, request, pk: int):
        """One published draw: seed, digest, counts, result with inspectors' names, inspections."""
        selection = _public(pk)
        _attach([selection])
        return Response(PublicDrawDetailSerializer(selection).data)


class PublicDrawProtocolView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicReadThrottle]

    @extend_schema(responses={(200, "application/json"): dict})
    def get(self, request, pk: int):
        """The draw's replay protocol (inputs, result, digest)."""
        return Response(selection_services.selection_protocol(_public(pk)))


urlpatterns = [
    path("public/results/", PublicResultListView.as_view(), name="inspections-public-results"),
    path("public/selections/<int:pk>/", PublicDrawView.as_view(), name="inspections-public-selection"),
    path("public/selections/<int:pk>/protocol/", PublicDrawProtocolView.as_view(),
         name="inspections-public-protocol"),
]
