"""Inspections through the API (SUP-1, SUP-2): the same services as the pages, scoped the same way.

/inspections/ lists what the caller may read (`?mine=1`: those it is on the team of); an inspection can be
started, its items recorded one at a time (PATCH), evidence uploaded (multipart) and removed, findings
recorded, changed, withdrawn and referred, and the inspection closed, cancelled or followed up."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core import errors
from apps.core.files import file_response

from .. import selectors
from ..models import (
    Evidence,
    Finding,
    Inspection,
    InspectionReport,
    ItemResult,
    RectificationOrder,
    Severity,
    TeamMember,
)
from ..services import inspections as services
from ..services import referral

# --- serializers -------------------------------------------------------------------------------------------


class InspectionSerializer(serializers.ModelSerializer):
    plan_number = serializers.CharField(source="plan.number", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    answered = serializers.IntegerField(read_only=True, default=None)
    total_items = serializers.IntegerField(read_only=True, default=None)
    next_deadline = serializers.DateField(read_only=True, default=None)

    class Meta:
        model = Inspection
        fields = ["id", "number", "plan", "plan_number", "selection", "follows", "institution", "institution_name",
                  "region", "checklist", "status", "scheduled_on", "started_at", "closed_at", "outcome", "summary",
                  "cancel_reason", "answered", "total_items", "next_deadline"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["user", "name", "role"]
        read_only_fields = fields


class ItemResultSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = ItemResult
        fields = ["item", "item_code", "result", "notes", "recorded_by", "recorded_at"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "item", "finding", "original_name", "content_type", "size", "sha256", "caption",
                  "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    inspection_number = serializers.CharField(source="inspection.number", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "inspection", "inspection_number", "number", "item", "carried_from", "severity", "title",
                  "description", "requirement_ids", "article", "status", "confirmed_at", "withdrawn_reason",
                  "referred_at", "referred_by", "referral_note", "created_by", "created_at"]
        read_only_fields = fields


class OrderBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationOrder
        fields = ["id", "number", "finding", "deadline", "status", "escalation_level"]
        read_only_fields = fields


class ReportBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionReport
        fields = ["id", "status", "verification_code", "sha256", "issued_at", "rendered_at"]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    team = TeamMemberSerializer(many=True, read_only=True)
    results = ItemResultSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    orders = OrderBriefSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    report = serializers.SerializerMethodField()

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "team", "results", "findings", "orders", "evidence", "report"]
        read_only_fields = fields

    @extend_schema_field(ReportBriefSerializer(allow_null=True))
    def get_report(self, inspection) -> dict | None:
        try:
            return ReportBriefSerializer(inspection.report).data
        except InspectionReport.DoesNotExist:
            return None


class ItemResultInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ItemResult.Result.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class EvidenceInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, PNG or JPEG (checked by content), at most 10 MB.")
    item = serializers.IntegerField(required=False, allow_null=True, default=None)
    finding = serializers.IntegerField(required=False, allow_null=True, default=None)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class FindingInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="A failed checklist item: requirements, article and severity are "
                                              "taken from it unless given.")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_null=True, default=None)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    requirement_ids = serializers.CharField(required=False, allow_blank=True, default="")
    article = serializers.CharField(required=False, allow_blank=True, default="")


class FindingUpdateSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    title = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    requirement_ids = serializers.CharField(required=False, allow_blank=True)
    article = serializers.CharField(required=False, allow_blank=True)


class InspectionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ReferralSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="Grounds for referring the finding.")


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Inspection.Outcome.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    deadlines = serializers.DictField(child=serializers.DateField(), required=False, default=dict,
                                      help_text="{finding id: deadline}; a finding left out gets 10, 20 or 30 "
                                                "working days by severity.")


class FollowUpSerializer(serializers.Serializer):
    team = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    lead = serializers.IntegerField()
    scheduled_on = serializers.DateField(required=False, allow_null=True, default=None)


# --- helpers -----------------------------------------------------------------------------------------------


def _inspection(request, pk) -> Inspection:
    found = (Inspection.objects.select_related("institution", "plan")
             .filter(pk=pk, pk__in=services.inspections_visible(request.user).values("pk")).first())
    if found is None:
        raise errors.NotFound()
    return found


def _detail(inspection_pk) -> Inspection:
    return (Inspection.objects.select_related("institution", "plan").prefetch_related(
        Prefetch("team", queryset=TeamMember.objects.select_related("user")),
        Prefetch("results", queryset=ItemResult.objects.select_related("item").order_by("item__position")),
        Prefetch("findings", queryset=Finding.objects.select_related("inspection").order_by("number")),
        Prefetch("orders", queryset=RectificationOrder.objects.order_by("deadline", "pk")),
        Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        .get(pk=inspection_pk))


def _detail_response(inspection_pk, code=status.HTTP_200_OK) -> Response:
    return Response(InspectionDetailSerializer(_detail(inspection_pk)).data, status=code)


def _finding(request, pk) -> Finding:
    found = (Finding.objects.select_related("inspection")
             .filter(pk=pk, inspection__in=services.inspections_visible(request.user).values("pk")).first())
    if found is None:
        raise errors.NotFound()
    return found


# --- views -------------------------------------------------------------------------------------------------


class InspectionListView(generics.ListAPIView):
    """Inspections the caller may read, with progress; `?mine=1` for the caller's work list."""

    serializer_class = InspectionSerializer
    queryset = Inspection.objects.none()

    @extend_schema(parameters=[
        OpenApiParameter("mine", bool, description="Only inspections the caller is on the team of (open first)."),
        OpenApiParameter("status", str, enum=[*Inspection.Status.values, "open"]),
        OpenApiParameter("outcome", str, enum=Inspection.Outcome.values),
        OpenApiParameter("plan", int),
        OpenApiParameter("q", str, description="Part of the institution's name or of the number."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Inspection.objects.none()
        params = self.request.query_params
        if params.get("mine") in ("1", "true", "yes"):
            return selectors.my_inspections(self.request.user, params)
        return selectors.inspection_rows(self.request.user, params)


class InspectionDetailView(APIView):
    @extend_schema(responses=InspectionDetailSerializer)
    def get(self, request, pk: int):
        return _detail_response(_inspection(request, pk).pk)


class InspectionStartView(APIView):
    @extend_schema(request=None, responses=InspectionDetailSerializer)
    def post(self, request, pk: int):
        inspection = services.inspection_start(inspection=_inspection(request, pk), by=request.user)
        return _detail_response(inspection.pk)


class ItemResultView(APIView):
    """PATCH: record or change the result of one checklist item (the others are untouched)."""

    @extend_schema(request=ItemResultInputSerializer, responses=ItemResultSerializer)
    def patch(self, request, pk: int, item_pk: int):
        inspection = _inspection(request, pk)
        payload = ItemResultInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = services.item_result_record(inspection=inspection, item=item_pk, by=request.user,
                                          **payload.validated_data)
        return Response(ItemResultSerializer(ItemResult.objects.select_related("item").get(pk=row.pk)).data)


class EvidenceListView(APIView):
    """GET: the inspection's evidence. POST (multipart): add a PDF, PNG or JPEG of at most 10 MB."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=EvidenceSerializer(many=True))
    def get(self, request, pk: int):
        inspection = _inspection(request, pk)
        return Response(EvidenceSerializer(inspection.evidence.order_by("pk"), many=True).data)

    @extend_schema(request=EvidenceInputSerializer, responses={201: EvidenceSerializer})
    def post(self, request, pk: int):
        inspection = _inspection(request, pk)
        payload = EvidenceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        evidence = services.evidence_add(inspection=inspection, upload=data["file"], item=data["item"],
                                         finding=data["finding"], caption=data["caption"], by=request.user)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetailView(APIView):
    """GET: download (recorded); DELETE: remove while the inspection is open (team only)."""

    def _evidence(self, request, pk, evidence_pk) -> Evidence:
        inspection = _inspection(request, pk)
        evidence = Evidence.objects.filter(pk=evidence_pk, inspection=inspection).first()
        if evidence is None:
            raise errors.NotFound()
        return evidence

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, evidence_pk: int):
        evidence = self._evidence(request, pk, evidence_pk)
        return file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type,
                             audit_request=request, audit_object=evidence)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, evidence_pk: int):
        services.evidence_remove(evidence=self._evidence(request, pk, evidence_pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FindingListView(APIView):
    """GET: the inspection's findings. POST: a finding from a failed item (`item`) or free-standing."""

    @extend_schema(responses=FindingSerializer(many=True))
    def get(self, request, pk: int):
        inspection = _inspection(request, pk)
        return Response(FindingSerializer(inspection.findings.select_related("inspection").order_by("number"),
                                          many=True).data)

    @extend_schema(request=FindingInputSerializer, responses={201: FindingSerializer})
    def post(self, request, pk: int):
        inspection = _inspection(request, pk)
        payload = FindingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        finding = services.finding_add(inspection=inspection, by=request.user, **payload.validated_data)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class FindingDetailView(APIView):
    @extend_schema(responses=FindingSerializer)
    def get(self, request, pk: int):
        return Response(FindingSerializer(_finding(request, pk)).data)

    @extend_schema(request=FindingUpdateSerializer, responses=FindingSerializer)
    def patch(self, request, pk: int):
        finding = _finding(request, pk)
        payload = FindingUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        finding = services.finding_update(finding=finding, by=request.user, **payload.validated_data)
        return Response(FindingSerializer(finding).data)


class FindingWithdrawView(APIView):
    @extend_schema(request=InspectionReasonSerializer, responses=FindingSerializer)
    def post(self, request, pk: int):
        finding = _finding(request, pk)
        payload = InspectionReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        finding = services.finding_withdraw(finding=finding, reason=payload.validated_data["reason"],
                                            by=request.user)
        return Response(FindingSerializer(finding).data)


class FindingReferralView(APIView):
    """Refer a confirmed or resolved finding to an accountability case (the grounds are required)."""

    @extend_schema(request=ReferralSerializer, responses=FindingSerializer)
    def post(self, request, pk: int):
        finding = _finding(request, pk)
        payload = ReferralSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        finding = referral.finding_refer(finding=finding, note=payload.validated_data["note"], by=request.user)
        return Response(FindingSerializer(finding).data)


class InspectionCloseView(APIView):
    @extend_schema(request=CloseSerializer, responses=InspectionDetailSerializer)
    def post(self, request, pk: int):
        inspection = _inspection(request, pk)
        payload = CloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.inspection_close(inspection=inspection, by=request.user, **payload.validated_data)
        return _detail_response(inspection.pk)


class InspectionCancelView(APIView):
    @extend_schema(request=InspectionReasonSerializer, responses=InspectionDetailSerializer)
    def post(self, request, pk: int):
        inspection = _inspection(request, pk)
        payload = InspectionReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.inspection_cancel(inspection=inspection, reason=payload.validated_data["reason"], by=request.user)
        return _detail_response(inspection.pk)


class InspectionFollowUpView(APIView):
    """Plan a follow-up visit of a closed inspection; its unaccepted findings are carried over."""

    @extend_schema(request=FollowUpSerializer, responses={201: InspectionDetailSerializer})
    def post(self, request, pk: int):
        inspection = _inspection(request, pk)
        payload = FollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ids = list(dict.fromkeys([*data["team"], data["lead"]]))
        people = {user.pk: user for user in User.objects.filter(pk__in=ids).select_related("organisation")}
        unknown = [str(pk_) for pk_ in ids if pk_ not in people]
        if unknown:
            raise errors.ValidationFailed(field_errors={"team": [
                _("No person with id %(ids)s.") % {"ids": ", ".join(unknown)}]})
        follow_up = services.inspection_follow_up_create(
            inspection=inspection, by=request.user, team=[people[pk_] for pk_ in data["team"]],
            lead=people[data["lead"]], scheduled_on=data["scheduled_on"])
        return _detail_response(follow_up.pk, status.HTTP_201_CREATED)


urlpatterns = [
    path("inspections/", InspectionListView.as_view(), name="inspections-inspection-list"),
    path("inspections/<int:pk>/", InspectionDetailView.as_view(), name="inspections-inspection-detail"),
    path("inspections/<int:pk>/start/", InspectionStartView.as_view(), name="inspections-inspection-start"),
    path("inspections/<int:pk>/results/<int:item_pk>/", ItemResultView.as_view(),
         name="inspections-inspection-result"),
    path("inspections/<int:pk>/evidence/", EvidenceListView.as_view(), name="inspections-inspection-evidence"),
    path("inspections/<int:pk>/evidence/<int:evidence_pk>/", EvidenceDetailView.as_view(),
         name="inspections-evidence-detail"),
    path("inspections/<int:pk>/findings/", FindingListView.as_view(), name="inspections-inspection-findings"),
    path("inspections/<int:pk>/close/", InspectionCloseView.as_view(), name="inspections-inspection-close"),
    path("inspections/<int:pk>/cancel/", InspectionCancelView.as_view(), name="inspections-inspection-cancel"),
    path("inspections/<int:pk>/follow-up/", InspectionFollowUpView.as_view(),
         name="inspections-inspection-follow-up"),
    path("findings/<int:pk>/", FindingDetailView.as_view(), name="inspections-finding-detail"),
    path("findings/<int:pk>/withdraw/", FindingWithdrawView.as_view(), name="inspections-finding-withdraw"),
    path("findings/<int:pk>/referral/", FindingReferralView.as_view(), name="inspections-finding-referral"),
]
