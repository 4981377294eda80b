"""Serializers of the case API (SUP-3). Output serializers describe the records; input serializers check only
the shape of a request (types, lengths, lists): whether a measure is on the ladder, a deadline has passed or
the caller may act is decided by the services, whose refusals come back in the one error body."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..ladder import ARTICLES, LADDER
from ..models import (
    Appeal,
    Case,
    CaseDocument,
    CaseMeasure,
    CaseOfficer,
    CaseParty,
    Decision,
    Defence,
    Hearing,
    Notice,
)

FILES_HELP = "PDF, PNG or JPEG files (checked by content), at most 10 MB each, at most 10."
ARTICLES_HELP = "Codes of the articles violated, from " + ", ".join(ARTICLES) + "."
MEASURE_HELP = "A measure of the Article 40 ladder: " + ", ".join(LADDER) + "."
# What a letter verification checks (a code or an uploaded file), as the inspection and case verification
# endpoints take it: named once in SPECTACULAR ENUM_NAME_OVERRIDES, as "source" also names Case.Source.
VERIFICATION_SOURCES = ["code", "file"]


def valid(serializer_class, request) -> dict:
    """The request's data checked by `serializer_class` (shape only), else the one 400 error body."""
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


def multipart_or_json(serializer_class) -> dict:
    """The request bodies of an endpoint that takes files (multipart) or none (JSON)."""
    return {"multipart/form-data": serializer_class, "application/json": serializer_class}


def _files(**kwargs):
    kwargs.setdefault("required", False)
    kwargs.setdefault("default", list)
    kwargs.setdefault("help_text", FILES_HELP)
    return serializers.ListField(child=serializers.FileField(), **kwargs)


def _text(**kwargs):
    kwargs.setdefault("allow_blank", True)
    return serializers.CharField(**kwargs)


# --- output --------------------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    next_deadline = serializers.DateField(read_only=True, default=None,
                                          help_text="The next deadline of an open case (work list only).")

    class Meta:
        model = Case
        fields = ["id", "number", "title", "status", "source", "source_reference", "severity", "articles",
                  "suspected_illegal", "institution", "institution_name", "department", "department_name", "region",
                  "opened_at", "investigation_started_at", "notified_at", "decided_at", "closed_at", "next_deadline"]
        read_only_fields = fields


class CaseOfficerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = CaseOfficer
        fields = ["id", "user", "name", "is_lead", "is_active", "assigned_by", "assigned_at", "released_at"]
        read_only_fields = fields


class CasePartySerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseParty
        fields = ["id", "name", "position", "responsibility", "added_at"]
        read_only_fields = fields


class CaseDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseDocument
        fields = ["id", "kind", "description", "original_name", "content_type", "size", "sha256", "uploaded_at",
                  "defence", "appeal", "download_url"]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        return reverse("api:cases-document-download", args=[document.pk])


class CaseProposedMeasureSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text=MEASURE_HELP)
    details = serializers.CharField(required=False, allow_blank=True, default="")


class CaseNoticeSerializer(serializers.ModelSerializer):
    proposed_measures = CaseProposedMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "round", "facts", "articles", "severity", "proposed_measures", "defence_deadline",
                  "issued_at", "is_current"]
        read_only_fields = fields


class CaseDefenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Defence
        fields = ["id", "notice", "kind", "statement", "hearing_requested", "waives_period", "recorded_on_paper",
                  "submitted_at"]
        read_only_fields = fields


class CaseHearingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ["id", "case", "notice", "status", "requested_at", "scheduled_for", "place", "held_at", "minutes"]
        read_only_fields = fields


class CaseMeasureSerializer(serializers.ModelSerializer):
    party_ids = serializers.PrimaryKeyRelatedField(source="parties", many=True, read_only=True)
    rectification = serializers.SerializerMethodField()

    class Meta:
        model = CaseMeasure
        fields = ["id", "decision", "kind", "details", "deadline", "party_ids", "competent_body", "is_proposal",
                  "judicial_organ", "execution", "executed_at", "execution_note", "rectification"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_rectification(self, measure) -> int | None:
        rectification = getattr(measure, "rectification", None) if measure.kind == "rectification" else None
        return rectification.pk if rectification is not None else None


class CaseDecisionSerializer(serializers.ModelSerializer):
    measures = CaseMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "number", "status", "severity", "articles", "facts", "reasoning", "defence_answer",
                  "disclosed", "public_summary", "disclose_persons", "decided_at", "appeal_until",
                  "verification_code", "letter_status", "measures"]
        read_only_fields = fields


class CaseAppealSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    institution_name = serializers.CharField(source="case.institution.name", read_only=True)
    decision_number = serializers.CharField(source="decision.number", read_only=True)
    reviewing_department_name = serializers.CharField(source="reviewing_department.name", read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "case", "case_number", "institution_name", "decision", "decision_number",
                  "reviewing_department", "reviewing_department_name", "grounds", "status", "lodged_at",
                  "outcome_reasons", "decided_at"]
        read_only_fields = fields


class CaseTimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    actor = serializers.CharField(allow_blank=True)
    detail = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class CaseDefencePeriodSerializer(serializers.Serializer):
    deadline = serializers.DateField(allow_null=True)
    passed = serializers.BooleanField()
    waived = serializers.BooleanField()
    hearing_pending = serializers.BooleanField()
    may_decide = serializers.BooleanField()
    blocking_reason = serializers.CharField(allow_blank=True)


