"""The public catalog as DCAT-AP 3.0 JSON-LD, for other catalogues to harvest (SVC-5).

Only what the public may see is exported: published versions of active resources whose open form is
"fully public" (`selectors.catalog_entries` for an anonymous visitor). Responsible persons are never named:
the contact point is the provider organisation.

Vocabularies: DCAT, DCMI terms, FOAF, vCard, ADMS, SKOS, XSD, and the EU Publications Office authority
tables for frequency, access rights, data themes, file types and countries. Our six data categories
(GB/T 39725-2020) form a small SKOS concept scheme of our own under PORTAL_BASE_URL, served at
/catalog/public/themes.jsonld; each dataset also carries the EU data theme HEAL (health).

HealthDCAT-AP: its namespace is declared in the context so that consumers expecting it find it, but no
HealthDCAT-AP property is used. The profile was still a draft whose namespace and cardinalities were not
ratified, and its properties need facts we do not hold as data (a record count as an integer, typical
ages, coding systems as Wikidata IRIs); we stay with plain DCAT-AP, which HealthDCAT-AP extends.

The version number uses `dcat:version` (DCAT-AP 3.0 replaced owl:versionInfo with it) and the change note
`adms:versionNotes`.

Large catalogues are paged (`?page=`): each page is a hydra:PagedCollection with first, previous, next and
last page links and the total, the convention the CKAN DCAT and piveau harvesters follow.
"""

from __future__ import annotations

import math
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Min, OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import translation

from ..models import DataCategory, ResourceVersion, UpdateFrequency

PAGE_SIZE = 100
EU = "http://publications.europa.eu/resource/authority"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "dcatap": "http://data.europa.eu/r5r/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "healthdcatap": "http://healthdataportal.eu/ns/health#",
}
FREQUENCIES = {
    UpdateFrequency.REALTIME: "UPDATE_CONT",
    UpdateFrequency.DAILY: "DAILY",
    UpdateFrequency.WEEKLY: "WEEKLY",
    UpdateFrequency.MONTHLY: "MONTHLY",
    UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.YEARLY: "ANNUAL",
    UpdateFrequency.IRREGULAR: "IRREG",
    UpdateFrequency.NEVER: "NEVER",
}
# Formats named in the free-text "format" field that the EU file-type table has.
FILE_TYPES = {"CSV": "CSV", "JSON": "JSON", "XML": "XML", "XLSX": "XLSX", "XLS": "XLS", "PDF": "PDF",
              "TXT": "TXT", "ZIP": "ZIP", "HTML": "HTML", "RDF": "RDF", "SQL": "SQL", "TSV": "TSV",
              "PARQUET": "PARQUET", "DOCX": "DOCX"}
_WORDS = re.compile(r"[A-Za-z0-9]+")
_KEYWORD_SPLIT = re.compile(r"[,，;；、\s]+")


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")


def _absolute(path: str) -> str:
    return f"{base_url()}{path}"


def entry_page_url(code: str) -> str:
    return _absolute(reverse("catalog:public_entry", args=[code]))


def dataset_iri(code: str) -> str:
    return f"{_absolute(reverse('catalog:public_entry_jsonld', args=[code]))}#dataset"


def catalog_iri() -> str:
    return f"{_absolute(reverse('catalog:public_dcat'))}#catalog"


def scheme_iri() -> str:
    return _absolute(reverse("catalog:public_themes"))


def theme_iri(category: str) -> str:
    return f"{scheme_iri()}#{category}"


def _in(language: str, text):
    with translation.override(language):
        return str(text)


def _texts(zh: str, en: str = "") -> list[dict]:
    values = [{"@value": zh, "@language": "zh"}] if zh else []
    if en:
        values.append({"@value": en, "@language": "en"})
    return values


def _both(lazy_text) -> list[dict]:
    return _texts(_in("zh-hans", lazy_text), _in("en", lazy_text))


def _datetime(value) -> dict:
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"}


def _date(value) -> dict:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def operator_agent() -> dict:
    """The portal operator, publisher of the catalogue."""
    name = getattr(settings, "PORTAL_OPERATOR_NAME", settings.SITE_NAME)
    return {"@id": f"{catalog_iri()[:-len('#catalog')]}#operator", "@type": ["foaf:Agent", "foaf:Organization"],
            "foaf:name": _both(name), "foaf:homepage": {"@id": f"{base_url()}/", "@type": "foaf:Document"}}


def provider_agent(provider) -> dict:
    return {"@id": f"{catalog_iri()[:-len('#catalog')]}#provider-{provider.pk}",
            "@type": ["foaf:Agent", "foaf:Organization"], "foaf:name": _texts(provider.name, provider.name_en)}


