"""Exit and restoration pages (INS-4): work list, proposal form, decision page, letter, institution tab."""

import pytest
from django.urls import reverse

from apps.institutions.models import Document, Institution, StatusDecision
from apps.institutions.services import exit as exit_services
from tests.conftest import login_verified, make_user
from tests.institutions.exit_helpers import FACTS, _no_broker, decide, propose  # noqa: F401
from tests.institutions.factories import make_institution
from tests.institutions.uploads import pdf

pytestmark = pytest.mark.django_db

Measure = StatusDecision.Measure


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED, name="鼓楼测试医院")


@pytest.fixture
def inspector(gulou):
    return make_user(gulou, "inspector")


@pytest.fixture
def head(gulou):
    return make_user(gulou, "department_head")


# --- work list -------------------------------------------------------------------------------------------


def test_work_list_shows_open_proposals_of_the_jurisdiction(client, gulou, xiamen, head, inspector,
                                                           django_assert_max_num_queries):
    ours = [propose(make_institution("350102"), inspector) for _ in range(4)]
    theirs = propose(make_institution("350203"), make_user(xiamen, "inspector"))
    login_verified(client, head)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("institutions:decision_list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert all(decision.number in content for decision in ours) and theirs.number not in content


def test_work_list_filters_by_status(client, hospital, inspector, head):
    decision = decide(propose(hospital, inspector), head)
    login_verified(client, head)
    assert decision.number not in client.get(reverse("institutions:decision_list")).content.decode()
    assert decision.number in client.get(reverse("institutions:decision_list"), {"status": "all"}).content.decode()


def test_work_list_is_for_departments_only(client, hospital):
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    assert client.get(reverse("institutions:decision_list")).status_code == 403


def test_work_list_needs_sign_in(client):
    response = client.get(reverse("institutions:decision_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- proposing -------------------------------------------------------------------------------------------


def test_inspector_proposes_from_the_institution_page(client, hospital, inspector, gulou):
    login_verified(client, inspector)
    url = reverse("institutions:decision_propose", args=[hospital.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="suspend"' in page.content.decode()
    assert 'value="restore"' not in page.content.decode()  # not for an admitted institution
    response = client.post(url, {"measure": "suspend", "ground": "serious_violation", "facts": FACTS,
                                 "source_url": "/cases/1/"})
    decision = StatusDecision.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("institutions:decision_detail",
                                                                            args=[decision.pk])
    assert decision.proposed_by == inspector and decision.source_url == "/cases/1/"


def test_proposal_form_shows_service_errors_and_saves_nothing(client, hospital, inspector):
    login_verified(client, inspector)
    response = client.post(reverse("institutions:decision_propose", args=[hospital.pk]),
                           {"measure": "suspend", "ground": "rectified", "facts": FACTS})
    assert response.status_code == 200 and "Choose the ground of the measure." in response.content.decode()
    assert StatusDecision.objects.count() == 0


def test_restoration_can_rest_on_an_uploaded_rectification_document(client, gulou, inspector):
    suspended = make_institution("350102", Institution.Status.SUSPENDED)
    evidence = Document.objects.create(institution=suspended, kind=Document.Kind.RECTIFICATION, file=pdf(),
                                       original_name="整改报告.pdf", content_type="application/pdf", size=10,
                                       sha256="0" * 64, uploaded_by=inspector)
    login_verified(client, inspector)
    response = client.post(reverse("institutions:decision_propose", args=[suspended.pk]), {
        "measure": "restore", "ground": "rectified", "facts": "整改完成。", "rectification": evidence.pk})
    assert response.status_code == 302
    decision = StatusDecision.objects.get()
    assert (decision.source_type, decision.source_id) == ("institutions.document", str(evidence.pk))
    assert decision.source_url == reverse("institutions:document_download", args=[evidence.pk])


def test_institution_user_cannot_open_the_proposal_form(client, hospital):
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    url = reverse("institutions:decision_propose", args=[hospital.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"measure": "suspend", "ground": "other", "facts": FACTS}).status_code == 403
    assert StatusDecision.objects.count() == 0


def test_department_user_without_the_role_gets_403(client, hospital, gulou):
    login_verified(client, make_user(gulou, "auditor"))
    assert client.get(reverse("institutions:decision_propose", args=[hospital.pk])).status_code == 403


def test_other_jurisdiction_gets_404_on_the_proposal_form(client, hospital, xiamen):
    login_verified(client, make_user(xiamen, "inspector"))
    assert client.get(reverse("institutions:decision_propose", args=[hospital.pk])).status_code == 404


# --- deciding ---------------------------------------------------------------------------------------------


def test_head_decides_on_the_decision_page(client, hospital, inspector, head):
    decision = propose(hospital, inspector)
    login_verified(client, head)
    page = client.get(reverse("institutions:decision_detail", args=[decision.pk]))
    content = page.content.decode()
    assert page.status_code == 200 and FACTS in content and "/institutions/" in content
    assert reverse("institutions:decision_decide", args=[decision.pk]) in content
    response = client.post(reverse("institutions:decision_decide", args=[decision.pk]),
                           {"decision_text": "暂停准入资格。", "disclosed": "on"})
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.status == Institution.Status.SUSPENDED
    after = client.get(reverse("institutions:decision_detail", args=[decision.pk])).content.decode()
    assert 'data-testid="decision-letter-pending"' in after  # htmx polls until the pdf task has run
    assert reverse("institutions:decision_letter", args=[decision.pk]) in after


def test_decide_without_text_shows_the_error(client, hospital, inspector, head):
    decision = propose(hospital, inspector)
    login_verified(client, head)
    response = client.post(reverse("institutions:decision_decide", args=[decision.pk]), {"decision_text": ""})
    assert response.status_code == 400
    hospital.refresh_from_db()
    assert hospital.status == Institution.Status.ADMITTED


def test_inspector_sees_no_decide_form_and_cannot_post_it(client, hospital, inspector):
    decision = propose(hospital, inspector)
    login_verified(client, inspector)
    page = client.get(reverse("institutions:decision_detail", args=[decision.pk])).content.decode()
    assert reverse("institutions:decision_decide", args=[decision.pk]) not in page
    response = client.post(reverse("institutions:decision_decide", args=[decision.pk]), {"decision_text": "x"})
    assert response.status_code == 403


def test_head_of_another_jurisdiction_gets_404(client, hospital, inspector, xiamen):
    decision = propose(hospital, inspector)
    login_verified(client, make_user(xiamen, "department_head"))
    assert client.get(reverse("institutions:decision_detail", args=[decision.pk])).status_code == 404
    assert client.post(reverse("institutions:decision_dismiss", args=[decision.pk]),
                       {"reason": "x"}).status_code == 404


def test_head_dismisses_on_the_decision_page(client, hospital, inspector, head):
    decision = propose(hospital, inspector)
    login_verified(client, head)
    response = client.post(reverse("institutions:decision_dismiss", args=[decision.pk]), {"reason": "证据不足。"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == StatusDecision.Status.DISMISSED


def test_letter_fragment_links_to_the_download_once_ready(client, hospital, inspector, head):
    decision = decide(propose(hospital, inspector), head)
    login_verified(client, head)
    url = reverse("institutions:decision_letter", args=[decision.pk])
    assert "hx-trigger" in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    letter = exit_services.status_decision_letter_generate(decision_id=decision.pk)
    ready = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in ready
    assert reverse("institutions:document_download", args=[letter.pk]) in ready
    download = client.get(reverse("institutions:document_download", args=[letter.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


# --- the institution's tab ---------------------------------------------------------------------------------


def test_institution_sees_its_decisions_tab(client, hospital, inspector, head):
    decision = decide(propose(hospital, inspector), head)
    letter = exit_services.status_decision_letter_generate(decision_id=decision.pk)
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    response = client.get(reverse("institutions:decisions", args=[hospital.pk]))
    content = response.content.decode()
    assert response.status_code == 200 and decision.number in content
    assert reverse("institutions:document_download", args=[letter.pk]) in content
    assert reverse("institutions:decision_propose", args=[hospital.pk]) not in content
    assert client.get(reverse("institutions:document_download", args=[letter.pk])).status_code == 200


def test_decisions_tab_offers_the_proposal_to_inspectors(client, hospital, inspector,
                                                         django_assert_max_num_queries):
    login_verified(client, inspector)
    with django_assert_max_num_queries(15):
        content = client.get(reverse("institutions:decisions", args=[hospital.pk])).content.decode()
    assert reverse("institutions:decision_propose", args=[hospital.pk]) in content


def test_other_institution_gets_404_on_the_tab_and_the_decision(client, hospital, inspector, gulou):
    decision = propose(hospital, inspector)
    stranger = make_user(make_institution("350102").organisation, "institution_admin")
    login_verified(client, stranger)
    assert client.get(reverse("institutions:decisions", args=[hospital.pk])).status_code == 404
    assert client.get(reverse("institutions:decision_detail", args=[decision.pk])).status_code == 404


def test_home_panel_counts_proposals_for_heads(client, hospital, inspector, head):
    propose(hospital, inspector)
    login_verified(client, head)
    assert "1 proposal awaits your decision." in client.get(reverse("core:home")).content.decode()
    client.logout()
    login_verified(client, inspector)
    assert 'data-testid="decisions-waiting"' not in client.get(reverse("core:home")).content.decode()


def test_decision_history_names_who_proposed_and_decided(client, hospital, inspector, head):
    decision = decide(propose(hospital, inspector), head)
    login_verified(client, head)
    page = client.get(reverse("institutions:decision_detail", args=[decision.pk])).content.decode()
    history_url = reverse("core:history", args=["institutions", "statusdecision", decision.pk])
    assert history_url in page
    history = client.get(history_url).content.decode()
    assert inspector.get_full_name() in history and head.get_full_name() in history
