"""Cases through the API (SUP-3, SUP-4): the same services and selectors as the pages, scoped the same way.

/cases/ lists what the caller may read with the filters of the list page (`?mine=1`: the caller's open cases,
the next deadline first); POST opens a case (JSON, or multipart with evidence files). /cases/<id>/ gives the
case with what the caller may read of it, its timeline, the defence period and the steps open to the caller.
/documents/<id>/ downloads a document of a case (recorded)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy
from apps.core.files import file_response
from apps.institutions.models import Institution

from .. import selectors
from ..ladder import ARTICLES, Measure, Severity
from ..models import Case, CaseDocument, CaseMeasure, CaseOfficer, Decision
from ..services import documents as document_services
from ..services import notice as notice_services
from ..services import opening
from ..views.listing import case_rows
from .serializers import (
    CaseAppealSerializer,
    CaseDecisionSerializer,
    CaseDefencePeriodSerializer,
    CaseDefenceSerializer,
    CaseDetailSerializer,
    CaseDocumentSerializer,
    CaseHearingSerializer,
    CaseNoticeSerializer,
    CaseOfficerSerializer,
    CaseOpenSerializer,
    CasePartySerializer,
    CaseSerializer,
    CaseTimelineEntrySerializer,
)

MULTIPART = [JSONParser, MultiPartParser, FormParser]


def case_for(request, pk) -> Case:
    return selectors.case_get(request.user, pk)


def is_department_user(user) -> bool:
    return bool(getattr(user, "is_regulator", False) or user.is_superuser)


def case_detail_data(user, case: Case) -> dict:
    """The case as CaseDetailSerializer describes it, with what `user` may read of it: each related list through
    the policy layer (the institution: no officers, only its kinds of documents, no department-only timeline
    entries, no link to the department's source record)."""
    case = selectors.case_get(user, case.pk)
    department = is_department_user(user)
    measures = CaseMeasure.objects.select_related("rectification").prefetch_related("parties").order_by("pk")
    officers = (policy.visible(user, CaseOfficer.objects.filter(case=case), "cases.view_caseofficer")
                .select_related("user").order_by("-is_lead", "assigned_at")) if department else []
    notice = case.notices.filter(is_current=True).first()
    period = notice_services.defence_period_state(case) if notice is not None else None
    timeline = selectors.case_timeline(case)
    if not department:
        timeline = [entry for entry in timeline if not entry.get("department_only")]
    return {
        **CaseSerializer(case).data,
        "facts": case.facts, "source_url": case.source_url if department else "", "closing_note": case.closing_note,
        "officers": CaseOfficerSerializer(officers, many=True).data,
        "parties": CasePartySerializer(case.parties.order_by("pk"), many=True).data,
        "documents": CaseDocumentSerializer(policy.visible(user, CaseDocument.objects.filter(case=case),
                                                       "cases.view_casedocument").order_by("uploaded_at", "pk"),
                                        many=True).data,
        "notices": CaseNoticeSerializer(case.notices.order_by("round"), many=True).data,
        "defences": CaseDefenceSerializer(case.defences.order_by("submitted_at", "pk"), many=True).data,
        "hearings": CaseHearingSerializer(case.hearings.order_by("requested_at"), many=True).data,
        "decisions": CaseDecisionSerializer(
            policy.visible(user, Decision.objects.filter(case=case), "cases.view_decision")
            .prefetch_related(Prefetch("measures", queryset=measures)).order_by("decided_at", "pk"), many=True).data,
        "appeals": CaseAppealSerializer(case.appeals.select_related("case", "case__institution", "decision",
                                                                "reviewing_department").order_by("lodged_at"),
                                    many=True).data,
        "defence_period": CaseDefencePeriodSerializer(period).data if period is not None else None,
        "timeline": CaseTimelineEntrySerializer(timeline, many=True).data,
        "actions": selectors.case_actions(user, case),
    }


def detail_response(request, case, code=status.HTTP_200_OK) -> Response:
    return Response(case_detail_data(request.user, case), status=code)


class CaseListView(generics.ListCreateAPIView):
    """GET: the cases the caller may read, newest first (`?mine=1`: the caller's open cases by next deadline).
    POST: open a case against an institution of the caller's jurisdiction."""

    serializer_class = CaseSerializer
    queryset = Case.objects.none()
    parser_classes = MULTIPART

    @extend_schema(parameters=[
        OpenApiParameter("mine", bool, description="Only the open cases the caller is an assigned officer of, the "
                                                   "next deadline first."),
        OpenApiParameter("status", str, enum=[*Case.Status.values, "open"]),
        OpenApiParameter("source", str, enum=Case.Source.values),
        OpenApiParameter("measure", str, enum=Measure.values, description="A measure of the decision in force."),
        OpenApiParameter("severity", str, enum=Severity.values),
        OpenApiParameter("article", str, enum=list(ARTICLES)),
        OpenApiParameter("region", str, description="Region-code prefix of the institution, e.g. 3501."),
        OpenApiParameter("year", int, description="Year the case was opened."),
        OpenApiParameter("month", int, description="Month the case was opened (with year)."),
        OpenApiParameter("q", str, description="Case number or part of the institution's name."),
        OpenApiParameter("overdue", bool, description="Open cases whose next deadline has passed."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        params = self.request.query_params
        if params.get("mine") in ("1", "true", "yes"):
            return selectors.work_list(self.request.user).select_related("institution", "department")
        return case_rows(self.request.user, params)

    @extend_schema(request={"application/json": CaseOpenSerializer, "multipart/form-data": CaseOpenSerializer},
                   responses={201: CaseDetailSerializer})
    def post(self, request, *args, **kwargs):
        payload = CaseOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        institution = (policy.visible(request.user, Institution.objects.select_related("organisation", "region"),
                                      "institutions.view_institution").filter(pk=data.pop("institution")).first())
        if institution is None:
            raise errors.ValidationFailed(field_errors={"institution": [
                _("No institution in your jurisdiction has this id.")]})
        case = opening.case_open(institution=institution, by=request.user, **data)
        return detail_response(request, case, status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, pk: int):
        return detail_response(request, case_for(request, pk))


class DocumentDownloadView(APIView):
    """A document of a case, if the caller may read it; the download is recorded (SUP-5)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        document = document_services.document_get(request.user, pk)
        return file_response(document.file, filename=document.original_name, content_type=document.content_type,
                             audit_request=request, audit_object=document)


urlpatterns = [
    path("cases/", CaseListView.as_view(), name="cases-case-list"),
    path("cases/<int:pk>/", CaseDetailView.as_view(), name="cases-case-detail"),
    path("documents/<int:pk>/", DocumentDownloadView.as_view(), name="cases-document-download"),
]
