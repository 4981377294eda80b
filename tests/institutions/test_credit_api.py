"""Credit through the regulatory access port (INS-3, INS-8): same services, same scoping as the pages."""

import pytest
from django.urls import reverse

from apps.institutions.models import CreditEvent, CreditObjection, CreditTrigger, Institution
from apps.institutions.services.credit import credit_recompute
from apps.institutions.services.credit_actions import credit_objection_submit
from tests.conftest import login_verified, make_user
from tests.institutions.credit_helpers import OBJECTION, REASON, _no_broker, add_event  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db
DECISION = "经核实，整改已完成，撤销该条目。"


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED)


@pytest.fixture
def own_admin(hospital):
    return make_user(hospital.organisation, "institution_admin")


def _rating_url(institution) -> str:
    return reverse("api:institutions-credit", args=[institution.pk])


def test_ins3_api_rating_with_items(client, hospital, gulou):
    event = add_event(hospital, -20)
    event.source_url = "/inspections/3/"
    event.save()
    credit_recompute(institution_ids=[hospital.pk])
    login_verified(client, make_user(gulou, "reviewer"))
    body = client.get(_rating_url(hospital)).json()
    assert (body["score"], body["grade"], body["base_score"]) == (80, "B", 100)
    assert body["grade_details"]["inspection_interval_months"] == 24
    item = body["items"][0]
    assert (item["rule_code"], item["points"], item["state"], item["source_url"]) == (
        "FINDING-MAJOR", -20, "in_force", "/inspections/3/")
    assert item["objection"] is None


@pytest.mark.parametrize(("who", "expected"), [
    ("outside", 404), ("own_admin", 200), ("own_steward", 403), ("other_institution", 404),
])
def test_api_rating_scoping(client, hospital, xiamen, who, expected):
    other = make_institution("350102")
    user = {"outside": lambda: make_user(xiamen, "reviewer"),
            "own_admin": lambda: make_user(hospital.organisation, "institution_admin"),
            "own_steward": lambda: make_user(hospital.organisation, "data_steward"),
            "other_institution": lambda: make_user(other.organisation, "institution_admin")}[who]()
    login_verified(client, user)
    response = client.get(_rating_url(hospital))
    assert response.status_code == expected
    if expected != 200:
        assert "error" in response.json()


def test_api_anonymous_is_refused(client, hospital):
    assert client.get(_rating_url(hospital)).status_code in (401, 403)


def test_api_adjustment(client, hospital, gulou):
    login_verified(client, make_user(gulou, "department_head"))
    url = reverse("api:institutions-credit-adjust", args=[hospital.pk])
    response = client.post(url, {"points": -8, "reason": REASON}, content_type="application/json")
    assert response.status_code == 201 and response.json()["points"] == -8
    assert Institution.objects.get(pk=hospital.pk).credit_score == 92
    bad = client.post(url, {"points": -8, "reason": ""}, content_type="application/json")
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    assert CreditEvent.objects.count() == 1


@pytest.mark.parametrize(("who", "expected"), [("outside", 404), ("inspector", 403)])
def test_api_adjustment_refusals(client, hospital, gulou, xiamen, who, expected):
    user = {"outside": lambda: make_user(xiamen, "department_head"),
            "inspector": lambda: make_user(gulou, "inspector")}[who]()
    login_verified(client, user)
    response = client.post(reverse("api:institutions-credit-adjust", args=[hospital.pk]),
                           {"points": -8, "reason": REASON}, content_type="application/json")
    assert response.status_code == expected and CreditEvent.objects.count() == 0


def test_api_objection_and_decision(client, hospital, own_admin, gulou):
    event = add_event(hospital, -20)
    credit_recompute(institution_ids=[hospital.pk])
    login_verified(client, own_admin)
    response = client.post(reverse("api:institutions-credit-object", args=[event.pk]), {"reason": OBJECTION},
                           content_type="application/json")
    assert response.status_code == 201
    objection_id = response.json()["id"]
    again = client.post(reverse("api:institutions-credit-object", args=[event.pk]), {"reason": OBJECTION},
                        content_type="application/json")
    assert again.status_code == 409
    mine = client.get(reverse("api:institutions-credit-objections")).json()["results"]
    assert [row["id"] for row in mine] == [objection_id]
    decide_url = reverse("api:institutions-credit-objection-decide", args=[objection_id])
    assert client.post(decide_url, {"uphold": True, "reason": DECISION},
                       content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, make_user(gulou, "reviewer"))
    response = client.post(decide_url, {"uphold": True, "reason": DECISION}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "upheld"
    assert Institution.objects.get(pk=hospital.pk).credit_score == 100
    item = client.get(_rating_url(hospital)).json()["items"][0]
    assert item["state"] == "withdrawn" and item["objection"] == {"id": objection_id, "status": "upheld"}


def test_api_objection_decision_outside_the_jurisdiction_is_not_found(client, hospital, own_admin, xiamen):
    objection = credit_objection_submit(event=add_event(hospital, -3), reason=OBJECTION, by=own_admin)
    login_verified(client, make_user(xiamen, "reviewer"))
    response = client.post(reverse("api:institutions-credit-objection-decide", args=[objection.pk]),
                           {"uphold": True, "reason": DECISION}, content_type="application/json")
    assert response.status_code == 404
    assert CreditObjection.objects.get().status == CreditObjection.Status.SUBMITTED


def test_api_objection_by_another_institution_is_not_found(client, hospital):
    other = make_institution("350102")
    login_verified(client, make_user(other.organisation, "institution_admin"))
    response = client.post(reverse("api:institutions-credit-object", args=[add_event(hospital, -3).pk]),
                           {"reason": OBJECTION}, content_type="application/json")
    assert response.status_code == 404 and CreditObjection.objects.count() == 0


def test_api_rules_and_grades(client, own_admin):
    login_verified(client, own_admin)
    rules = client.get(reverse("api:institutions-credit-rules")).json()
    assert {rule["trigger"] for rule in rules if rule["is_active"]} == set(CreditTrigger.values)
    grades = client.get(reverse("api:institutions-credit-grades")).json()
    assert [g["code"] for g in grades] == ["A", "B", "C", "D"]


def test_api_rules_need_the_permission(client, hospital):
    login_verified(client, make_user(hospital.organisation, "submitter"))
    assert client.get(reverse("api:institutions-credit-rules")).status_code == 403


def test_api_schema_generation_stays_clean():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/institutions/{id}/credit/" in schema["paths"]
