"""Demo inspections for `manage.py seed_demo`, made through the services (SUP-1, SUP-2, SUP-5): the province's
published "double random" draw of the year (one inspection closed without action, one on site, the rest
planned), a special inspection of the demo hospital closed with two findings, rectification orders (one
accepted, one awaiting verification) and its signed report, a risk-based evaluation plan of data service
providers, and an inspector's declared conflict of interest. Idempotent: recognised by the first plan's title."""

from __future__ import annotations

import contextlib
import datetime
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User

ANNUAL_TITLE = "2026年度健康医疗数据安全“双随机、一公开”抽查"
SPECIAL_TITLE = "健康医疗数据共享与安全管理专项检查"
EVALUATION_TITLE = "健康医疗大数据平台及服务商稳定性与安全评测"
EXTRA_INSPECTORS = [("demo_inspector2", "陈立华", 77), ("demo_inspector3", "林芳", 78)]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("organisation").first()


def _png(width: int = 48, height: int = 32) -> bytes:
    """A small real PNG (a blue-grey gradient) standing in for an on-site photo."""
    rows = b"".join(b"\x00" + b"".join(bytes(((40 + x * 3) % 256, (80 + y * 4) % 256, 140)) for x in range(width))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def seed(admin: User) -> str:
    from .models import InspectionPlan

    head, lead = _user("demo_head"), _user("demo_inspector")
    hospital_officer = _user("demo_security_officer")
    if head is None or lead is None or hospital_officer is None:
        return "inspections demo skipped (demo accounts missing)"
    if InspectionPlan.objects.filter(title=ANNUAL_TITLE).exists():
        return "inspections demo already present"
    with transaction.atomic():
        second, third = _inspectors(head, admin)
        hospital = hospital_officer.organisation.institution
        _conflict(third, hospital)
        annual, drawn = _annual_draw(head, [lead, second, third])
        special = _special_inspection(head, lead, second, hospital)
        _rectification(special, hospital_officer, lead)
        evaluation = _evaluation_plan(head, [lead, second, third])
    return (f"inspections: plan {annual.number} with {drawn} drawn targets, special inspection {special.number} "
            f"of {hospital.name} with {special.findings.count()} findings and its report, evaluation plan "
            f"{evaluation.number}")


# --- people -----------------------------------------------------------------------------------------------


def _inspectors(head: User, admin: User) -> tuple[User, User]:
    from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD, demo_identity_number
    from apps.accounts.services import user_create

    made = []
    for username, name, index in EXTRA_INSPECTORS:
        user = _user(username) or user_create(
            organisation=head.organisation, username=username, full_name=name, email=f"{username}@portal.example",
            mobile=f"139000000{index}", identity_number=demo_identity_number(index), roles=["inspector"],
            password=DEMO_PASSWORD, by=admin)
        made.append(user)
    return made[0], made[1]


def _conflict(inspector: User, hospital) -> None:
    from .services.plans import conflict_declare

    conflict_declare(user=inspector, institution=hospital, reason="配偶在该院信息中心工作", by=inspector)


# --- the annual double-random draw (SUP-1) ------------------------------------------------------------------


def _plan(head: User, *, title: str, kind: str, subject: str = "routine", scope_types=(), description: str = ""):
    from .models import ChecklistVersion
    from .services.plans import plan_activate, plan_create

    checklist = ChecklistVersion.objects.get(template__code="default", status=ChecklistVersion.Status.PUBLISHED)
    today = timezone.localdate()
    plan = plan_create(data={
        "title": title, "kind": kind, "subject": subject, "description": description,
        "starts_on": today - datetime.timedelta(days=30), "ends_on": today + datetime.timedelta(days=150),
        "scope_regions": [head.organisation.region_id], "scope_types": list(scope_types), "checklist": checklist.pk,
    }, by=head)
    return plan_activate(plan=plan, by=head)


def _pool(plan, head: User, inspectors: list[User]) -> None:
    from .services.plans import plan_pool_add

    for inspector in inspectors:
        plan_pool_add(plan=plan, user=inspector, by=head)


def _record_all(inspection, by: User, *, failures: dict | None = None) -> None:
    """Every checklist item recorded; `failures` maps item codes to (result, notes)."""
    from .services.inspections import item_result_record

    failures = failures or {}
    for item in inspection.checklist.items.order_by("position"):
        result, notes = failures.get(item.code, ("compliant", ""))
        item_result_record(inspection=inspection, item=item, result=result, notes=notes, by=by)


def _lead_of(inspection) -> User:
    return inspection.team.get(role="lead").user


def _annual_draw(head: User, inspectors: list[User]):
    from .services.inspections import inspection_close, inspection_start, item_result_record
    from .services.selection import selection_draw

    plan = _plan(head, title=ANNUAL_TITLE, kind="annual",
                 description="依据《国家健康医疗大数据标准、安全和服务管理办法（试行）》第三十八条，对全省责任单位的数据安全管理"
                             "和数据使用情况开展随机抽查，随机抽取检查对象、随机选派检查人员，检查结果向社会公开。")
    _pool(plan, head, inspectors)
    selection = selection_draw(plan=plan, target_count=6, team_size=2, by=head)
    inspections = list(selection.inspections.order_by("pk"))
    closed, on_site = inspections[0], inspections[1]
    lead = _lead_of(closed)
    inspection_start(inspection=closed, by=lead)
    _record_all(closed, lead)
    inspection_close(inspection=closed, outcome="no_action", summary="各项检查内容均符合要求，未发现问题。", by=lead)
    _render_report_now(closed)
    lead = _lead_of(on_site)
    inspection_start(inspection=on_site, by=lead)
    for item in on_site.checklist.items.order_by("position")[:8]:
        item_result_record(inspection=on_site, item=item, result="compliant", notes="", by=lead)
    return plan, len(inspections)


# --- a special inspection of the demo hospital (SUP-1, SUP-5) -------------------------------------------------


def _special_inspection(head: User, lead: User, member: User, hospital):
    from .models import ChecklistItem
    from .services.inspections import (
        evidence_add,
        finding_add,
        inspection_close,
        inspection_create,
        inspection_start,
    )

    plan = _plan(head, title=SPECIAL_TITLE, kind="special",
                 description="针对数据共享申请审批、数据备份与恢复演练情况开展的专项检查。")
    _pool(plan, head, [lead, member])
    inspection = inspection_create(plan=plan, institution=hospital, team=[lead, member], lead=lead, by=head,
                                   scheduled_on=timezone.localdate() - datetime.timedelta(days=3))
    inspection_start(inspection=inspection, by=lead)
    items = list(inspection.checklist.items.order_by("position"))
    backup = next((item for item in items if "SEC-2" in item.requirement_ids), items[0])
    grading = next((item for item in items if "SEC-1" in item.requirement_ids and item != backup), items[1])
    _record_all(inspection, lead, failures={
        backup.code: ("major_nc", "近十二个月无数据备份恢复演练记录，备份介质与生产系统同机房存放。"),
        grading.code: ("minor_nc", "两项数据资源未标注分级标识。"),
    })
    photo = SimpleUploadedFile("机房备份介质.png", _png(), content_type="image/png")
    evidence_add(inspection=inspection, upload=photo, item=ChecklistItem.objects.get(pk=backup.pk), by=lead,
                 caption="备份介质与生产服务器同一机柜")
    major = finding_add(inspection=inspection, item=backup, severity="major", by=lead)
    finding_add(inspection=inspection, item=grading, severity="minor", by=member)
    evidence_add(inspection=inspection, upload=SimpleUploadedFile("备份记录截图.png", _png(40, 24), content_type="image/png"),
                 finding=major, by=member, caption="备份系统日志截图")
    today = timezone.localdate()
    deadlines = {finding.pk: today + datetime.timedelta(days=30 + 15 * index)
                 for index, finding in enumerate(inspection.findings.order_by("number"))}
    inspection_close(inspection=inspection, outcome="rectification", deadlines=deadlines,
                     summary="该院数据安全管理制度健全，但备份恢复演练缺失、部分数据资源未分级标识，责令限期整改。", by=lead)
    _render_report_now(inspection)
    inspection.refresh_from_db()
    return inspection


def _render_report_now(inspection) -> None:
    """The demo shows a finished report at once; the task queued on commit then finds it ready."""
    from .models import InspectionReport
    from .services.reports import report_render

    report = InspectionReport.objects.filter(inspection=inspection).first()
    if report is not None:
        report_render(report.pk)


def _rectification(inspection, officer: User, lead: User) -> None:
    from .services.rectification import order_respond, order_verify

    orders = list(inspection.orders.order_by("number"))
    if not orders:
        return
    first = order_respond(order=orders[0], by=officer, files=[
        SimpleUploadedFile("恢复演练记录.png", _png(), content_type="image/png")],
        report="已于本月完成全量数据备份恢复演练，恢复时间 3.5 小时；备份介质已迁移至异地灾备中心。").order
    order_verify(order=first, accept=True, comment="演练记录完整，异地备份已核实。", by=lead)
    if len(orders) > 1:
        order_respond(order=orders[1], by=officer, report="已对两项数据资源补充分级标识，并修订数据分级管理办法。")


# --- a risk-based evaluation of providers (SUP-2) ---------------------------------------------------------------


def _evaluation_plan(head: User, inspectors: list[User]):
    from apps.core import errors

    from .services.selection import selection_risk_create

    plan = _plan(head, title=EVALUATION_TITLE, kind="quarterly", subject="evaluation",
                 description="依据第三十九条，对健康医疗大数据平台和服务商的可靠性、可控性和安全性开展评测。")
    _pool(plan, head, inspectors)
    # Fewer than two providers in scope: the plan stays without a selection.
    with contextlib.suppress(errors.ValidationFailed):
        selection_risk_create(plan=plan, target_count=2, team_size=2, by=head)
    return plan