class CaseActionsSerializer(serializers.Serializer):
    """What the caller may do on the case now (the services check again on every request)."""

    assign = serializers.BooleanField()
    investigate = serializers.BooleanField()
    add_party = serializers.BooleanField()
    add_evidence = serializers.BooleanField()
    notify = serializers.BooleanField()
    defend = serializers.BooleanField()
    record_waiver = serializers.BooleanField()
    decide = serializers.BooleanField()
    drop = serializers.BooleanField()
    execute = serializers.BooleanField()
    close = serializers.BooleanField()
    appeal = serializers.BooleanField()
    review = serializers.BooleanField()


class CaseDetailSerializer(CaseSerializer):
    """A case with what the caller may read of it (the institution: no officers, no department-only entries)."""

    facts = serializers.CharField(read_only=True)
    source_url = serializers.CharField(read_only=True)
    closing_note = serializers.CharField(read_only=True)
    officers = CaseOfficerSerializer(many=True, read_only=True)
    parties = CasePartySerializer(many=True, read_only=True)
    documents = CaseDocumentSerializer(many=True, read_only=True)
    notices = CaseNoticeSerializer(many=True, read_only=True)
    defences = CaseDefenceSerializer(many=True, read_only=True)
    hearings = CaseHearingSerializer(many=True, read_only=True)
    decisions = CaseDecisionSerializer(many=True, read_only=True)
    appeals = CaseAppealSerializer(many=True, read_only=True)
    defence_period = CaseDefencePeriodSerializer(read_only=True, allow_null=True)
    timeline = CaseTimelineEntrySerializer(many=True, read_only=True)
    actions = CaseActionsSerializer(read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "facts", "source_url", "closing_note", "officers", "parties",
                  "documents", "notices", "defences", "hearings", "decisions", "appeals", "defence_period",
                  "timeline", "actions"]
        read_only_fields = fields


# --- input ---------------------------------------------------------------------------------------------------


class CasePartyInputSerializer(serializers.Serializer):
    name = _text(max_length=100)
    position = _text(max_length=200)
    responsibility = _text(required=False, default="")


class CaseOpenSerializer(serializers.Serializer):
    institution = serializers.IntegerField(help_text="The institution's id (its organisation id), in the caller's "
                                                     "jurisdiction.")
    source = serializers.CharField(help_text="finding, incident, complaint or initiative.")
    title = _text(max_length=200)
    facts = _text()
    articles = serializers.ListField(child=serializers.CharField(), help_text=ARTICLES_HELP)
    severity = serializers.CharField(help_text="minor, serious or grave.")
    suspected_illegal = serializers.BooleanField(required=False, default=False)
    source_reference = _text(required=False, default="", max_length=200)
    source_url = _text(required=False, default="", max_length=300)
    parties = CasePartyInputSerializer(
        many=True, required=False, default=list,
        help_text="Responsible persons; in a multipart request as parties[0]name, parties[0]position, ...")
    files = _files()


class CaseOfficerAssignSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="An active case officer or head of a department covering the "
                                              "institution.")
    lead = serializers.BooleanField(required=False, default=False)


class CaseOfficerReleaseSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    reason = _text()


class CaseEvidenceInputSerializer(serializers.Serializer):
    files = _files()
    description = _text(required=False, default="", max_length=300)


class CaseNoticeInputSerializer(serializers.Serializer):
    facts = _text()
    articles = serializers.ListField(child=serializers.CharField(), help_text=ARTICLES_HELP)
    severity = serializers.CharField(help_text="minor, serious or grave.")
    proposed_measures = CaseProposedMeasureSerializer(many=True)
    defence_deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                             help_text="Default: 10 working days from today; at least 5.")


class CaseDefenceInputSerializer(serializers.Serializer):
    statement = _text(required=False, default="")
    hearing_requested = serializers.BooleanField(required=False, default=False)
    waives_period = serializers.BooleanField(
        required=False, default=False,
        help_text="The institution declares its defence complete: the department may decide before the deadline.")
    files = _files()


class CaseWaiverInputSerializer(serializers.Serializer):
    files = _files(help_text="The signed written waiver (required by the service).")
    note = _text(required=False, default="")


class CaseHearingScheduleSerializer(serializers.Serializer):
    scheduled_for = serializers.DateTimeField()
    place = _text(max_length=200)


class CaseHearingRecordSerializer(serializers.Serializer):
    held = serializers.BooleanField(help_text="false: the institution did not attend.")
    minutes = _text(required=False, default="")
    files = _files()


class CaseMeasureInputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=MEASURE_HELP)
    details = _text(required=False, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="rectification: the deadline, after today.")
    party_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                      help_text="disciplinary: responsible persons of the case.")
    competent_body = _text(required=False, default="", max_length=200)
    is_proposal = serializers.BooleanField(required=False, default=False)
    judicial_organ = _text(required=False, default="", max_length=200, help_text="judicial: the organ.")


class CaseDecideInputSerializer(serializers.Serializer):
    measures = CaseMeasureInputSerializer(many=True)
    facts = _text()
    reasoning = _text()
    severity = serializers.CharField(help_text="minor, serious or grave.")
    articles = serializers.ListField(child=serializers.CharField(), help_text=ARTICLES_HELP)
    defence_answer = _text(required=False, default="")
    disclosed = serializers.BooleanField(required=False, default=False)
    public_summary = _text(required=False, default="")
    disclose_persons = serializers.BooleanField(required=False, default=False)


class CaseReasonInputSerializer(serializers.Serializer):
    reason = _text()


class CaseExecuteInputSerializer(serializers.Serializer):
    note = _text()
    files = _files()


class CaseCloseInputSerializer(serializers.Serializer):
    note = _text(required=False, default="")


class CaseAppealInputSerializer(serializers.Serializer):
    grounds = _text()
    files = _files()


class CaseAppealDecideSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="upheld, quashed or remitted (set aside and sent back).")
    reasons = _text()
