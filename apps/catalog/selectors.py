"""Reads of the catalog app that pages, the API and other areas share.

Catalog search (SVC-1, SVC-5): published versions of active resources, found by text and filters, newest
publication first, one page at a time without COUNT. Who sees what:

- anonymous visitors (and signed-in users without catalog.view_resourceversion): the metadata of fully
  public entries only (SVC-5, the model's `public_filter`);
- signed-in users with catalog.view_resourceversion: every published entry, whoever provides it, since
  institutions must find what to apply for;
- providers see their own drafts and departments the drafts in review of their jurisdiction through the
  policy layer (`policy.visible`), on their own lists, never in the search.

The text search uses the partial trigram index `cat_version_search_trgm` on UPPER(search_text): a term of
three characters or more is an ILIKE '%term%' that the index serves; a two-character Chinese term is
looked up as its stored bigram word (see services.resources.cjk_bigrams) so that the index serves it too.
"""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from apps.core import policy

from .models import (
    DataCategory,
    DataField,
    DataResource,
    OpenForm,
    ResourceVersion,
    SharingType,
    StageResponsibility,
)

VIEW_VERSION = "catalog.view_resourceversion"
VIEW_RESOURCE = "catalog.view_dataresource"
REVIEW = "catalog.review_resource"
V = ResourceVersion.Status
SEARCH_PARAMETERS = ("q", "category", "level", "min_level", "sharing_type", "open_form", "provider", "region",
                     "standard")
_CJK_PAIR = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}$")
_MAX_TERMS = 6


def reads_whole_catalog(user) -> bool:
    """Signed-in, active, of an active organisation and holding the catalog read permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.organisation_id is not None and not user.organisation.is_active:
        return False
    return user.has_perm(VIEW_VERSION)


def catalog_entries(user) -> QuerySet[ResourceVersion]:
    """The published versions of active resources `user` may find (see the module docstring)."""
    rows = ResourceVersion.objects.filter(status=V.PUBLISHED, resource__status=DataResource.Status.ACTIVE)
    if reads_whole_catalog(user):
        return rows
    # The model's public filter: published and fully public (SVC-5).
    return rows.filter(ResourceVersion.policy_scope.public_filter)


def _param(params, name: str, limit: int = 100) -> str:
    value = params.get(name) if hasattr(params, "get") else None
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "").replace("\x00", "").strip()[:limit]


def search_terms(query: str) -> list[str]:
    """The words of a search, upper-cased like the index, at most a handful."""
    return [term.upper() for term in query.split()[:_MAX_TERMS] if term]


def text_filter(query: str) -> Q:
    """Every term must occur (AND). A two-character Chinese term matches its bigram word."""
    condition = Q()
    for term in search_terms(query):
        if _CJK_PAIR.match(term):
            condition &= Q(search_text__icontains=f" {term} ")
        else:
            condition &= Q(search_text__icontains=term)
    return condition


def region_prefix(code: str) -> str:
    """A region filter as a code prefix: `350000` -> `35`, `350100` -> `3501`, `350102` as is; a shorter
    all-digit value is taken as a prefix already."""
    if not (code.isascii() and code.isdigit()):
        return ""
    if len(code) == 6:
        return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
    return code


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def apply_filters(rows: QuerySet[ResourceVersion], params) -> QuerySet[ResourceVersion]:
    """The catalog filters on published versions; values that are not valid are ignored, not errors."""
    query = _param(params, "q")
    if query:
        rows = rows.filter(text_filter(query))
    category = _param(params, "category")
    if category in DataCategory.values:
        rows = rows.filter(category=category)
    level = _int(_param(params, "level"))
    if level and 1 <= level <= 5:
        rows = rows.filter(level=level)
    min_level = _int(_param(params, "min_level"))
    if min_level and 1 <= min_level <= 5:
        rows = rows.filter(level__gte=min_level)
    sharing_type = _param(params, "sharing_type")
    if sharing_type in SharingType.values:
        rows = rows.filter(sharing_type=sharing_type)
    open_form = _param(params, "open_form")
    if open_form in OpenForm.values:
        rows = rows.filter(open_form=open_form)
    provider = _int(_param(params, "provider"))
    if provider:
        rows = rows.filter(resource__provider_id=provider)
    region = region_prefix(_param(params, "region", 6))
    if region:
        rows = rows.filter(resource__region__code__startswith=region)
    standard = _param(params, "standard", 40)
    if standard:
        from apps.standards.models import normalise_code

        links = ResourceVersion.standards.through.objects.filter(
            resourceversion_id=OuterRef("pk"), standard__code=normalise_code(standard))
        rows = rows.filter(Exists(links))
    return rows


def catalog_search(user, params) -> QuerySet[ResourceVersion]:
    """Search the catalog as `user` (SVC-1, SVC-5): newest publication first, ready for one page of
    results (the long search column left out)."""
    rows = apply_filters(catalog_entries(user), params)
    # Only the resource is joined: a common word can match a sixth of the catalog, and every join made
    # before the sort is made for each match. Providers come in one more query for the page.
    return (rows.select_related("resource").prefetch_related("resource__provider")
            .defer("search_text", "description_en", "change_summary", "review_comment")
            .order_by("-published_at", "-pk"))


# --- one resource -----------------------------------------------------------------------------------


def resource_in_scope(user, resource_or_pk) -> bool:
    """Is `user` the resource's provider or a department whose jurisdiction covers it (policy scope)?"""
    pk = getattr(resource_or_pk, "pk", resource_or_pk)
    return policy.visible(user, DataResource.objects.filter(pk=pk), VIEW_RESOURCE).exists()


