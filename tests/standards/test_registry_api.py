"""Registry and proposal API (STD-1, STD-2, STD-8): same services, same scoping as the pages."""

import pytest
from django.urls import reverse

from apps.standards.models import Standard, StandardProposal
from apps.standards.services import proposals
from tests.conftest import login_verified
from tests.institutions.uploads import pdf, png
from tests.standards import registry_helpers as helpers
from tests.standards.registry_helpers import S

institution_user, officer = helpers.institution_user, helpers.officer  # fixtures

pytestmark = pytest.mark.django_db


def test_the_registry_api_needs_a_signed_in_user(client):
    assert client.get(reverse("api:standards-list")).status_code in (401, 403)
    standard = Standard.objects.get(code="WS/T 447-2014")
    assert client.get(reverse("api:standards-detail", args=[standard.pk])).status_code in (401, 403)


def test_registry_api_lists_with_filters_and_a_query_budget(client, institution_user, django_assert_max_num_queries):
    login_verified(client, institution_user)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("api:standards-list"), {"category": "05", "page_size": 100}).json()
    codes = {row["code"] for row in body["results"]}
    assert "GB/T 39725-2020" in codes and "WS/T 447-2014" not in codes
    row = next(row for row in body["results"] if row["code"] == "GB/T 35273-2020")
    assert row["supersedes"] == "GB/T 35273-2017" and row["category"]["code"] == "05.03"


def test_an_officer_registers_updates_and_attaches_a_text(client, officer):
    login_verified(client, officer)
    created = client.post(reverse("api:standards-list"), {
        "code": "ws/t xxx-20xx", "title": "接口测试项目", "category": "02.04"}, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["code"], body["status"], body["nature"]) == ("WS/T XXX-20XX", "project", "recommended")
    url = reverse("api:standards-detail", args=[body["id"]])
    patched = client.patch(url, {"title": "接口测试项目（改）"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["title"] == "接口测试项目（改）"
    assert patched.json()["code"] == "WS/T XXX-20XX"
    upload = reverse("api:standards-text-upload", args=[body["id"]])
    assert client.post(upload, {"text": png()}).status_code == 400
    attached = client.post(upload, {"text": pdf()})
    assert attached.status_code == 200 and attached.json()["text_url"] == reverse("standards:text", args=[body["id"]])


def test_api_refuses_a_duplicate_code_with_the_field_error(client, officer):
    login_verified(client, officer)
    response = client.post(reverse("api:standards-list"), {
        "code": "ＷＳ／Ｔ 447-2014", "title": "重复", "category": "03.01", "status": "in_force",
        "published_on": "2014-01-01", "in_force_on": "2014-06-01"}, content_type="application/json")
    assert response.status_code == 400
    assert "already registered" in response.json()["error"]["fields"]["code"][0]


def test_api_refuses_the_change_of_a_published_code(client, officer):
    login_verified(client, officer)
    standard = Standard.objects.get(code="WS/T 447-2014")
    response = client.patch(reverse("api:standards-detail", args=[standard.pk]), {"code": "WS/T 448-2015"},
                            content_type="application/json")
    assert response.status_code == 400 and "code" in response.json()["error"]["fields"]


def test_an_institution_user_cannot_write_through_the_api(client, institution_user):
    login_verified(client, institution_user)
    response = client.post(reverse("api:standards-list"), {"code": "WS/T XXX-20XX", "title": "x", "category": "02.04"},
                           content_type="application/json")
    assert response.status_code == 403 and not Standard.objects.filter(code="WS/T XXX-20XX").exists()
    standard = Standard.objects.get(code="WS/T 447-2014")
    assert client.patch(reverse("api:standards-detail", args=[standard.pk]), {"title": "x"},
                        content_type="application/json").status_code == 403
    assert client.get(reverse("api:standards-proposal-list")).status_code == 403


def test_officers_read_and_decide_proposals_through_the_api(client, officer):
    proposal = proposals.proposal_submit(data={
        "kind": "revision", "target": "WS/T 482-2016", "reason": "共享文档编制规范需要适应新的互联互通测评要求。",
        "proposer_name": "吴刚", "proposer_email": "wu@example.cn"}, client_key="x")
    login_verified(client, officer)
    listing = client.get(reverse("api:standards-proposal-list"), {"status": "submitted"}).json()
    assert [row["number"] for row in listing["results"]] == [proposal.number]
    assert listing["results"][0]["proposer_email"] == "wu@example.cn"
    decide = reverse("api:standards-proposal-decide", args=[proposal.pk])
    assert client.post(decide, {"decision": "reject"}, content_type="application/json").status_code == 400
    accepted = client.post(decide, {"decision": "accept", "reason": "同意修订。"}, content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["project"] == "WS/T 482-20XX"
    assert client.post(decide, {"decision": "accept"}, content_type="application/json").status_code == 409
    assert StandardProposal.objects.get().status == StandardProposal.Status.ACCEPTED
    assert Standard.objects.get(code="WS/T 482-2016").status == S.UNDER_REVISION


def test_an_unknown_category_or_superseded_code_is_a_translated_field_error(client, officer):
    login_verified(client, officer)
    response = client.post(reverse("api:standards-list"), {
        "code": "WS/T XXX-20XX", "title": "接口测试项目", "category": "99.99", "supersedes": "WS 1-2000"},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["supersedes"] == ["未登记编号为 WS 1-2000 的标准。"]
    assert "99.99" in fields["category"][0]
