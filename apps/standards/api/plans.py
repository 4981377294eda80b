"""The framework plan and annual work plans through the API (STD-4): read the tree and the plans, add tasks,
report progress, add milestones. Same services as the pages."""

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Organisation
from apps.core import errors, policy

from ..models import FrameworkCategory, Milestone, PlannedStandard, Standard, WorkPlan, WorkPlanItem
from ..services import plans as plan_services
from .adoption import StandardRefSerializer


class PlannedSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(read_only=True)

    class Meta:
        model = PlannedStandard
        fields = ["id", "category", "title", "priority", "target_year", "standard", "note"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    planned = PlannedSerializer(many=True, read_only=True)
    standards = serializers.SerializerMethodField()

    class Meta:
        model = FrameworkCategory
        fields = ["id", "code", "name", "name_en", "parent", "position", "description", "planned", "standards"]
        read_only_fields = fields

    def get_standards(self, category) -> int:
        return getattr(category, "standards_count", 0)


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "done_on"]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = WorkPlanItem
        fields = ["id", "plan", "title", "standard", "owner", "owner_name", "owner_person", "due_on", "progress",
                  "status", "note", "overdue", "milestones"]
        read_only_fields = fields

    def get_overdue(self, item) -> bool:
        return item.is_overdue()


class WorkPlanSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = WorkPlan
        fields = ["id", "year", "title", "department", "department_name", "items"]
        read_only_fields = fields


class ItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    owner = serializers.IntegerField(help_text="Id of the responsible organisation.")
    owner_person = serializers.CharField(required=False, allow_blank=True, default="")
    due_on = serializers.DateField()
    standard = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField()
    status = serializers.ChoiceField(choices=WorkPlanItem.Status.choices)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()


class FrameworkView(generics.ListAPIView):
    """Every category (flat; `parent` gives the tree) with its planned standards and count of standards."""

    serializer_class = CategorySerializer
    queryset = FrameworkCategory.objects.none()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FrameworkCategory.objects.none()
        from django.db.models import Count

        return (policy.visible(self.request.user, FrameworkCategory, "standards.view_frameworkcategory")
                .annotate(standards_count=Count("standards"))
                .prefetch_related(Prefetch("planned", queryset=PlannedStandard.objects.select_related("standard")))
                .order_by("position", "code"))


class WorkPlanListView(generics.ListAPIView):
    serializer_class = WorkPlanSerializer
    queryset = WorkPlan.objects.none()
    filterset_fields = ["year", "department"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkPlan.objects.none()
        items = WorkPlanItem.objects.select_related("owner").prefetch_related("milestones")
        return (policy.visible(self.request.user, WorkPlan.objects.select_related("department"),
                               "standards.view_workplan")
                .prefetch_related(Prefetch("items", queryset=items)).order_by("-year", "title"))


class WorkPlanDetailView(APIView):
    @extend_schema(responses=WorkPlanSerializer)
    def get(self, request, pk: int):
        plan = policy.get_object(request.user, WorkPlan.objects.select_related("department"),
                                 "standards.view_workplan", pk=pk)
        return Response(WorkPlanSerializer(plan).data)


class ItemAddView(APIView):
    @extend_schema(request=ItemInputSerializer, responses={201: ItemSerializer})
    def post(self, request, pk: int):
        plan = policy.get_object(request.user, WorkPlan, "standards.view_workplan", pk=pk)
        payload = ItemInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["owner"] = Organisation.objects.filter(pk=data["owner"], is_active=True).first()
        standard_id = data.pop("standard")
        data["standard"] = Standard.objects.filter(pk=standard_id).first() if standard_id else None
        if standard_id and data["standard"] is None:
            raise errors.ValidationFailed(field_errors={"standard": [_("No standard with this id is registered.")]})
        item = plan_services.workplan_item_add(plan=plan, by=request.user, **data)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)


def _item(request, pk) -> WorkPlanItem:
    return policy.get_object(request.user, WorkPlanItem.objects.select_related("owner"),
                             "standards.view_workplanitem", pk=pk)


class ProgressView(APIView):
    @extend_schema(request=ProgressSerializer, responses=ItemSerializer)
    def post(self, request, pk: int):
        payload = ProgressSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        item = plan_services.workplan_item_progress(item=_item(request, pk), by=request.user, **payload.validated_data)
        return Response(ItemSerializer(item).data)


class MilestoneAddView(APIView):
    @extend_schema(request=MilestoneInputSerializer, responses={201: MilestoneSerializer})
    def post(self, request, pk: int):
        payload = MilestoneInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        milestone = plan_services.milestone_add(item=_item(request, pk), by=request.user, **payload.validated_data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("framework/", FrameworkView.as_view(), name="standards-framework"),
    path("workplans/", WorkPlanListView.as_view(), name="standards-workplan-list"),
    path("workplans/<int:pk>/", WorkPlanDetailView.as_view(), name="standards-workplan-detail"),
    path("workplans/<int:pk>/items/", ItemAddView.as_view(), name="standards-workplan-item-add"),
    path("workplan-items/<int:pk>/progress/", ProgressView.as_view(), name="standards-workplan-item-progress"),
    path("workplan-items/<int:pk>/milestones/", MilestoneAddView.as_view(), name="standards-milestone-add"),
]
