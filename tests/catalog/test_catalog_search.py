"""Catalog search (SVC-1, SVC-5): who finds what, each filter, newest first, a constant number of queries
per page, and the trigram index serving the text search."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog.models import DataResource, ResourceVersion
from apps.catalog.selectors import catalog_search, region_prefix, search_terms
from apps.catalog.services import resources as services
from tests.catalog.factories import make_resource, provider_institution
from tests.conftest import login_verified, make_user
from tests.factories import region
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db


def _codes(rows) -> set[str]:
    return {version.resource.code for version in rows}


@pytest.fixture
def catalog():
    gulou, gulou_admin = provider_institution("350102")
    xiamen, xiamen_admin = provider_institution("350203")
    now = timezone.now()
    rows = {
        "public": make_resource(gulou.organisation, by=gulou_admin, open_form="public", title="慢性病随访登记",
                                category="public_health", published_at=now - datetime.timedelta(days=3),
                                fields=[("随访日期", 2, False), ("血压", 3, True)]),
        "controlled": make_resource(gulou.organisation, by=gulou_admin, open_form="controlled", title="住院病案首页",
                                    sharing_type="unconditional", published_at=now - datetime.timedelta(days=2),
                                    fields=[("出院诊断", 4, False)]),
        "xiamen": make_resource(xiamen.organisation, by=xiamen_admin, open_form="enclave", title="医保结算明细",
                                category="medical_payment", published_at=now - datetime.timedelta(days=1),
                                fields=[("结算金额", 5, True)]),
        "draft": make_resource(gulou.organisation, by=gulou_admin, open_form="public", title="疫苗接种草稿",
                               status="draft"),
        "retired": make_resource(gulou.organisation, by=gulou_admin, open_form="public", title="已停用资源"),
    }
    DataResource.objects.filter(pk=rows["retired"].pk).update(status=DataResource.Status.RETIRED)
    for resource in rows.values():  # the factory writes directly: derive the search column as the services do
        services.level_recompute(resource.versions.get(), by=gulou_admin)
    return {"rows": rows, "gulou": gulou, "xiamen": xiamen, "gulou_admin": gulou_admin}


def test_anonymous_visitors_find_fully_public_entries_only(catalog):
    found = catalog_search(AnonymousUser(), {})
    assert _codes(found) == {catalog["rows"]["public"].code}  # SVC-5


def test_signed_in_readers_find_every_published_entry_of_every_provider(catalog):
    rows = catalog["rows"]
    _other, reader = provider_institution("440106")
    found = list(catalog_search(reader, {}))
    assert [version.resource.code for version in found] == [rows[key].code for key in ("xiamen", "controlled",
                                                                                       "public")]  # newest first
    assert rows["draft"].code not in _codes(found) and rows["retired"].code not in _codes(found)


def test_a_reader_without_the_permission_sees_the_public_part(catalog):
    user = make_user(catalog["gulou"].organisation)  # no role
    assert _codes(catalog_search(user, {})) == {catalog["rows"]["public"].code}


def test_a_suspended_organisation_sees_the_public_part(catalog):
    organisation = catalog["gulou"].organisation
    organisation.is_active = False
    organisation.save()
    assert _codes(catalog_search(catalog["gulou_admin"], {})) == {catalog["rows"]["public"].code}


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "病案首页"}, {"controlled"}),
    ({"q": "随访"}, {"public"}),  # a two-character Chinese word (its bigram word)
    ({"q": "结算金额"}, {"xiamen"}),  # a field name
    ({"q": "test resource"}, {"public", "controlled", "xiamen"}),  # case-insensitive, every word
    ({"q": "随访 血压"}, {"public"}),
    ({"q": "随访 结算"}, set()),
    ({"q": "病"}, {"public", "controlled"}),  # one character: a plain substring search
    ({"category": "medical_payment"}, {"xiamen"}),
    ({"category": "nonsense"}, {"public", "controlled", "xiamen"}),  # ignored, not an error
    ({"level": "4"}, {"controlled"}),
    ({"min_level": "4"}, {"controlled", "xiamen"}),
    ({"sharing_type": "unconditional"}, {"controlled"}),
    ({"open_form": "enclave"}, {"xiamen"}),
    ({"region": "350000"}, {"public", "controlled", "xiamen"}),
    ({"region": "350200"}, {"xiamen"}),
    ({"region": "350102"}, {"public", "controlled"}),
    ({"region": "440000"}, set()),
])
def test_filters(catalog, params, expected):
    _other, reader = provider_institution("440106")
    assert _codes(catalog_search(reader, params)) == {catalog["rows"][key].code for key in expected}


def test_provider_and_standard_filters(catalog):
    rows = catalog["rows"]
    _other, reader = provider_institution("440106")
    assert _codes(catalog_search(reader, {"provider": str(catalog["xiamen"].pk)})) == {rows["xiamen"].code}
    standard = make_standard("WS/T 9600-2024")
    rows["controlled"].published_version.standards.set([standard])
    assert _codes(catalog_search(reader, {"standard": "ws/t 9600—2024"})) == {rows["controlled"].code}


def test_search_of_a_freshly_registered_entry_uses_its_field_names(catalog, fuzhou):
    organisation, admin = catalog["gulou"].organisation, catalog["gulou_admin"]
    from tests.catalog.resources_helpers import published_resource

    resource = published_resource(organisation, admin, make_user(fuzhou, "reviewer"), title="门急诊处方",
                                  open_form="public")
    assert _codes(catalog_search(AnonymousUser(), {"q": "诊断"})) == {resource.code}  # a field of FIELDS
    assert _codes(catalog_search(AnonymousUser(), {"q": resource.code})) == {resource.code}


def test_search_helpers():
    assert search_terms("  随访  bp ") == ["随访", "BP"]
    assert region_prefix("350000") == "35" and region_prefix("350100") == "3501"
    assert region_prefix("500000") == "50" and region_prefix("350102") == "350102" and region_prefix("x") == ""


# --- speed: constant queries per page, the trigram index for text -----------------------------------------


TOPICS = ["门诊就诊记录", "住院病案首页", "疫苗接种登记", "慢性病随访", "医保结算明细", "卫生资源统计", "妇幼保健档案",
          "传染病报告", "检验检查结果", "电子处方流转"]


def _bulk_entries(count: int, provider, by, start: int = 0, **values) -> None:
    """`count` published entries written in two statements (the services are tested elsewhere)."""
    now = timezone.now()
    resources = DataResource.objects.bulk_create([
        DataResource(code=f"BULK{index:06d}", provider=provider, region_id=provider.region_id, created_by=by)
        for index in range(start, start + count)])
    province = region("350000")

    def text(index: int) -> str:
        words = f"BULK{index:06d} {TOPICS[index % len(TOPICS)]}{index} 按月更新的业务记录"
        return f"{words} \n {' '.join(services.cjk_bigrams(words))} "

    versions = ResourceVersion.objects.bulk_create([
        ResourceVersion(resource=resource, number=1, status="published", title=f"{TOPICS[index % len(TOPICS)]}{index}",
                        description="按月更新的业务记录", category="medical_application", sharing_type="conditional",
                        open_form="public", update_frequency="monthly", data_format="CSV", volume="1万条",
                        coverage_start=datetime.date(2020, 1, 1), storage_province=province, created_by=by,
                        level=1 + index % 5, published_at=now - datetime.timedelta(minutes=index),
                        search_text=text(index), **values)
        for index, resource in enumerate(resources, start=start)])
    for resource, version in zip(resources, versions, strict=True):
        resource.published_version = version
    DataResource.objects.bulk_update(resources, ["published_version"])


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_search_page_costs_the_same_queries_with_2000_entries(client, django_assert_max_num_queries):
    institution, admin = provider_institution("350102")
    provider = institution.organisation
    login_verified(client, admin)
    _bulk_entries(20, provider, admin)
    client.get("/catalog/resources/")  # warm the session and the caches
    few = _page_queries(client, "/catalog/resources/?q=记录")
    _bulk_entries(1980, provider, admin, start=20)
    many = _page_queries(client, "/catalog/resources/?q=记录")
    assert few == many
    with django_assert_max_num_queries(few):
        response = client.get("/catalog/resources/?q=业务记录&page=3&category=medical_application")
    assert response.status_code == 200 and "BULK000050" in response.content.decode()
    with django_assert_max_num_queries(few):
        assert client.get("/catalog/public/?q=随访").status_code == 200


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_resourceversion")
        cursor.execute("ANALYZE catalog_dataresource")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("query", ["住院病案", "bulk000123", "随访", "结算 明细"])
def test_the_text_search_uses_the_trigram_index(query):
    institution, admin = provider_institution("350102")
    _bulk_entries(2000, institution.organisation, admin)
    plan = _plan(catalog_search(AnonymousUser(), {"q": query})[:25])
    assert "cat_version_search_trgm" in plan, plan
    assert len(catalog_search(AnonymousUser(), {"q": query})) in (1, 200)  # and it finds them
