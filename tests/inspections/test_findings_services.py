"""Findings (SUP-1, SUP-2): from a failed item in one call (requirements and article copied, severity from the
item) or free-standing; changed or withdrawn only while open, only by the team."""

import pytest

from apps.core import errors
from apps.inspections.models import Finding, Inspection
from apps.inspections.services import inspections as services

from . import record_helpers

pytestmark = pytest.mark.django_db
scene = record_helpers.scene  # fixture


def _fail(scene, item, result="major_nc", notes="近一年无备份恢复演练"):
    return services.item_result_record(inspection=scene.inspection, item=item, result=result, notes=notes,
                                       by=scene.lead)


def test_sup1_finding_from_a_failed_item_copies_requirements_article_and_severity(scene):
    item = scene.items[1]  # minor severity on the test checklist
    _fail(scene, item, "minor_nc")
    finding = services.finding_add(inspection=scene.inspection, item=item, by=scene.member)
    assert (finding.number, finding.severity, finding.requirement_ids, finding.article) == (1, "minor", "SEC-2", "M.18")
    assert finding.title.startswith(item.code) and finding.description == "近一年无备份恢复演练"
    assert finding.status == Finding.Status.OPEN and finding.item == item and finding.created_by == scene.member


def test_sup1_finding_from_an_item_may_override_the_prefilled_values(scene):
    _fail(scene, scene.items[0])
    finding = services.finding_add(inspection=scene.inspection, item=scene.items[0], severity="critical",
                                   title="未建立备份制度", by=scene.lead)
    assert (finding.severity, finding.title) == ("critical", "未建立备份制度")


def test_sup1_finding_needs_a_failed_item_and_only_one_per_item(scene):
    services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="compliant", notes="",
                                by=scene.lead)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.finding_add(inspection=scene.inspection, item=scene.items[0], by=scene.lead)
    assert "no non-conformity" in caught.value.field_errors["item"][0]
    _fail(scene, scene.items[1])
    services.finding_add(inspection=scene.inspection, item=scene.items[1], by=scene.lead)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.finding_add(inspection=scene.inspection, item=scene.items[1], by=scene.lead)
    assert "already has finding F1" in caught.value.field_errors["item"][0]
    assert Finding.objects.count() == 1


def test_sup1_free_standing_finding_needs_severity_facts_and_a_rule(scene):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.finding_add(inspection=scene.inspection, by=scene.lead, title="机房无门禁")
    assert {"severity", "description", "requirement_ids"} <= set(caught.value.field_errors)
    assert not Finding.objects.exists()
    finding = services.finding_add(inspection=scene.inspection, by=scene.lead, severity="major", title="机房无门禁",
                                   description="机房门未上锁。", requirement_ids="SEC-5", article="")
    assert finding.item is None and finding.number == 1


def test_sup1_findings_are_numbered_in_the_inspection(scene):
    numbers = [services.finding_add(inspection=scene.inspection, by=scene.lead, severity="minor", title=f"问题{n}",
                                    description="事实", article="M.18").number for n in range(3)]
    assert numbers == [1, 2, 3]


def test_sup1_findings_are_recorded_only_by_the_team(scene):
    with pytest.raises(errors.PermissionDenied):
        services.finding_add(inspection=scene.inspection, by=scene.outsider, severity="minor", title="x",
                             description="y", article="M.18")
    with pytest.raises(errors.NotFound):
        services.finding_add(inspection=scene.inspection, by=scene.admin, severity="minor", title="x",
                             description="y", article="M.18")
    assert not Finding.objects.exists()


def test_sup1_open_finding_is_updated_and_checked(scene):
    finding = services.finding_add(inspection=scene.inspection, by=scene.lead, severity="minor", title="x",
                                   description="y", article="M.18")
    services.finding_update(finding=finding, by=scene.member, severity="major", title="未加密传输")
    finding.refresh_from_db()
    assert (finding.severity, finding.title) == ("major", "未加密传输")
    with pytest.raises(errors.ValidationFailed):
        services.finding_update(finding=finding, by=scene.member, title="  ")
    finding.refresh_from_db()
    assert finding.title == "未加密传输"


def test_sup1_finding_is_withdrawn_with_a_reason(scene):
    finding = services.finding_add(inspection=scene.inspection, by=scene.lead, severity="minor", title="x",
                                   description="y", article="M.18")
    with pytest.raises(errors.ValidationFailed):
        services.finding_withdraw(finding=finding, reason=" ", by=scene.lead)
    with pytest.raises(errors.PermissionDenied):
        services.finding_withdraw(finding=finding, reason="误判", by=scene.outsider)
    services.finding_withdraw(finding=finding, reason="误判", by=scene.lead)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.WITHDRAWN and finding.withdrawn_reason == "误判"
    with pytest.raises(errors.TransitionNotAllowed):
        services.finding_update(finding=finding, by=scene.lead, title="再改")


def test_sup1_findings_of_a_closed_inspection_cannot_change(scene):
    finding = services.finding_add(inspection=scene.inspection, by=scene.lead, severity="minor", title="x",
                                   description="y", article="M.18")
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.finding_withdraw(finding=finding, reason="误判", by=scene.lead)
    assert "closed inspection" in str(caught.value.message)
