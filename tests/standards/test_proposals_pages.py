"""Proposal pages (STD-2): the public form, the thank-you page, the officers' work list and decision."""

import pytest
from django.urls import reverse

from apps.standards.models import Standard, StandardProposal
from apps.standards.services import proposals
from tests.conftest import login_verified
from tests.standards import registry_helpers as helpers

data_category, institution_user, officer = (  # fixtures
    helpers.data_category, helpers.institution_user, helpers.officer)

pytestmark = pytest.mark.django_db
P = StandardProposal
REASON = "区域平台之间交换检验结果缺少统一的共享文档，需要新的标准。"


def form(**overrides) -> dict:
    values = {"kind": "new", "target": "", "title": "检验结果互认共享文档", "category": "", "reason": REASON,
              "content": "", "proposer_name": "李华", "proposer_organisation": "", "proposer_email": "li@example.cn"}
    values.update(overrides)
    return values


def test_an_anonymous_visitor_proposes_and_gets_the_number(client):
    assert client.get(reverse("standards:propose")).status_code == 200
    response = client.post(reverse("standards:propose"), form())
    assert response.status_code == 302 and response["Location"] == reverse("standards:propose_done")
    proposal = P.objects.get()
    thanks = client.get(response["Location"]).content.decode()
    assert proposal.number in thanks


def test_the_thank_you_page_needs_a_proposal(client):
    response = client.get(reverse("standards:propose_done"))
    assert response.status_code == 302 and response["Location"] == reverse("standards:propose")


def test_the_form_shows_the_service_errors(client):
    abolished = Standard.objects.get(code="WS 363.1-2011")  # superseded in the reference list
    response = client.post(reverse("standards:propose"), form(kind="revision", target=abolished.code, reason="短"))
    content = response.content.decode()
    assert response.status_code == 400 and "cannot be revised" in content and "at least 20 characters" in content
    assert not P.objects.exists()


def test_the_form_refuses_a_sixth_proposal_from_the_same_network(client):
    for number in range(proposals.PROPOSALS_PER_CLIENT_PER_HOUR):
        assert client.post(reverse("standards:propose"), form(proposer_email=f"p{number}@example.cn")).status_code == 302
    response = client.post(reverse("standards:propose"), form(proposer_email="late@example.cn"))
    assert response.status_code == 400 and "Too many proposals" in response.content.decode()


def test_a_signed_in_user_finds_name_and_address_filled_in(client, institution_user):
    login_verified(client, institution_user)
    content = client.get(reverse("standards:propose"), {"revise": "WS/T 447-2014"}).content.decode()
    assert institution_user.email in content and "WS/T 447-2014" in content
    client.post(reverse("standards:propose"), form(proposer_name=institution_user.full_name,
                                                   proposer_email=institution_user.email))
    assert P.objects.get().proposer == institution_user


def test_officers_list_and_decide(client, officer, data_category):
    proposal = proposals.proposal_submit(data=form(), client_key="x")
    login_verified(client, officer)
    listing = client.get(reverse("standards:proposal_list")).content.decode()
    assert proposal.number in listing
    url = reverse("standards:proposal_detail", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert "li@example.cn" in page and "Record the decision" in page
    missing = client.post(url, {"decision": "reject", "reason": ""})
    assert missing.status_code == 400 and "Give the reasons" in missing.content.decode()
    response = client.post(url, {"decision": "accept", "reason": "", "category": data_category.pk})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == P.Status.ACCEPTED and proposal.project.category == data_category
    assert "Record the decision" not in client.get(url).content.decode()
    assert proposal.number in client.get(reverse("standards:proposal_list"), {"status": "accepted"}).content.decode()


def test_proposal_pages_are_closed_to_institutions_and_anonymous_visitors(client, institution_user):
    proposal = proposals.proposal_submit(data=form(), client_key="x")
    url = reverse("standards:proposal_detail", args=[proposal.pk])
    assert client.get(url).status_code == 302
    login_verified(client, institution_user)
    assert client.get(reverse("standards:proposal_list")).status_code == 403
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "reject", "reason": "不符合卫生健康信息标准范围。"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == P.Status.SUBMITTED


def test_proposal_list_query_budget(client, officer, django_assert_max_num_queries):
    target = Standard.objects.get(code="WS/T 500.1-2016")
    for number in range(5):
        proposals.proposal_submit(data=form(kind="revision", target=target.code, proposer_email=f"{number}@x.cn"),
                                  client_key=str(number))
    login_verified(client, officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("standards:proposal_list")).status_code == 200


def test_officers_see_the_registry_and_proposals_in_the_menu_and_waiting_proposals_at_home(client, officer):
    proposals.proposal_submit(data=form(), client_key="x")
    login_verified(client, officer)
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("standards:list") in home and reverse("standards:proposal_list") in home
    assert "1 proposal is waiting for a decision." in home


def test_institution_users_see_the_registry_but_not_the_proposals(client, institution_user):
    login_verified(client, institution_user)
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("standards:list") in home and reverse("standards:proposal_list") not in home
