"""Institutions propose changes to their own profile; departments review them (INS-1, INS-5)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from apps.core import errors
from apps.institutions.models import Institution, ProfileChange
from apps.institutions.services import profile_change as change_services
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.institutions import transfer_helpers

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/institutions/transfer_helpers.py), bound here so pytest finds them.
dept = transfer_helpers.dept
outsider = transfer_helpers.outsider
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin
P = ProfileChange


def propose(institution, by, changes=None, reason="医院迁址并更换数据安全负责人"):
    return change_services.profile_change_propose(
        institution=institution, changes=changes if changes is not None else {
            "address": "福州市鼓楼区新院路8号", "security_officer_name": "周八"}, reason=reason, by=by)


def test_a_proposal_keeps_only_real_changes_and_the_values_it_replaces_INS_1(
        source, source_admin, dept, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change = propose(source, source_admin, {"address": "福州市鼓楼区新院路8号", "name": source.name,
                                                "contact_email": "NEW@Example.cn"})
    assert change.changes == {"address": "福州市鼓楼区新院路8号", "contact_email": "new@example.cn"}
    assert change.previous == {"address": source.address, "contact_email": source.contact_email}
    assert change.status == P.Status.SUBMITTED and change.submitted_by == source_admin
    source.refresh_from_db()
    assert source.address != "福州市鼓楼区新院路8号"  # nothing changes before the review
    assert Notification.objects.filter(recipient=dept, title__contains=source.name).exists()
    assert not Notification.objects.filter(recipient=outsider).exists()


@pytest.mark.parametrize("changes", [{"credit_code": "91350102MA2XXXXX1X"}, {"region": "350203"},
                                     {"status": "admitted"}, {"credit_score": "110"}])
def test_fields_an_institution_may_not_propose_are_refused(changes, source, source_admin):
    with pytest.raises(errors.ValidationFailed) as refused:
        propose(source, source_admin, {**changes, "address": "新地址"})
    assert set(refused.value.field_errors) == set(changes)
    assert not P.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"contact_email": "not-an-address"}, "contact_email"),
    ({"security_officer_phone": "12345"}, "security_officer_phone"),
    ({"type": "spaceship"}, "type"),
    ({"name": ""}, "name"),
    ({"address": "长" * 301}, "address"),
])
def test_invalid_values_are_refused(changes, field, source, source_admin):
    with pytest.raises(errors.ValidationFailed) as refused:
        propose(source, source_admin, changes)
    assert field in refused.value.field_errors
    assert not P.objects.exists()


def test_a_proposal_that_changes_nothing_or_has_no_reason_is_refused(source, source_admin):
    with pytest.raises(errors.ValidationFailed):
        propose(source, source_admin, {"address": source.address})
    with pytest.raises(errors.ValidationFailed) as refused:
        propose(source, source_admin, reason=" ")
    assert "reason" in refused.value.field_errors
    assert not P.objects.exists()


def test_one_open_proposal_per_institution(source, source_admin):
    propose(source, source_admin)
    with pytest.raises(errors.ValidationFailed) as refused:
        propose(source, source_admin, {"contact_name": "吴九"})
    assert refused.value.code == "proposal_open" and "withdraw" in str(refused.value.message)
    assert P.objects.count() == 1


def test_only_the_institutions_own_managers_propose(source, dept, outsider):
    with pytest.raises(errors.PermissionDenied):
        propose(source, dept)
    with pytest.raises(errors.NotFound):
        propose(source, outsider)
    with pytest.raises(errors.PermissionDenied):
        propose(source, make_user(source.organisation, "security_officer"))
    assert not P.objects.exists()


def test_approval_applies_the_values_and_history_names_reviewer_and_change_INS_1(
        source, source_admin, dept, django_capture_on_commit_callbacks):
    change = propose(source, source_admin)
    with django_capture_on_commit_callbacks(execute=True):
        decided = change_services.profile_change_decide(change=change, approve=True, comment="", by=dept)
    assert decided.status == P.Status.APPROVED and decided.decided_by == dept and decided.decided_at
    institution = Institution.objects.get(pk=source.pk)
    assert institution.address == "福州市鼓楼区新院路8号" and institution.security_officer_name == "周八"
    latest = institution.history.first()
    assert latest.history_user == dept and f"profile change #{change.pk}" in latest.history_change_reason
    # Notifications are written in the portal's language (Chinese), whoever acts.
    with translation.override("zh-hans"):
        expected = gettext("Your profile change was approved")
    assert expected != "Your profile change was approved"
    assert Notification.objects.filter(recipient=source_admin, title=expected).exists()


def test_a_hospital_grade_alone_keeps_the_hospital_type(source, source_admin, dept):
    change = propose(source, source_admin, {"hospital_grade": "3b"})
    change_services.profile_change_decide(change=change, approve=True, comment="", by=dept)
    institution = Institution.objects.get(pk=source.pk)
    assert institution.hospital_grade == "3b" and institution.type == "hospital"


def test_rejection_needs_reasons_and_changes_nothing(source, source_admin, dept):
    change = propose(source, source_admin)
    with pytest.raises(errors.ValidationFailed) as refused:
        change_services.profile_change_decide(change=change, approve=False, comment="", by=dept)
    assert "comment" in refused.value.field_errors
    decided = change_services.profile_change_decide(change=change, approve=False, comment="地址与营业执照不符",
                                                    by=dept)
    assert decided.status == P.Status.REJECTED and decided.decision_comment == "地址与营业执照不符"
    assert Institution.objects.get(pk=source.pk).address == source.address
    with pytest.raises(errors.TransitionNotAllowed):
        change_services.profile_change_decide(change=change, approve=True, comment="", by=dept)


def test_reviewers_decide_within_their_jurisdiction_only(source, source_admin, outsider):
    change = propose(source, source_admin)
    with pytest.raises(errors.NotFound):
        change_services.profile_change_decide(change=change, approve=True, comment="", by=outsider)
    with pytest.raises(errors.PermissionDenied):  # the institution cannot approve its own proposal
        change_services.profile_change_decide(change=change, approve=True, comment="", by=source_admin)
    assert P.objects.get().status == P.Status.SUBMITTED


def test_withdrawal_by_the_institution_only_then_a_new_proposal_is_possible(source, source_admin, dept):
    change = propose(source, source_admin)
    with pytest.raises(errors.PermissionDenied):
        change_services.profile_change_withdraw(change=change, by=dept)
    assert change_services.profile_change_withdraw(change=change, by=source_admin).status == P.Status.WITHDRAWN
    assert propose(source, source_admin, {"contact_name": "吴九"}).status == P.Status.SUBMITTED
