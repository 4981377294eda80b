"""Sharing applications through /api/v1/catalog/applications/ (SVC-2, SEC-4, SEC-8): the services of the pages,
scoped the same way."""

import pytest
from django.urls import reverse

from apps.catalog.models import Recipient, SharingApplication
from apps.catalog.services import applications as services
from tests.catalog import application_helpers as helpers
from tests.catalog.application_helpers import complete, draft, field_ids, suspend
from tests.catalog.factories import make_resource
from tests.catalog.grants_helpers import grant_case
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
provider, provider_admin, resource = helpers.provider, helpers.provider_admin, helpers.resource
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current
LIST = "api:catalog-application-list"


def url(name, *args):
    return reverse(f"api:catalog-application-{name}", args=args)


def payload(**overrides):
    data = helpers.answers(**overrides)
    for key in ("period_start", "period_end"):
        data[key] = data[key].isoformat()
    return data


def test_svc2_the_whole_application_through_the_api(client, applicant_admin, resource, provider, current):
    login_verified(client, applicant_admin)
    created = client.post(reverse(LIST), payload(), content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    pk = body["id"]
    assert body["status"] == "draft" and body["number"].startswith("SQ")
    assert [r["role"] for r in body["recipients"]] == ["lead"]
    changed = client.patch(url("detail", pk), {"purpose": "API 修改的用途"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["purpose"] == "API 修改的用途"
    items = client.put(url("items", pk), {"items": [{"resource": resource.pk,
                                                     "fields": field_ids(resource, "性别"),
                                                     "justification": "统计"}]}, content_type="application/json")
    assert items.status_code == 200
    item = items.json()["items"][0]
    assert item["resource_code"] == resource.code and [f["name"] for f in item["fields"]] == ["性别"]
    dry = client.get(url("validate", pk)).json()
    assert dry["valid"] is False and set(dry["problems"]) == {"documents", "recipients"}
    assert [step["organisation"] for step in dry["route"]] == [provider.pk] and dry["refusal"] == ""
    uploaded = client.post(url("documents", pk), {"kind": "ethics_approval", "file": helpers.pdf("批件.pdf")})
    assert uploaded.status_code == 201 and uploaded.json()["original_name"] == "批件.pdf"
    accepted = client.post(url("agreement", pk))
    assert accepted.status_code == 200 and accepted.json()["agreement_version"] == current.version
    assert client.get(url("validate", pk)).json() == {
        "valid": True, "problems": {}, "refusal": "",
        "route": [{"order": 1, "kind": "provider", "organisation": provider.pk,
                   "organisation_name": provider.organisation.name, "rule": "Level 1-2",
                   "resource_codes": [resource.code]}]}
    submitted = client.post(url("submit", pk))
    assert submitted.status_code == 200
    detail = client.get(url("detail", pk)).json()
    assert detail["status"] == "in_review" and detail["round"] == 1
    assert [(s["kind"], s["status"], s["organisation"]) for s in detail["steps"]] == [
        ("provider", "active", provider.pk)]
    withdrawn = client.post(url("withdraw", pk), {"reason": "项目终止"}, content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_svc2_api_errors_carry_every_message(client, applicant_admin, resource, provider, current):
    login_verified(client, applicant_admin)
    data = payload()
    data["period_end"], data["period_start"] = data["period_start"], data["period_end"]
    response = client.post(reverse(LIST), data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"period_end": ["The end date is before the start date."]}
    application = draft(applicant_admin, resource, names=("性别",))
    other = make_resource(provider.organisation, fields=[("血型", 3, False)])
    response = client.put(url("items", application.pk), {"items": [{"resource": resource.pk,
                                                                    "fields": field_ids(other)}]},
                          content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["items"] == [f"Fields not in the resource {resource.code}: 血型."]
    response = client.post(url("submit", application.pk))
    assert response.status_code == 400 and response.json()["error"]["code"] == "incomplete"
    assert SharingApplication.objects.get(pk=application.pk).status == "draft"


def test_svc2_not_shareable_through_the_api(client, applicant_admin, provider, current):
    closed = make_resource(provider.organisation, fields=helpers.LOW_FIELDS, sharing_type="not_shareable")
    application = complete(applicant_admin, closed)
    login_verified(client, applicant_admin)
    dry = client.get(url("validate", application.pk)).json()
    assert dry["valid"] is False and "not shareable" in dry["refusal"] and dry["route"] == []
    response = client.post(url("submit", application.pk))
    assert response.status_code == 400 and "not shareable" in response.json()["error"]["message"]
    assert SharingApplication.objects.get(pk=application.pk).status == "draft"


def test_svc2_suspended_applicant_cannot_create_through_the_api(client, hospital, applicant_admin):
    suspend(hospital)
    login_verified(client, applicant_admin)
    response = client.post(reverse(LIST), payload(), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "applicant_may_not_apply"
    assert not SharingApplication.objects.exists()


def test_sec4_scoping_of_the_list_and_the_detail(client, applicant_admin, resource, provider_admin):
    application = draft(applicant_admin, resource)
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    own = draft(stranger)
    login_verified(client, stranger)
    assert [row["id"] for row in client.get(reverse(LIST)).json()["results"]] == [own.pk]
    assert client.get(url("detail", application.pk)).status_code == 404
    assert client.patch(url("detail", application.pk), {"purpose": "x"},
                        content_type="application/json").status_code == 404
    login_verified(client, provider_admin)
    assert [row["id"] for row in client.get(reverse(LIST)).json()["results"]] == [application.pk]
    assert client.get(url("detail", application.pk)).status_code == 200
    for method, name, data in (("patch", "detail", {"purpose": "x"}), ("put", "items", {"items": []}),
                               ("post", "submit", None), ("post", "withdraw", {"reason": "x"}),
                               ("get", "validate", None)):
        response = getattr(client, method)(url(name, application.pk), data, content_type="application/json")
        assert response.status_code == 403, name
    assert client.get(reverse(LIST) + "?mine=1").json()["results"] == []


def test_sec4_recipients_through_the_api(client, applicant_admin, resource):
    application = draft(applicant_admin, resource)
    partner = make_user(make_institution("350102").organisation, "submitter")
    login_verified(client, applicant_admin)
    wrong = client.post(url("recipients", application.pk), {"username": partner.username, "email": "x@example.cn"},
                        content_type="application/json")
    assert wrong.status_code == 400 and "username" in wrong.json()["error"]["fields"]
    added = client.post(url("recipients", application.pk), {"username": partner.username, "email": partner.email},
                        content_type="application/json")
    assert added.status_code == 201 and added.json()["role"] == "co_applicant"
    login_verified(client, partner)
    assert client.get(url("detail", application.pk)).status_code == 200
    assert client.post(url("agreement", application.pk)).json()["agreement_version"]
    assert client.patch(url("detail", application.pk), {"purpose": "x"},
                        content_type="application/json").status_code == 403
    login_verified(client, applicant_admin)
    removed = client.delete(url("recipient", application.pk, added.json()["id"]))
    assert removed.status_code == 204 and not Recipient.objects.filter(user=partner).exists()
    login_verified(client, partner)
    assert client.get(url("detail", application.pk)).status_code == 404


def test_svc2_follow_up_through_the_api(client):
    case = grant_case()
    login_verified(client, case.applicant_admin)
    response = client.post(url("followups", case.application.pk), {"kind": "renewal"},
                           content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "renewal" and body["parent"] == case.application.number
    again = client.post(url("followups", case.application.pk), {"kind": "amendment"},
                        content_type="application/json")
    assert again.status_code == 400 and "already has an open follow-up" in again.json()["error"]["message"]
    assert services.open_followup(case.application).pk == body["id"]


def test_the_list_costs_the_same_for_many_rows(client, applicant_admin, resource):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draft(applicant_admin, resource)
    login_verified(client, applicant_admin)
    client.get(reverse(LIST))  # warm the session and the content-type cache
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(LIST) + "?mine=1")
    for _ in range(6):
        draft(applicant_admin, resource)
    with CaptureQueriesContext(connection) as seven:
        rows = client.get(reverse(LIST) + "?mine=1").json()["results"]
    assert len(rows) == 7 and len(seven) == len(one) <= 10
