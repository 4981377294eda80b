"""Plans, pools, conflicts of interest, the risk ranking and selections under /api/v1/inspections/ (SUP-1,
SUP-2): the same services and scoping as the pages."""

from django.contrib.auth import get_user_model
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy
from apps.institutions.models import Institution

from ..models import ChecklistVersion, ConflictOfInterest, InspectionPlan, PlanInspector, TargetSelection
from ..selectors_plans import VIEW_PLAN, VIEW_SELECTION, plan_list
from ..services import plans as plan_services
from ..services import risk as risk_services
from ..services import selection as selection_services

User = get_user_model()
VIEW_CONFLICT = "inspections.view_conflictofinterest"


# --- serializers -----------------------------------------------------------------------------------------


class InspectionPlanSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = InspectionPlan
        fields = ["id", "number", "title", "kind", "subject", "description", "department", "department_name",
                  "region", "starts_on", "ends_on", "scope_regions", "scope_types", "checklist", "status",
                  "cancel_reason", "created_by", "created_at"]
        read_only_fields = fields


class InspectionPlanInputSerializer(serializers.Serializer):
    """All fields to create a plan; any of them to change a draft."""

    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=InspectionPlan.Kind.choices, required=False)
    subject = serializers.ChoiceField(choices=InspectionPlan.Subject.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    scope_regions = serializers.ListField(child=serializers.CharField(max_length=12), required=False,
                                          help_text="Region codes inside the department's jurisdiction; empty = all.")
    scope_types = serializers.ListField(child=serializers.ChoiceField(choices=Institution.Type.choices),
                                        required=False, help_text="Institution types; empty = every type.")
    checklist = serializers.PrimaryKeyRelatedField(queryset=ChecklistVersion.objects.all(), required=False,
                                                   help_text="Id of a published checklist version.")


class PlanCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required.")


class PoolMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    department = serializers.CharField(source="user.organisation.name", read_only=True)

    class Meta:
        model = PlanInspector
        fields = ["user", "name", "department", "added_at"]
        read_only_fields = fields


class PoolAddSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="Id of an inspector or department head in the jurisdiction.")


class ConflictSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.get_full_name", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = ConflictOfInterest
        fields = ["id", "user", "user_name", "institution", "institution_name", "reason", "declared_at", "ends_on"]
        read_only_fields = fields


class ConflictInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(required=False, help_text="The inspector; empty = yourself.")
    institution = serializers.IntegerField(help_text="Id of the institution.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class RiskPartSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="grade, incidents, drills, overdue_orders or due")
    points = serializers.IntegerField()
    why = serializers.CharField()


class RiskRowSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    name = serializers.CharField()
    region = serializers.CharField()
    score = serializers.IntegerField()
    parts = RiskPartSerializer(many=True, source="why")


class SelectionResultRowSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    inspectors = serializers.ListField(child=serializers.IntegerField(), help_text="User ids, the leader first.")


class TargetSelectionSerializer(serializers.ModelSerializer):
    result = SelectionResultRowSerializer(many=True, read_only=True)
    candidate_count = serializers.SerializerMethodField()
    ranking = serializers.SerializerMethodField()

    class Meta:
        model = TargetSelection
        fields = ["id", "plan", "number", "method", "algorithm", "seed", "target_count", "team_size",
                  "candidate_count", "inspectors", "exclusions", "ranking", "result", "digest", "status",
                  "void_reason", "published", "drawn_by", "drawn_at"]
        read_only_fields = fields

    def get_candidate_count(self, selection) -> int:
        return len(selection.candidates)

    @extend_schema_field(RiskRowSerializer(many=True))
    def get_ranking(self, selection) -> list[dict]:
        return RiskRowSerializer([{**row, "why": risk_services.explain(row)} for row in selection.ranking or []],
                                 many=True).data


class SelectionInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=TargetSelection.Method.choices)
    target_count = serializers.IntegerField()
    team_size = serializers.IntegerField(default=2)
    void_reason = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="Required when a selection of this method is in force.")


class SelectionReplaySerializer(serializers.Serializer):
    matches = serializers.BooleanField()
    digest_matches = serializers.BooleanField()
    result = SelectionResultRowSerializer(many=True)


# --- helpers ---------------------------------------------------------------------------------------------


def _plan(request, pk) -> InspectionPlan:
    return policy.get_object(request.user, InspectionPlan.objects.select_related("department"), VIEW_PLAN, pk=pk)


