"""Credit ratings through the regulatory access port (INS-3, INS-8): the breakdown, adjustments,
objections and their decisions, the rules and grades. The same services and scoping as the pages."""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import policy

from ..models import CreditEvent, CreditGrade, CreditObjection, CreditRule, Institution
from ..services import credit_actions
from ..services.credit import credit_scheme

# --- serializers -----------------------------------------------------------------------------------------


class CreditItemSerializer(serializers.ModelSerializer):
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_description = serializers.CharField(source="rule.description", read_only=True)
    rule_description_en = serializers.CharField(source="rule.description_en", read_only=True)
    trigger = serializers.CharField(source="rule.trigger", read_only=True)
    state = serializers.SerializerMethodField()
    objection = serializers.SerializerMethodField()

    class Meta:
        model = CreditEvent
        fields = ["id", "rule_code", "trigger", "rule_description", "rule_description_en", "description",
                  "points", "occurred_on", "effective_until", "status", "state", "reason", "source_type",
                  "source_id", "source_url", "recorded_at", "objection"]
        read_only_fields = fields

    def get_state(self, event) -> str:
        """in_force, pending (occurs later), expired or withdrawn."""
        today = self.context.get("today") or timezone.localdate()
        if event.status == CreditEvent.Status.WITHDRAWN:
            return "withdrawn"
        if event.effective_until < today:
            return "expired"
        return "pending" if event.occurred_on > today else "in_force"

    def get_objection(self, event) -> dict | None:
        """The latest objection to the item: its id and status, or null."""
        objections = sorted(event.objections.all(), key=lambda o: (o.submitted_at, o.pk), reverse=True)
        return {"id": objections[0].pk, "status": objections[0].status} if objections else None


class GradeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditGrade
        fields = ["code", "label", "label_en", "min_score", "inspection_interval_months", "may_apply_for_data",
                  "on_blacklist", "proposes_suspension"]
        read_only_fields = fields


class RatingSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.IntegerField()
    grade = serializers.CharField()
    grade_details = GradeSerializer(allow_null=True)
    base_score = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    items = CreditItemSerializer(many=True)


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditRule
        fields = ["id", "code", "trigger", "description", "description_en", "points", "duration_days", "is_active"]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    rule_code = serializers.CharField(source="event.rule.code", read_only=True)
    points = serializers.IntegerField(source="event.points", read_only=True)

    class Meta:
        model = CreditObjection
        fields = ["id", "event", "institution", "institution_name", "rule_code", "points", "reason", "status",
                  "submitted_at", "decided_at", "decision_reason"]
        read_only_fields = fields


class AdjustSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    until = serializers.DateField(required=False, allow_null=True, default=None)


class ObjectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


# --- views ---------------------------------------------------------------------------------------------


def _institution(request, pk: int) -> Institution:
    institution = policy.get_object(request.user, Institution, "institutions.view_institution", pk=pk)
    policy.require(request.user, "institutions.view_creditevent", institution)
    return institution


class CreditRatingView(APIView):
    """An institution's score and grade with every item (in force, pending, expired and withdrawn)."""

    @extend_schema(responses=RatingSerializer)
    def get(self, request, pk: int):
        institution = _institution(request, pk)
        items = (CreditEvent.objects.filter(institution=institution).select_related("rule")
                 .prefetch_related("objections").order_by("-occurred_on", "-pk")[:500])
        rating = {
            "institution": institution.pk, "name": institution.name, "score": institution.credit_score,
            "grade": institution.credit_grade, "grade_details": CreditGrade.objects.filter(
                code=institution.credit_grade).first(), "base_score": credit_scheme().base_score,
            "computed_at": institution.credit_computed_at, "items": list(items),
        }
        return Response(RatingSerializer(rating, context={"request": request, "today": timezone.localdate()}).data)


class CreditAdjustView(APIView):
    @extend_schema(request=AdjustSerializer, responses={201: CreditItemSerializer})
    def post(self, request, pk: int):
        """A department adjusts the rating with a written reason (at least 10 characters)."""
        institution = _institution(request, pk)
        payload = AdjustSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = credit_actions.credit_adjust(institution=institution, by=request.user, **payload.validated_data)
        return Response(CreditItemSerializer(event).data, status=status.HTTP_201_CREATED)


class CreditObjectView(APIView):
    @extend_schema(request=ObjectSerializer, responses={201: ObjectionSerializer})
    def post(self, request, pk: int):
        """The institution objects to one of its items in force."""
        event = policy.get_object(request.user, CreditEvent.objects.select_related("institution"),
                                  "institutions.view_creditevent", pk=pk)
        payload = ObjectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = credit_actions.credit_objection_submit(event=event, reason=payload.validated_data["reason"],
                                                           by=request.user)
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class ObjectionListView(generics.ListAPIView):
    """Objections the caller may see: a department's jurisdiction, an institution's own."""

    serializer_class = ObjectionSerializer
    queryset = CreditObjection.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=[
        OpenApiParameter("status", str, required=False, description="submitted, upheld or rejected"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditObjection.objects.none()
        rows = policy.visible(self.request.user,
                              CreditObjection.objects.select_related("institution", "event__rule"),
                              "institutions.view_creditobjection")
        state = self.request.query_params.get("status", "")
        if state in CreditObjection.Status.values:
            rows = rows.filter(status=state)
        return rows.order_by("-submitted_at", "-pk")


class ObjectionDecisionView(APIView):
    @extend_schema(request=DecisionSerializer, responses=ObjectionSerializer)
    def post(self, request, pk: int):
        """Uphold (the item is withdrawn and the rating recomputed) or reject, with reasons."""
        objection = policy.get_object(request.user, CreditObjection, "institutions.view_creditobjection", pk=pk)
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = credit_actions.credit_objection_decide(
            objection=objection, uphold=payload.validated_data["uphold"], reason=payload.validated_data["reason"],
            by=request.user)
        return Response(ObjectionSerializer(objection).data)


class RuleListView(generics.ListAPIView):
    """The credit rule table (active and inactive rules)."""

    serializer_class = RuleSerializer
    queryset = CreditRule.objects.none()
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditRule.objects.none()
        policy.require(self.request.user, "institutions.view_creditrule")
        return CreditRule.objects.order_by("trigger", "-is_active", "code")


class GradeListView(generics.ListAPIView):
    """The grades with their minimum scores and consequences, highest first."""

    serializer_class = GradeSerializer
    queryset = CreditGrade.objects.none()
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditGrade.objects.none()
        policy.require(self.request.user, "institutions.view_creditgrade")
        return CreditGrade.objects.order_by("-min_score")


urlpatterns = [
    path("<int:pk>/credit/", CreditRatingView.as_view(), name="institutions-credit"),
    path("<int:pk>/credit/adjustments/", CreditAdjustView.as_view(), name="institutions-credit-adjust"),
    path("credit/items/<int:pk>/objections/", CreditObjectView.as_view(), name="institutions-credit-object"),
    path("credit/objections/", ObjectionListView.as_view(), name="institutions-credit-objections"),
    path("credit/objections/<int:pk>/decision/", ObjectionDecisionView.as_view(),
         name="institutions-credit-objection-decide"),
    path("credit/rules/", RuleListView.as_view(), name="institutions-credit-rules"),
    path("credit/grades/", GradeListView.as_view(), name="institutions-credit-grades"),
]
