"""The approval route table through the API (SVC-2): read by everyone signed in; created, changed and taken
out of use by the national department with a reason (services/rules.py)."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import policy

from ..models import RouteRule, StepKind
from ..services import rules as rule_services


class RouteRuleSerializer(serializers.ModelSerializer):
    steps = serializers.ListField(child=serializers.ChoiceField(choices=StepKind.choices))
    name_display = serializers.SerializerMethodField()
    refusal_reason_display = serializers.SerializerMethodField()

    class Meta:
        model = RouteRule
        fields = ["id", "priority", "name", "name_display", "min_level", "max_level", "category", "open_form",
                  "sharing_type", "jurisdictions", "steps", "refuse", "refusal_reason", "refusal_reason_display",
                  "is_active", "updated_at"]
        read_only_fields = fields

    def get_name_display(self, rule) -> str:
        return _(rule.name)

    def get_refusal_reason_display(self, rule) -> str:
        return _(rule.refusal_reason) if rule.refusal_reason else ""


class RouteRuleInputSerializer(serializers.Serializer):
    """Any of the rule's fields (all of them to create one) and the reason for the change."""

    priority = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False, allow_blank=True)
    min_level = serializers.IntegerField(required=False)
    max_level = serializers.IntegerField(required=False)
    category = serializers.CharField(required=False, allow_blank=True)
    open_form = serializers.CharField(required=False, allow_blank=True)
    sharing_type = serializers.CharField(required=False, allow_blank=True)
    jurisdictions = serializers.CharField(required=False)
    steps = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=True)
    refuse = serializers.BooleanField(required=False)
    refusal_reason = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="Why the table changes (required); kept in the rule's history.")

    def rule_data(self) -> dict:
        return {key: value for key, value in self.validated_data.items() if key != "reason"}


class RouteRuleDeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="Why the rule is taken out of use (required).")


class RuleListView(generics.ListAPIView):
    """The whole table in the order rules are tried (rules out of use included)."""

    serializer_class = RouteRuleSerializer
    queryset = RouteRule.objects.none()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RouteRule.objects.none()
        return policy.visible(self.request.user, RouteRule).order_by("priority")

    @extend_schema(request=RouteRuleInputSerializer, responses={201: RouteRuleSerializer})
    def post(self, request):
        payload = RouteRuleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rule = rule_services.rule_save(None, data=payload.rule_data(), reason=payload.validated_data["reason"],
                                       by=request.user)
        return Response(RouteRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


def _rule(request, pk) -> RouteRule:
    return policy.get_object(request.user, RouteRule, pk=pk)


class RuleDetailView(APIView):
    @extend_schema(responses=RouteRuleSerializer)
    def get(self, request, pk: int):
        return Response(RouteRuleSerializer(_rule(request, pk)).data)

    @extend_schema(request=RouteRuleInputSerializer, responses=RouteRuleSerializer)
    def patch(self, request, pk: int):
        rule = _rule(request, pk)
        payload = RouteRuleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rule = rule_services.rule_save(rule, data=payload.rule_data(), reason=payload.validated_data["reason"],
                                       by=request.user)
        return Response(RouteRuleSerializer(rule).data)


class RuleDeactivateView(APIView):
    @extend_schema(request=RouteRuleDeactivateSerializer, responses=RouteRuleSerializer)
    def post(self, request, pk: int):
        rule = _rule(request, pk)
        payload = RouteRuleDeactivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rule = rule_services.rule_deactivate(rule, reason=payload.validated_data["reason"], by=request.user)
        return Response(RouteRuleSerializer(rule).data)


urlpatterns = [
    path("rules/", RuleListView.as_view(), name="catalog-rule-list"),
    path("rules/<int:pk>/", RuleDetailView.as_view(), name="catalog-rule-detail"),
    path("rules/<int:pk>/deactivate/", RuleDeactivateView.as_view(), name="catalog-rule-deactivate"),
]
