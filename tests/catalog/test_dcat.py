"""The DCAT-AP export (SVC-5): valid against the official DCAT-AP 3.0.0 SHACL shapes (kept as test data in
tests/catalog/data), only public entries, no person named, harvestable pages."""

import datetime
import json
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate

from apps.catalog.services import dcat
from tests.catalog.factories import make_resource, provider_institution
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
SHAPES_FILE = Path(__file__).parent / "data" / "dcat-ap-3.0.0-SHACL.ttl"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def shapes():
    graph = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    # The 3.0.0 shapes file still carries DatasetInSeriesShape, which targets every dcat:Dataset and requires
    # dcat:inSeries; the final 3.0.0 specification dropped "dataset in series". It is switched off here by
    # removing its target (the file itself stays a verbatim copy); every other shape applies.
    in_series = [shape for shape in graph.subjects(SH.targetClass, DCAT.Dataset)
                 if str(shape).endswith("DatasetInSeriesShape")]
    assert len(in_series) == 1
    graph.remove((in_series[0], SH.targetClass, None))
    return graph


def _graph(document: dict) -> rdflib.Graph:
    return rdflib.Graph().parse(data=json.dumps(document), format="json-ld")


def _conforms(document: dict, shapes) -> tuple[bool, str]:
    conforms, _report_graph, text = validate(_graph(document), shacl_graph=shapes, inference="none",
                                       abort_on_first=False)
    return conforms, text


@pytest.fixture
def entries():
    institution, admin = provider_institution("350102")
    provider = institution.organisation
    standard = make_standard("WS/T 9500.1-2024")
    full = make_resource(provider, by=admin, open_form="public", sharing_type="unconditional",
                         keywords="门诊, 就诊 诊断", coverage_end=datetime.date(2024, 12, 31),
                         description_en="Outpatient visits.", update_frequency="realtime")
    full.published_version.standards.set([standard])
    plain = make_resource(provider, by=admin, open_form="public", title_en="", data_format="HL7 CDA R2",
                          update_frequency="irregular")
    refused = make_resource(provider, by=admin, open_form="public", sharing_type="not_shareable")
    controlled = make_resource(provider, by=admin, open_form="controlled")
    draft = make_resource(provider, by=admin, open_form="public", status="draft")
    return {"full": full, "plain": plain, "refused": refused, "controlled": controlled, "draft": draft}


