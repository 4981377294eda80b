"""The department's case statistics through the API (SUP-3, SUP-4): the same figures as the page, each row
with the url of the case list filtered to exactly the cases it counts."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..ladder import Measure
from ..views.dashboard import chosen_year, figures_with_links


class CaseMeasureCountSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=Measure.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    url = serializers.CharField(help_text="The case list page with the same filters.")


class CaseArticleCountSerializer(serializers.Serializer):
    article = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    url = serializers.CharField()


class CaseRegionCountSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="Region-code prefix one level below the jurisdiction.")
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    url = serializers.CharField()


class CaseMonthCountSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    label = serializers.CharField()
    opened = serializers.IntegerField()
    decided = serializers.IntegerField(help_text="Decisions in force taken in the month.")
    opened_url = serializers.CharField()
    decided_url = serializers.CharField()


class CaseTotalsSerializer(serializers.Serializer):
    opened = serializers.IntegerField()
    open = serializers.IntegerField()
    dropped = serializers.IntegerField()
    decisions = serializers.IntegerField()
    appeals = serializers.IntegerField()


class CaseStatisticsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    by_measure = CaseMeasureCountSerializer(many=True)
    by_article = CaseArticleCountSerializer(many=True)
    by_region = CaseRegionCountSerializer(many=True)
    by_month = CaseMonthCountSerializer(many=True)
    totals = CaseTotalsSerializer()


class StatisticsView(APIView):
    """Cases of the caller's jurisdiction for a year by measure, article, region and month (departments)."""

    @extend_schema(parameters=[OpenApiParameter("year", int, description="Default: this year.")],
                   responses=CaseStatisticsSerializer)
    def get(self, request):
        figures = selectors.statistics(request.user, year=chosen_year(request.query_params))
        return Response(CaseStatisticsSerializer(figures_with_links(figures)).data)


urlpatterns = [
    path("statistics/", StatisticsView.as_view(), name="cases-statistics"),
]
