"""Closing an inspection (SUP-1, SUP-2, SUP-5, INS-3): every item answered, an outcome consistent with the
findings, a rectification order per finding with a deadline after today, credit events, the report issued."""

import datetime

import pytest
from django.utils import timezone

from apps.core import errors
from apps.inspections.models import Finding, Inspection, RectificationOrder
from apps.inspections.services import inspections as services
from apps.institutions.models import CreditEvent
from apps.workdays.services import add_working_days

from . import record_helpers

pytestmark = pytest.mark.django_db
reports = record_helpers.reports  # fixture
scene = record_helpers.scene  # fixture


def _finding(scene, severity="major", **extra):
    return services.finding_add(inspection=scene.inspection, by=scene.lead, severity=severity,
                                title=extra.pop("title", f"{severity}问题"), description="事实", article="M.18", **extra)


def test_sup1_close_confirms_findings_orders_rectification_and_raises_credit(scene, reports,
                                                                             django_capture_on_commit_callbacks):
    scene.answer_all()
    critical, minor = _finding(scene, "critical"), _finding(scene, "minor")
    deadline = timezone.localdate() + datetime.timedelta(days=45)
    with django_capture_on_commit_callbacks(execute=True):
        services.inspection_close(inspection=scene.inspection, outcome="rectification", summary="总体良好",
                                  deadlines={str(minor.pk): deadline}, by=scene.lead)
    inspection = scene.reload()
    assert (inspection.status, inspection.outcome, inspection.summary) == ("closed", "rectification", "总体良好")
    assert inspection.closed_at is not None and reports == [inspection.pk]
    orders = {order.finding_id: order for order in RectificationOrder.objects.all()}
    today = timezone.localdate()
    assert orders[critical.pk].deadline == add_working_days(today, 10)
    assert orders[minor.pk].deadline == deadline
    assert orders[critical.pk].number == f"{inspection.number}-Z{critical.number}"
    assert "M.18" in orders[critical.pk].requirement and orders[critical.pk].status == "issued"
    assert set(Finding.objects.values_list("status", flat=True)) == {"confirmed"}
    triggers = sorted(CreditEvent.objects.filter(institution=scene.institution).values_list("rule__trigger", flat=True))
    assert triggers == ["finding.critical", "finding.minor"]
    from apps.notifications.models import Notification

    told = set(Notification.objects.filter(title__contains=inspection.number).values_list("recipient_id", flat=True))
    assert {scene.admin.pk, scene.security.pk} <= told and scene.other_admin.pk not in told


def test_sup1_default_deadlines_by_severity(scene, reports):
    scene.answer_all()
    findings = {severity: _finding(scene, severity) for severity in ("critical", "major", "minor")}
    services.inspection_close(inspection=scene.inspection, outcome="official_action", deadlines={}, by=scene.lead)
    today = timezone.localdate()
    for severity, days in (("critical", 10), ("major", 20), ("minor", 30)):
        assert findings[severity].order.deadline == add_working_days(today, days)


def test_sup1_no_action_closes_without_orders(scene, reports):
    scene.answer_all()
    services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.lead)
    assert scene.reload().status == "closed" and not RectificationOrder.objects.exists() and reports


@pytest.mark.parametrize("days", [0, -1])
def test_sup1_a_deadline_today_or_in_the_past_is_refused_naming_the_finding(scene, reports, days):
    scene.answer_all()
    finding = _finding(scene, title="未开展演练")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.inspection_close(inspection=scene.inspection, outcome="rectification", by=scene.lead,
                                  deadlines={finding.pk: timezone.localdate() + datetime.timedelta(days=days)})
    message = caught.value.field_errors[f"deadline_{finding.pk}"][0]
    assert "F1" in message and "未开展演练" in message and "after today" in message
    assert scene.reload().status == "in_progress" and not RectificationOrder.objects.exists() and not reports
    assert not CreditEvent.objects.exists() and Finding.objects.get().status == "open"


def test_sup1_unanswered_items_are_listed_by_code(scene, reports):
    services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="compliant", notes="",
                                by=scene.lead)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.lead)
    assert "T2, T3" in caught.value.field_errors["results"][0]
    assert scene.reload().status == "in_progress" and not reports


def test_sup1_outcome_is_required_and_consistent_with_findings(scene, reports):
    scene.answer_all()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.inspection_close(inspection=scene.inspection, outcome="", by=scene.lead)
    assert "outcome" in caught.value.field_errors
    with pytest.raises(errors.ValidationFailed) as caught:
        services.inspection_close(inspection=scene.inspection, outcome="rectification", by=scene.lead)
    assert "at least one finding" in caught.value.field_errors["outcome"][0]
    _finding(scene)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.lead)
    assert "No action" in caught.value.field_errors["outcome"][0]
    assert scene.reload().status == "in_progress" and not reports


def test_sup1_withdrawn_findings_get_no_order(scene, reports):
    scene.answer_all()
    finding = _finding(scene)
    services.finding_withdraw(finding=finding, reason="误判", by=scene.lead)
    services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.lead)
    assert not RectificationOrder.objects.exists() and not CreditEvent.objects.exists()


def test_sup1_only_the_team_closes_and_a_closed_inspection_stays_closed(scene, reports):
    scene.answer_all()
    with pytest.raises(errors.PermissionDenied):
        services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.head)
    with pytest.raises(errors.NotFound):
        services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.xiamen_inspector)
    services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.member)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.member)
    assert "closed inspection" in str(caught.value.message)
    assert len(reports) == 1


def test_sup1_a_planned_inspection_cannot_be_closed(scene, reports):
    Inspection.objects.filter(pk=scene.inspection.pk).update(status="planned")
    with pytest.raises(errors.TransitionNotAllowed):
        services.inspection_close(inspection=scene.inspection, outcome="no_action", by=scene.lead)


def test_sup1_plan_manager_cancels_with_a_reason_and_open_findings_lapse(scene):
    finding = _finding(scene)
    with pytest.raises(errors.ValidationFailed):
        services.inspection_cancel(inspection=scene.inspection, reason="", by=scene.head)
    with pytest.raises(errors.PermissionDenied):
        services.inspection_cancel(inspection=scene.inspection, reason="机构停业", by=scene.lead)
    with pytest.raises(errors.NotFound):
        services.inspection_cancel(inspection=scene.inspection, reason="机构停业", by=scene.xiamen_head)
    services.inspection_cancel(inspection=scene.inspection, reason="机构停业", by=scene.head)
    inspection = scene.reload()
    assert (inspection.status, inspection.cancel_reason) == ("cancelled", "机构停业")
    finding.refresh_from_db()
    assert finding.status == "withdrawn"
    with pytest.raises(errors.TransitionNotAllowed):
        services.inspection_cancel(inspection=scene.inspection, reason="again", by=scene.head)
