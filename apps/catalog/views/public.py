"""The public catalog, no sign-in (SVC-5): search of the fully public entries, the entry page (metadata,
field names and levels; never a responsible person's name or phone), and the DCAT-AP JSON-LD export for
harvesters (the whole catalog, paged, and each dataset), plus our category scheme it refers to.

Every page here reads through `selectors.catalog_entries` as an anonymous visitor, whoever is signed in,
so the public pages never show more than the public may see."""

import json

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from apps.core.pagination import paginate

from .. import selectors
from ..services import dcat
from .resource_forms import CatalogSearchForm

JSONLD = "application/ld+json; charset=utf-8"


@require_GET
def public_catalog(request):
    """Search the fully public entries by text, category, level, sharing type, region and standard."""
    form = CatalogSearchForm(request.GET or None, public=True)
    params = request.GET.copy()
    params.pop("open_form", None)  # fully public entries only, whatever the query string says
    page = paginate(request, selectors.catalog_search(AnonymousUser(), params))
    template = "catalog/public/_results.html" if request.htmx else "catalog/public/list.html"
    return render(request, template, {"form": form, "page": page})


def _public_version(code: str):
    if "\x00" in code:  # no code has one, and PostgreSQL refuses it in a query
        raise Http404
    version = (selectors.catalog_entries(AnonymousUser()).filter(resource__code=code)
               .select_related("resource__provider", "storage_province").first())
    if version is None:
        raise Http404
    return version


@require_GET
def public_entry(request, code: str):
    """A fully public entry: metadata and field names with their levels."""
    version = _public_version(code)
    return render(request, "catalog/public/entry.html", {
        "version": version, "resource": version.resource,
        "fields": list(version.fields.order_by("position", "pk").only("pk", "version_id", "name", "name_en", "level")),
        "standards": list(version.standards.order_by("code").only("pk", "code", "title", "title_en")),
    })


def _jsonld(document: dict) -> HttpResponse:
    return HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type=JSONLD)


@require_GET
@cache_control(public=True, max_age=300)
def public_dcat(request):
    """The public catalog as DCAT-AP JSON-LD, one page of datasets per request (`?page=`)."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        raise Http404 from None
    document = dcat.catalog_document(number)
    if document is None:
        raise Http404
    return _jsonld(document)


@require_GET
@cache_control(public=True, max_age=300)
def public_entry_jsonld(request, code: str):
    version = dcat.public_version_by_code(code)
    if version is None:
        raise Http404
    return _jsonld(dcat.dataset_document(version))


@require_GET
@cache_control(public=True, max_age=3600)
def public_themes(request):
    """Our SKOS scheme of the six data categories (the datasets' dcat:theme IRIs resolve here)."""
    return _jsonld(dcat.themes_document())


urlpatterns = [
    path("public/", public_catalog, name="public_list"),
    path("public/dcat.jsonld", public_dcat, name="public_dcat"),
    path("public/themes.jsonld", public_themes, name="public_themes"),
    path("public/entries/<str:code>/", public_entry, name="public_entry"),
    path("public/entries/<str:code>.jsonld", public_entry_jsonld, name="public_entry_jsonld"),
]