def test_the_catalog_export_conforms_to_dcat_ap_3(entries, shapes):
    document = dcat.catalog_document()
    conforms, report = _conforms(document, shapes)
    assert conforms, report
    graph = _graph(document)
    datasets = set(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert len(datasets) == 3  # the fully public, published entries only (SVC-5)
    codes = {str(code) for code in graph.objects(None, DCT.identifier)}
    assert {entries[key].code for key in ("full", "plain", "refused")} <= codes
    assert not {entries[key].code for key in ("controlled", "draft")} & codes


def test_each_dataset_document_conforms(entries, shapes):
    for key in ("full", "plain", "refused"):
        version = dcat.public_version_by_code(entries[key].code)
        conforms, report = _conforms(dcat.dataset_document(version), shapes)
        assert conforms, report
    assert dcat.public_version_by_code(entries["controlled"].code) is None


def test_a_catalog_without_publisher_or_a_dataset_without_title_does_not_conform(entries, shapes):
    document = dcat.catalog_document()
    del document["@graph"][0]["dct:publisher"]
    conforms, report = _conforms(document, shapes)
    assert not conforms and "publisher" in report

    document = dcat.catalog_document()
    del document["@graph"][0]["dcat:dataset"][0]["dct:title"]
    conforms, report = _conforms(document, shapes)
    assert not conforms and "title" in report


def test_an_untyped_theme_does_not_conform(entries, shapes):
    """The shapes check the optional properties too: a theme must be a labelled skos:Concept."""
    version = dcat.public_version_by_code(entries["full"].code)
    document = dcat.dataset_document(version)
    document["@graph"][0]["dcat:theme"] = [{"@id": "http://example.org/theme/x", "@type": "skos:Concept"}]
    conforms, report = _conforms(document, shapes)
    assert not conforms and "prefLabel" in report


def test_the_dataset_carries_the_dcat_ap_properties(entries):
    version = dcat.public_version_by_code(entries["full"].code)
    node = dcat.dataset_document(version)["@graph"][0]
    eu = "http://publications.europa.eu/resource/authority"
    assert node["dct:identifier"] == entries["full"].code
    assert {"@value": "Outpatient visits.", "@language": "en"} in node["dct:description"]
    assert node["dct:title"][0]["@language"] == "zh"
    assert node["dct:accrualPeriodicity"]["@id"] == f"{eu}/frequency/UPDATE_CONT"
    assert node["dct:accessRights"]["@id"] == f"{eu}/access-right/PUBLIC"
    assert node["dct:temporal"]["dcat:endDate"] == {"@value": "2024-12-31", "@type": "xsd:date"}
    assert node["dct:conformsTo"][0]["dct:identifier"] == "WS/T 9500.1-2024"
    assert [word["@value"] for word in node["dcat:keyword"]] == ["门诊", "就诊", "诊断"]
    assert node["dcat:theme"][0]["@id"].endswith("/catalog/public/themes.jsonld#medical_application")
    assert node["dcat:distribution"]["dct:format"]["@id"] == f"{eu}/file-type/CSV"
    assert node["dcat:distribution"]["dcat:accessURL"]["@id"].endswith(f"/catalog/public/entries/{entries['full'].code}/")
    assert node["dcat:version"] == "1" and "dct:issued" in node and "dct:modified" in node
    assert node["dct:publisher"]["foaf:name"][0]["@value"] == entries["full"].provider.name


def test_access_rights_and_formats_follow_the_entry(entries):
    refused = dcat.dataset_document(dcat.public_version_by_code(entries["refused"].code))["@graph"][0]
    plain = dcat.dataset_document(dcat.public_version_by_code(entries["plain"].code))["@graph"][0]
    assert refused["dct:accessRights"]["@id"].endswith("/NON_PUBLIC")
    assert plain["dct:accessRights"]["@id"].endswith("/RESTRICTED")  # public metadata, conditional sharing
    assert plain["dcat:distribution"]["dct:format"] == {"@type": "dct:MediaTypeOrExtent", "rdfs:label": "HL7 CDA R2"}
    assert [title["@language"] for title in plain["dct:title"]] == ["zh"]  # no English title given
    assert plain["dct:accrualPeriodicity"]["@id"].endswith("/IRREG")


def test_no_person_is_named_in_the_export(entries):
    text = json.dumps(dcat.catalog_document(), ensure_ascii=False)
    assert "张三" not in text  # the responsible persons of every stage (factory) are never exported
    assert "信息中心" not in text


def test_the_catalog_is_paged_for_harvesters(entries):
    first = dcat.catalog_document(page=1, page_size=2)
    paging = first["@graph"][1]
    assert paging["@type"] == "hydra:PagedCollection" and paging["hydra:totalItems"] == 3
    assert paging["hydra:nextPage"].endswith("/catalog/public/dcat.jsonld?page=2")
    assert paging["hydra:lastPage"].endswith("?page=2") and "hydra:previousPage" not in paging
    assert len(first["@graph"][0]["dcat:dataset"]) == 2
    second = dcat.catalog_document(page=2, page_size=2)
    assert len(second["@graph"][0]["dcat:dataset"]) == 1
    assert "hydra:nextPage" not in second["@graph"][1] and second["@graph"][1]["hydra:previousPage"].endswith("page=1")
    assert dcat.catalog_document(page=3, page_size=2) is None


def test_an_empty_catalog_still_conforms(db, shapes):
    document = dcat.catalog_document()
    assert "dcat:dataset" not in document["@graph"][0]
    conforms, report = _conforms(document, shapes)
    assert conforms, report


def test_the_theme_scheme_is_served(client, db):
    response = client.get("/catalog/public/themes.jsonld")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    graph = _graph(response.json())
    concepts = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#Concept")))
    assert len(concepts) == 6


def test_the_export_urls(client, entries):
    response = client.get("/catalog/public/dcat.jsonld")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    assert "public" in response["Cache-Control"]
    assert len(response.json()["@graph"][0]["dcat:dataset"]) == 3
    assert client.get("/catalog/public/dcat.jsonld?page=9").status_code == 404
    assert client.get("/catalog/public/dcat.jsonld?page=x").status_code == 404
    one = client.get(f"/catalog/public/entries/{entries['full'].code}.jsonld")
    assert one.status_code == 200 and one.json()["@graph"][0]["dct:identifier"] == entries["full"].code
    assert client.get(f"/catalog/public/entries/{entries['controlled'].code}.jsonld").status_code == 404
    assert client.get(f"/catalog/public/entries/{entries['draft'].code}.jsonld").status_code == 404
