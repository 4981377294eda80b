"""Review steps through the API (SVC-2, SEC-4, SEC-9): the same services as the step page.

/steps/ lists the steps the caller may see (`?mine=1`: those it is a named reviewer of); a step can be
given reviewers, declared on and decided. Under /applications/<id>/ (sub-paths of the applications area's
routes, which are included first): the route as the applicant sees it, and the recording of the security
assessment of an export."""

from django.db.models import F, Prefetch
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core import errors, policy

from ..models import (
    ConflictDeclaration,
    RouteStep,
    RouteStepUserObjectPermission,
    SharingApplication,
    StepKind,
)
from ..services import routing

VIEW_APPLICATION = "catalog.view_sharingapplication"


class StepReviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class StepSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    application_title = serializers.CharField(source="application.title", read_only=True)
    applicant_name = serializers.CharField(source="application.applicant.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    rule_name = serializers.SerializerMethodField()
    rule_priority = serializers.IntegerField(source="rule.priority", read_only=True)
    overdue = serializers.SerializerMethodField()
    awaiting_assessment = serializers.SerializerMethodField()
    reviewers = serializers.SerializerMethodField()

    class Meta:
        model = RouteStep
        fields = ["id", "application", "application_number", "application_title", "applicant_name", "round", "order",
                  "kind", "organisation", "organisation_name", "rule", "rule_name", "rule_priority", "status",
                  "activated_at", "due_on", "overdue", "awaiting_assessment", "decision_comment", "conditions",
                  "decided_at", "resource_codes", "reviewers"]
        read_only_fields = fields

    def get_rule_name(self, step) -> str:
        return _(step.rule.name)

    def get_overdue(self, step) -> bool:
        return step.status == RouteStep.Status.ACTIVE and step.due_on is not None and step.due_on < routing.today()

    def get_awaiting_assessment(self, step) -> bool:
        return step.status == RouteStep.Status.ACTIVE and routing.assessment_awaited(step.application)

    @extend_schema_field(StepReviewerSerializer(many=True))
    def get_reviewers(self, step) -> list[dict]:
        rows = getattr(step, "reviewer_rows", None)
        users = [row.user for row in rows] if rows is not None else routing.step_reviewers(step)
        return [{"id": user.pk, "name": user.get_full_name()} for user in users]


def _steps():
    reviewer_rows = (RouteStepUserObjectPermission.objects.filter(permission__codename="decide_routestep")
                     .select_related("user").order_by("user__full_name", "user_id"))
    return (RouteStep.objects.select_related("application", "application__applicant", "organisation", "rule")
            .prefetch_related(Prefetch("routestepuserobjectpermission_set", queryset=reviewer_rows,
                                       to_attr="reviewer_rows")))


def _step(request, pk) -> RouteStep:
    return policy.get_object(request.user, _steps(), routing.VIEW_STEP, pk=pk)


class StepListView(generics.ListAPIView):
    """Steps the caller may see, the first due first."""

    serializer_class = StepSerializer
    queryset = RouteStep.objects.none()

    @extend_schema(parameters=[
        OpenApiParameter("mine", bool, description="Only steps the caller is a named reviewer of."),
        OpenApiParameter("status", str, enum=RouteStep.Status.values),
        OpenApiParameter("application", int, description="Id of one application."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RouteStep.objects.none()
        params = self.request.query_params
        rows = policy.visible(self.request.user, _steps(), routing.VIEW_STEP)
        if params.get("mine") in ("1", "true", "yes"):
            rows = rows.filter(pk__in=routing.named_step_ids(self.request.user))
        if params.get("status") in RouteStep.Status.values:
            rows = rows.filter(status=params["status"])
        application = params.get("application") or ""
        if application.isascii() and application.isdigit():
            rows = rows.filter(application_id=int(params["application"]))
        return rows.order_by(F("due_on").asc(nulls_last=True), "pk")


class StepDetailView(APIView):
    @extend_schema(responses=StepSerializer)
    def get(self, request, pk: int):
        return Response(StepSerializer(_step(request, pk)).data)


class StepReviewersInputSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.IntegerField(), allow_empty=True,
                                  help_text="Ids of the reviewers; the list replaces the reviewers named before.")


class StepAssignView(APIView):
    @extend_schema(request=StepReviewersInputSerializer, responses=StepSerializer)
    def post(self, request, pk: int):
        step = _step(request, pk)
        payload = StepReviewersInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(payload.validated_data["users"]))
        people = {user.pk: user for user in policy.visible(request.user, User.objects.filter(pk__in=ids))}
        unknown = [str(pk_) for pk_ in ids if pk_ not in people]
        if unknown:
            raise errors.ValidationFailed(field_errors={"users": [
                _("No person with id %(ids)s among the people you can see.") % {"ids": ", ".join(unknown)}]})
        routing.step_reviewers_assign(step, users=[people[pk_] for pk_ in ids], by=request.user)
        return Response(StepSerializer(_step(request, pk)).data)


class ConflictDeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConflictDeclaration
        fields = ["id", "step", "user", "statement", "declared_at"]
        read_only_fields = ["id", "step", "user", "declared_at"]


class StepDeclareView(APIView):
    @extend_schema(request=ConflictDeclarationSerializer, responses={201: ConflictDeclarationSerializer})
    def post(self, request, pk: int):
        step = _step(request, pk)
        payload = ConflictDeclarationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        declaration = routing.conflict_declare(step, user=request.user, statement=payload.validated_data["statement"])
        return Response(ConflictDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


class StepDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=RouteStep.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    field_comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict,
        help_text="Comments beside the answers: {answer name or items/recipients/documents: text}.")


class StepDecideView(APIView):
    @extend_schema(request=StepDecisionSerializer, responses=StepSerializer)
    def post(self, request, pk: int):
        step = _step(request, pk)
        payload = StepDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        routing.step_decide(step, by=request.user, **payload.validated_data)
        return Response(StepSerializer(_step(request, pk)).data)


class RouteRuleRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    priority = serializers.IntegerField()


class RouteExplanationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    current = serializers.BooleanField()
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StepKind.choices)
    kind_label = serializers.CharField()
    organisation = serializers.CharField()
    organisation_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RouteStep.Status.choices)
    status_label = serializers.CharField()
    activated_at = serializers.DateTimeField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    decision = serializers.CharField(help_text="approve, approve_with_conditions, return, refuse, or empty.")
    decision_label = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField()
    conditions = serializers.CharField()
    rule = RouteRuleRefSerializer()
    resource_codes = serializers.ListField(child=serializers.CharField())
    awaiting_assessment = serializers.BooleanField()


