"""Serializers of the catalog endpoints (SVC-1, SEC-1, SVC-3, SVC-4).

Input serializers only shape the request (standards by code, the storage province by its GB/T 2260 code);
the services decide. Output names responsible persons only for those the policy lets see them (the
provider and the departments covering the resource); everyone else gets the positions."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    DataCategory,
    DataField,
    DataResource,
    LifecycleStage,
    OpenForm,
    ResourceVersion,
    SharingType,
    StageResponsibility,
    UpdateFrequency,
)
from ..services.resources import REVIEW_DECISIONS

# Named choice sets (config/settings/base.py ENUM_NAME_OVERRIDES) so the schema has one enum per set.
REVIEW_DECISION_CHOICES = [(value, value) for value in REVIEW_DECISIONS]


class ProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataField
        fields = ["name", "name_en", "element_code", "description", "level", "personal"]
        read_only_fields = fields


class ResponsibilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = StageResponsibility
        fields = ["stage", "person_name", "position", "phone"]
        read_only_fields = fields


class ResponsibilityPositionSerializer(serializers.ModelSerializer):
    """What other institutions see of a responsibility: the position, never the person (SVC-3)."""

    class Meta:
        model = StageResponsibility
        fields = ["stage", "position"]
        read_only_fields = fields


class CatalogEntrySerializer(serializers.ModelSerializer):
    """One search result: a published version of an active resource."""

    resource = serializers.IntegerField(source="resource_id", read_only=True)
    code = serializers.CharField(source="resource.code", read_only=True)
    provider = ProviderSerializer(source="resource.provider", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ResourceVersion
        fields = ["id", "resource", "code", "number", "title", "title_en", "category", "level",
                  "has_personal_information", "sharing_type", "open_form", "update_frequency", "provider",
                  "published_at", "url"]
        read_only_fields = fields

    def get_url(self, version) -> str:
        return reverse("api:catalog-resource-detail", args=[version.resource_id])


class ReviewQueueSerializer(CatalogEntrySerializer):
    due_on = serializers.DateField(read_only=True)

    class Meta(CatalogEntrySerializer.Meta):
        fields = ["id", "resource", "code", "number", "title", "title_en", "category", "level", "status",
                  "provider", "submitted_at", "due_on", "url"]
        read_only_fields = fields

    def get_url(self, version) -> str:
        return reverse("api:catalog-version-detail", args=[version.pk])


class VersionSerializer(serializers.ModelSerializer):
    """A version with its fields, responsibilities (names only when `names_visible` is in the context)
    and standards by code."""

    resource = serializers.IntegerField(source="resource_id", read_only=True)
    code = serializers.CharField(source="resource.code", read_only=True)
    storage_province = serializers.CharField(source="storage_province_id", read_only=True)
    fields = FieldSerializer(many=True, read_only=True)
    responsibilities = serializers.SerializerMethodField()
    standards = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.get_full_name", read_only=True, default=None)

    class Meta:
        model = ResourceVersion
        fields = ["id", "resource", "code", "number", "status", "title", "title_en", "description",
                  "description_en", "keywords", "category", "sharing_type", "open_form", "update_frequency",
                  "data_format", "volume", "coverage_start", "coverage_end", "storage_province",
                  "storage_description", "level", "has_personal_information", "change_summary", "fields",
                  "responsibilities", "standards", "created_at", "submitted_at", "reviewed_by", "reviewed_at",
                  "review_comment", "published_at"]
        read_only_fields = fields

    @extend_schema_field(ResponsibilitySerializer(many=True))
    def get_responsibilities(self, version):
        rows = sorted(version.responsibilities.all(), key=lambda row: LifecycleStage.values.index(row.stage))
        if self.context.get("names_visible"):
            return ResponsibilitySerializer(rows, many=True).data
        return ResponsibilityPositionSerializer(rows, many=True).data


class VersionSummarySerializer(serializers.ModelSerializer):
    reviewed_by = serializers.CharField(source="reviewed_by.get_full_name", read_only=True, default=None)

    class Meta:
        model = ResourceVersion
        fields = ["id", "number", "status", "title", "level", "created_at", "submitted_at", "reviewed_by",
                  "reviewed_at", "review_comment", "published_at", "change_summary"]
        read_only_fields = fields


class OpenVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(ResourceVersion.Status.choices, read_only=True)


class ResourceSerializer(serializers.ModelSerializer):
    """A resource with its published version; `open_version` for its provider and departments only."""

    provider = ProviderSerializer(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    published_version = serializers.SerializerMethodField()
    open_version = serializers.SerializerMethodField()

    class Meta:
        model = DataResource
        fields = ["id", "code", "status", "provider", "region", "created_at", "retired_at", "retired_reason",
                  "published_version", "open_version"]
        read_only_fields = fields

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_published_version(self, resource):
        version = self.context.get("published")
        return VersionSerializer(version, context=self.context).data if version is not None else None

    @extend_schema_field(OpenVersionSerializer(allow_null=True))
    def get_open_version(self, resource):
        version = self.context.get("open_version")
        return OpenVersionSerializer(version).data if version is not None else None


class MyResourceSerializer(serializers.ModelSerializer):
    """A provider's resource as `selectors.resources_of` annotates it."""

    published_version = VersionSummarySerializer(read_only=True, allow_null=True)
    open_version = serializers.SerializerMethodField()

    class Meta:
        model = DataResource
        fields = ["id", "code", "status", "created_at", "retired_at", "published_version", "open_version"]
        read_only_fields = fields

    @extend_schema_field(OpenVersionSerializer(allow_null=True))
    def get_open_version(self, resource):
        if not getattr(resource, "open_version_id", None):
            return None
        return {"id": resource.open_version_id, "number": resource.open_version_number,
                "status": resource.open_version_status}


