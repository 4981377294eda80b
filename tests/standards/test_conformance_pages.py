"""Conformance pages and API (STD-6): institution own/other, department in/out of the jurisdiction."""

import pytest
from django.urls import reverse

from apps.institutions.models import CreditEvent
from apps.standards.models import ConformanceEvaluation
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution
from tests.institutions.uploads import pdf
from tests.standards import adoption_helpers
from tests.standards.test_conformance_services import TEXT, self_assess

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force
C = ConformanceEvaluation


def test_std6_institution_submits_on_its_page(client, hospital, hospital_admin, in_force):
    login_verified(client, hospital_admin)
    assert 'data-testid="self-assessment-form"' in client.get(reverse("standards:conformance_mine")).content.decode()
    response = client.post(reverse("standards:conformance_mine"), {
        "standard": in_force.code, "result": "conforms", "assessment": TEXT, "evidence": pdf()})
    evaluation = C.objects.get(organisation=hospital.organisation)
    assert response.status_code == 302 and response["Location"] == reverse("standards:conformance_detail",
                                                                           args=[evaluation.pk])
    page = client.get(reverse("standards:conformance_mine")).content.decode()
    assert in_force.code in page


def test_std6_department_work_list_and_evaluation_page(client, hospital, hospital_admin, in_force, gulou,
                                                       django_assert_max_num_queries):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    for _ in range(3):
        other = make_institution("350102")
        self_assess(other, in_force, make_user(other.organisation, "institution_admin"))
    login_verified(client, make_user(gulou, "standards_officer"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("standards:conformance_list")).content.decode()
    assert hospital.name in page
    detail = reverse("standards:conformance_detail", args=[evaluation.pk])
    assert 'data-testid="evaluate-form"' in client.get(detail).content.decode()
    response = client.post(detail, {"action": "evaluate", "result": "does_not", "level": "fail", "findings": ""})
    assert response.status_code == 400 and "Record the findings" in response.content.decode()
    response = client.post(detail, {"action": "evaluate", "result": "conforms", "level": "excellent", "findings": ""})
    assert response.status_code == 302
    assert CreditEvent.objects.get(institution_id=hospital.pk).rule.trigger == "conformance.excellent"
    assert 'data-testid="evaluation-result"' in client.get(detail).content.decode()


def test_return_and_resubmit_on_the_pages(client, hospital, hospital_admin, in_force, gulou):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    detail = reverse("standards:conformance_detail", args=[evaluation.pk])
    login_verified(client, make_user(gulou, "standards_officer"))
    assert client.post(detail, {"action": "return", "reason": "缺少证据"}).status_code == 302
    client.logout()
    login_verified(client, hospital_admin)
    page = client.get(detail).content.decode()
    assert 'data-testid="resubmit-form"' in page and "缺少证据" in page
    assert client.post(detail, {"action": "resubmit", "result": "conforms", "assessment": TEXT}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "self_assessed"


@pytest.mark.parametrize(("who", "expected", "evaluate"), [
    ("own", 200, 403), ("department_in", 200, 403), ("department_out", 404, 404), ("other_institution", 404, 404),
])
def test_conformance_detail_permission(client, hospital, hospital_admin, in_force, gulou, xiamen, who, expected,
                                       evaluate):
    """A reviewer of the jurisdiction sees it but may not evaluate; outsiders do not even see it."""
    evaluation = self_assess(hospital, in_force, hospital_admin, evidence_upload=pdf())
    other = make_institution("350102")
    user = {"own": lambda: hospital_admin, "department_in": lambda: make_user(gulou, "reviewer"),
            "department_out": lambda: make_user(xiamen, "standards_officer"),
            "other_institution": lambda: make_user(other.organisation, "institution_admin")}[who]()
    login_verified(client, user)
    assert client.get(reverse("standards:conformance_detail", args=[evaluation.pk])).status_code == expected
    assert client.get(reverse("standards:conformance_evidence", args=[evaluation.pk])).status_code == expected
    response = client.post(reverse("standards:conformance_detail", args=[evaluation.pk]),
                           {"action": "evaluate", "result": "conforms", "level": "good"})
    assert response.status_code == evaluate
    assert not CreditEvent.objects.exists()


def test_department_list_excludes_other_jurisdictions(client, hospital, hospital_admin, in_force, xiamen):
    self_assess(hospital, in_force, hospital_admin)
    login_verified(client, make_user(xiamen, "standards_officer"))
    assert hospital.name not in client.get(reverse("standards:conformance_list")).content.decode()


# --- API ----------------------------------------------------------------------------------------------------


def test_std6_api_self_assess_evaluate_and_scoping(client, hospital, hospital_admin, in_force, gulou, xiamen):
    login_verified(client, hospital_admin)
    response = client.post(reverse("api:standards-conformance-list"),
                           {"standard": in_force.code, "result": "conforms", "assessment": TEXT},
                           content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    client.logout()
    login_verified(client, make_user(xiamen, "standards_officer"))
    evaluate = reverse("api:standards-conformance-evaluate", args=[pk])
    assert client.post(evaluate, {"result": "conforms", "level": "good"},
                       content_type="application/json").status_code == 404
    client.logout()
    login_verified(client, make_user(gulou, "standards_officer"))
    body = client.post(evaluate, {"result": "conforms", "level": "good"}, content_type="application/json").json()
    assert (body["status"], body["level"]) == ("evaluated", "good")
    assert CreditEvent.objects.get(institution_id=hospital.pk).rule.trigger == "conformance.passed"
    rows = client.get(reverse("api:standards-conformance-list") + "?status=evaluated").json()["results"]
    assert [row["id"] for row in rows] == [pk]
