"""The nightly grant jobs (SVC-3): expiry, expiry reminders, and overdue reports and certificates flagged
with credit events through the institutions app. Each is idempotent."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.services import system_account
from apps.catalog import timing
from apps.catalog.models import DataGrant, GrantReport
from apps.catalog.services import grants as grant_services
from apps.institutions.models import CreditEvent
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.factories import department

from .grants_helpers import grant_case, set_period


@pytest.fixture(autouse=True)
def _notifications_in_english(settings):
    """Notifications are written in the portal language; these tests read their English titles."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_svc3_grants_past_their_end_expire_once_with_destruction_due(django_capture_on_commit_callbacks):
    ended, current, suspended = grant_case(), grant_case(), grant_case()
    set_period(ended.grant, days(-300), days(-1))
    set_period(suspended.grant, days(-300), days(-5))
    DataGrant.objects.filter(pk=suspended.grant.pk).update(status="suspended")
    set_period(current.grant, days(-10), days(0))  # ends today: still in force
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_services.grants_expire_due() == 2
    for case, end in ((ended, days(-1)), (suspended, days(-5))):
        grant = DataGrant.objects.get(pk=case.grant.pk)
        assert grant.status == "expired" and grant.ended_at is not None
        assert grant.destruction_due_on == end + datetime.timedelta(days=timing.DESTRUCTION_CERTIFICATE_DAYS)
        assert DataGrant.history.filter(id=grant.pk, status="expired", history_user=system_account(),
                                        history_change_reason="expired").count() == 1
    assert DataGrant.objects.get(pk=current.grant.pk).status == "active"
    told = Notification.objects.filter(title__contains=ended.grant.number, title__icontains="expired")
    assert {case_user.pk for case_user in (ended.applicant_admin, ended.co_recipient, ended.provider_admin)} <= set(
        told.values_list("recipient_id", flat=True))
    assert "certificate of destruction" in told.get(recipient=ended.co_recipient).body
    assert grant_services.grants_expire_due() == 0  # idempotent


def test_svc3_recipients_are_reminded_once_before_expiry(django_capture_on_commit_callbacks):
    soon, later, ended = grant_case(), grant_case(), grant_case()
    set_period(soon.grant, days(-100), days(timing.GRANT_EXPIRY_REMINDER_DAYS))
    set_period(later.grant, days(-100), days(timing.GRANT_EXPIRY_REMINDER_DAYS + 1))
    set_period(ended.grant, days(-100), days(-1))
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_services.grant_expiry_reminders_send() == 1
    reminded = DataGrant.objects.get(pk=soon.grant.pk)
    assert reminded.expiry_reminded_at is not None
    notice = Notification.objects.get(recipient=soon.co_recipient, title__contains=soon.grant.number,
                                      title__icontains="ends on")
    assert "extension or a renewal" in notice.body
    assert DataGrant.objects.get(pk=later.grant.pk).expiry_reminded_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_services.grant_expiry_reminders_send() == 0
    assert Notification.objects.filter(recipient=soon.co_recipient, title__icontains="ends on").count() == 1


def test_svc3_overdue_reports_are_flagged_and_raise_one_credit_event_each(django_capture_on_commit_callbacks):
    case = grant_case()
    late = case.grant.reports.order_by("due_on").first()
    GrantReport.objects.filter(pk=late.pk).update(due_on=days(-1))
    submitted = GrantReport.objects.create(grant=case.grant, kind="progress", due_on=days(-40), status="submitted",
                                           content="按期提交")
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_services.grant_obligations_flag_overdue() == 1
    late.refresh_from_db()
    assert late.overdue_flagged_at is not None
    events = CreditEvent.objects.filter(institution_id=case.applicant.pk, rule__trigger="sharing.report_overdue")
    assert events.count() == 1
    event = events.get()
    assert (event.source_type, event.source_id) == ("catalog.grantreport", str(late.pk))
    assert case.grant.number in event.description and event.source_url == f"/catalog/grants/{case.grant.pk}/"
    assert event.recorded_by == system_account()
    assert not CreditEvent.objects.filter(source_id=str(submitted.pk), source_type="catalog.grantreport").exists()
    assert Notification.objects.filter(recipient=case.applicant_admin, title__startswith="Overdue").exists()
    # Idempotent: flagged items are not selected again, and even a cleared flag raises no second event.
    assert grant_services.grant_obligations_flag_overdue() == 0
    GrantReport.objects.filter(pk=late.pk).update(overdue_flagged_at=None)
    assert grant_services.grant_obligations_flag_overdue() == 1
    assert events.count() == 1


def test_svc3_overdue_destruction_certificates_are_flagged_with_a_credit_event():
    expired, revoked, on_time = grant_case(), grant_case(), grant_case()
    set_period(expired.grant, days(-300), days(-timing.DESTRUCTION_CERTIFICATE_DAYS - 2))
    set_period(on_time.grant, days(-300), days(-3))
    assert grant_services.grants_expire_due() == 2
    head = make_user(department("350200", "municipal"), "department_head")
    grant_services.grant_revoke(revoked.grant, reason="违反条件", breach=False, by=head)
    DataGrant.objects.filter(pk=revoked.grant.pk).update(destruction_due_on=days(-1))
    GrantReport.objects.update(status="cancelled")  # only the certificates here
    assert grant_services.grant_obligations_flag_overdue() == 2
    for case in (expired, revoked):
        grant = DataGrant.objects.get(pk=case.grant.pk)
        assert grant.certificate_overdue_flagged_at is not None
        assert CreditEvent.objects.filter(institution_id=case.applicant.pk, source_type="catalog.datagrant",
                                          source_id=str(grant.pk), rule__trigger="sharing.certificate_overdue").count() == 1
    assert DataGrant.objects.get(pk=on_time.grant.pk).certificate_overdue_flagged_at is None
    assert grant_services.grant_obligations_flag_overdue() == 0


def test_svc3_departments_list_overdue_items_of_their_jurisdiction_only():
    case = grant_case()
    GrantReport.objects.filter(grant=case.grant, kind="progress").update(due_on=days(-2))
    set_period(grant_case().grant, days(-300), days(-40))
    grant_services.grants_expire_due()
    xiamen = make_user(department("350200", "municipal"), "reviewer")
    guangzhou = make_user(department("440100", "municipal"), "reviewer")
    assert list(grant_services.reports_overdue(xiamen).values_list("grant_id", flat=True)) == [case.grant.pk]
    assert grant_services.certificates_overdue(xiamen).count() == 1
    assert not grant_services.reports_overdue(guangzhou).exists()
    assert not grant_services.certificates_overdue(guangzhou).exists()
    assert grant_services.grants_with_overdue_obligations(xiamen).count() == 2


def test_svc3_grants_expiring_lists_grants_in_force_ending_within_the_window():
    soon, later = grant_case(), grant_case()
    set_period(soon.grant, days(-10), days(20))
    set_period(later.grant, days(-10), days(45))
    assert list(grant_services.grants_expiring(soon.applicant_admin)) == [soon.grant]
    national = make_user(department(None, "national"), "reviewer")
    assert list(grant_services.grants_expiring(national, days=30)) == [soon.grant]
    assert set(grant_services.grants_expiring(national, days=60)) == {soon.grant, later.grant}