def _selection(request, pk) -> TargetSelection:
    return policy.get_object(request.user, TargetSelection.objects.select_related("plan"), VIEW_SELECTION, pk=pk)


def _plan_data(payload) -> dict:
    return dict(payload.validated_data)


# --- views -----------------------------------------------------------------------------------------------


class PlanListView(generics.ListAPIView):
    """GET: the plans of the caller's jurisdiction, newest first (?status=, ?kind=, ?q=). POST: a draft plan of
    the caller's department."""

    serializer_class = InspectionPlanSerializer
    queryset = InspectionPlan.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionPlan.objects.none()
        policy.require(self.request.user, VIEW_PLAN)
        return plan_list(self.request.user, self.request.query_params)

    @extend_schema(request=InspectionPlanInputSerializer, responses={201: InspectionPlanSerializer})
    def post(self, request):
        payload = InspectionPlanInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = plan_services.plan_create(data=_plan_data(payload), by=request.user)
        return Response(InspectionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailView(APIView):
    @extend_schema(responses=InspectionPlanSerializer)
    def get(self, request, pk: int):
        return Response(InspectionPlanSerializer(_plan(request, pk)).data)

    @extend_schema(request=InspectionPlanInputSerializer, responses=InspectionPlanSerializer)
    def patch(self, request, pk: int):
        """Change a draft plan."""
        plan = _plan(request, pk)
        payload = InspectionPlanInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        plan = plan_services.plan_update(plan=plan, data=_plan_data(payload), by=request.user)
        return Response(InspectionPlanSerializer(plan).data)


class PlanActivateView(APIView):
    @extend_schema(request=None, responses=InspectionPlanSerializer)
    def post(self, request, pk: int):
        plan = plan_services.plan_activate(plan=_plan(request, pk), by=request.user)
        return Response(InspectionPlanSerializer(plan).data)


class PlanCloseView(APIView):
    @extend_schema(request=None, responses=InspectionPlanSerializer)
    def post(self, request, pk: int):
        plan = plan_services.plan_close(plan=_plan(request, pk), by=request.user)
        return Response(InspectionPlanSerializer(plan).data)


class PlanCancelView(APIView):
    @extend_schema(request=PlanCancelSerializer, responses=InspectionPlanSerializer)
    def post(self, request, pk: int):
        plan = _plan(request, pk)
        payload = PlanCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = plan_services.plan_cancel(plan=plan, reason=payload.validated_data["reason"], by=request.user)
        return Response(InspectionPlanSerializer(plan).data)


class PlanPoolView(APIView):
    @extend_schema(responses=PoolMemberSerializer(many=True))
    def get(self, request, pk: int):
        plan = _plan(request, pk)
        members = plan.pool.select_related("user__organisation").order_by("user_id")
        return Response(PoolMemberSerializer(members, many=True).data)

    @extend_schema(request=PoolAddSerializer, responses={201: PoolMemberSerializer})
    def post(self, request, pk: int):
        plan = _plan(request, pk)
        payload = PoolAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = User.objects.select_related("organisation").filter(pk=payload.validated_data["user"]).first()
        if user is None:
            raise errors.ValidationFailed(field_errors={"user": [
                _("No person with id %(ids)s.") % {"ids": payload.validated_data["user"]}]})
        member = plan_services.plan_pool_add(plan=plan, user=user, by=request.user)
        return Response(PoolMemberSerializer(member).data, status=status.HTTP_201_CREATED)


class PlanPoolMemberView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, user_id: int):
        plan = _plan(request, pk)
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise errors.NotFound()
        plan_services.plan_pool_remove(plan=plan, user=user, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConflictListView(generics.ListAPIView):
    """GET: declared conflicts of interest in the jurisdiction. POST: declare one (your own, or, as a planner,
    for a member of one of your plans' pools)."""

    serializer_class = ConflictSerializer
    queryset = ConflictOfInterest.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConflictOfInterest.objects.none()
        policy.require(self.request.user, VIEW_CONFLICT)
        return policy.visible(self.request.user, ConflictOfInterest.objects.select_related("user", "institution"),
                              VIEW_CONFLICT).order_by("-declared_at", "-pk")

    @extend_schema(request=ConflictInputSerializer, responses={201: ConflictSerializer})
    def post(self, request):
        payload = ConflictInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = request.user
        if data.get("user") and data["user"] != request.user.pk:
            user = User.objects.select_related("organisation").filter(pk=data["user"]).first()
            if user is None:
                raise errors.ValidationFailed(field_errors={"user": [
                    _("No person with id %(ids)s.") % {"ids": data["user"]}]})
        institution = Institution.objects.filter(pk=data["institution"]).first()
        if institution is None:
            raise errors.NotFound()
        conflict = plan_services.conflict_declare(user=user, institution=institution, reason=data["reason"],
                                                  ends_on=data["ends_on"], by=request.user)
        return Response(ConflictSerializer(conflict).data, status=status.HTTP_201_CREATED)


class RiskRankingView(APIView):
    @extend_schema(responses=RiskRowSerializer(many=True))
    def get(self, request, pk: int):
        """The 100 riskiest candidates of the plan's scope (?limit= up to 100) with each part's points and why."""
        plan = _plan(request, pk)
        try:
            limit = max(1, min(100, int(request.query_params.get("limit", 100))))
        except ValueError:
            limit = 100
        rows = risk_services.risk_ranking(plan, limit=limit)
        return Response(RiskRowSerializer([{**row, "why": risk_services.explain(row)} for row in rows],
                                          many=True).data)


class PlanSelectionsView(APIView):
    @extend_schema(responses=TargetSelectionSerializer(many=True))
    def get(self, request, pk: int):
        plan = _plan(request, pk)
        rows = policy.visible(request.user, plan.selections.all(), VIEW_SELECTION).order_by("-number")
        return Response(TargetSelectionSerializer(rows, many=True).data)

    @extend_schema(request=SelectionInputSerializer, responses={201: TargetSelectionSerializer})
    def post(self, request, pk: int):
        """Select targets: method "random" (the double-random draw, published at once) or "risk" (the top of the
        ranking). A second selection of a method in force needs void_reason."""
        plan = _plan(request, pk)
        payload = SelectionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        service = (selection_services.selection_draw if data["method"] == TargetSelection.Method.RANDOM
                   else selection_services.selection_risk_create)
        selection = service(plan=plan, target_count=data["target_count"], team_size=data["team_size"],
                            void_reason=data["void_reason"], by=request.user)
        return Response(TargetSelectionSerializer(selection).data, status=status.HTTP_201_CREATED)


class SelectionDetailView(APIView):
    @extend_schema(responses=TargetSelectionSerializer)
    def get(self, request, pk: int):
        return Response(TargetSelectionSerializer(_selection(request, pk)).data)


class SelectionReplayView(APIView):
    @extend_schema(request=None, responses=SelectionReplaySerializer)
    def post(self, request, pk: int):
        """Recompute the selection from its stored inputs."""
        return Response(SelectionReplaySerializer(selection_services.selection_replay(_selection(request, pk))).data)


class SelectionProtocolView(APIView):
    @extend_schema(responses={(200, "application/json"): dict})
    def get(self, request, pk: int):
        """The replay protocol (inputs, result, digest) as JSON."""
        return Response(selection_services.selection_protocol(_selection(request, pk)))


urlpatterns = [
    path("plans/", PlanListView.as_view(), name="inspections-plan-list"),
    path("plans/<int:pk>/", PlanDetailView.as_view(), name="inspections-plan-detail"),
    path("plans/<int:pk>/activate/", PlanActivateView.as_view(), name="inspections-plan-activate"),
    path("plans/<int:pk>/close/", PlanCloseView.as_view(), name="inspections-plan-close"),
    path("plans/<int:pk>/cancel/", PlanCancelView.as_view(), name="inspections-plan-cancel"),
    path("plans/<int:pk>/pool/", PlanPoolView.as_view(), name="inspections-plan-pool"),
    path("plans/<int:pk>/pool/<int:user_id>/", PlanPoolMemberView.as_view(), name="inspections-plan-pool-member"),
    path("plans/<int:pk>/risk-ranking/", RiskRankingView.as_view(), name="inspections-risk-ranking"),
    path("plans/<int:pk>/selections/", PlanSelectionsView.as_view(), name="inspections-plan-selections"),
    path("selections/<int:pk>/", SelectionDetailView.as_view(), name="inspections-selection-detail"),
    path("selections/<int:pk>/replay/", SelectionReplayView.as_view(), name="inspections-selection-replay"),
    path("selections/<int:pk>/protocol/", SelectionProtocolView.as_view(), name="inspections-selection-protocol"),
    path("conflicts/", ConflictListView.as_view(), name="inspections-conflict-list"),
]
