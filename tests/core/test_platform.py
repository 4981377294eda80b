"""Platform plumbing: health check, security headers, API errors and pagination, static assets."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import login_verified, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_names_the_broker_when_it_fails(client, monkeypatch):
    from config.celery import app

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(app, "connection_for_write", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "error: ConnectionRefusedError"}


def test_healthz_names_the_database_when_it_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("database down")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OSError"
    assert response.json()["checks"]["broker"] == "ok"


def test_content_security_policy_allows_only_own_origin(client):
    response = client.get(reverse("accounts:login"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http" not in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_no_third_party_origin(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in body
    assert "/static/django_htmx/htmx" in body
    assert "cdn" not in body.lower() and "https://" not in body


def test_vendor_assets_are_served(client):
    assert client.get("/static/vendor/bootstrap/css/bootstrap.min.css").status_code == 200
    assert client.get("/static/vendor/bootstrap/js/bootstrap.bundle.min.js").status_code == 200


def test_openapi_schema_and_docs_use_local_assets(client, fujian):
    login_verified(client, make_user(fujian, "reviewer"))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/organisations/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs and "cdn.jsdelivr" not in docs


def test_api_error_body_is_consistent(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"code", "message"}


def test_api_not_found_uses_the_same_body(client, fujian, xiamen):
    login_verified(client, make_user(xiamen, "reviewer"))
    elsewhere = OrganisationFactory(region_id="350102")
    response = client.get(f"/api/v1/organisations/{elsewhere.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_pagination_does_not_count_rows(client, fujian, django_assert_max_num_queries):
    for index in range(30):
        OrganisationFactory(name=f"医院{index:02d}", region_id="350102")
    login_verified(client, make_user(fujian, "reviewer"))
    client.get("/api/v1/me/")  # warm the session
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/api/v1/organisations/?kind=institution&page_size=10").json()
    assert len(page["results"]) == 10 and page["next"] and page["previous"] is None
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    last = client.get("/api/v1/organisations/?kind=institution&page_size=10&page=3").json()
    assert len(last["results"]) == 10 and last["next"] is None
    assert client.get("/api/v1/organisations/?page=abc").status_code == 404


def test_language_switch_changes_the_page_language(client):
    chinese = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in" in english and 'lang="en"' in english


def test_chinese_is_the_default_language():
    from django.test import Client

    body = Client().get(reverse("accounts:login")).content.decode()
    assert 'lang="zh-CN"' in body and "登录" in body


def test_database_is_utf8_with_a_utf8_ctype():
    """pg_trgm ignores Chinese under LC_CTYPE=C; every database the project creates must be UTF-8."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_encoding_to_char(encoding), datctype FROM pg_database "
                       "WHERE datname = current_database()")
        encoding, ctype = cursor.fetchone()
        cursor.execute("SELECT similarity('福州市鼓楼区人民医院', '鼓楼区人民医院')")
        similarity = cursor.fetchone()[0]
    assert encoding == "UTF8" and "UTF-8" in ctype.upper().replace("UTF8", "UTF-8")
    assert similarity > 0.3  # with LC_CTYPE=C it would be 0: no Chinese trigrams at all
