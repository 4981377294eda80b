"""Follow-up inspections (SUP-1): a closed inspection's findings whose orders are not accepted are carried
over as new open findings; the team confirms them (a new order) or withdraws them as rectified."""

import pytest

from apps.core import errors
from apps.inspections.models import Finding, Inspection, RectificationOrder
from apps.inspections.services import inspections as services
from tests.inspections.factories import make_finding, make_inspection, make_order

from . import record_helpers

pytestmark = pytest.mark.django_db
reports = record_helpers.reports  # fixture
scene = record_helpers.scene  # fixture


@pytest.fixture
def closed(scene):
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED, outcome="rectification")
    scene.reload()
    still_open = make_finding(scene.inspection, severity="critical", title="未加密")
    make_order(still_open, status=RectificationOrder.Status.RETURNED)
    done = make_finding(scene.inspection, title="已整改")
    make_order(done, status=RectificationOrder.Status.ACCEPTED)
    submitted = make_finding(scene.inspection, severity="minor", title="待核实")
    make_order(submitted, status=RectificationOrder.Status.SUBMITTED)
    make_finding(scene.inspection, status=Finding.Status.WITHDRAWN, title="撤回")
    return {"open": still_open, "done": done, "submitted": submitted}


def test_sup1_follow_up_carries_the_findings_whose_orders_are_not_accepted(scene, closed):
    follow_up = services.inspection_follow_up_create(inspection=scene.inspection, by=scene.head,
                                                     team=[scene.member, scene.lead], lead=scene.member)
    assert follow_up.follows == scene.inspection and follow_up.institution == scene.institution
    carried = list(follow_up.findings.order_by("number"))
    assert [(f.carried_from_id, f.severity, f.title, f.status, f.number) for f in carried] == [
        (closed["open"].pk, "critical", "未加密", "open", 1), (closed["submitted"].pk, "minor", "待核实", "open", 2)]
    assert carried[0].requirement_ids == closed["open"].requirement_ids
    assert follow_up.team.get(role="lead").user == scene.member


def test_sup1_follow_up_team_confirms_or_withdraws_carried_findings(scene, closed, reports):
    follow_up = services.inspection_follow_up_create(inspection=scene.inspection, by=scene.head,
                                                     team=[scene.lead], lead=scene.lead)
    services.inspection_start(inspection=follow_up, by=scene.lead)
    scene.answer_all(inspection=follow_up)
    kept, rectified = follow_up.findings.order_by("number")
    services.finding_withdraw(finding=rectified, reason="现场核实已整改", by=scene.lead)
    services.inspection_close(inspection=follow_up, outcome="rectification", by=scene.lead)
    kept.refresh_from_db()
    rectified.refresh_from_db()
    assert kept.status == "confirmed" and kept.order.number.startswith(follow_up.number)
    assert rectified.status == "withdrawn" and rectified.withdrawn_reason == "现场核实已整改"


def test_sup1_only_a_closed_inspection_is_followed_up_by_a_planner(scene):
    with pytest.raises(errors.TransitionNotAllowed):
        services.inspection_follow_up_create(inspection=scene.inspection, by=scene.head, team=[scene.lead],
                                             lead=scene.lead)
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED)
    with pytest.raises(errors.PermissionDenied):
        services.inspection_follow_up_create(inspection=scene.inspection, by=scene.lead, team=[scene.lead],
                                             lead=scene.lead)
    with pytest.raises(errors.NotFound):
        services.inspection_follow_up_create(inspection=scene.inspection, by=scene.xiamen_head, team=[scene.lead],
                                             lead=scene.lead)
    assert Inspection.objects.count() == 1


def test_sup1_follow_up_without_open_findings_carries_nothing(scene):
    other = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED)
    follow_up = services.inspection_follow_up_create(inspection=other, by=scene.head, team=[scene.lead],
                                                     lead=scene.lead)
    assert not follow_up.findings.exists()


def test_sup1_follow_up_settles_the_old_orders_and_counts_each_fact_once(scene, closed, reports):
    """Review fix: a carried finding confirmed again raised a second "finding.*" credit event while its old order
    stayed open and kept escalating; one withdrawn as rectified left its old order open for ever."""
    from apps.institutions.models import CreditEvent

    follow_up = services.inspection_follow_up_create(inspection=scene.inspection, by=scene.head,
                                                     team=[scene.lead], lead=scene.lead)
    services.inspection_start(inspection=follow_up, by=scene.lead)
    scene.answer_all(inspection=follow_up)
    _kept, rectified = follow_up.findings.order_by("number")
    services.finding_withdraw(finding=rectified, reason="现场核实已整改", by=scene.lead)
    before = set(CreditEvent.objects.values_list("rule__trigger", flat=True))
    services.inspection_close(inspection=follow_up, outcome="rectification", by=scene.lead)
    old_kept, old_rectified = closed["open"].order, closed["submitted"].order
    old_kept.refresh_from_db()
    old_rectified.refresh_from_db()
    closed["submitted"].refresh_from_db()
    assert old_kept.status == RectificationOrder.Status.CANCELLED  # superseded by the follow-up's order
    assert old_rectified.status == RectificationOrder.Status.ACCEPTED and old_rectified.accepted_at is not None
    assert closed["submitted"].status == Finding.Status.RESOLVED
    new_triggers = list(CreditEvent.objects.exclude(rule__trigger__in=before).values_list("rule__trigger", flat=True))
    assert not [trigger for trigger in new_triggers if trigger.startswith("finding.")]
    assert set(new_triggers) <= {"rectification.timely", "rectification.late"}
    # Neither old order escalates any more.
    from apps.inspections.services.rectification import orders_escalate_overdue

    RectificationOrder.objects.filter(pk__in=[old_kept.pk, old_rectified.pk]).update(deadline="2020-01-01")
    assert orders_escalate_overdue() == 0
