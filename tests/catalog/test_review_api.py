"""Review steps through the API (SVC-2, SEC-4, SEC-9): the same rules and the one error shape."""

import pytest
from django.urls import reverse

from apps.catalog.models import RouteStep, SharingApplication
from apps.catalog.services import routing
from tests.conftest import login_verified, make_user

from . import routing_helpers
from .factories import provider_institution
from .routing_helpers import case, name_and_declare

pytestmark = pytest.mark.django_db
depts = routing_helpers.depts  # fixture


def api(name, *args):
    return reverse(f"api:catalog-{name}", args=args)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_steps_list_the_visible_and_mine_SVC_2(client, depts):
    c = case(depts, level=3)
    other = case(depts, level=2)
    reviewer = depts.reviewer("fuzhou")
    routing.step_reviewers_assign(c.steps[1], users=[reviewer], by=reviewer)
    login_verified(client, reviewer)
    everything = client.get(api("step-list")).json()["results"]
    ids = {row["id"] for row in everything}
    assert {c.steps[0].pk, c.steps[1].pk, other.steps[0].pk} <= ids  # the jurisdiction's steps
    mine = client.get(api("step-list"), {"mine": "1"}).json()["results"]
    assert [row["id"] for row in mine] == [c.steps[1].pk]
    assert mine[0]["reviewers"] == [{"id": reviewer.pk, "name": reviewer.get_full_name()}]
    assert mine[0]["rule_priority"] == 40 and mine[0]["kind"] == "provider_municipal"


def test_steps_list_has_a_query_budget_SVC_2(client, depts, django_assert_max_num_queries):
    reviewer = depts.reviewer("fuzhou")
    for _ in range(5):
        routing.step_reviewers_assign(case(depts, level=3).steps[1], users=[reviewer], by=reviewer)
    login_verified(client, reviewer)
    client.get(api("step-list"))
    with django_assert_max_num_queries(12):
        rows = client.get(api("step-list")).json()["results"]
    assert len(rows) == 10


def test_assign_declare_decide_through_the_api_SVC_2(client, depts):
    c = case(depts, level=2)
    step = c.steps[0]
    login_verified(client, c.provider_admin)
    response = _post(client, api("step-assign", step.pk), {"users": [c.provider_admin.pk]})
    assert response.status_code == 200, response.json()
    response = _post(client, api("step-decide", step.pk), {"decision": "approve"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "declaration_required"
    response = _post(client, api("step-declare", step.pk), {"statement": "无利益冲突"})
    assert response.status_code == 201
    response = _post(client, api("step-decide", step.pk), {"decision": "approve_with_conditions", "conditions": ""})
    assert response.status_code == 400 and "conditions" in response.json()["error"]["fields"]
    response = _post(client, api("step-decide", step.pk), {"decision": "approve_with_conditions",
                                                           "conditions": "仅限院内分析",
                                                           "field_comments": {"security_measures": "需加密存储"}})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved_with_conditions"
    assert SharingApplication.objects.get(pk=c.application.pk).status == "approved"


def test_assigning_someone_of_the_applying_institution_is_refused_SEC_4(client, depts):
    c = case(depts, level=2)
    login_verified(client, c.provider_admin)
    response = _post(client, api("step-assign", c.steps[0].pk), {"users": [c.applicant_admin.pk]})
    assert response.status_code == 400 and "users" in response.json()["error"]["fields"]
    assert routing.step_reviewers(c.steps[0]) == []


def test_a_reviewer_not_assigned_gets_403_and_an_invisible_step_404_SEC_4(client, depts):
    c = case(depts, level=2)
    name_and_declare(c.steps[0], c.provider_admin)
    colleague = make_user(c.provider.organisation, "institution_admin")
    login_verified(client, colleague)
    assert _post(client, api("step-decide", c.steps[0].pk), {"decision": "approve"}).status_code == 403
    client.logout()
    _other, stranger = provider_institution("350102")
    login_verified(client, stranger)
    assert client.get(api("step-detail", c.steps[0].pk)).status_code == 404
    assert _post(client, api("step-decide", c.steps[0].pk), {"decision": "approve"}).status_code == 404
    assert RouteStep.objects.get(pk=c.steps[0].pk).status == "active"


def test_the_applicant_reads_its_route_and_others_get_404_SVC_2(client, depts):
    c = case(depts, level=3)
    login_verified(client, c.applicant_admin)
    rows = client.get(api("application-route", c.application.pk)).json()
    assert [(row["kind"], row["status"]) for row in rows] == [("provider", "active"), ("provider_municipal", "waiting")]
    assert rows[0]["rule"]["priority"] == 40
    assert client.get(api("step-detail", c.steps[0].pk)).status_code == 404  # steps are the deciders' records
    client.logout()
    _other, stranger = provider_institution("350203")
    login_verified(client, stranger)
    assert client.get(api("application-route", c.application.pk)).status_code == 404


def test_security_assessment_through_the_api_SEC_9(client, depts):
    c = case(depts, level=2, cross_border=True, cross_border_destination="新加坡")
    url = api("application-security-assessment", c.application.pk)
    login_verified(client, c.provider_admin)
    assert _post(client, url, {"reference": "X", "assessed_on": "2026-01-05"}).status_code == 403
    client.logout()
    login_verified(client, depts.reviewer("fujian"))
    response = _post(client, url, {"reference": "闽网信评〔2026〕7号", "assessed_on": routing.today().isoformat()})
    assert response.status_code == 200, response.json()
    assert response.json()["reference"] == "闽网信评〔2026〕7号"
    client.logout()
    login_verified(client, depts.reviewer("guangdong"))
    assert _post(client, url, {"reference": "X", "assessed_on": "2026-01-05"}).status_code == 404
