"""Grants follow the grantee's status (INS-4 -> SVC-3) through the real `institution_status_changed` signal,
sent by the institutions app's exit decisions and changes of responsible entity (INS-6)."""

import datetime

import pytest
from django.utils import timezone

from apps.catalog.models import DataGrant
from apps.catalog.services import grants as grant_services
from apps.catalog.services.grants_transfer import GRANT_KIND, grants_held_by
from apps.core import errors
from apps.institutions import transfers
from apps.institutions.models import Institution, StatusDecision
from apps.institutions.services import transfer as transfer_services
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.factories import department
from tests.institutions.exit_helpers import decide, propose
from tests.institutions.factories import make_institution

from .grants_helpers import CHECKSUM, grant_case, set_period


@pytest.fixture(autouse=True)
def _notifications_in_english(settings):
    """Notifications are written in the portal language; these tests read their English titles."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """The decision letter task is recorded, not sent (as in the institutions exit tests)."""
    from apps.institutions.tasks import decision_letter

    monkeypatch.setattr(decision_letter, "apply_async", lambda *args, **kwargs: None)


@pytest.fixture
def xiamen_people():
    xiamen = department("350200", "municipal")
    return {"inspector": make_user(xiamen, "inspector"), "head": make_user(xiamen, "department_head"),
            "reviewer": make_user(xiamen, "reviewer")}


def suspend(case, people):
    decision = propose(case.applicant, people["inspector"])
    decide(decision, people["head"])
    return decision


def test_ins4_svc3_suspending_the_grantee_suspends_its_grants_naming_the_decision(
        xiamen_people, django_capture_on_commit_callbacks):
    case, other = grant_case(), grant_case()
    with django_capture_on_commit_callbacks(execute=True):
        decision = suspend(case, xiamen_people)
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert grant.status == "suspended" and grant.suspended_at is not None
    assert decision.number in grant.suspended_reason
    assert DataGrant.history.filter(id=grant.pk, status="suspended", history_user=xiamen_people["head"]).exists()
    assert DataGrant.objects.get(pk=other.grant.pk).status == "active"  # another grantee's grant
    assert Notification.objects.filter(recipient=case.provider_admin, title__contains=grant.number,
                                       title__icontains="suspended").exists()
    # Nothing is released under it.
    with pytest.raises(errors.TransitionNotAllowed):
        grant_services.release_record(grant, item=case.item, description="x", file_name="x.csv", checksum=CHECKSUM,
                                      record_count=1, recipient=case.applicant_admin, deidentification=None,
                                      fields=[case.item.fields.get(name="诊断编码")], by=case.provider_admin)


def test_ins4_svc3_restoration_resumes_suspended_grants_and_expires_those_that_ended(xiamen_people):
    running, ending = grant_case(), grant_case()
    suspend(running, xiamen_people)
    suspend(ending, xiamen_people)
    today = timezone.localdate()
    set_period(ending.grant, today - datetime.timedelta(days=100), today - datetime.timedelta(days=1))
    for case in (running, ending):
        decide(propose(case.applicant, xiamen_people["inspector"], StatusDecision.Measure.RESTORE),
               xiamen_people["head"], text="整改合格，恢复准入资格。")
    resumed = DataGrant.objects.get(pk=running.grant.pk)
    assert (resumed.status, resumed.suspended_at, resumed.suspended_reason) == ("active", None, "")
    ended = DataGrant.objects.get(pk=ending.grant.pk)
    assert ended.status == "expired" and ended.destruction_due_on is not None


def test_ins4_svc3_revoking_the_admission_suspends_grants_in_force(xiamen_people):
    case = grant_case()
    decision = propose(case.applicant, xiamen_people["inspector"], StatusDecision.Measure.REVOKE)
    decide(decision, xiamen_people["head"], text="撤销准入资格。")
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert grant.status == "suspended" and decision.number in grant.suspended_reason


def test_ins4_svc3_a_revocation_after_a_suspension_names_the_new_decision(xiamen_people):
    case = grant_case()
    first = suspend(case, xiamen_people)
    suspended_at = DataGrant.objects.get(pk=case.grant.pk).suspended_at
    second = propose(case.applicant, xiamen_people["inspector"], StatusDecision.Measure.REVOKE)
    decide(second, xiamen_people["head"], text="撤销准入资格。")
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert grant.status == "suspended" and grant.suspended_at == suspended_at
    assert second.number in grant.suspended_reason and first.number not in grant.suspended_reason


# --- change of responsible entity (INS-6) -------------------------------------------------------------------


@pytest.fixture
def grant_kind():
    """The catalog registers its grants with the transfer registry (services/transfer.py) through the two
    functions of services/grants_transfer.py."""
    entry = transfers.transferable_kind(GRANT_KIND)
    assert entry is not None
    return entry


def close_through_transfer(source, successor, dept, confirmers):
    transfer = transfer_services.transfer_open(source=source, successor=successor, reason="merger",
                                               description="依据区政府批复合并。", by=dept)
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    for person in confirmers:
        transfer = transfer_services.transfer_confirm(transfer=transfer, by=person)
    return transfer_services.transfer_close(transfer=transfer, by=dept)


def test_ins6_svc3_grants_move_to_the_successor(grant_kind, xiamen_people):
    case = grant_case()
    closed = grant_case(applicant_region="350203")
    successor = make_institution("350203")
    successor_admin = make_user(successor.organisation, "institution_admin")
    listed = dict(grants_held_by(case.applicant))
    assert case.grant.number in listed[case.grant.pk]
    close_through_transfer(case.applicant, successor, xiamen_people["reviewer"], [case.applicant_admin, successor_admin])
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert (grant.applicant_id, grant.applicant_region_id, grant.status) == (successor.pk, successor.region_id, "active")
    assert grant_services.grants_for(successor_admin).filter(pk=grant.pk).exists()
    assert grants_held_by(case.applicant) == []
    assert Institution.objects.get(pk=case.applicant.pk).status == "closed"
    assert DataGrant.objects.get(pk=closed.grant.pk).applicant_id == closed.applicant.pk  # another grantee's


def test_ins6_svc3_without_successor_grants_in_force_are_revoked_for_the_departments_custody(
        grant_kind, xiamen_people):
    case = grant_case()
    close_through_transfer(case.applicant, None, xiamen_people["reviewer"], [case.applicant_admin])
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert grant.status == "revoked" and grant.destruction_due_on is not None
    assert case.applicant.name in grant.revocation_reason
    assert grant.revoked_by == xiamen_people["reviewer"]
    assert grants_held_by(case.applicant) == []  # in the department's custody


def test_ins6_grants_held_by_lists_what_carries_duties_only():
    case = grant_case()
    assert [pk for pk, _label in grants_held_by(case.applicant)] == [case.grant.pk]
    DataGrant.objects.filter(pk=case.grant.pk).update(status="closed")
    assert grants_held_by(case.applicant) == []
    assert grants_held_by(case.provider) == []  # a provider is not the grantee
