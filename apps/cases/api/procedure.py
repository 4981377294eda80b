"""The steps of a case up to the decision through the API (SUP-3): officers, responsible persons, evidence
(multipart), the investigation, the notice, the institution's defence (multipart, with the written waiver of
the rest of the period), a waiver received on paper (multipart) and the hearing. Same services as the pages."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core import errors, policy

from ..models import Hearing
from ..services import hearing as hearing_services
from ..services import notice as notice_services
from ..services import opening
from .cases import case_for, detail_response
from .serializers import (
    CaseDefenceInputSerializer,
    CaseDefenceSerializer,
    CaseDetailSerializer,
    CaseDocumentSerializer,
    CaseEvidenceInputSerializer,
    CaseHearingRecordSerializer,
    CaseHearingScheduleSerializer,
    CaseHearingSerializer,
    CaseNoticeInputSerializer,
    CaseNoticeSerializer,
    CaseOfficerAssignSerializer,
    CaseOfficerReleaseSerializer,
    CaseOfficerSerializer,
    CasePartyInputSerializer,
    CasePartySerializer,
    CaseWaiverInputSerializer,
    multipart_or_json,
    valid,
)

MULTIPART = [MultiPartParser, FormParser, JSONParser]


def _person(pk) -> User:
    user = User.objects.select_related("organisation").filter(pk=pk).first()
    if user is None:
        raise errors.ValidationFailed(field_errors={"user": [_("No person with id %(id)s.") % {"id": pk}]})
    return user


class OfficerAssignView(APIView):
    """Assign a case officer (heads of the handling department or above)."""

    @extend_schema(request=CaseOfficerAssignSerializer, responses={201: CaseOfficerSerializer})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        data = valid(CaseOfficerAssignSerializer, request)
        officer = opening.officer_assign(case=case, user=_person(data["user"]), lead=data["lead"], by=request.user)
        return Response(CaseOfficerSerializer(officer).data, status=status.HTTP_201_CREATED)


class OfficerReleaseView(APIView):
    @extend_schema(request=CaseOfficerReleaseSerializer, responses=CaseOfficerSerializer)
    def post(self, request, pk: int):
        case = case_for(request, pk)
        data = valid(CaseOfficerReleaseSerializer, request)
        officer = opening.officer_release(case=case, user=_person(data["user"]), reason=data["reason"],
                                          by=request.user)
        return Response(CaseOfficerSerializer(officer).data)


class PartyAddView(APIView):
    """Name a responsible person of the institution (officers, before the decision)."""

    @extend_schema(request=CasePartyInputSerializer, responses={201: CasePartySerializer})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        party = opening.party_add(case=case, by=request.user, **valid(CasePartyInputSerializer, request))
        return Response(CasePartySerializer(party).data, status=status.HTTP_201_CREATED)


class EvidenceAddView(APIView):
    """Add evidence files (multipart; officers, open cases)."""

    parser_classes = MULTIPART

    @extend_schema(request={"multipart/form-data": CaseEvidenceInputSerializer},
                   responses={201: CaseDocumentSerializer(many=True)})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        data = valid(CaseEvidenceInputSerializer, request)
        documents = opening.evidence_add(case=case, files=data["files"], description=data["description"],
                                         by=request.user)
        return Response(CaseDocumentSerializer(documents, many=True).data, status=status.HTTP_201_CREATED)


class InvestigationStartView(APIView):
    @extend_schema(request=None, responses=CaseDetailSerializer)
    def post(self, request, pk: int):
        case = opening.investigation_start(case=case_for(request, pk), by=request.user)
        return detail_response(request, case)


class NoticeIssueView(APIView):
    """Notify the institution of the proposed measures; the defence is due in 10 working days by default."""

    @extend_schema(request=CaseNoticeInputSerializer, responses={201: CaseNoticeSerializer})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        data = valid(CaseNoticeInputSerializer, request)
        data["proposed_measures"] = [dict(row) for row in data["proposed_measures"]]
        notice = notice_services.notice_issue(case=case, by=request.user, **data)
        return Response(CaseNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)


class DefenceSubmitView(APIView):
    """The institution's statement of defence, documents, a request to be heard, or its written waiver of the
    rest of the period (multipart); refused after the deadline."""

    parser_classes = MULTIPART

    @extend_schema(request=multipart_or_json(CaseDefenceInputSerializer),
                   responses={201: CaseDefenceSerializer})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        data = valid(CaseDefenceInputSerializer, request)
        defence = notice_services.defence_submit(case=case, by=request.user, **data)
        return Response(CaseDefenceSerializer(defence).data, status=status.HTTP_201_CREATED)


class WaiverRecordView(APIView):
    """An officer records a waiver the institution signed on paper (the signed document is required)."""

    parser_classes = MULTIPART

    @extend_schema(request={"multipart/form-data": CaseWaiverInputSerializer}, responses={201: CaseDefenceSerializer})
    def post(self, request, pk: int):
        case = case_for(request, pk)
        defence = notice_services.waiver_record(case=case, by=request.user, **valid(CaseWaiverInputSerializer, request))
        return Response(CaseDefenceSerializer(defence).data, status=status.HTTP_201_CREATED)


def _hearing(request, pk) -> Hearing:
    return policy.get_object(request.user, Hearing.objects.select_related("case", "notice"), "cases.view_hearing",
                             pk=pk)


class HearingDetailView(APIView):
    @extend_schema(responses=CaseHearingSerializer)
    def get(self, request, pk: int):
        return Response(CaseHearingSerializer(_hearing(request, pk)).data)


class HearingScheduleView(APIView):
    @extend_schema(request=CaseHearingScheduleSerializer, responses=CaseHearingSerializer)
    def post(self, request, pk: int):
        hearing = _hearing(request, pk)
        hearing = hearing_services.hearing_schedule(hearing=hearing, by=request.user,
                                                    **valid(CaseHearingScheduleSerializer, request))
        return Response(CaseHearingSerializer(hearing).data)


class HearingRecordView(APIView):
    parser_classes = MULTIPART

    @extend_schema(request=multipart_or_json(CaseHearingRecordSerializer),
                   responses=CaseHearingSerializer)
    def post(self, request, pk: int):
        hearing = _hearing(request, pk)
        hearing = hearing_services.hearing_record(hearing=hearing, by=request.user,
                                                  **valid(CaseHearingRecordSerializer, request))
        return Response(CaseHearingSerializer(hearing).data)


class HearingWithdrawView(APIView):
    """The institution withdraws its request to be heard."""

    @extend_schema(request=None, responses=CaseHearingSerializer)
    def post(self, request, pk: int):
        hearing = hearing_services.hearing_withdraw(hearing=_hearing(request, pk), by=request.user)
        return Response(CaseHearingSerializer(hearing).data)


urlpatterns = [
    path("cases/<int:pk>/officers/", OfficerAssignView.as_view(), name="cases-case-officers"),
    path("cases/<int:pk>/officers/release/", OfficerReleaseView.as_view(), name="cases-case-officer-release"),
    path("cases/<int:pk>/parties/", PartyAddView.as_view(), name="cases-case-parties"),
    path("cases/<int:pk>/evidence/", EvidenceAddView.as_view(), name="cases-case-evidence"),
    path("cases/<int:pk>/investigation/", InvestigationStartView.as_view(), name="cases-case-investigation"),
    path("cases/<int:pk>/notice/", NoticeIssueView.as_view(), name="cases-case-notice"),
    path("cases/<int:pk>/defence/", DefenceSubmitView.as_view(), name="cases-case-defence"),
    path("cases/<int:pk>/waiver/", WaiverRecordView.as_view(), name="cases-case-waiver"),
    path("hearings/<int:pk>/", HearingDetailView.as_view(), name="cases-hearing-detail"),
    path("hearings/<int:pk>/schedule/", HearingScheduleView.as_view(), name="cases-hearing-schedule"),
    path("hearings/<int:pk>/record/", HearingRecordView.as_view(), name="cases-hearing-record"),
    path("hearings/<int:pk>/withdraw/", HearingWithdrawView.as_view(), name="cases-hearing-withdraw"),
]
