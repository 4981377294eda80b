"""My profile, proposals and the department's work list (INS-1, INS-5): pages and API."""

import re

import pytest
from django.urls import reverse

from apps.institutions.models import Institution, ProfileChange
from apps.institutions.services import profile_change as change_services
from apps.institutions.services.registry import PROPOSABLE_FIELDS
from tests.conftest import login_verified, make_user
from tests.institutions import transfer_helpers
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/institutions/transfer_helpers.py), bound here so pytest finds them.
dept = transfer_helpers.dept
outsider = transfer_helpers.outsider
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin
P = ProfileChange


def propose(institution, by, **changes):
    return change_services.profile_change_propose(
        institution=institution, changes=changes or {"address": "福州市鼓楼区新院路8号"}, reason="迁址", by=by)


def current_form(institution, **changes):
    """What the browser posts: every proposable field with its current value, some of them changed."""
    data = {name: getattr(institution, name) for name in PROPOSABLE_FIELDS}
    data.update(changes)
    return data


def test_my_profile_shows_fields_status_and_credit(client, source, source_admin):
    login_verified(client, source_admin)
    response = client.get(reverse("institutions:my_profile"))
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("legal name", "unified social credit code", "top leader responsible for data security"):
        assert name.capitalize() in page or name in page
    assert source.credit_code in page and source.top_leader_name in page
    assert reverse("institutions:credit", args=[source.pk]) in page
    assert 'data-testid="proposal-form"' in page
    assert 'name="credit_code"' not in page and 'name="region"' not in page


def test_proposal_through_the_page_submits_only_changed_fields(client, source, source_admin):
    login_verified(client, source_admin)
    response = client.post(reverse("institutions:my_profile"), current_form(
        source, contact_name="吴九", reason="联系人变更"))
    assert response.status_code == 302
    change = P.objects.get()
    assert change.changes == {"contact_name": "吴九"} and change.previous == {"contact_name": source.contact_name}
    page = client.get(reverse("institutions:my_profile")).content.decode()
    assert 'data-testid="open-proposal"' in page and "吴九" in page and 'data-testid="proposal-form"' not in page


def test_invalid_proposal_shows_errors_and_saves_nothing(client, source, source_admin):
    login_verified(client, source_admin)
    response = client.post(reverse("institutions:my_profile"), current_form(
        source, contact_email="nope", reason="x"))
    assert response.status_code == 200 and "Enter a valid" in response.content.decode()
    response = client.post(reverse("institutions:my_profile"), current_form(source, reason="没有改动"))
    assert "does not change anything" in response.content.decode()
    assert not P.objects.exists()


def test_my_profile_needs_an_institution(client, dept):
    assert client.get(reverse("institutions:my_profile")).status_code == 302
    login_verified(client, dept)
    assert client.get(reverse("institutions:my_profile")).status_code == 404


def test_staff_without_the_proposal_role_see_the_profile_but_no_form(client, source):
    login_verified(client, make_user(source.organisation, "security_officer"))
    page = client.get(reverse("institutions:my_profile")).content.decode()
    assert source.name in page and 'data-testid="proposal-form"' not in page
    assert client.post(reverse("institutions:my_profile"), current_form(source, reason="x")).status_code == 404


def test_work_list_stays_within_a_query_budget(client, dept, django_assert_max_num_queries):
    for _ in range(5):
        institution = make_institution("350102")
        propose(institution, make_user(institution.organisation, "institution_admin"))
    login_verified(client, dept)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("institutions:profile_change_list"))
    assert response.status_code == 200 and len(re.findall(r'href="/institutions/changes/\d+/"', response.content.decode())) == 5


def test_work_list_permissions(client, source, source_admin, outsider):
    change = propose(source, source_admin)
    login_verified(client, outsider)
    assert str(change.institution.name) not in client.get(reverse("institutions:profile_change_list")).content.decode()
    assert client.get(reverse("institutions:profile_change_detail", args=[change.pk])).status_code == 404
    client.logout()
    login_verified(client, source_admin)
    assert client.get(reverse("institutions:profile_change_list")).status_code == 403
    client.logout()
    login_verified(client, make_user(outsider.organisation, "auditor"))
    assert client.get(reverse("institutions:profile_change_list")).status_code == 403


