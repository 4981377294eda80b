"""The department's inspection dashboard through the API (SUP-1, SUP-2, SUP-4): the same figures as the page."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..models import Inspection, Severity


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class SeverityCountSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class ArticleCountSerializer(serializers.Serializer):
    article = serializers.CharField()
    count = serializers.IntegerField()


class RequirementCountSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    count = serializers.IntegerField()


class OrderFiguresSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    awaiting_verification = serializers.IntegerField()
    overdue = serializers.IntegerField()
    level_1 = serializers.IntegerField()
    level_2 = serializers.IntegerField()
    level_3 = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    by_status = StatusCountSerializer(many=True)
    by_severity = SeverityCountSerializer(many=True)
    by_article = ArticleCountSerializer(many=True)
    by_requirement = RequirementCountSerializer(many=True)
    orders = OrderFiguresSerializer()
    inspections_total = serializers.IntegerField()
    findings_total = serializers.IntegerField()


class DashboardView(APIView):
    """Inspections by status, findings by severity, article and requirement, orders open and overdue."""

    @extend_schema(responses=DashboardSerializer)
    def get(self, request):
        return Response(DashboardSerializer(selectors.dashboard_figures(request.user)).data)


urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="inspections-dashboard"),
]
