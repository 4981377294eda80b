"""Catalog endpoints under /api/v1/catalog/resources/ (SVC-1, SEC-1, SVC-3, SVC-4, SVC-5).

- `resources/`: search the published catalog (the same selector and filters as the page); POST registers
  a resource with its first draft version (provider).
- `resources/mine/`: the provider's resources; `resources/review/`: entries awaiting the department.
- `resources/<pk>/`: a resource with its published version (and, for its provider and departments, the
  version in preparation); `versions/`, `new-version/`, `retire/`.
- `resources/versions/<pk>/`: one version (provider and departments); PATCH a draft; `submit/`,
  `withdraw/`, `review/`.

Access is decided by apps.core.policy through the selectors and services: what a caller may not see is 404,
what it sees but may not do is 403."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from .. import selectors
from ..models import DataCategory, DataResource, OpenForm, ResourceVersion, SharingType
from ..services import resources as services
from ..workflows import REGISTER, REVIEW
from .resource_serializers import (
    CatalogEntrySerializer,
    MyResourceSerializer,
    ResourceSerializer,
    RetireInputSerializer,
    ReviewInputSerializer,
    ReviewQueueSerializer,
    VersionInputSerializer,
    VersionSerializer,
    VersionSummarySerializer,
)

SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Words that must all occur in the title, description, keywords, "
                                           "field names or code"),
    OpenApiParameter("category", str, enum=DataCategory.values),
    OpenApiParameter("level", int, description="Exact sensitivity level (1-5)"),
    OpenApiParameter("min_level", int, description="Lowest sensitivity level (1-5)"),
    OpenApiParameter("sharing_type", str, enum=SharingType.values),
    OpenApiParameter("open_form", str, enum=OpenForm.values),
    OpenApiParameter("provider", int, description="Provider organisation id"),
    OpenApiParameter("region", str, description="GB/T 2260 region code or code prefix of the provider"),
    OpenApiParameter("standard", str, description="Code of a standard the entry follows"),
]


def _version_rows():
    return (ResourceVersion.objects.select_related("resource__provider", "reviewed_by", "storage_province")
            .prefetch_related("fields", "responsibilities", "standards"))


def _version(request, pk: int) -> ResourceVersion:
    return policy.get_object(request.user, _version_rows(), selectors.VIEW_VERSION, pk=pk)


def _version_data(request, version) -> dict:
    if not getattr(version, "_prefetched_objects_cache", None):  # fresh from a service: read it back whole
        version = _version_rows().get(pk=version.pk)
    return VersionSerializer(version, context={
        "names_visible": selectors.responsibilities_visible(request.user, version)}).data


class CatalogSearchView(generics.ListAPIView):
    """The published catalog, newest publication first (no COUNT); POST registers a resource."""

    serializer_class = CatalogEntrySerializer
    queryset = ResourceVersion.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ResourceVersion.objects.none()
        policy.require(self.request.user, selectors.VIEW_VERSION)
        return selectors.catalog_search(self.request.user, self.request.query_params)

    @extend_schema(parameters=SEARCH_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=VersionInputSerializer, responses={201: ResourceSerializer})
    def post(self, request):
        """Register a resource of the caller's institution; its first version is a draft."""
        if request.user.organisation_id is None:
            raise errors.PermissionDenied()
        payload = VersionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        resource = services.resource_register(
            provider=request.user.organisation, data=payload.service_data(), fields=payload.part("fields") or [],
            responsibilities=payload.part("responsibilities"), standards=payload.part("standards"),
            by=request.user)
        return Response(_resource_data(request, resource, in_scope=True), status=status.HTTP_201_CREATED)


def _resource_data(request, resource: DataResource, *, in_scope: bool) -> dict:
    published = _version_rows().filter(pk=resource.published_version_id).first()
    open_version = (resource.versions.filter(status__in=services.OPEN_STATUSES).first() if in_scope else None)
    names_visible = published is not None and selectors.responsibilities_visible(request.user, published)
    return ResourceSerializer(resource, context={"published": published, "open_version": open_version,
                                                 "names_visible": names_visible}).data


class MyResourcesView(generics.ListAPIView):
    """The caller's institution's resources, with the published and the open version."""

    serializer_class = MyResourceSerializer
    queryset = DataResource.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataResource.objects.none()
        user = self.request.user
        policy.require(user, selectors.VIEW_RESOURCE)
        if user.organisation_id is None:
            return DataResource.objects.none()
        return policy.visible(user, selectors.resources_of(user.organisation), selectors.VIEW_RESOURCE)


