"""Effectiveness pages and API (STD-7): the figures, the officer's draft, the head's decision."""

import pytest
from django.urls import reverse

from apps.standards.models import EffectivenessAssessment, Standard
from tests.conftest import login_verified, make_user
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import declare

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force
A = EffectivenessAssessment


def test_std7_officer_prepares_and_completes_on_the_pages(client, hospital, hospital_admin, in_force, national):
    declare(hospital, in_force, hospital_admin)
    login_verified(client, make_user(national, "standards_officer"))
    response = client.post(reverse("standards:assessment_create"), {"standard": in_force.pk})
    assessment = A.objects.get(standard=in_force)
    assert response["Location"] == reverse("standards:assessment_detail", args=[assessment.pk])
    detail = reverse("standards:assessment_detail", args=[assessment.pk])
    page = client.get(detail).content.decode()
    assert "100.0%" in page and "1 of 1 admitted institutions" in page
    assert 'data-testid="decision-form"' not in page  # the officer does not decide
    assert client.post(detail, {"action": "save", "comments_summary": "字段定义不清",
                                "conclusion": "建议修订"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.conclusion == "建议修订"
    assert in_force.code in client.get(reverse("standards:assessment_list") + f"?standard={in_force.pk}").content.decode()


def test_std7_head_decides_revise_on_the_page_and_the_revision_starts(client, in_force, national):
    from apps.standards.services.effectiveness import assessment_prepare

    assessment = assessment_prepare(standard=in_force, by=make_user(national, "standards_officer"))
    login_verified(client, make_user(national, "department_head"))
    detail = reverse("standards:assessment_detail", args=[assessment.pk])
    assert 'data-testid="decision-form"' in client.get(detail).content.decode()
    response = client.post(detail, {"action": "decide", "conclusion": "需修订", "decision": "revise"}, follow=True)
    assert "Decided: a revision project is registered." in response.content.decode()
    assessment.refresh_from_db()
    in_force.refresh_from_db()
    assert in_force.status == Standard.Status.UNDER_REVISION and assessment.revision.supersedes_id == in_force.pk
    assert assessment.revision.code in response.content.decode()


@pytest.mark.parametrize(("role", "create", "list_"), [
    ("standards_officer", 200, 200), ("department_head", 200, 200), ("reviewer", 403, 200),
    ("institution_admin", 403, 200),
])
def test_assessment_pages_permission(client, hospital, national, role, create, list_):
    organisation = hospital.organisation if role == "institution_admin" else national
    login_verified(client, make_user(organisation, role))
    assert client.get(reverse("standards:assessment_create")).status_code == create
    assert client.get(reverse("standards:assessment_list")).status_code == list_


def test_std7_api_prepare_and_decide_abolish(client, in_force, national):
    login_verified(client, make_user(national, "standards_officer"))
    response = client.post(reverse("api:standards-assessment-list"), {"standard": in_force.pk},
                           content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.post(reverse("api:standards-assessment-decide", args=[pk]),
                       {"conclusion": "x", "decision": "keep"}, content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, make_user(national, "department_head"))
    body = client.post(reverse("api:standards-assessment-decide", args=[pk]),
                       {"conclusion": "已不适用", "decision": "abolish"}, content_type="application/json").json()
    assert (body["status"], body["decision"]) == ("decided", "abolish")
    assert Standard.objects.get(pk=in_force.pk).status == Standard.Status.ABOLISHED
