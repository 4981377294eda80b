"""The grant an approval creates (SVC-3, SEC-4): number, period, conditions, recipients, report schedule, and
the supersession of the grant an amendment, extension or renewal replaces."""

import datetime
import re

import pytest
from django.utils import timezone

from apps.catalog import timing
from apps.catalog.models import DataGrant, GrantReport, SharingApplication
from apps.catalog.services import grants as grant_services
from apps.core import errors, policy
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.factories import department

from .grants_helpers import approved_application, grant_case

pytestmark = pytest.mark.django_db


def test_svc3_approval_creates_the_grant_with_period_conditions_recipients_and_reports(
        django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        case = grant_case(conditions=["仅限院内分析，不得导出明细数据。", "结果发表前报送本委备案。"],
                          start=today, end=today + datetime.timedelta(days=400))
    grant = case.grant
    assert re.fullmatch(rf"SG{today.year}-\d{{6}}", grant.number)
    assert (grant.status, grant.starts_on, grant.ends_on) == ("active", today, today + datetime.timedelta(days=400))
    assert grant.applicant_id == case.applicant.pk and grant.applicant_region_id == "350203"
    # Conditions of every approving step of the last round, in route order, named by organisation.
    assert grant.conditions.splitlines() == [
        f"{case.provider.name}: 仅限院内分析，不得导出明细数据。",
        f"{case.reviewer.organisation.name}: 结果发表前报送本委备案。",
    ]
    assert set(grant.recipients.all()) == {case.applicant_admin, case.co_recipient}
    reports = list(grant.reports.values_list("kind", "due_on"))
    six = grant_services.add_months(today, timing.PROGRESS_REPORT_MONTHS)
    twelve = grant_services.add_months(today, 2 * timing.PROGRESS_REPORT_MONTHS)
    assert reports == [("progress", six), ("progress", twelve),
                       ("final", grant.ends_on + datetime.timedelta(days=timing.FINAL_REPORT_DAYS))]
    assert DataGrant.history.filter(id=grant.pk, history_user=case.reviewer).exists()
    told = set(Notification.objects.filter(title__contains=grant.number).values_list("recipient_id", flat=True))
    assert {case.applicant_admin.pk, case.co_recipient.pk, case.provider_admin.pk} <= told


def test_svc3_a_recipient_of_another_institution_sees_the_grant_through_an_object_grant():
    case = grant_case()
    assert case.co_recipient.organisation_id != case.applicant.pk
    assert policy.visible(case.co_recipient, DataGrant, "catalog.view_datagrant").filter(pk=case.grant.pk).exists()
    assert grant_services.may_file_for(case.co_recipient, case.grant)
    # Another person of that institution, not named, sees nothing.
    colleague = make_user(case.co_recipient.organisation, "institution_admin")
    assert not policy.visible(colleague, DataGrant, "catalog.view_datagrant").filter(pk=case.grant.pk).exists()


def test_svc3_grant_visibility_grantee_provider_departments_and_no_one_else():
    case = grant_case()
    visible = lambda user: grant_services.grants_for(user).filter(pk=case.grant.pk).exists()  # noqa: E731
    assert visible(case.applicant_admin) and visible(case.provider_admin)
    assert visible(make_user(department("350200", "municipal"), "reviewer"))  # the grantee's city
    assert visible(make_user(department("350100", "municipal"), "reviewer"))  # the provider's city
    assert not visible(make_user(department("440100", "municipal"), "reviewer"))
    from .factories import provider_institution

    _other, other_admin = provider_institution("350102")
    assert not visible(other_admin)


def test_svc3_a_requested_start_in_the_past_becomes_today():
    today = timezone.localdate()
    case = grant_case(start=today - datetime.timedelta(days=20), end=today + datetime.timedelta(days=100))
    assert case.grant.starts_on == today


def test_svc3_a_period_that_has_already_ended_is_not_granted_and_nothing_is_saved():
    today = timezone.localdate()
    application, *_rest, reviewer = approved_application(start=today - datetime.timedelta(days=60),
                                                         end=today - datetime.timedelta(days=1))
    with pytest.raises(errors.ValidationFailed) as raised:
        grant_services.grant_create(application, by=reviewer)
    assert "ended on" in str(raised.value.message) and application.number in str(raised.value.message)
    assert not DataGrant.objects.exists() and not GrantReport.objects.exists()


def test_svc3_only_an_approved_application_becomes_a_grant():
    application, *_rest, reviewer = approved_application()
    SharingApplication.objects.filter(pk=application.pk).update(status="in_review")
    with pytest.raises(errors.TransitionNotAllowed):
        grant_services.grant_create(application, by=reviewer)
    assert not DataGrant.objects.exists()


def test_svc3_an_application_gets_one_grant_only():
    case = grant_case()
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        grant_services.grant_create(case.application, by=case.reviewer)
    assert "already has its grant" in str(raised.value.message)
    assert DataGrant.objects.count() == 1


def test_svc3_numbers_are_consecutive_per_year():
    first, second = grant_case().grant, grant_case().grant
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_svc3_short_periods_owe_the_final_report_only():
    today = timezone.localdate()
    case = grant_case(start=today, end=today + datetime.timedelta(days=90))
    assert list(case.grant.reports.values_list("kind", flat=True)) == ["final"]
    # Exactly six months: the progress report would fall on the last day, which the final report covers.
    assert [kind for kind, _due in grant_services.report_schedule(
        datetime.date(2026, 1, 31), datetime.date(2026, 7, 31))] == ["final"]
    assert grant_services.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)


