"""The decision and after through the API (SUP-3, SUP-5): the head's decision with its measures, closing a
case without measures, the execution of a measure (multipart) and closing the case. The decision letter has
its own endpoints (`decisions/<id>/letter/`)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import policy

from ..models import CaseMeasure, Decision
from ..services import decisions as decision_services
from .cases import case_for, detail_response
from .serializers import (
    CaseCloseInputSerializer,
    CaseDecideInputSerializer,
    CaseDecisionSerializer,
    CaseDetailSerializer,
    CaseExecuteInputSerializer,
    CaseMeasureSerializer,
    CaseReasonInputSerializer,
    multipart_or_json,
    valid,
)


class DecideView(APIView):
    """The head's decision; refused while the defence period runs (unless waived in writing) or a requested
    hearing is pending, and for a measure not on the ladder or above the severity."""

    @extend_schema(request=CaseDecideInputSerializer, responses={201: CaseDecisionSerializer})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        data = valid(CaseDecideInputSerializer, request)
        data["measures"] = [dict(row) for row in data["measures"]]
        decision = decision_services.case_decide(case=case, by=request.user, **data)
        decision = Decision.objects.prefetch_related("measures__parties", "measures__rectification").get(pk=decision.pk)
        return Response(CaseDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class DropView(APIView):
    """Close the case without measures (no violation established)."""

    @extend_schema(request=CaseReasonInputSerializer, responses=CaseDetailSerializer)
    def post(self, request, pk: int):
        case = case_for(request, pk)
        case = decision_services.case_drop(case=case, reason=valid(CaseReasonInputSerializer, request)["reason"],
                                           by=request.user)
        return detail_response(request, case)


class MeasureExecuteView(APIView):
    """Record the execution of a measure (multipart, with optional files)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=multipart_or_json(CaseExecuteInputSerializer),
                   responses=CaseMeasureSerializer)
    def post(self, request, pk: int):
        measure = policy.get_object(request.user, CaseMeasure.objects.select_related("case", "decision"),
                                    "cases.view_casemeasure", pk=pk)
        measure = decision_services.measure_execute(measure=measure, by=request.user,
                                                    **valid(CaseExecuteInputSerializer, request))
        return Response(CaseMeasureSerializer(measure).data)


class CloseView(APIView):
    @extend_schema(request=CaseCloseInputSerializer, responses=CaseDetailSerializer)
    def post(self, request, pk: int):
        case = case_for(request, pk)
        case = decision_services.case_close(case=case, note=valid(CaseCloseInputSerializer, request)["note"],
                                            by=request.user)
        return detail_response(request, case)


urlpatterns = [
    path("cases/<int:pk>/decision/", DecideView.as_view(), name="cases-case-decide"),
    path("cases/<int:pk>/drop/", DropView.as_view(), name="cases-case-drop"),
    path("cases/<int:pk>/close/", CloseView.as_view(), name="cases-case-close"),
    path("measures/<int:pk>/execute/", MeasureExecuteView.as_view(), name="cases-measure-execute"),
]