def _contact_point(provider, entry_url: str) -> dict:
    """The provider organisation (vCard), never a person (SVC-5)."""
    return {"@id": f"{catalog_iri()[:-len('#catalog')]}#contact-{provider.pk}",
            "@type": ["vcard:Organization", "vcard:Kind"], "vcard:fn": provider.name,
            "vcard:organization-name": _texts(provider.name, provider.name_en),
            "vcard:hasURL": {"@id": entry_url}}


def access_right(version: ResourceVersion) -> str:
    """EU access-right table: not shareable -> NON_PUBLIC; fully public and shareable without conditions
    -> PUBLIC; anything else (conditions, controlled access, enclave) -> RESTRICTED."""
    if version.sharing_type == "not_shareable":
        return "NON_PUBLIC"
    if version.open_form == "public" and version.sharing_type == "unconditional":
        return "PUBLIC"
    return "RESTRICTED"


def _keywords(version: ResourceVersion) -> list[dict]:
    words = [word for word in _KEYWORD_SPLIT.split(version.keywords or "") if word]
    return [{"@value": word, "@language": "zh"} for word in dict.fromkeys(words)]


def _format(version: ResourceVersion) -> dict:
    """An EU file-type IRI when the format names one, otherwise the format as a labelled extent."""
    for word in _WORDS.findall(version.data_format.upper()):
        if word in FILE_TYPES:
            return {"@id": f"{EU}/file-type/{FILE_TYPES[word]}", "@type": "dct:MediaTypeOrExtent"}
    return {"@type": "dct:MediaTypeOrExtent", "rdfs:label": version.data_format}


def _spatial(version: ResourceVersion) -> list[dict]:
    province = version.storage_province
    return [
        {"@id": f"{EU}/country/CHN", "@type": "dct:Location"},
        {"@type": "dct:Location", "skos:prefLabel": _texts(province.name, province.name_en),
         "dct:identifier": province.code},  # a GB/T 2260 code; the division has no IRI of its own
    ]


def category_concept(category: str) -> dict:
    """One of our six categories as a concept of our scheme, labelled in both languages."""
    return {"@id": theme_iri(category), "@type": "skos:Concept",
            "skos:prefLabel": _both(DataCategory(category).label), "skos:inScheme": {"@id": scheme_iri()}}


HEALTH_THEME = {"@id": f"{EU}/data-theme/HEAL", "@type": "skos:Concept",
                "skos:prefLabel": [{"@value": "卫生健康", "@language": "zh"}, {"@value": "Health", "@language": "en"}],
                "skos:inScheme": {"@id": f"{EU}/data-theme"}}


def _standards(version: ResourceVersion) -> list[dict]:
    return [{"@id": _absolute(reverse("standards:public_detail", args=[standard.pk])), "@type": "dct:Standard",
             "dct:identifier": standard.code, "dct:title": _texts(standard.title, standard.title_en)}
            for standard in version.standards.all()]


def dataset_node(version: ResourceVersion) -> dict:
    """One catalog entry as a dcat:Dataset (DCAT-AP 3.0). `version.first_published` (annotated by
    `public_versions`) gives dct:issued; the version's own publication is dct:modified."""
    resource = version.resource
    provider = resource.provider
    code = resource.code
    entry_url = entry_page_url(code)
    node = {
        "@id": dataset_iri(code),
        "@type": "dcat:Dataset",
        "dct:identifier": code,
        "dct:title": _texts(version.title, version.title_en),
        "dct:description": _texts(version.description, version.description_en),
        "dct:publisher": provider_agent(provider),
        "dcat:contactPoint": _contact_point(provider, entry_url),
        "dcat:keyword": _keywords(version),
        "dcat:theme": [category_concept(version.category), HEALTH_THEME],
        "dct:accrualPeriodicity": {"@id": f"{EU}/frequency/{FREQUENCIES[version.update_frequency]}",
                                   "@type": "dct:Frequency"},
        "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": _date(version.coverage_start),
                         **({"dcat:endDate": _date(version.coverage_end)} if version.coverage_end else {})},
        "dct:spatial": _spatial(version),
        "dct:conformsTo": _standards(version),
        "dct:accessRights": {"@id": f"{EU}/access-right/{access_right(version)}", "@type": "dct:RightsStatement"},
        "dcat:landingPage": {"@id": entry_url, "@type": "foaf:Document"},
        "dcat:version": str(version.number),
        "dcat:distribution": {
            "@id": f"{dataset_iri(code)[:-len('#dataset')]}#distribution",
            "@type": "dcat:Distribution",
            "dct:title": _texts(version.title, version.title_en),
            "dct:description": _both(_DISTRIBUTION_NOTE),
            "dcat:accessURL": {"@id": entry_url, "@type": "rdfs:Resource"},
            "dct:format": _format(version),
        },
    }
    issued = getattr(version, "first_published", None) or version.published_at
    if issued:
        node["dct:issued"] = _datetime(issued)
    if version.published_at:
        node["dct:modified"] = _datetime(version.published_at)
    if version.change_summary:
        node["adms:versionNotes"] = _texts(version.change_summary)
    for key in ("dcat:keyword", "dct:conformsTo"):
        if not node[key]:
            del node[key]
    return node


