"""Inspection records for tests, written directly (tests of a workflow move records through the services)."""

import datetime
import itertools

from django.utils import timezone

from apps.core import policy
from apps.inspections.models import (
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPlan,
    PlanInspector,
    RectificationOrder,
    TeamMember,
)
from apps.inspections.services.defaults import defaults_ensure
from tests.conftest import make_user
from tests.institutions.factories import make_institution

_serial = itertools.count(1)


def default_checklist() -> ChecklistVersion:
    """The seeded default checklist's published version (loaded again after a transactional flush)."""
    defaults_ensure()
    return ChecklistVersion.objects.filter(template__code="default", status="published").select_related(
        "template").get()


def make_checklist(items: int = 3, *, status: str = ChecklistVersion.Status.PUBLISHED) -> ChecklistVersion:
    """A small published checklist of `items` items (major severity, SEC-2 / M.18)."""
    number = next(_serial)
    template = ChecklistTemplate.objects.create(code=f"test-{number}", name=f"测试检查表{number}")
    version = ChecklistVersion.objects.create(template=template, number=1, status=status,
                                              published_at=timezone.now() if status == "published" else None)
    for position in range(1, items + 1):
        version.items.create(position=position, code=f"T{position}", section="数据安全", text=f"检查项{position}",
                             requirement_ids=["SEC-2"], article="M.18", evidence_expected="备份记录",
                             severity="major" if position % 2 else "minor")
    return version


def make_inspector(department, **extra):
    return make_user(department, "inspector", **extra)


def make_plan(department, *, by=None, checklist=None, pool=(), status=InspectionPlan.Status.ACTIVE,
              scope_regions=None, **fields) -> InspectionPlan:
    number = next(_serial)
    by = by or make_user(department, "department_head")
    today = timezone.localdate()
    values = {
        "number": f"JC-TEST-{number:05d}", "title": f"测试检查计划{number}", "kind": InspectionPlan.Kind.ANNUAL,
        "starts_on": today, "ends_on": today + datetime.timedelta(days=180),
        "scope_regions": scope_regions if scope_regions is not None else [department.region_id or ""],
    }
    values.update(fields)
    plan = InspectionPlan.objects.create(department=department, region_id=department.region_id,
                                         checklist=checklist or make_checklist(), status=status, created_by=by,
                                         **values)
    for user in pool:
        PlanInspector.objects.create(plan=plan, user=user)
    return plan


def make_inspection(plan, institution=None, *, team=(), status=Inspection.Status.PLANNED, **fields) -> Inspection:
    """An inspection of `institution` under `plan`; the first of `team` leads; every member gets the grant."""
    number = next(_serial)
    institution = institution or make_institution("350102")
    inspection = Inspection.objects.create(
        plan=plan, institution=institution, region_id=institution.region_id, number=f"{plan.number}-{number:03d}",
        checklist=plan.checklist, status=status, scheduled_on=fields.pop("scheduled_on", timezone.localdate()),
        created_by=plan.created_by,
        started_at=timezone.now() if status != Inspection.Status.PLANNED else None, **fields)
    for index, user in enumerate(team):
        TeamMember.objects.create(inspection=inspection, user=user,
                                  role=TeamMember.Role.LEAD if index == 0 else TeamMember.Role.MEMBER)
        policy.grant(user, "inspections.conduct_inspection", inspection)
    return inspection


def make_finding(inspection, *, severity="major", status=Finding.Status.OPEN, by=None, **fields) -> Finding:
    number = (inspection.findings.count() or 0) + 1
    by = by or inspection.created_by
    return Finding.objects.create(inspection=inspection, number=number, severity=severity,
                                  title=fields.pop("title", f"未按要求开展备份演练{number}"),
                                  description=fields.pop("description", "近一年无备份恢复演练记录。"),
                                  requirement_ids="SEC-2", article="M.18", status=status, created_by=by, **fields)


def make_order(finding, *, deadline=None, status=RectificationOrder.Status.ISSUED, by=None) -> RectificationOrder:
    inspection = finding.inspection
    if finding.status == Finding.Status.OPEN:
        finding.status = Finding.Status.CONFIRMED
        finding.confirmed_at = timezone.now()
        finding.save()
    return RectificationOrder.objects.create(
        finding=finding, inspection=inspection, institution=inspection.institution, region_id=inspection.region_id,
        number=f"{inspection.number}-Z{finding.number}", requirement="补做备份恢复演练并报送记录。",
        deadline=deadline or timezone.localdate() + datetime.timedelta(days=30), status=status,
        issued_by=by or inspection.created_by)
