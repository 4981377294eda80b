"""Serializers of the registry and proposal endpoints (STD-1, STD-2, STD-8).

Input serializers only shape the request (codes instead of ids, as API clients know standards by code);
the services decide. Output for the public never carries a proposer's or commenter's e-mail address."""

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import FrameworkCategory, Standard, StandardProposal, normalise_code
from ..services.registry import REGISTRABLE_STATUSES

# Named choice sets (config/settings/base.py ENUM_NAME_OVERRIDES) so the schema has one enum per set.
REGISTRABLE_STATUS_CHOICES = [(s, Standard.Status(s).label) for s in REGISTRABLE_STATUSES]
PROPOSAL_DECISION_CHOICES = [("accept", "accept"), ("reject", "reject")]


class StandardCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = FrameworkCategory
        fields = ["code", "name", "name_en"]


class StandardSerializer(serializers.ModelSerializer):
    category = StandardCategorySerializer(read_only=True)
    supersedes = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responsible_department = serializers.CharField(source="responsible_department.name", read_only=True,
                                                   default=None)
    text_url = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Standard
        fields = ["id", "code", "series", "title", "title_en", "nature", "level", "category", "status",
                  "published_on", "in_force_on", "abolished_on", "supersedes", "responsible_department",
                  "scope_note", "comment_opens_on", "comment_closes_on", "text_url", "public_url", "created_at"]
        read_only_fields = fields

    def get_text_url(self, standard: Standard) -> str | None:
        return reverse("standards:text", args=[standard.pk]) if standard.text else None

    def get_public_url(self, standard: Standard) -> str:
        return reverse("standards:public_detail", args=[standard.pk])


def _category(code: str | None) -> FrameworkCategory | None:
    if not code:
        return None
    found = FrameworkCategory.objects.filter(code=code.strip()).first()
    if found is None:
        raise serializers.ValidationError(_("No framework category has the code %(code)s.") % {"code": code.strip()})
    return found


def _standard(code: str | None) -> Standard | None:
    if not code:
        return None
    found = Standard.objects.filter(code=normalise_code(code)).first()
    if found is None:
        raise serializers.ValidationError(_("No standard with the code %(code)s is registered.")
                                          % {"code": normalise_code(code)})
    return found


class StandardInputSerializer(serializers.Serializer):
    """Registry data; `category` by framework code (`02.01`), `supersedes` by standard code."""

    code = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=300)
    title_en = serializers.CharField(max_length=400, required=False, allow_blank=True)
    nature = serializers.ChoiceField(Standard.Nature.choices, required=False, allow_blank=True)
    level = serializers.ChoiceField(Standard.Level.choices, required=False, allow_blank=True)
    category = serializers.CharField(max_length=16)
    responsible_department = serializers.IntegerField(required=False, allow_null=True)
    scope_note = serializers.CharField(required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    in_force_on = serializers.DateField(required=False, allow_null=True)
    abolished_on = serializers.DateField(required=False, allow_null=True)
    supersedes = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    allow_other_series = serializers.BooleanField(required=False, default=False)
    status = serializers.ChoiceField(REGISTRABLE_STATUS_CHOICES, required=False, default=Standard.Status.PROJECT)

    def validate_category(self, value):
        return _category(value)

    def validate_supersedes(self, value):
        return _standard(value)

    def service_data(self) -> dict:
        """What the service takes; on a partial update only the keys the client sent."""
        data = dict(self.validated_data)
        data.pop("status", None)
        if self.partial and "allow_other_series" not in self.initial_data:
            data.pop("allow_other_series", None)
        return data


class TextUploadSerializer(serializers.Serializer):
    text = serializers.FileField()


class ProposalInputSerializer(serializers.Serializer):
    """A proposal from anyone; `target` (revisions) by standard code, `category` by framework code."""

    kind = serializers.ChoiceField(StandardProposal.Kind.choices)
    target = serializers.CharField(max_length=40, required=False, allow_blank=True)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    category = serializers.CharField(max_length=16, required=False, allow_blank=True)
    reason = serializers.CharField()
    content = serializers.CharField(required=False, allow_blank=True)
    proposer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    proposer_organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    proposer_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_category(self, value):
        return _category(value)


class ProposalReceiptSerializer(serializers.ModelSerializer):
    """What the proposer gets back: the number to quote."""

    class Meta:
        model = StandardProposal
        fields = ["number", "kind", "title", "status", "submitted_at"]
        read_only_fields = fields


class ProposalSerializer(serializers.ModelSerializer):
    """The officers' view of a proposal (with the proposer's contact)."""

    target = serializers.SlugRelatedField(slug_field="code", read_only=True)
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = StandardProposal
        fields = ["id", "number", "kind", "target", "title", "category", "reason", "content", "proposer_name",
                  "proposer_organisation", "proposer_email", "submitted_at", "status", "decided_at",
                  "decision_reason", "project"]
        read_only_fields = fields


class ProposalDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(PROPOSAL_DECISION_CHOICES)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    category = serializers.CharField(max_length=16, required=False, allow_blank=True)

    def validate_category(self, value):
        return _category(value)

    def project_data(self) -> dict:
        return {key: self.validated_data.get(key) for key in ("code", "title", "category")
                if self.validated_data.get(key) not in (None, "")}
