"""The public catalog (SVC-5): anonymous visitors see the metadata of fully public entries only, never a
responsible person's name or phone."""

import pytest

from apps.catalog.models import DataResource
from tests.catalog.factories import make_resource, provider_institution
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    institution, admin = provider_institution("350102")
    provider = institution.organisation
    rows = {
        "public": make_resource(provider, by=admin, open_form="public", title="公开的卫生资源统计",
                                fields=[("机构数量", 1, False), ("床位数", 2, False)]),
        "controlled": make_resource(provider, by=admin, open_form="controlled", title="受控的住院病案"),
        "enclave": make_resource(provider, by=admin, open_form="enclave", title="原地计算的影像数据"),
        "draft": make_resource(provider, by=admin, open_form="public", status="draft", title="公开草稿"),
        "retired": make_resource(provider, by=admin, open_form="public", title="已停用的公开资源"),
    }
    DataResource.objects.filter(pk=rows["retired"].pk).update(status=DataResource.Status.RETIRED)
    return rows


def test_the_public_list_shows_fully_public_published_entries_only(client, entries,
                                                                   django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/catalog/public/")
    page = response.content.decode()
    assert response.status_code == 200 and "公开的卫生资源统计" in page
    for hidden in ("受控的住院病案", "原地计算的影像数据", "公开草稿", "已停用的公开资源"):
        assert hidden not in page
    assert 'name="open_form"' not in page and "/catalog/public/dcat.jsonld" in page


def test_the_public_list_is_the_same_for_a_signed_in_visitor(client, entries):
    _other, admin = provider_institution("350203")
    login_verified(client, admin)
    page = client.get("/catalog/public/?open_form=controlled").content.decode()
    assert "受控的住院病案" not in page and "公开的卫生资源统计" in page


def test_the_public_list_filters(client, entries):
    assert "公开的卫生资源统计" in client.get("/catalog/public/?q=资源统计").content.decode()
    assert "公开的卫生资源统计" not in client.get("/catalog/public/?q=病案").content.decode()
    assert "公开的卫生资源统计" not in client.get("/catalog/public/?region=440000").content.decode()
    partial = client.get("/catalog/public/?q=资源统计", HTTP_HX_REQUEST="true").content.decode()
    assert "公开的卫生资源统计" in partial and "<html" not in partial
    assert client.get("/catalog/public/?q=%00").status_code == 200  # a NUL in the query is dropped, not a 500


def test_the_public_entry_page_shows_metadata_and_field_levels_without_people(client, entries):
    response = client.get(f"/catalog/public/entries/{entries['public'].code}/")
    page = response.content.decode()
    assert response.status_code == 200 and "公开的卫生资源统计" in page and "床位数" in page and "Level 2" in page
    assert "张三" not in page  # the factory names 张三 for every stage
    assert "Responsible person" not in page


@pytest.mark.parametrize("key", ["controlled", "enclave", "draft", "retired"])
def test_other_entries_have_no_public_page(client, entries, key):
    assert client.get(f"/catalog/public/entries/{entries[key].code}/").status_code == 404
    assert client.get(f"/catalog/public/entries/{entries[key].code}.jsonld").status_code == 404


def test_an_unknown_code_is_404(client, db):
    assert client.get("/catalog/public/entries/NOPE-0001/").status_code == 404