def _application(request, pk) -> SharingApplication:
    return policy.get_object(request.user, SharingApplication, VIEW_APPLICATION, pk=pk)


class ApplicationRouteView(APIView):
    """Every step of every round, the current round first: who decides, why, and each decision."""

    @extend_schema(responses=RouteExplanationSerializer(many=True))
    def get(self, request, pk: int):
        application = _application(request, pk)
        return Response(RouteExplanationSerializer(routing.route_explanation(application), many=True).data)


class SecurityAssessmentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="security_assessment_reference", max_length=100)
    assessed_on = serializers.DateField(source="security_assessment_date")

    class Meta:
        model = SharingApplication
        fields = ["id", "number", "cross_border", "cross_border_destination", "reference", "assessed_on"]
        read_only_fields = ["id", "number", "cross_border", "cross_border_destination"]


class ApplicationAssessmentView(APIView):
    """A health department records the security assessment of an export (SEC-9)."""

    @extend_schema(request=SecurityAssessmentSerializer, responses=SecurityAssessmentSerializer)
    def post(self, request, pk: int):
        application = _application(request, pk)
        payload = SecurityAssessmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        application = routing.security_assessment_record(
            application, reference=data["security_assessment_reference"],
            assessed_on=data["security_assessment_date"], by=request.user)
        return Response(SecurityAssessmentSerializer(application).data)


urlpatterns = [
    path("steps/", StepListView.as_view(), name="catalog-step-list"),
    path("steps/<int:pk>/", StepDetailView.as_view(), name="catalog-step-detail"),
    path("steps/<int:pk>/reviewers/", StepAssignView.as_view(), name="catalog-step-assign"),
    path("steps/<int:pk>/declaration/", StepDeclareView.as_view(), name="catalog-step-declare"),
    path("steps/<int:pk>/decision/", StepDecideView.as_view(), name="catalog-step-decide"),
    path("applications/<int:pk>/route/", ApplicationRouteView.as_view(), name="catalog-application-route"),
    path("applications/<int:pk>/security-assessment/", ApplicationAssessmentView.as_view(),
         name="catalog-application-security-assessment"),
]
