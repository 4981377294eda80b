"""The catalog API under /api/v1/catalog/resources/ (SVC-1, SVC-3, SVC-4, SVC-5): the same rules and
scopes as the pages."""

import pytest

from apps.catalog.models import DataResource, ResourceVersion
from apps.catalog.services import resources as services
from tests.catalog.factories import provider_institution
from tests.catalog.resources_helpers import FIELDS, all_stages, published_resource, register
from tests.conftest import login_verified, make_user

pytestmark = pytest.mark.django_db
V = ResourceVersion.Status
API = "/api/v1/catalog/resources/"


@pytest.fixture
def provider():
    institution, admin = provider_institution("350102")
    return institution.organisation, admin


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def _payload(**overrides) -> dict:
    data = {
        "title": "门诊处方记录", "description": "门诊处方，按日更新。", "category": "medical_application",
        "sharing_type": "conditional", "open_form": "public", "update_frequency": "daily", "data_format": "CSV",
        "volume": "50万条", "coverage_start": "2021-01-01", "storage_province": "350000",
        "fields": FIELDS, "responsibilities": all_stages(), "standards": [],
    }
    data.update(overrides)
    return data


def test_register_submit_review_publish_through_the_api(client, provider, reviewer):
    organisation, admin = provider
    login_verified(client, admin)
    response = client.post(API, _payload(), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == f"{organisation.credit_code}-0001" and body["published_version"] is None
    version_id = body["open_version"]["id"]
    assert body["open_version"]["status"] == "draft"
    response = client.patch(f"{API}versions/{version_id}/", {"title": "门诊处方明细"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == "门诊处方明细"
    assert response.json()["level"] == 4 and len(response.json()["fields"]) == 4
    assert client.post(f"{API}versions/{version_id}/submit/").json()["status"] == "submitted"
    assert client.post(f"{API}versions/{version_id}/review/", {"decision": "approve"},
                       content_type="application/json").status_code == 403  # the provider itself
    login_verified(client, reviewer)
    queue = client.get(f"{API}review/").json()["results"]
    assert [row["id"] for row in queue] == [version_id] and queue[0]["due_on"]
    response = client.post(f"{API}versions/{version_id}/review/", {"decision": "approve"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "published"


def test_bad_input_gets_field_messages_and_saves_nothing(client, provider):
    _organisation, admin = provider
    login_verified(client, admin)
    response = client.post(API, _payload(storage_province="810000"), content_type="application/json")
    assert response.status_code == 400
    assert "SEC-9" in response.json()["error"]["fields"]["storage_province"][0]
    response = client.post(API, _payload(fields=[{"name": "性别", "level": 2}, {"name": "性别", "level": 1}]),
                           content_type="application/json")
    assert response.status_code == 400 and "used twice" in response.json()["error"]["fields"]["fields"][0]
    response = client.post(API, _payload(coverage_start="2022-01-01", coverage_end="2021-01-01"),
                           content_type="application/json")
    assert response.status_code == 400 and "coverage_end" in response.json()["error"]["fields"]
    response = client.post(API, _payload(category="genome"), content_type="application/json")
    assert response.status_code == 400 and "category" in response.json()["error"]["fields"]
    assert DataResource.objects.count() == 0 and ResourceVersion.objects.count() == 0


def test_incomplete_submission_is_refused(client, provider):
    organisation, admin = provider
    version = register(organisation, admin, responsibilities=all_stages()[:7]).versions.get()
    login_verified(client, admin)
    response = client.post(f"{API}versions/{version.pk}/submit/")
    assert response.status_code == 400 and "responsibilities" in response.json()["error"]["fields"]
    assert ResourceVersion.objects.get(pk=version.pk).status == V.DRAFT


def test_search_uses_the_catalog_filters(client, provider, reviewer, django_assert_max_num_queries):
    organisation, admin = provider
    published_resource(organisation, admin, reviewer, title="慢性病随访登记", open_form="public")
    controlled = published_resource(organisation, admin, reviewer, title="住院病案首页")
    register(organisation, admin)  # a draft, never in the search
    _other, other_admin = provider_institution("350203")
    login_verified(client, other_admin)
    client.get(API)
    with django_assert_max_num_queries(11):  # session, user, device, organisation, perms, page, providers
        body = client.get(API).json()
    assert [row["title"] for row in body["results"]] == ["住院病案首页", "慢性病随访登记"]
    assert body["next"] is None and "count" not in body
    rows = client.get(f"{API}?q=随访").json()["results"]
    assert [row["title"] for row in rows] == ["慢性病随访登记"] and rows[0]["provider"]["id"] == organisation.pk
    assert [row["code"] for row in client.get(f"{API}?open_form=controlled").json()["results"]] == [controlled.code]
    assert client.get(f"{API}?region=440000").json()["results"] == []


def test_anonymous_callers_are_refused(client, db):
    assert client.get(API).status_code in (401, 403)


def test_detail_shows_names_to_the_provider_only(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    login_verified(client, admin)
    mine = client.get(f"{API}{resource.pk}/").json()
    assert mine["published_version"]["responsibilities"][0]["person_name"] == "负责人0"
    _other, other_admin = provider_institution("350203")
    login_verified(client, other_admin)
    theirs = client.get(f"{API}{resource.pk}/").json()
    assert theirs["published_version"]["responsibilities"][0] == {"stage": "generation", "position": "信息中心"}
    assert theirs["open_version"] is None and len(theirs["published_version"]["fields"]) == 4


def test_drafts_are_404_for_another_institution(client, provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    _other, other_admin = provider_institution("350102")
    login_verified(client, other_admin)
    assert client.get(f"{API}{version.resource_id}/").status_code == 404
    assert client.get(f"{API}versions/{version.pk}/").status_code == 404
    assert client.patch(f"{API}versions/{version.pk}/", {"title": "x"},
                        content_type="application/json").status_code == 404
    assert client.post(f"{API}versions/{version.pk}/submit/").status_code == 404
    assert client.get(f"{API}{version.resource_id}/versions/").status_code == 404
    assert ResourceVersion.objects.get(pk=version.pk).title == "门诊就诊记录"


def test_review_outside_the_jurisdiction_is_404(client, provider, xiamen):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    login_verified(client, make_user(xiamen, "reviewer"))
    response = client.post(f"{API}versions/{version.pk}/review/", {"decision": "approve"},
                           content_type="application/json")
    assert response.status_code == 404
    assert client.get(f"{API}review/").json()["results"] == []


def test_new_version_withdraw_retire_and_history(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    login_verified(client, admin)
    response = client.post(f"{API}{resource.pk}/new-version/")
    assert response.status_code == 201 and response.json()["number"] == 2
    assert client.post(f"{API}{resource.pk}/new-version/").status_code == 409
    second = response.json()["id"]
    assert client.post(f"{API}versions/{second}/withdraw/").json()["status"] == "withdrawn"
    history = client.get(f"{API}{resource.pk}/versions/").json()["results"]
    assert [(row["number"], row["status"]) for row in history] == [(2, "withdrawn"), (1, "published")]
    mine = client.get(f"{API}mine/").json()["results"]
    assert [row["code"] for row in mine] == [resource.code] and mine[0]["published_version"]["number"] == 1
    assert client.post(f"{API}{resource.pk}/retire/", {"reason": ""}, content_type="application/json").status_code == 400
    response = client.post(f"{API}{resource.pk}/retire/", {"reason": "停用"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "retired"
    assert client.get(API).json()["results"] == []


def test_the_review_queue_is_for_reviewers(client, provider):
    _organisation, admin = provider
    login_verified(client, admin)
    assert client.get(f"{API}review/").status_code == 403


def test_the_schema_documents_the_catalog_without_warnings(client, provider):
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    from apps.catalog.api import resources as endpoints

    _organisation, admin = provider
    login_verified(client, admin)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/catalog/resources/versions/{id}/review/" in schema.content
    GENERATOR_STATS.reset()
    patterns = [path("api/v1/catalog/", include((endpoints.urlpatterns, "api"), namespace="api"))]
    SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
