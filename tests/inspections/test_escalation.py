"""Escalation of overdue orders (SUP-1, INS-3): level 1 when first overdue (institution and team told,
"rectification.missing" once), level 2 at a week (department heads covering the institution), level 3 at a
month (heads and case officers); idempotent; set-based selection."""

import datetime

import pytest
from django.utils import timezone

from apps.inspections import tasks
from apps.inspections.models import RectificationOrder
from apps.inspections.services import rectification as services
from apps.institutions.models import CreditEvent
from apps.notifications.models import Notification
from tests.inspections.factories import make_finding, make_order

from . import record_helpers

pytestmark = pytest.mark.django_db
scene = record_helpers.scene  # fixture


def _order(scene, days_overdue, status="issued"):
    deadline = timezone.localdate() - datetime.timedelta(days=days_overdue)
    return make_order(make_finding(scene.inspection), deadline=deadline, status=status)


def _told(order):
    return set(Notification.objects.filter(title__contains=order.number).values_list("recipient_id", flat=True))


def test_ins3_level_1_when_first_overdue_tells_institution_and_team_and_raises_missing_once(
        scene, django_capture_on_commit_callbacks):
    order = _order(scene, 1)
    on_time = _order(scene, 0)  # due today: not overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_escalate_overdue() == 1
    order.refresh_from_db()
    assert order.escalation_level == 1 and order.escalated_at is not None and order.status == "issued"
    on_time.refresh_from_db()
    assert on_time.escalation_level == 0
    assert {scene.admin.pk, scene.security.pk, scene.lead.pk, scene.member.pk} <= _told(order)
    assert scene.head.pk not in _told(order)
    assert list(CreditEvent.objects.values_list("rule__trigger", flat=True)) == ["rectification.missing"]
    assert services.orders_escalate_overdue() == 0  # idempotent
    assert CreditEvent.objects.count() == 1


def test_ins3_level_2_at_a_week_tells_the_heads_covering_the_institution(scene, django_capture_on_commit_callbacks):
    order = _order(scene, 7)
    with django_capture_on_commit_callbacks(execute=True):
        services.orders_escalate_overdue()
    order.refresh_from_db()
    told = _told(order)
    assert order.escalation_level == 2 and scene.head.pk in told and scene.xiamen_head.pk not in told
    assert scene.case_officer.pk not in told and scene.admin.pk in told  # level 1 reached on the way
    assert CreditEvent.objects.count() == 1


def test_ins3_levels_rise_day_by_day_each_once(scene, django_capture_on_commit_callbacks):
    order = _order(scene, 1)
    today = timezone.localdate()
    assert services.orders_escalate_overdue(today) == 1
    assert services.orders_escalate_overdue(today + datetime.timedelta(days=3)) == 0
    assert services.orders_escalate_overdue(today + datetime.timedelta(days=6)) == 1
    order.refresh_from_db()
    assert order.escalation_level == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_escalate_overdue(today + datetime.timedelta(days=29)) == 1
    order.refresh_from_db()
    assert order.escalation_level == 3
    assert {scene.head.pk, scene.case_officer.pk} <= _told(order)
    assert services.orders_escalate_overdue(today + datetime.timedelta(days=60)) == 0
    assert CreditEvent.objects.filter(rule__trigger="rectification.missing").count() == 1


def test_ins3_only_orders_awaiting_the_institution_escalate(scene):
    submitted = _order(scene, 10, status="submitted")
    accepted = _order(scene, 10, status="accepted")
    returned = _order(scene, 10, status="returned")
    assert services.orders_escalate_overdue() == 1
    assert dict(RectificationOrder.objects.values_list("pk", "escalation_level")) == {
        submitted.pk: 0, accepted.pk: 0, returned.pk: 2}


def test_ins3_beat_task_runs_the_escalation_as_the_system_account(scene):
    order = _order(scene, 31)
    assert tasks.orders_escalate() == 1
    order.refresh_from_db()
    assert order.escalation_level == 3
    assert order.history.first().history_user.username == "system"


def test_ins3_escalation_query_count_does_not_grow_with_untouched_orders(scene, django_assert_max_num_queries):
    for _ in range(6):
        _order(scene, 0)
        _order(scene, 3, status="submitted")
    with django_assert_max_num_queries(3):
        assert services.orders_escalate_overdue() == 0


def test_ins3_a_report_sent_in_time_but_returned_after_the_deadline_is_not_escalated_as_missing(scene):
    """Review fix: a report submitted before the deadline and returned after it was escalated the next morning
    as "not done by the deadline". Returning it now leaves ten working days to answer."""
    from apps.workdays.services import add_working_days

    order = _order(scene, -1)  # due tomorrow
    services.order_respond(order=order, report="已完成整改。", by=scene.admin)
    order.refresh_from_db()
    order.deadline = timezone.localdate() - datetime.timedelta(days=2)  # the inspector looks only two days late
    order.save()
    RectificationOrder.objects.filter(pk=order.pk).update(deadline=order.deadline)
    order.responses.update(submitted_at=timezone.now() - datetime.timedelta(days=3))  # sent before that deadline
    services.order_verify(order=order, accept=False, comment="缺少演练记录。", by=scene.lead)
    order.refresh_from_db()
    assert order.status == "returned" and order.deadline == add_working_days(timezone.localdate(), 10)
    assert services.orders_escalate_overdue() == 0
    assert not CreditEvent.objects.filter(rule__trigger="rectification.missing").exists()


def test_ins3_a_late_report_returned_keeps_its_deadline_and_escalates(scene):
    order = _order(scene, 3)
    services.order_respond(order=order, report="已完成整改。", by=scene.admin)  # three days late
    services.order_verify(order=order, accept=False, comment="缺少演练记录。", by=scene.lead)
    order.refresh_from_db()
    assert order.deadline == timezone.localdate() - datetime.timedelta(days=3)
    assert services.orders_escalate_overdue() == 1
