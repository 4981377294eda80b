"""Exit and restoration through the regulatory access port (INS-4, INS-8), and the public directory and
blacklist (SVC-5): the same services and the same scoping as the pages."""

from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import policy

from .. import disclosure
from ..models import Institution, StatusDecision
from ..services import exit as exit_services

# --- serializers -----------------------------------------------------------------------------------------


class StatusDecisionSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    letter_url = serializers.SerializerMethodField()

    class Meta:
        model = StatusDecision
        fields = ["id", "number", "institution", "institution_name", "measure", "ground", "facts", "source_type",
                  "source_id", "source_url", "status", "proposed_at", "department", "department_name",
                  "decided_at", "decision_text", "disclosed", "letter_url"]
        read_only_fields = fields

    def get_letter_url(self, decision) -> str | None:
        """Download link of the decision letter once the pdf task has stored it."""
        if not decision.letter_id:
            return None
        url = reverse("institutions:document_download", args=[decision.letter_id])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class StatusDecisionProposalSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    measure = serializers.ChoiceField(choices=StatusDecision.Measure.choices)
    ground = serializers.ChoiceField(choices=StatusDecision.Ground.choices)
    facts = serializers.CharField(allow_blank=True)
    source_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class StatusDecisionDecideSerializer(serializers.Serializer):
    decision_text = serializers.CharField(allow_blank=True)
    disclosed = serializers.BooleanField(required=False, default=True)


class StatusDecisionDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class PublicDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusDecision
        fields = ["number", "measure", "decided_at", "decision_text"]
        read_only_fields = fields


class PublicInstitutionSerializer(serializers.ModelSerializer):
    """The disclosed identity of an institution: no person's name, phone, e-mail or address."""

    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = ["name", "name_en", "credit_code", "type", "hospital_grade", "region", "region_name", "status",
                  "credit_grade"]
        read_only_fields = fields

    def get_region_name(self, institution) -> str:
        return disclosure.region_label(institution)


class BlacklistEntrySerializer(PublicInstitutionSerializer):
    decision = serializers.SerializerMethodField()

    class Meta(PublicInstitutionSerializer.Meta):
        fields = [*PublicInstitutionSerializer.Meta.fields, "decision"]
        read_only_fields = fields

    @extend_schema_field(PublicDecisionSerializer(allow_null=True))
    def get_decision(self, institution) -> dict | None:
        decision = disclosure.current_decision(institution)
        return PublicDecisionSerializer(decision).data if decision else None


# --- decisions ------------------------------------------------------------------------------------------


def _decision(request, pk: int) -> StatusDecision:
    return policy.get_object(request.user, StatusDecision.objects.select_related("institution", "department"),
                             "institutions.view_statusdecision", pk=pk)


class DecisionListView(generics.ListAPIView):
    """Proposals and decisions the caller may see (a department's jurisdiction, an institution's own)."""

    serializer_class = StatusDecisionSerializer
    queryset = StatusDecision.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=[
        OpenApiParameter("status", str, required=False, description="proposed, decided or dismissed"),
        OpenApiParameter("institution", int, required=False, description="Institution id"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StatusDecision.objects.none()
        rows = policy.visible(self.request.user, StatusDecision.objects.select_related("institution", "department"),
                              "institutions.view_statusdecision")
        state = self.request.query_params.get("status", "")
        if state in StatusDecision.Status.values:
            rows = rows.filter(status=state)
        institution = self.request.query_params.get("institution", "")
        if institution.isascii() and institution.isdigit():  # "²" passes isdigit() alone but not int()
            rows = rows.filter(institution_id=int(institution))
        return rows.order_by("-proposed_at", "-pk")

    @extend_schema(request=StatusDecisionProposalSerializer, responses={201: StatusDecisionSerializer})
    def post(self, request):
        """Propose suspension, revocation or restoration (INS-4)."""
        payload = StatusDecisionProposalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        institution = policy.get_object(request.user, Institution, "institutions.view_institution",
                                        pk=data["institution"])
        decision = exit_services.status_decision_propose(
            institution=institution, measure=data["measure"], ground=data["ground"], facts=data["facts"],
            by=request.user, source_url=data["source_url"])
        return Response(StatusDecisionSerializer(decision, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class DecisionDetailView(APIView):
    @extend_schema(responses=StatusDecisionSerializer)
    def get(self, request, pk: int):
        return Response(StatusDecisionSerializer(_decision(request, pk), context={"request": request}).data)


class DecisionDecideView(APIView):
    @extend_schema(request=StatusDecisionDecideSerializer, responses=StatusDecisionSerializer)
    def post(self, request, pk: int):
        """A department head decides the proposal; the letter follows (letter_url) once generated."""
        payload = StatusDecisionDecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decision = exit_services.status_decision_decide(
            decision=_decision(request, pk), decision_text=payload.validated_data["decision_text"],
            disclosed=payload.validated_data["disclosed"], by=request.user)
        return Response(StatusDecisionSerializer(decision, context={"request": request}).data)


class DecisionDismissView(APIView):
    @extend_schema(request=StatusDecisionDismissSerializer, responses=StatusDecisionSerializer)
    def post(self, request, pk: int):
        payload = StatusDecisionDismissSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decision = exit_services.status_decision_dismiss(
            decision=_decision(request, pk), reason=payload.validated_data["reason"], by=request.user)
        return Response(StatusDecisionSerializer(decision, context={"request": request}).data)


# --- public (no sign-in) -----------------------------------------------------------------------------------


class PublicDirectoryView(generics.ListAPIView):
    """The public directory (SVC-5): disclosed institutions with their credit grades, no personal data."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    serializer_class = PublicInstitutionSerializer
    queryset = Institution.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=[
        OpenApiParameter("q", str, required=False, description="Name fragment"),
        OpenApiParameter("region", str, required=False, description="GB/T 2260 code of a province, city or county"),
        OpenApiParameter("type", str, required=False, description="Institution type"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Institution.objects.none()
        return disclosure.directory_search(self.request.query_params)


class PublicBlacklistView(generics.ListAPIView):
    """The public blacklist (INS-4): suspended, revoked and blacklisted-grade institutions with the decision."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    serializer_class = BlacklistEntrySerializer
    queryset = Institution.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Institution.objects.none()
        return disclosure.blacklist()


urlpatterns = [
    path("decisions/", DecisionListView.as_view(), name="institutions-decisions"),
    path("decisions/<int:pk>/", DecisionDetailView.as_view(), name="institutions-decision-detail"),
    path("decisions/<int:pk>/decide/", DecisionDecideView.as_view(), name="institutions-decision-decide"),
    path("decisions/<int:pk>/dismiss/", DecisionDismissView.as_view(), name="institutions-decision-dismiss"),
    path("public/directory/", PublicDirectoryView.as_view(), name="institutions-public-directory"),
    path("public/blacklist/", PublicBlacklistView.as_view(), name="institutions-public-blacklist"),
]