def test_decision_page_compares_old_and_new_and_approves(client, source, source_admin, dept):
    change = propose(source, source_admin, type="primary_care")
    login_verified(client, dept)
    url = reverse("institutions:profile_change_detail", args=[change.pk])
    page = client.get(url).content.decode()
    assert "Hospital" in page and "Primary care institution" in page and "Grade III Class A" in page
    assert client.post(url, {"decision": "reject", "comment": ""}).status_code == 200  # reasons required
    assert P.objects.get().status == P.Status.SUBMITTED
    response = client.post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    institution = Institution.objects.get(pk=source.pk)
    assert institution.type == "primary_care" and institution.hospital_grade == ""


def test_institution_reads_its_decided_proposal_and_cannot_decide(client, source, source_admin, dept):
    change = propose(source, source_admin)
    change_services.profile_change_decide(change=change, approve=False, comment="材料不全", by=dept)
    login_verified(client, source_admin)
    url = reverse("institutions:profile_change_detail", args=[change.pk])
    page = client.get(url).content.decode()
    assert "材料不全" in page and 'name="decision"' not in page
    assert client.post(url, {"decision": "approve"}).status_code == 404


def test_withdraw_through_the_page(client, source, source_admin, dept):
    change = propose(source, source_admin)
    login_verified(client, dept)
    assert client.post(reverse("institutions:profile_change_withdraw", args=[change.pk])).status_code == 403
    client.logout()
    login_verified(client, source_admin)
    client.post(reverse("institutions:profile_change_withdraw", args=[change.pk]))
    assert P.objects.get().status == P.Status.WITHDRAWN


# --- API -----------------------------------------------------------------------------------------------


def test_api_propose_and_decide(client, source, source_admin, dept):
    login_verified(client, source_admin)
    url = reverse("api:institutions-profile-change-list")
    response = client.post(url, {"changes": {"region": "350203", "address": "新址"}, "reason": "迁址"},
                           content_type="application/json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"region"}
    response = client.post(url, {"changes": {"address": "新址"}, "reason": "迁址"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["changes"] == {"address": "新址"}
    pk = response.json()["id"]
    response = client.post(reverse("api:institutions-profile-change-decide", args=[pk]), {"approve": True},
                           content_type="application/json")
    assert response.status_code == 403
    client.logout()
    login_verified(client, dept)
    response = client.post(reverse("api:institutions-profile-change-decide", args=[pk]), {"approve": False},
                           content_type="application/json")
    assert response.status_code == 400 and "comment" in response.json()["error"]["fields"]
    response = client.post(reverse("api:institutions-profile-change-decide", args=[pk]), {"approve": True},
                           content_type="application/json")
    assert response.json()["status"] == "approved"
    assert Institution.objects.get(pk=source.pk).address == "新址"


def test_api_scoping(client, source, source_admin, outsider, django_assert_max_num_queries):
    change = propose(source, source_admin)
    login_verified(client, outsider)
    assert client.get(reverse("api:institutions-profile-change-detail", args=[change.pk])).status_code == 404
    assert client.get(reverse("api:institutions-profile-change-list")).json()["results"] == []
    response = client.post(reverse("api:institutions-profile-change-list"), {"changes": {"address": "x"},
                           "reason": "x"}, content_type="application/json")
    assert response.status_code == 404  # a department has no profile of its own
    client.logout()
    login_verified(client, source_admin)
    with django_assert_max_num_queries(10):
        rows = client.get(reverse("api:institutions-profile-change-list")).json()["results"]
    assert [row["id"] for row in rows] == [change.pk]
    client.logout()
    assert client.get(reverse("api:institutions-profile-change-list")).status_code in (401, 403)


def test_home_panel_counts_waiting_proposals(client, source, source_admin, dept, outsider):
    propose(source, source_admin)
    login_verified(client, dept)
    assert "1 proposed profile change is waiting" in client.get(reverse("core:home")).content.decode()
    client.logout()
    login_verified(client, outsider)
    assert "0 proposed profile changes are waiting" in client.get(reverse("core:home")).content.decode()
