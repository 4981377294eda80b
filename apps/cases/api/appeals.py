"""Appeals through the API (SUP-3, SUP-4): the institution lodges one (multipart, within the appeal period);
heads of the reviewing department list the appeals lodged with them and decide them."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from .. import selectors
from ..models import Appeal, Case
from ..services import appeals as appeal_services
from .cases import case_for
from .serializers import (
    CaseAppealDecideSerializer,
    CaseAppealInputSerializer,
    CaseAppealSerializer,
    multipart_or_json,
    valid,
)

RELATED = ("case", "case__institution", "decision", "reviewing_department")


def _appeal(request, pk) -> Appeal:
    return policy.get_object(request.user, Appeal.objects.select_related(*RELATED), "cases.view_appeal", pk=pk)


class AppealLodgeView(APIView):
    """Only the institution the decision is addressed to may appeal, until the date the decision states."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=multipart_or_json(CaseAppealInputSerializer),
                   responses={201: CaseAppealSerializer})
    def post(self, request, pk: int):
        try:
            case = case_for(request, pk)
        except errors.NotFound:
            # A reader of the disclosed decision (another institution, say) is refused by the service with its
            # message (403); anyone else gets 404 from the service, as from the case page.
            case = Case.objects.filter(pk=pk).first()
            if case is None:
                raise
        data = valid(CaseAppealInputSerializer, request)
        appeal = appeal_services.appeal_lodge(case=case, by=request.user, **data)
        return Response(CaseAppealSerializer(Appeal.objects.select_related(*RELATED).get(pk=appeal.pk)).data,
                        status=status.HTTP_201_CREATED)


class AppealListView(generics.ListAPIView):
    """Lodged appeals the caller's department reviews, the oldest first."""

    serializer_class = CaseAppealSerializer
    queryset = Appeal.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appeal.objects.none()
        return selectors.appeals_to_review(self.request.user).select_related(*RELATED)


class AppealDetailView(APIView):
    @extend_schema(responses=CaseAppealSerializer)
    def get(self, request, pk: int):
        return Response(CaseAppealSerializer(_appeal(request, pk)).data)


class AppealDecideView(APIView):
    """Uphold, quash, or set aside and send back (heads of the reviewing department), with reasons."""

    @extend_schema(request=CaseAppealDecideSerializer, responses=CaseAppealSerializer)
    def post(self, request, pk: int):
        appeal = _appeal(request, pk)
        data = valid(CaseAppealDecideSerializer, request)
        appeal = appeal_services.appeal_decide(appeal=appeal, by=request.user, **data)
        return Response(CaseAppealSerializer(Appeal.objects.select_related(*RELATED).get(pk=appeal.pk)).data)


urlpatterns = [
    path("cases/<int:pk>/appeal/", AppealLodgeView.as_view(), name="cases-case-appeal"),
    path("appeals/", AppealListView.as_view(), name="cases-appeal-list"),
    path("appeals/<int:pk>/", AppealDetailView.as_view(), name="cases-appeal-detail"),
    path("appeals/<int:pk>/decision/", AppealDecideView.as_view(), name="cases-appeal-decide"),
]
