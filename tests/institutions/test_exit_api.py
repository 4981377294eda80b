"""Exit and restoration through the API (INS-4, INS-8): same services, same scoping, one error shape."""

import pytest
from django.urls import reverse

from apps.institutions.models import Institution, StatusDecision
from apps.institutions.services import exit as exit_services
from tests.conftest import login_verified, make_user
from tests.institutions.exit_helpers import FACTS, _no_broker, decide, propose  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED)


@pytest.fixture
def inspector(gulou):
    return make_user(gulou, "inspector")


@pytest.fixture
def head(gulou):
    return make_user(gulou, "department_head")


def payload(institution, **overrides):
    return {"institution": institution.pk, "measure": "suspend", "ground": "serious_violation", "facts": FACTS,
            **overrides}


def test_inspector_proposes_through_the_api_INS_4(client, hospital, inspector):
    login_verified(client, inspector)
    response = client.post(reverse("api:institutions-decisions"), payload(hospital), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "proposed" and body["institution"] == hospital.pk and body["letter_url"] is None


def test_second_proposal_answers_409_with_the_error_shape(client, hospital, inspector):
    propose(hospital, inspector)
    login_verified(client, inspector)
    response = client.post(reverse("api:institutions-decisions"), payload(hospital, measure="revoke"),
                           content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    assert StatusDecision.objects.count() == 1


def test_missing_facts_answer_400_on_the_field(client, hospital, inspector):
    login_verified(client, inspector)
    response = client.post(reverse("api:institutions-decisions"), payload(hospital, facts=""),
                           content_type="application/json")
    assert response.status_code == 400 and "facts" in response.json()["error"]["fields"]
    assert StatusDecision.objects.count() == 0


def test_institution_user_gets_403_and_other_jurisdiction_404(client, hospital, xiamen):
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    assert client.post(reverse("api:institutions-decisions"), payload(hospital),
                       content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, make_user(xiamen, "inspector"))
    assert client.post(reverse("api:institutions-decisions"), payload(hospital),
                       content_type="application/json").status_code == 404
    assert StatusDecision.objects.count() == 0


def test_anonymous_cannot_reach_decisions(client, hospital, inspector):
    decision = propose(hospital, inspector)
    assert client.get(reverse("api:institutions-decisions")).status_code in (401, 403)
    assert client.post(reverse("api:institutions-decision-decide", args=[decision.pk]),
                       {"decision_text": "x"}).status_code in (401, 403)


def test_list_is_scoped_to_the_jurisdiction(client, hospital, inspector, xiamen, django_assert_max_num_queries):
    ours = propose(hospital, inspector)
    theirs = propose(make_institution("350203"), make_user(xiamen, "inspector"))
    login_verified(client, inspector)
    with django_assert_max_num_queries(10):
        numbers = [row["number"] for row in client.get(reverse("api:institutions-decisions")).json()["results"]]
    assert ours.number in numbers and theirs.number not in numbers


def test_head_decides_and_the_detail_links_the_letter(client, hospital, inspector, head):
    decision = propose(hospital, inspector)
    login_verified(client, head)
    response = client.post(reverse("api:institutions-decision-decide", args=[decision.pk]),
                           {"decision_text": "暂停准入资格。", "disclosed": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "decided"
    hospital.refresh_from_db()
    assert hospital.status == Institution.Status.SUSPENDED
    letter = exit_services.status_decision_letter_generate(decision_id=decision.pk)
    detail = client.get(reverse("api:institutions-decision-detail", args=[decision.pk])).json()
    assert detail["letter_url"].endswith(reverse("institutions:document_download", args=[letter.pk]))


def test_inspector_cannot_decide_through_the_api(client, hospital, inspector):
    decision = propose(hospital, inspector)
    login_verified(client, inspector)
    response = client.post(reverse("api:institutions-decision-decide", args=[decision.pk]),
                           {"decision_text": "x"}, content_type="application/json")
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.status == StatusDecision.Status.PROPOSED


def test_head_dismisses_through_the_api(client, hospital, inspector, head):
    decision = propose(hospital, inspector)
    login_verified(client, head)
    response = client.post(reverse("api:institutions-decision-dismiss", args=[decision.pk]),
                           {"reason": "证据不足。"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"


def test_other_institution_gets_404_on_a_decision(client, hospital, inspector, head):
    decision = decide(propose(hospital, inspector), head)
    login_verified(client, make_user(make_institution("350102").organisation, "institution_admin"))
    assert client.get(reverse("api:institutions-decision-detail", args=[decision.pk])).status_code == 404
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    assert client.get(reverse("api:institutions-decision-detail", args=[decision.pk])).status_code == 200