def resource_for(user, pk) -> tuple[DataResource, bool]:
    """A resource for its entry page and whether `user` sees it in full (provider or department).

    Others who read the catalog see resources that have a published version; anyone else: NotFound."""
    from apps.core import errors

    rows = DataResource.objects.select_related("provider", "region", "published_version__storage_province")
    in_scope = policy.visible(user, rows, VIEW_RESOURCE).filter(pk=pk).first()
    if in_scope is not None:
        return in_scope, True
    if reads_whole_catalog(user):
        found = rows.filter(pk=pk, published_version__isnull=False).first()
        if found is not None:
            return found, False
    raise errors.NotFound()


def resource_published_fields(resource: DataResource) -> QuerySet[DataField]:
    """The fields of the resource's published version, in order (none when nothing is published)."""
    return DataField.objects.filter(version_id=resource.published_version_id).order_by("position", "pk")


def resources_of(provider) -> QuerySet[DataResource]:
    """A provider's resources with their published version and the version in preparation or review
    (`open_version_id`, `open_version_number`, `open_version_status`), active first."""
    open_versions = ResourceVersion.objects.filter(resource=OuterRef("pk"),
                                                   status__in=(V.DRAFT, V.SUBMITTED, V.RETURNED))
    return (DataResource.objects.filter(provider=provider)
            .select_related("published_version")
            .annotate(open_version_id=Subquery(open_versions.values("pk")[:1]),
                      open_version_number=Subquery(open_versions.values("number")[:1]),
                      open_version_status=Subquery(open_versions.values("status")[:1]),
                      open_version_title=Subquery(open_versions.values("title")[:1]))
            .order_by("status", "-created_at", "-pk"))


def version_for(user, pk, perm: str = VIEW_VERSION) -> ResourceVersion:
    """Any version (drafts included) for its provider and the departments covering it; NotFound otherwise."""
    rows = ResourceVersion.objects.select_related("resource__provider", "resource__region", "storage_province",
                                                  "reviewed_by", "created_by")
    return policy.get_object(user, rows, perm, pk=pk)


def version_detail_rows(version: ResourceVersion):
    """Fields, responsibilities and standards of a version, for a page (three queries)."""
    return {
        "fields": list(version.fields.order_by("position", "pk")),
        "responsibilities": list(version.responsibilities.select_related("user").order_by("stage")),
        "standards": list(version.standards.order_by("code").only("pk", "code", "title", "title_en", "status")),
    }


def stage_rows(version: ResourceVersion, responsibilities) -> list[dict]:
    """The eight lifecycle stages in their order, each with its responsibility row or None."""
    from .models import LifecycleStage

    by_stage = {row.stage: row for row in responsibilities}
    return [{"stage": value, "label": label, "row": by_stage.get(value)} for value, label in LifecycleStage.choices]


def versions_of(resource: DataResource) -> list[ResourceVersion]:
    """The resource's versions, newest first, with their fields (for the history and its diff)."""
    return list(resource.versions.select_related("reviewed_by", "created_by")
                .prefetch_related(Prefetch("fields", queryset=DataField.objects.order_by("position", "pk")))
                .order_by("-number"))


def fields_diff(older: ResourceVersion | None, newer: ResourceVersion) -> dict:
    """What changed in the fields from `older` to `newer`: added, removed and changed (name, what)."""
    before = {field.name: field for field in (older.fields.all() if older else [])}
    after = {field.name: field for field in newer.fields.all()}
    changed = []
    for name in after.keys() & before.keys():
        old, new = before[name], after[name]
        what = [key for key in ("name_en", "element_code", "description", "level", "personal")
                if getattr(old, key) != getattr(new, key)]
        if what:
            changed.append({"name": name, "old": old, "new": new, "what": what})
    return {"added": [after[name] for name in after if name not in before],
            "removed": [before[name] for name in before if name not in after],
            "changed": sorted(changed, key=lambda row: row["new"].position)}


def versions_for_review(user) -> QuerySet[ResourceVersion]:
    """Submitted versions in the department's jurisdiction, oldest submission first (SVC-4)."""
    rows = ResourceVersion.objects.filter(status=V.SUBMITTED).select_related("resource__provider",
                                                                             "resource__region")
    return (policy.visible(user, rows, REVIEW).defer("search_text", "description", "description_en")
            .order_by("submitted_at", "pk"))


def responsibilities_visible(user, version: ResourceVersion) -> bool:
    """Names and phones of the responsible persons are for the provider and the departments covering the
    resource only (policy scope of StageResponsibility); others see the positions."""
    return policy.visible(user, StageResponsibility.objects.filter(version=version),
                          "catalog.view_stageresponsibility").exists()
