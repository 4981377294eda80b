"""The public register of approved data uses (SVC-5): who, which resources, purpose, period, state; no people."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from apps.catalog.models import DataGrant, SharingApplication
from apps.catalog.services import register as register_services
from tests.catalog.factories import make_application, make_resource, provider_institution
from tests.catalog.letters_factories import make_grant
from tests.conftest import make_user


@pytest.fixture
def register(db):
    """Two grants of two institutions: one in force (approved this year), one closed (approved in 2024)."""
    provider, provider_admin = provider_institution("350102", name="福州市登记测试医院")
    resource = make_resource(provider.organisation, by=provider_admin, title="门诊诊疗登记数据")
    first_inst, first_admin = provider_institution("350203", name="厦门市第一研究所")
    second_inst, second_admin = provider_institution("350102", name="鼓楼区健康研究中心")
    researcher = make_user(first_inst.organisation, "submitter", full_name="周研究员")
    first = make_application(first_inst.organisation, [(resource, ["诊断编码"])], by=first_admin,
                             recipients=[researcher], status=SharingApplication.Status.APPROVED,
                             purpose="研究糖尿病门诊随访质量", title="糖尿病随访研究")
    second = make_application(second_inst.organisation, [(resource, ["就诊日期"])], by=second_admin,
                              status=SharingApplication.Status.APPROVED, purpose="=HYPERLINK(\"http://x\")",
                              title="季节性就诊规律")
    in_force = make_grant(first)
    closed = make_grant(second, status=DataGrant.Status.CLOSED,
                        created_at=timezone.make_aware(datetime.datetime(2024, 5, 6, 10, 0)),
                        starts_on=datetime.date(2024, 5, 6), ends_on=datetime.date(2025, 5, 5))
    return {"resource": resource, "in_force": in_force, "closed": closed, "people": [
        researcher.full_name, first_admin.full_name, second_admin.full_name, provider_admin.full_name]}


def test_anyone_reads_the_register_without_personal_data_SVC_5(client, register):
    response = client.get("/catalog/register/")
    page = response.content.decode()
    assert response.status_code == 200
    for grant in (register["in_force"], register["closed"]):
        assert grant.number in page and grant.applicant.name in page
    assert register["resource"].code in page and "研究糖尿病门诊随访质量" in page
    assert register["resource"].published_version.title_en in page  # English visitors see the English title
    assert "Closed: destruction certified" in page and "In force" in page
    for name in register["people"]:
        assert name not in page


def test_register_search_and_filters(client, register):
    def numbers(**params):
        return {grant.number for grant in register_services.register_search(params)}

    in_force, closed = register["in_force"].number, register["closed"].number
    assert numbers() == {in_force, closed}
    assert numbers(q="第一研究所") == {in_force}
    assert numbers(q=register["resource"].code.lower()) == {in_force, closed}
    assert numbers(q="诊疗登记") == {in_force, closed}
    assert numbers(year="2024") == {closed}
    assert numbers(year=str(timezone.localdate().year)) == {in_force}
    assert numbers(status="closed") == {closed}
    assert numbers(status="nonsense", year="19x") == {in_force, closed}  # unknown filters are ignored
    page = client.get("/catalog/register/", {"q": "第一研究所"}).content.decode()
    assert in_force in page and closed not in page
    rows = client.get("/catalog/register/", {"status": "closed"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in rows.content and closed.encode() in rows.content


def test_register_query_count_does_not_grow_with_rows(client, register, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get("/catalog/register/")
    provider = register["resource"].provider
    for _ in range(8):
        institution, admin = provider_institution("350203")
        application = make_application(institution.organisation, [(register["resource"], ["诊断编码"])], by=admin,
                                       status=SharingApplication.Status.APPROVED)
        make_grant(application)
    assert provider
    with django_assert_max_num_queries(6):
        response = client.get("/catalog/register/")
    assert response.content.count(b"<tr") == 11  # header + 10 grants


def test_register_csv_export_is_safe_and_impersonal(client, register):
    response = client.get("/catalog/register.csv", {"status": "closed"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == list(register_services.CSV_HEADER)
    assert len(rows) == 2 and rows[1][0] == register["closed"].number
    assert rows[1][5] == "'=HYPERLINK(\"http://x\")"  # a formula is written as text
    assert register["resource"].code in rows[1][6]
    for name in register["people"]:
        assert name not in text


def test_register_api_is_public(client, register):
    body = client.get("/api/v1/catalog/register/", {"q": "第一研究所"}).json()
    assert [row["number"] for row in body["results"]] == [register["in_force"].number]
    row = body["results"][0]
    assert row["institution"] == "厦门市第一研究所" and row["resources"][0]["code"] == register["resource"].code
    assert set(row) == {"number", "status", "institution", "institution_credit_code", "project", "purpose",
                        "resources", "starts_on", "ends_on", "created_at"}
    assert "recipients" not in str(body) and "周研究员" not in str(body)


def test_register_navigation_for_anonymous_visitors(client):
    from django.contrib.auth.models import AnonymousUser

    from apps.core.navigation import navigation_for

    names = {child["url_name"] for entry in navigation_for(AnonymousUser())
             for child in entry.get("children", [entry])}
    assert {"catalog:public_register", "catalog:verify"} <= names
    assert "catalog:dashboard" not in names and "catalog:incoming_list" not in names
