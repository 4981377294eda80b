"""Change of responsible entity pages and API (INS-6): who sees and does what, and query budgets."""

import re

import pytest
from django.urls import reverse

from apps.institutions.models import Institution, ResponsibilityTransfer
from apps.institutions.services import transfer as transfer_services
from tests.conftest import login_verified, make_user
from tests.institutions import transfer_helpers
from tests.institutions.factories import make_institution
from tests.institutions.transfer_helpers import store_document

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/institutions/transfer_helpers.py), bound here so pytest finds them.
dept = transfer_helpers.dept
outsider = transfer_helpers.outsider
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin
successor = transfer_helpers.successor
successor_admin = transfer_helpers.successor_admin
T = ResponsibilityTransfer


def open_transfer(source, successor, by):
    return transfer_services.transfer_open(source=source, successor=successor, reason="merger",
                                           description="甲医院并入乙医院。", by=by)


@pytest.fixture
def transfer(dept, source, successor, source_admin):
    store_document(source, source_admin)
    return open_transfer(source, successor, dept)


def detail_url(transfer):
    return reverse("institutions:transfer_detail", args=[transfer.pk])


# --- pages ---------------------------------------------------------------------------------------------


def test_department_list_stays_within_a_query_budget(client, dept, django_assert_max_num_queries):
    for _ in range(6):
        open_transfer(make_institution("350102"), None, dept)
    login_verified(client, dept)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("institutions:transfer_list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/institutions/transfers/\d+/"', response.content.decode())) == 6


def test_list_shows_each_party_its_own(client, transfer, outsider, source_admin, dept):
    login_verified(client, outsider)
    assert transfer.number not in client.get(reverse("institutions:transfer_list")).content.decode()
    client.logout()
    login_verified(client, source_admin)
    assert transfer.number not in client.get(reverse("institutions:transfer_list")).content.decode()  # draft
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    assert transfer.number in client.get(reverse("institutions:transfer_list")).content.decode()


def test_list_needs_login_and_the_role(client, source):
    response = client.get(reverse("institutions:transfer_list"))
    assert response.status_code == 302 and "login" in response.url
    login_verified(client, make_user(source.organisation, "submitter"))
    assert client.get(reverse("institutions:transfer_list")).status_code == 403


def test_department_opens_a_transfer_with_credit_codes(client, dept, source, successor):
    login_verified(client, dept)
    form = client.get(reverse("institutions:transfer_open") + f"?source={source.pk}")
    assert source.credit_code in form.content.decode()
    response = client.post(reverse("institutions:transfer_open"), {
        "source": source.credit_code, "successor": successor.credit_code.lower(), "reason": "merger",
        "description": "区政府批复合并"})
    transfer = T.objects.get()
    assert response.status_code == 302 and response.url == detail_url(transfer)
    assert transfer.successor == successor and transfer.created_by == dept


def test_open_form_refuses_unknown_or_outside_codes(client, dept, source):
    outside = make_institution("350203")
    login_verified(client, dept)
    response = client.post(reverse("institutions:transfer_open"), {
        "source": source.credit_code, "successor": outside.credit_code, "reason": "merger", "description": "x"})
    assert response.status_code == 200 and "No institution in your jurisdiction has this code." in (
        response.content.decode())
    response = client.post(reverse("institutions:transfer_open"), {
        "source": source.credit_code, "successor": source.credit_code, "reason": "merger", "description": "x"})
    assert "cannot be the institution that hands over" in response.content.decode()
    assert not T.objects.exists()


def test_institution_users_cannot_open_transfers(client, source_admin):
    login_verified(client, source_admin)
    assert client.get(reverse("institutions:transfer_open")).status_code == 403


def test_detail_other_jurisdiction_404(client, transfer, outsider):
    login_verified(client, outsider)
    assert client.get(detail_url(transfer)).status_code == 404
    assert client.post(reverse("institutions:transfer_submit", args=[transfer.pk])).status_code == 404


def test_institution_side_sees_detail_after_submission_and_confirms(client, transfer, dept, source_admin):
    login_verified(client, source_admin)
    assert client.get(detail_url(transfer)).status_code == 404  # still the department's draft
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    page = client.get(detail_url(transfer)).content.decode()
    assert "数据安全管理制度.pdf" in page and reverse("institutions:transfer_confirm", args=[transfer.pk]) in page
    assert reverse("institutions:transfer_close", args=[transfer.pk]) not in page
    response = client.post(reverse("institutions:transfer_confirm", args=[transfer.pk]), follow=True)
    assert "Your confirmation has been recorded." in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.source_confirmed_by == source_admin
    # A second confirmation from the same side is refused with a message, not an error page.
    response = client.post(reverse("institutions:transfer_confirm", args=[transfer.pk]), follow=True)
    assert "already confirmed" in response.content.decode()


def test_department_actions_through_the_pages(client, transfer, dept, source_admin, successor_admin):
    login_verified(client, dept)
    page = client.get(detail_url(transfer)).content.decode()
    assert reverse("institutions:transfer_submit", args=[transfer.pk]) in page
    client.post(reverse("institutions:transfer_submit", args=[transfer.pk]))
    response = client.post(reverse("institutions:transfer_close", args=[transfer.pk]), follow=True)
    assert "cannot go from" in response.content.decode()  # not confirmed yet
    for person in (source_admin, successor_admin):
        transfer_services.transfer_confirm(transfer=transfer, by=person)
    response = client.post(reverse("institutions:transfer_close", args=[transfer.pk]), follow=True)
    assert "has been carried out" in response.content.decode()
    assert Institution.objects.get(pk=transfer.source_id).status == Institution.Status.CLOSED


def test_cancel_through_the_page_requires_a_reason(client, transfer, dept):
    login_verified(client, dept)
    response = client.post(reverse("institutions:transfer_cancel", args=[transfer.pk]), {"reason": ""}, follow=True)
    assert "Say why the transfer is cancelled." in response.content.decode()
    client.post(reverse("institutions:transfer_cancel", args=[transfer.pk]), {"reason": "决定撤回"})
    transfer.refresh_from_db()
    assert transfer.status == T.Status.CANCELLED


def test_institution_user_cannot_use_department_actions(client, transfer, dept, source_admin):
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    login_verified(client, source_admin)
    assert client.post(reverse("institutions:transfer_cancel", args=[transfer.pk]),
                       {"reason": "x"}).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == T.Status.AWAITING_CONFIRMATION


# --- API -----------------------------------------------------------------------------------------------


def test_api_full_flow(client, dept, source, successor, source_admin, successor_admin):
    store_document(source, source_admin)
    login_verified(client, dept)
    response = client.post(reverse("api:institutions-transfer-list"), {
        "source": source.pk, "successor": successor.pk, "reason": "merger", "description": "合并"},
        content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status"] == "draft"
    items = client.get(reverse("api:institutions-transfer-items", args=[pk])).json()["results"]
    assert [item["kind"] for item in items] == ["institutions.document"]
    assert items[0]["label"].endswith(": 数据安全管理制度.pdf") and items[0]["moved_at"] is None
    assert client.post(reverse("api:institutions-transfer-submit", args=[pk])).json()["status"] == "awaiting"
    for person in (source_admin, successor_admin):
        client.logout()
        login_verified(client, person)
        assert client.post(reverse("api:institutions-transfer-confirm", args=[pk])).status_code == 200
    assert client.get(reverse("api:institutions-transfer-detail", args=[pk])).json()["status"] == "confirmed"
    response = client.post(reverse("api:institutions-transfer-close", args=[pk]))
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    client.logout()
    login_verified(client, dept)
    assert client.post(reverse("api:institutions-transfer-close", args=[pk])).json()["status"] == "closed"


def test_api_refusals(client, transfer, outsider, source_admin, successor, dept):
    login_verified(client, source_admin)
    response = client.post(reverse("api:institutions-transfer-list"), {
        "source": transfer.source_id, "reason": "closure", "description": "x"}, content_type="application/json")
    assert response.status_code == 403
    client.logout()
    login_verified(client, dept)
    response = client.post(reverse("api:institutions-transfer-list"), {
        "source": transfer.source_id, "successor": successor.pk, "reason": "merger", "description": "again"},
        content_type="application/json")
    assert response.status_code == 400 and "source" in response.json()["error"]["fields"]
    response = client.post(reverse("api:institutions-transfer-close", args=[transfer.pk]))
    assert response.status_code == 409 and response.json()["error"]["code"] == "transition_not_allowed"
    client.logout()
    login_verified(client, outsider)
    assert client.get(reverse("api:institutions-transfer-detail", args=[transfer.pk])).status_code == 404
    assert client.get(reverse("api:institutions-transfer-items", args=[transfer.pk])).status_code == 404
    assert client.get(reverse("api:institutions-transfer-list")).json()["results"] == []


def test_api_anonymous_is_refused(client, transfer):
    assert client.get(reverse("api:institutions-transfer-list")).status_code in (401, 403)


def test_api_list_query_budget(client, dept, django_assert_max_num_queries):
    for _ in range(5):
        open_transfer(make_institution("350102"), None, dept)
    login_verified(client, dept)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("api:institutions-transfer-list"))
    assert len(response.json()["results"]) == 5


def test_home_panels_point_each_side_to_its_next_step(client, transfer, dept, source_admin, successor_admin):
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    login_verified(client, source_admin)
    assert "1 transfer is waiting for your institution" in client.get(reverse("core:home")).content.decode()
    transfer_services.transfer_confirm(transfer=transfer, by=source_admin)
    assert 'data-testid="transfers-waiting"' not in client.get(reverse("core:home")).content.decode()
    transfer_services.transfer_confirm(transfer=transfer, by=successor_admin)
    client.logout()
    login_verified(client, dept)
    assert "1 confirmed transfer is ready to be carried out" in client.get(reverse("core:home")).content.decode()