def test_svc3_an_extension_supersedes_the_old_grant_without_a_destruction_certificate():
    today = timezone.localdate()
    old_case = grant_case(start=today, end=today + datetime.timedelta(days=400))
    old = old_case.grant
    late = old.reports.get(kind="progress", due_on=grant_services.add_months(today, 6))
    GrantReport.objects.filter(pk=late.pk).update(due_on=today - datetime.timedelta(days=3))  # already overdue
    application, *_rest, reviewer = approved_application(parent=old_case.application, kind="extension",
                                                         end=today + datetime.timedelta(days=700))
    new = grant_services.grant_create(application, by=reviewer)
    old.refresh_from_db()
    assert (old.status, old.superseded_by_id, old.destruction_due_on) == ("closed", new.pk, None)
    assert old.ended_at is not None
    # What was already due stays due; what lay ahead is no longer due under the old grant.
    assert dict(old.reports.values_list("pk", "status"))[late.pk] == "due"
    assert set(old.reports.exclude(pk=late.pk).values_list("status", flat=True)) == {"cancelled"}
    assert new.status == "active" and new.applicant_id == old.applicant_id


def test_svc3_a_revoked_grant_is_not_superseded_by_a_renewal():
    old_case = grant_case()
    head = make_user(department("350200", "municipal"), "department_head")
    grant_services.grant_revoke(old_case.grant, reason="违反约定条件", breach=False, by=head)
    application, *_rest, reviewer = approved_application(parent=old_case.application, kind="renewal")
    grant_services.grant_create(application, by=reviewer)
    old_case.grant.refresh_from_db()
    assert old_case.grant.status == "revoked" and old_case.grant.superseded_by_id is None
    assert old_case.grant.destruction_due_on is not None


def test_svc3_a_renewal_approved_early_lets_the_old_grant_run_to_its_end_then_close_without_a_certificate():
    today = timezone.localdate()
    old_case = grant_case(start=today, end=today + datetime.timedelta(days=60))
    old = old_case.grant
    application, *_rest, reviewer = approved_application(parent=old_case.application, kind="renewal",
                                                         start=old.ends_on + datetime.timedelta(days=1),
                                                         end=old.ends_on + datetime.timedelta(days=365))
    new = grant_services.grant_create(application, by=reviewer)
    old.refresh_from_db()
    # No gap: the old grant stays in force until its end date, so releases stay possible.
    assert (old.status, old.superseded_by_id) == ("active", new.pk)
    assert grant_services.grants_expire_due(today=old.ends_on + datetime.timedelta(days=1)) == 1
    old.refresh_from_db()
    assert (old.status, old.destruction_due_on) == ("closed", None) and old.ended_at is not None
    assert not old.reports.filter(status="due", due_on__gt=old.ends_on).exists()