# --- input --------------------------------------------------------------------------------------------


class FieldInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    name_en = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    element_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    level = serializers.IntegerField(min_value=1, max_value=5)
    personal = serializers.BooleanField(required=False, default=False)


class ResponsibilityInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(LifecycleStage.choices)
    person_name = serializers.CharField(max_length=100)
    position = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class VersionInputSerializer(serializers.Serializer):
    """A version's metadata; for an update only what is sent changes. `fields`, `responsibilities` and
    `standards` (codes), when sent, replace the current ones as a whole."""

    title = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=250, required=False, allow_blank=True)
    description = serializers.CharField()
    description_en = serializers.CharField(required=False, allow_blank=True)
    keywords = serializers.CharField(max_length=300, required=False, allow_blank=True)
    category = serializers.ChoiceField(DataCategory.choices)
    sharing_type = serializers.ChoiceField(SharingType.choices)
    open_form = serializers.ChoiceField(OpenForm.choices)
    update_frequency = serializers.ChoiceField(UpdateFrequency.choices)
    data_format = serializers.CharField(max_length=100)
    volume = serializers.CharField(max_length=100)
    coverage_start = serializers.DateField()
    coverage_end = serializers.DateField(required=False, allow_null=True)
    storage_province = serializers.CharField(max_length=6, help_text="GB/T 2260 code of a province-level region "
                                                                     "of mainland China, e.g. 350000 (SEC-9).")
    storage_description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    change_summary = serializers.CharField(required=False, allow_blank=True)
    fields = FieldInputSerializer(many=True, required=False)
    responsibilities = ResponsibilityInputSerializer(many=True, required=False)
    standards = serializers.ListField(child=serializers.CharField(max_length=40), required=False)

    PARTS = ("fields", "responsibilities", "standards")

    def service_data(self) -> dict:
        return {key: value for key, value in self.validated_data.items() if key not in self.PARTS}

    def part(self, name):
        value = self.validated_data.get(name)
        return [dict(row) for row in value] if value is not None and name != "standards" else value


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(REVIEW_DECISION_CHOICES)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RetireInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