_DISTRIBUTION_NOTE = translation.gettext_lazy(
    "The data are released only under a grant approved through the portal's sharing application.")


def public_versions():
    """What the export contains: the public catalog, newest publication first, with what the nodes need."""
    from ..selectors import catalog_entries

    first_published = (ResourceVersion.objects.filter(resource=OuterRef("resource_id"), published_at__isnull=False)
                       .order_by().values("resource").annotate(first=Min("published_at")).values("first"))
    from apps.standards.models import Standard

    return (catalog_entries(AnonymousUser())
            .select_related("resource__provider", "storage_province")
            .prefetch_related(Prefetch("standards", queryset=Standard.objects.order_by("code")
                                       .only("pk", "code", "title", "title_en")))
            .annotate(first_published=Subquery(first_published[:1]))
            .defer("search_text")
            .order_by("-published_at", "-pk"))


def catalog_node(datasets: list[dict]) -> dict:
    node = {
        "@id": catalog_iri(),
        "@type": "dcat:Catalog",
        "dct:title": _both(_CATALOG_TITLE),
        "dct:description": _both(_CATALOG_DESCRIPTION),
        "dct:publisher": operator_agent(),
        "foaf:homepage": {"@id": _absolute(reverse("catalog:public_list")), "@type": "foaf:Document"},
        "dct:language": [{"@id": f"{EU}/language/ZHO", "@type": "dct:LinguisticSystem"},
                         {"@id": f"{EU}/language/ENG", "@type": "dct:LinguisticSystem"}],
        "dct:spatial": {"@id": f"{EU}/country/CHN", "@type": "dct:Location"},
        "dcat:themeTaxonomy": {"@id": scheme_iri(), "@type": "skos:ConceptScheme",
                               "dct:title": _both(_SCHEME_TITLE)},
    }
    if datasets:
        node["dcat:dataset"] = datasets
    return node


_CATALOG_TITLE = translation.gettext_lazy("Health and medical data resource catalog")
_CATALOG_DESCRIPTION = translation.gettext_lazy(
    "Data resources registered by admitted health institutions and published after review by the health "
    "departments; only the metadata of fully public entries are listed here.")
_SCHEME_TITLE = translation.gettext_lazy("Health data categories (GB/T 39725-2020)")


def catalog_document(page: int = 1, page_size: int = PAGE_SIZE) -> dict | None:
    """One page of the public catalog as a JSON-LD document; None for a page past the end (page > 1)."""
    rows = public_versions()
    total = rows.order_by().count()
    last = max(math.ceil(total / page_size), 1)
    if page < 1 or page > last:
        return None
    versions = list(rows[(page - 1) * page_size: page * page_size])
    document_url = _absolute(reverse("catalog:public_dcat"))

    def page_url(number: int) -> str:
        return f"{document_url}?page={number}"

    paging = {"@id": page_url(page), "@type": "hydra:PagedCollection", "hydra:totalItems": total,
              "hydra:itemsPerPage": page_size, "hydra:firstPage": page_url(1), "hydra:lastPage": page_url(last)}
    if page > 1:
        paging["hydra:previousPage"] = page_url(page - 1)
    if page < last:
        paging["hydra:nextPage"] = page_url(page + 1)
    return {"@context": CONTEXT, "@graph": [catalog_node([dataset_node(v) for v in versions]), paging]}


def dataset_document(version: ResourceVersion) -> dict:
    return {"@context": CONTEXT, "@graph": [dataset_node(version)]}


def public_version_by_code(code: str) -> ResourceVersion | None:
    if "\x00" in code:  # no code has one, and PostgreSQL refuses it in a query
        return None
    return public_versions().filter(resource__code=code).first()


def themes_document() -> dict:
    """Our concept scheme of the six data categories of GB/T 39725-2020."""
    concepts = [{**category_concept(value), "skos:notation": value, "skos:topConceptOf": {"@id": scheme_iri()}}
                for value in DataCategory.values]
    scheme = {"@id": scheme_iri(), "@type": "skos:ConceptScheme", "dct:title": _both(_SCHEME_TITLE),
              "skos:hasTopConcept": [{"@id": theme_iri(value)} for value in DataCategory.values]}
    return {"@context": CONTEXT, "@graph": [scheme, *concepts]}
