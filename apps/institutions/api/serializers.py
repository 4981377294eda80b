"""Shapes of the registry and admission endpoints. Validation of content is the services' job."""

from django.urls import reverse
from rest_framework import serializers

from ..models import AdmissionApplication, Document, Institution
from ..services.registry import PROFILE_FIELDS

SUMMARY_FIELDS = ["id", "name", "name_en", "credit_code", "type", "hospital_grade", "ownership", "region",
                  "status", "credit_score", "credit_grade"]


class InstitutionSummarySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Institution
        fields = SUMMARY_FIELDS
        read_only_fields = fields


class InstitutionSerializer(InstitutionSummarySerializer):
    region_name = serializers.CharField(source="region.full_name", read_only=True)

    class Meta:
        model = Institution
        fields = ["id", *PROFILE_FIELDS, "region_name", "status", "status_changed_at",
                  "admitted_at", "readmission_allowed_from", "credit_score", "credit_grade", "created_at"]
        read_only_fields = fields


def _profile_fields() -> dict:
    fields = {}
    for name in PROFILE_FIELDS:
        model_field = Institution._meta.get_field(name)
        fields[name] = serializers.CharField(required=False, allow_blank=True,
                                             max_length=getattr(model_field, "max_length", None) or 18,
                                             help_text=str(model_field.verbose_name))
    return fields


ProfileInputSerializer = type("ProfileInputSerializer", (serializers.Serializer,), _profile_fields())


class DocumentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at", "application",
                  "download"]
        read_only_fields = fields

    def get_download(self, document) -> str:
        return reverse("api:institutions-document-download", args=[document.pk])


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[c for c in Document.Kind.choices if c[0] != Document.Kind.DECISION])
    file = serializers.FileField()


class AdmissionApplicationSerializer(serializers.ModelSerializer):
    institution = InstitutionSummarySerializer(read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = AdmissionApplication
        fields = ["id", "number", "institution", "purpose", "status", "submitted_at", "due_on", "decided_at",
                  "review_comment", "resubmissions", "documents"]
        read_only_fields = fields


class AdmissionDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "return", "refuse"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


_DOCUMENT_INPUTS = {f"document_{kind}": serializers.FileField(required=False)
                    for kind in ("licence", "security", "appointment", "other")}

ApplicationInputSerializer = type("ApplicationInputSerializer", (serializers.Serializer,), {
    "purpose": serializers.CharField(required=False, allow_blank=True),
    **_DOCUMENT_INPUTS,
})

RegistrationSerializer = type("RegistrationSerializer", (serializers.Serializer,), {
    **_profile_fields(),
    "purpose": serializers.CharField(required=False, allow_blank=True, default=""),
    "username": serializers.CharField(max_length=150),
    "full_name": serializers.CharField(max_length=100),
    "identity_number": serializers.CharField(max_length=18, required=False, allow_blank=True, default=""),
    "email": serializers.EmailField(),
    "mobile": serializers.CharField(max_length=20, required=False, allow_blank=True, default=""),
    "password": serializers.CharField(write_only=True),
    **_DOCUMENT_INPUTS,
})


def documents_from(data: dict) -> dict:
    return {name.removeprefix("document_"): value for name, value in data.items()
            if name.startswith("document_") and value}