class ReviewQueueView(generics.ListAPIView):
    """Entries awaiting review in the department's jurisdiction, oldest first, with the due date."""

    serializer_class = ReviewQueueSerializer
    queryset = ResourceVersion.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ResourceVersion.objects.none()
        policy.require(self.request.user, REVIEW)
        return selectors.versions_for_review(self.request.user)

    def paginate_queryset(self, queryset):
        rows = super().paginate_queryset(queryset)
        for version in rows or []:
            version.due_on = services.review_due_on(version)
        return rows


class ResourceDetailView(APIView):
    @extend_schema(responses=ResourceSerializer)
    def get(self, request, pk: int):
        resource, in_scope = selectors.resource_for(request.user, pk)
        return Response(_resource_data(request, resource, in_scope=in_scope))


class ResourceVersionsView(generics.ListAPIView):
    """Every version of a resource (its provider and the departments covering it)."""

    serializer_class = VersionSummarySerializer
    queryset = ResourceVersion.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ResourceVersion.objects.none()
        resource = policy.get_object(self.request.user, DataResource, selectors.VIEW_RESOURCE, pk=self.kwargs["pk"])
        return resource.versions.select_related("reviewed_by").order_by("-number")


class ResourceNewVersionView(APIView):
    @extend_schema(request=None, responses={201: VersionSerializer})
    def post(self, request, pk: int):
        """Open the next version as a draft copied from the published one."""
        resource = policy.get_object(request.user, DataResource, selectors.VIEW_RESOURCE, pk=pk)
        version = services.version_new(resource, by=request.user)
        return Response(_version_data(request, version), status=status.HTTP_201_CREATED)


class ResourceRetireView(APIView):
    @extend_schema(request=RetireInputSerializer, responses=ResourceSerializer)
    def post(self, request, pk: int):
        """Take the resource out of the catalog (its provider or a department covering it)."""
        resource = policy.get_object(request.user, DataResource, selectors.VIEW_RESOURCE, pk=pk)
        payload = RetireInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        resource = services.resource_retire(resource, reason=payload.validated_data["reason"], by=request.user)
        return Response(_resource_data(request, resource, in_scope=True))


class VersionDetailView(APIView):
    @extend_schema(responses=VersionSerializer)
    def get(self, request, pk: int):
        return Response(_version_data(request, _version(request, pk)))

    @extend_schema(request=VersionInputSerializer, responses=VersionSerializer)
    def patch(self, request, pk: int):
        """Change a draft or returned version; only what is sent changes."""
        version = _version(request, pk)
        policy.require(request.user, REGISTER, version.resource)
        payload = VersionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        version = services.version_update(
            version, data=payload.service_data(), fields=payload.part("fields"),
            responsibilities=payload.part("responsibilities"), standards=payload.part("standards"), by=request.user)
        return Response(_version_data(request, version))


class VersionSubmitView(APIView):
    @extend_schema(request=None, responses=VersionSerializer)
    def post(self, request, pk: int):
        """Send the version to the department for review (it must be complete)."""
        version = services.version_submit(_version(request, pk), by=request.user)
        return Response(_version_data(request, version))


class VersionWithdrawView(APIView):
    @extend_schema(request=None, responses=VersionSerializer)
    def post(self, request, pk: int):
        version = services.version_withdraw(_version(request, pk), by=request.user)
        return Response(_version_data(request, version))


class VersionReviewView(APIView):
    @extend_schema(request=ReviewInputSerializer, responses=VersionSerializer)
    def post(self, request, pk: int):
        """Approve (publish) or return with comments; a department covering the resource only."""
        version = _version(request, pk)
        payload = ReviewInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.version_review(version, decision=payload.validated_data["decision"],
                                          comment=payload.validated_data["comment"], by=request.user)
        return Response(_version_data(request, version))


urlpatterns = [
    path("resources/", CatalogSearchView.as_view(), name="catalog-resource-list"),
    path("resources/mine/", MyResourcesView.as_view(), name="catalog-resource-mine"),
    path("resources/review/", ReviewQueueView.as_view(), name="catalog-resource-review-queue"),
    path("resources/<int:pk>/", ResourceDetailView.as_view(), name="catalog-resource-detail"),
    path("resources/<int:pk>/versions/", ResourceVersionsView.as_view(), name="catalog-resource-versions"),
    path("resources/<int:pk>/new-version/", ResourceNewVersionView.as_view(), name="catalog-resource-new-version"),
    path("resources/<int:pk>/retire/", ResourceRetireView.as_view(), name="catalog-resource-retire"),
    path("resources/versions/<int:pk>/", VersionDetailView.as_view(), name="catalog-version-detail"),
    path("resources/versions/<int:pk>/submit/", VersionSubmitView.as_view(), name="catalog-version-submit"),
    path("resources/versions/<int:pk>/withdraw/", VersionWithdrawView.as_view(), name="catalog-version-withdraw"),
    path("resources/versions/<int:pk>/review/", VersionReviewView.as_view(), name="catalog-version-review"),
]
