"""Escalation of overdue case rectification orders (SUP-3, INS-3): level 1 when first overdue (the institution
and the case officers told, "rectification.missing" once), level 2 at a week (heads of the departments
covering the institution), level 3 at a month (heads and case officers: further accountability proposed);
each level once, idempotent, every morning by beat as the system account."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from apps.cases import tasks
from apps.cases.models import CaseRectification
from apps.cases.services import rectification as services
from apps.institutions.models import CreditEvent

from . import test_rectification_services as shared
from .test_rectification_services import issue, told

pytestmark = pytest.mark.django_db
s = shared.s  # fixture


def overdue(s, days: int, status: str = "issued") -> CaseRectification:
    order = issue(s, deadline_days=-days)
    CaseRectification.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


def test_ins3_level_1_tells_the_institution_and_the_officers_and_raises_missing_once(
        s, django_capture_on_commit_callbacks):
    order = overdue(s, 1)
    on_time = issue(s, deadline_days=0)  # due today: not overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rectifications_escalate_overdue() == 1
    order.refresh_from_db()
    assert order.escalation_level == 1 and order.escalated_at is not None and order.status == "issued"
    on_time.refresh_from_db()
    assert on_time.escalation_level == 0
    assert {s.admin.pk, s.security_officer.pk, s.top_leader.pk, s.officer.pk} <= told(order)
    assert not {s.head.pk, s.officer2.pk, s.steward.pk} & told(order)
    event = CreditEvent.objects.get()
    assert event.rule.trigger == "rectification.missing" and event.source_id == str(order.pk)
    assert event.occurred_on == order.deadline + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rectifications_escalate_overdue() == 0  # idempotent: run twice
    assert CreditEvent.objects.count() == 1
    assert order.history.filter(history_change_reason__startswith="escalated").count() == 1


def test_ins3_level_2_at_a_week_tells_the_heads_covering_the_institution(s, django_capture_on_commit_callbacks):
    order = overdue(s, 7)
    with django_capture_on_commit_callbacks(execute=True):
        services.rectifications_escalate_overdue()
    order.refresh_from_db()
    reached = told(order)
    assert order.escalation_level == 2
    assert {s.head.pk, s.province_head.pk, s.national_head.pk, s.admin.pk, s.officer.pk} <= reached
    assert s.other_city_head.pk not in reached and s.officer2.pk not in reached
    assert CreditEvent.objects.count() == 1


def test_ins3_levels_rise_day_by_day_each_once(s, django_capture_on_commit_callbacks):
    order = overdue(s, 1)
    today = timezone.localdate()
    assert services.rectifications_escalate_overdue(today) == 1
    assert services.rectifications_escalate_overdue(today + datetime.timedelta(days=3)) == 0
    assert services.rectifications_escalate_overdue(today + datetime.timedelta(days=6)) == 1
    order.refresh_from_db()
    assert order.escalation_level == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rectifications_escalate_overdue(today + datetime.timedelta(days=29)) == 1
    order.refresh_from_db()
    assert order.escalation_level == 3
    assert {s.head.pk, s.officer.pk} <= told(order)
    assert services.rectifications_escalate_overdue(today + datetime.timedelta(days=60)) == 0
    assert CreditEvent.objects.filter(rule__trigger="rectification.missing").count() == 1


def test_ins3_only_orders_awaiting_the_institution_escalate(s):
    submitted = overdue(s, 10, status="submitted")
    accepted = overdue(s, 10, status="accepted")
    cancelled = overdue(s, 10, status="cancelled")
    returned = overdue(s, 10, status="returned")
    assert services.rectifications_escalate_overdue() == 1
    assert dict(CaseRectification.objects.values_list("pk", "escalation_level")) == {
        submitted.pk: 0, accepted.pk: 0, cancelled.pk: 0, returned.pk: 2}


def test_ins3_each_order_raises_its_own_missing_event(s):
    first, second = overdue(s, 2), overdue(s, 40)
    assert services.rectifications_escalate_overdue() == 2
    assert sorted(CreditEvent.objects.values_list("source_id", flat=True)) == sorted([str(first.pk), str(second.pk)])
    assert CaseRectification.objects.get(pk=second.pk).escalation_level == 3


def test_ins3_beat_task_runs_the_escalation_as_the_system_account(s):
    order = overdue(s, 31)
    assert tasks.rectifications_escalate() == 1
    order.refresh_from_db()
    assert order.escalation_level == 3
    assert order.history.first().history_user.username == "system"
    assert CreditEvent.objects.get().recorded_by.username == "system"


def test_ins3_the_task_is_scheduled_every_morning():
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
               if entry["task"] == "cases.rectifications_escalate"]
    assert len(entries) == 1
    assert tasks.rectifications_escalate.name == "cases.rectifications_escalate"


def test_ins3_escalation_query_count_does_not_grow_with_untouched_orders(s, django_assert_max_num_queries):
    for _ in range(6):
        issue(s, deadline_days=0)
        overdue(s, 3, status="submitted")
    with django_assert_max_num_queries(3):
        assert services.rectifications_escalate_overdue() == 0


def test_ins3_a_report_sent_in_time_and_returned_after_the_deadline_is_not_escalated_as_missing(s):
    """A report submitted before the deadline and returned after it gets ten working days to answer, so the
    next morning does not escalate it as "not done by the deadline"."""
    order = issue(s, deadline_days=1)
    services.rectification_respond(rectification=order, report="已完成整改。", by=s.admin)
    CaseRectification.objects.filter(pk=order.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=2))
    order.reports.update(submitted_at=timezone.now() - datetime.timedelta(days=3))
    services.rectification_verify(rectification=order, accept=False, comment="缺少演练记录。", by=s.officer)
    order.refresh_from_db()
    assert order.status == "returned" and order.deadline > timezone.localdate()
    assert services.rectifications_escalate_overdue() == 0
    assert not CreditEvent.objects.filter(rule__trigger="rectification.missing").exists()
