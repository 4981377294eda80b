"""Checklists under /api/v1/inspections/ (SUP-1, SUP-2): read by every signed-in user with the permission;
templates, drafts, items and publication through services/checklists.py (the keeping department or one above
it; a published or retired version never changes)."""

from django.db.models import Prefetch
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import policy

from ..models import ChecklistItem, ChecklistTemplate, ChecklistVersion, Severity
from ..services import checklists as services

VIEW_TEMPLATE = "inspections.view_checklisttemplate"
VIEW_VERSION = "inspections.view_checklistversion"
VIEW_ITEM = "inspections.view_checklistitem"


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "code", "section", "section_en", "text", "text_en", "requirement_ids", "article",
                  "standard_reference", "evidence_expected", "evidence_expected_en", "severity"]
        read_only_fields = fields


class ChecklistVersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistVersion
        fields = ["id", "number", "status", "notes", "published_at"]
        read_only_fields = fields


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True, default=None)
    versions = ChecklistVersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "name_en", "description", "owner", "owner_name", "versions"]
        read_only_fields = fields


class ChecklistVersionSerializer(serializers.ModelSerializer):
    template_code = serializers.CharField(source="template.code", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistVersion
        fields = ["id", "template", "template_code", "template_name", "number", "status", "notes", "published_at",
                  "items"]
        read_only_fields = fields


class ChecklistTemplateInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ChecklistItemInputSerializer(serializers.Serializer):
    """All fields to add an item; any of them to change one."""

    code = serializers.CharField(max_length=20, required=False)
    section = serializers.CharField(max_length=100, required=False)
    section_en = serializers.CharField(max_length=150, required=False, allow_blank=True)
    text = serializers.CharField(required=False)
    text_en = serializers.CharField(required=False, allow_blank=True)
    requirement_ids = serializers.ListField(child=serializers.CharField(max_length=12), required=False)
    article = serializers.CharField(max_length=60, required=False, allow_blank=True)
    standard_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    evidence_expected = serializers.CharField(required=False)
    evidence_expected_en = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class ChecklistReorderSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(), help_text="Every item id, in the new order.")


class ChecklistPublishSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text="What changed (required).")


def _version_response(version, code=status.HTTP_200_OK) -> Response:
    version = ChecklistVersion.objects.select_related("template").prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "pk"))).get(pk=version.pk)
    return Response(ChecklistVersionSerializer(version).data, status=code)


def _version(request, pk) -> ChecklistVersion:
    return policy.get_object(request.user, ChecklistVersion, VIEW_VERSION, pk=pk)


class ChecklistListView(generics.ListAPIView):
    """GET: every checklist template with its versions. POST: a new template kept by the caller's department,
    with an empty draft version 1 (returned)."""

    serializer_class = ChecklistTemplateSerializer
    queryset = ChecklistTemplate.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChecklistTemplate.objects.none()
        policy.require(self.request.user, VIEW_TEMPLATE)
        return (policy.visible(self.request.user, ChecklistTemplate.objects.select_related("owner"), VIEW_TEMPLATE)
                .prefetch_related(Prefetch("versions", queryset=ChecklistVersion.objects.order_by("-number")))
                .order_by("code"))

    @extend_schema(request=ChecklistTemplateInputSerializer, responses={201: ChecklistVersionSerializer})
    def post(self, request):
        payload = ChecklistTemplateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.checklist_template_create(**payload.validated_data, by=request.user)
        return _version_response(version, status.HTTP_201_CREATED)


class ChecklistVersionView(APIView):
    @extend_schema(responses=ChecklistVersionSerializer)
    def get(self, request, pk: int):
        """A version with its items in order."""
        return _version_response(_version(request, pk))


class ChecklistDraftView(APIView):
    @extend_schema(request=None, responses={201: ChecklistVersionSerializer})
    def post(self, request, pk: int):
        """A new draft of template `pk`: a copy of its published items (one draft at a time)."""
        template = policy.get_object(request.user, ChecklistTemplate, VIEW_TEMPLATE, pk=pk)
        return _version_response(services.checklist_version_draft_create(template=template, by=request.user),
                                 status.HTTP_201_CREATED)


class ChecklistItemsView(APIView):
    @extend_schema(request=ChecklistItemInputSerializer, responses={201: ChecklistItemSerializer})
    def post(self, request, pk: int):
        """Append an item to a draft version."""
        version = _version(request, pk)
        payload = ChecklistItemInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        item = services.checklist_item_add(version=version, data=payload.validated_data, by=request.user)
        return Response(ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ChecklistItemView(APIView):
    def _item(self, request, pk) -> ChecklistItem:
        return policy.get_object(request.user, ChecklistItem.objects.select_related("version"), VIEW_ITEM, pk=pk)

    @extend_schema(responses=ChecklistItemSerializer)
    def get(self, request, pk: int):
        return Response(ChecklistItemSerializer(self._item(request, pk)).data)

    @extend_schema(request=ChecklistItemInputSerializer, responses=ChecklistItemSerializer)
    def patch(self, request, pk: int):
        """Change an item of a draft version."""
        item = self._item(request, pk)
        payload = ChecklistItemInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        item = services.checklist_item_update(item=item, data=payload.validated_data, by=request.user)
        return Response(ChecklistItemSerializer(item).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Remove an item from a draft version."""
        services.checklist_item_remove(item=self._item(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChecklistReorderView(APIView):
    @extend_schema(request=ChecklistReorderSerializer, responses=ChecklistVersionSerializer)
    def post(self, request, pk: int):
        """Put a draft's items in a new order."""
        version = _version(request, pk)
        payload = ChecklistReorderSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.checklist_items_reorder(version=version, order=payload.validated_data["order"], by=request.user)
        return _version_response(version)


class ChecklistPublishView(APIView):
    @extend_schema(request=ChecklistPublishSerializer, responses=ChecklistVersionSerializer)
    def post(self, request, pk: int):
        """Publish a draft (the previous published version is retired)."""
        version = _version(request, pk)
        payload = ChecklistPublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.checklist_version_publish(version=version, notes=payload.validated_data["notes"], by=request.user)
        return _version_response(version)


urlpatterns = [
    path("checklists/", ChecklistListView.as_view(), name="inspections-checklist-list"),
    path("checklists/<int:pk>/draft/", ChecklistDraftView.as_view(), name="inspections-checklist-draft"),
    path("checklists/versions/<int:pk>/", ChecklistVersionView.as_view(), name="inspections-checklist-version"),
    path("checklists/versions/<int:pk>/items/", ChecklistItemsView.as_view(), name="inspections-checklist-items"),
    path("checklists/versions/<int:pk>/reorder/", ChecklistReorderView.as_view(),
         name="inspections-checklist-reorder"),
    path("checklists/versions/<int:pk>/publish/", ChecklistPublishView.as_view(),
         name="inspections-checklist-publish"),
    path("checklists/items/<int:pk>/", ChecklistItemView.as_view(), name="inspections-checklist-item"),
]
