"""Closed inspections with everything a report shows (results, findings with evidence, orders), written directly;
used by the report tests and by `make bench` (bench/benchmarks/reports.py)."""

from __future__ import annotations

import hashlib
import io
import itertools

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.inspections.models import ChecklistTemplate, ChecklistVersion, Evidence, Inspection, ItemResult
from tests.conftest import make_user
from tests.inspections.factories import make_finding, make_inspection, make_inspector, make_order, make_plan

_serial = itertools.count(1)

RESULT_CYCLE = ("compliant", "compliant", "minor_nc", "compliant", "major_nc", "observation", "not_applicable")
SECTIONS = ("数据安全管理制度", "数据分类分级", "访问控制与审计", "备份与恢复", "数据共享与出境", "安全事件处置")


def png_bytes(seed: int = 0, size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo-like PNG (a gradient with a band), different per seed."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (200, 210, 220))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 8):
        shade = (x * 255 // size[0] + seed * 37) % 256
        draw.rectangle([x, 0, x + 7, size[1]], fill=(shade, 120, 255 - shade))
    draw.rectangle([40, size[1] // 3, size[0] - 40, size[1] // 3 + 60], fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def make_long_checklist(items: int) -> ChecklistVersion:
    """A published checklist of `items` items spread over a few sections, with long texts."""
    number = next(_serial)
    template = ChecklistTemplate.objects.create(code=f"report-{number}-{items}", name=f"报告测试检查表{number}",
                                                name_en=f"Report test checklist {number}")
    version = ChecklistVersion.objects.create(template=template, number=1, status=ChecklistVersion.Status.PUBLISHED,
                                              published_at=timezone.now())
    for position in range(1, items + 1):
        section = SECTIONS[(position - 1) * len(SECTIONS) // items]
        version.items.create(
            position=position, code=f"R{position:03d}", section=section, section_en=f"Section {section}",
            text=f"检查项{position}：核查机构是否建立并落实相应的数据安全管理制度，包括责任人、操作规程、记录留存和定期评估。",
            text_en=f"Item {position}: the institution has and applies the data security rules.",
            requirement_ids=["SEC-2", "SEC-7"] if position % 3 else ["SVC-3"], article=f"M.{18 + position % 9}",
            evidence_expected="制度文件、操作记录、访谈记录", severity=("major", "minor", "critical")[position % 3])
    return version


def add_evidence(inspection, *, by, finding=None, item=None, name="现场照片.png", content: bytes | None = None,
                 content_type="image/png") -> Evidence:
    content = content if content is not None else png_bytes(next(_serial))
    digest = hashlib.sha256(content).hexdigest()
    evidence = Evidence(inspection=inspection, finding=finding, item=item, original_name=name,
                        content_type=content_type, size=len(content), sha256=digest, caption=f"{name} 说明",
                        uploaded_by=by)
    extension = ".png" if content_type == "image/png" else ".jpg" if content_type == "image/jpeg" else ".pdf"
    evidence.file.save(f"{digest[:32]}{extension}", ContentFile(content), save=False)
    evidence.save()
    return evidence


def closed_inspection(department, *, institution=None, items: int = 6, findings: int = 2, images_per_finding: int = 1,
                      pdfs_per_finding: int = 0, team=None, finding_title: str = "未按要求开展备份恢复演练") -> Inspection:
    """A closed inspection of `institution` by `department` (the plan's): a team of two, a result for every
    item, `findings` confirmed findings with PNG (and PDF) evidence and a rectification order each."""
    checklist = make_long_checklist(items)
    if team is None:
        team = [make_inspector(department, full_name="张检查"), make_inspector(department, full_name="李核查")]
    plan = make_plan(department, checklist=checklist, by=make_user(department, "department_head"),
                     description="依据《医疗卫生机构网络安全管理办法》开展年度例行检查。")
    inspection = make_inspection(plan, institution, team=team, status=Inspection.Status.CLOSED,
                                 closed_at=timezone.now(), outcome=Inspection.Outcome.RECTIFICATION,
                                 summary="机构总体建立了数据安全管理制度，但备份恢复演练与访问审计存在不足，须限期整改。")
    lead = team[0]
    checklist_items = list(checklist.items.order_by("position"))
    ItemResult.objects.bulk_create([
        ItemResult(inspection=inspection, item=item, result=RESULT_CYCLE[index % len(RESULT_CYCLE)],
                   notes="现场查阅了制度文件和近一年的操作记录。" if index % 2 else "", recorded_by=lead)
        for index, item in enumerate(checklist_items)])
    for index in range(findings):
        item = checklist_items[(index * 5) % len(checklist_items)]
        finding = make_finding(inspection, severity=("major", "minor", "critical")[index % 3], by=lead, item=item,
                               title=f"{finding_title}{index + 1}" if findings > 1 else finding_title,
                               description="近一年无备份恢复演练记录。\n数据库备份未异地保存，访问日志保留不足六个月。")
        for image in range(images_per_finding):
            add_evidence(inspection, by=lead, finding=finding, name=f"现场照片{index + 1}-{image + 1}.png")
        for document in range(pdfs_per_finding):
            add_evidence(inspection, by=lead, finding=finding, name=f"备份记录{index + 1}-{document + 1}.pdf",
                         content=b"%PDF-1.4\n% evidence\n", content_type="application/pdf")
        make_order(finding, by=lead)
    return inspection


class ReportScenario:
    """A closed inspection of 福州市第一人民医院 by 福州市卫生健康委员会 with its report issued, and the people
    around it: the team (lead, member), the institution's administrator, another institution's, a department
    user outside the jurisdiction (厦门) and one inside it (a reviewer of the province)."""

    def __init__(self, **options):
        from tests.factories import department
        from tests.institutions.factories import make_institution

        self.department = department("350100", "municipal", "福州市卫生健康委员会")
        self.other_department = department("350200", "municipal", "厦门市卫生健康委员会")
        self.province = department("350000", "provincial", "福建省卫生健康委员会")
        self.institution = make_institution("350102", name="福州市第一人民医院")
        self.inspection = closed_inspection(self.department, institution=self.institution, **options)
        self.lead = self.inspection.team.get(role="lead").user
        self.member = self.inspection.team.get(role="member").user
        self.institution_user = make_user(self.institution.organisation, "institution_admin")
        self.other_institution_user = make_user(make_institution("350102").organisation, "institution_admin")
        self.outsider = make_user(self.other_department, "department_head")
        self.provincial_reviewer = make_user(self.province, "reviewer")
        from apps.inspections.services.reports import report_issue

        self.report = report_issue(self.inspection, by=self.lead)

    def render(self):
        from apps.inspections.services.reports import report_render

        report_render(self.report.pk)
        self.report.refresh_from_db()
        return self.report

    def fail(self, error: str = "RuntimeError: WeasyPrint could not load the font"):
        from apps.inspections.models import InspectionReport

        InspectionReport.objects.filter(pk=self.report.pk).update(status=InspectionReport.Status.FAILED, attempts=6,
                                                                   last_error=error)
        self.report.refresh_from_db()
        return self.report

    def content(self) -> bytes:
        with self.report.file.open("rb") as handle:
            return handle.read()
