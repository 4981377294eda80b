"""Demo standards data for `manage.py seed_demo`, made through the services: a public proposal, a draft
open for public comment (working group of two organisations, three experts, one comment), adoption
declarations across Fuzhou so the monitor has figures, a self-assessment awaiting evaluation and this
year's work plan with an overdue task. Idempotent: recognised by the demo proposal's e-mail."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User

from .models import AdoptionDeclaration, FrameworkCategory, Standard, StandardProposal

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO_EMAIL = "proposer@demo.example"
ADOPTED = ["WS 445.1-2014", "WS/T 500.1-2016", "WS/T 447-2014"]  # declared by part of Fuzhou's institutions


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("organisation").first()


def seed(admin: User) -> str:
    if StandardProposal.objects.filter(proposer_email=DEMO_EMAIL).exists() or not Standard.objects.exists():
        return "standards demo already present"
    with transaction.atomic():
        _proposal()
        draft = _draft_in_comment()
        declared = _adoptions(admin)
        _self_assessment()
        _work_plan()
    return f"standards: 1 proposal, draft {draft.code} open for comment, {declared} adoption declarations"


def _proposal() -> None:
    from .services.proposals import proposal_submit

    category = FrameworkCategory.objects.filter(code="02.02").first() or FrameworkCategory.objects.first()
    proposal_submit(data={
        "kind": "new", "title": "互联网医院诊疗数据集", "category": category.pk if category else None,
        "reason": "互联网医院诊疗活动快速增长，缺少统一的数据集标准，数据难以汇聚和监管。",
        "content": "规定互联网医院在线问诊、电子处方、在线复诊等业务的数据集内容与数据元。",
        "proposer_name": "周明远", "proposer_organisation": "福建医科大学", "proposer_email": DEMO_EMAIL,
    }, client_key="demo-seed")


def _draft_in_comment() -> Standard:
    from .services.lifecycle import standard_open_comment, standard_start_drafting
    from .services.participation import comment_submit, expert_appoint
    from .services.registry import provisional_code_for, standard_create, standard_text_upload

    officer, hospital, provider = _user("demo_standards"), _user("demo_inst_admin"), _user("demo_provider_admin")
    category = FrameworkCategory.objects.filter(code="05").first() or FrameworkCategory.objects.first()
    draft = standard_create(data={
        "code": provisional_code_for(), "title": "健康医疗数据去标识化技术要求", "title_en":
        "Technical requirements for de-identification of health data", "category": category, "nature": "recommended",
        "level": "industry", "scope_note": "适用于健康医疗数据共享、开放前的去标识化处理及其效果评估。",
    }, by=officer)
    standard_start_drafting(standard=draft, members=[(hospital, "lead"), (provider, "member")], by=officer)
    standard_text_upload(standard=draft, upload=SimpleUploadedFile("征求意见稿.pdf", PDF,
                                                                   content_type="application/pdf"), by=officer)
    for username in ("demo_reviewer", "demo_inspector", "demo_auditor"):
        expert_appoint(standard=draft, user=_user(username), by=officer)
    today = timezone.localdate()
    draft = standard_open_comment(standard=draft, opens_on=today, closes_on=today + datetime.timedelta(days=30),
                                  by=officer)
    comment_submit(standard=draft, author_name="陈晓", author_organisation="厦门大学附属第一医院",
                   author_email="chenxiao@demo.example", clause="5.2",
                   text="建议明确准标识符的识别方法，并给出重标识风险评估的量化指标。", client_key="demo-seed")
    return draft


def _adoptions(admin: User) -> int:
    """Declarations of three standards by about half of Fuzhou's admitted institutions, so the monitor shows
    rates by county (written in bulk for the figures; the demo hospital declares through the service)."""
    from apps.institutions.selectors import admitted_institutions_in

    from .services.adoption import adoption_declare

    standards = list(Standard.objects.filter(code__in=ADOPTED, status__in=["in_force", "published"]))
    hospital_admin = _user("demo_inst_admin")
    rows = []
    institutions = list(admitted_institutions_in("3501").values_list("pk", "region_id").order_by("pk"))
    for index, (organisation_id, region_id) in enumerate(institutions):
        if hospital_admin and organisation_id == hospital_admin.organisation_id:
            continue
        for offset, standard in enumerate(standards):
            if (index + offset) % 2 == 0:
                rows.append(AdoptionDeclaration(
                    organisation_id=organisation_id, region_id=region_id, standard=standard,
                    since=standard.in_force_on or standard.published_on or datetime.date(2020, 1, 1),
                    systems="医院信息系统（HIS）、电子病历系统（EMR）", declared_by=admin))
    from simple_history.utils import bulk_create_with_history

    bulk_create_with_history(rows, AdoptionDeclaration, batch_size=500, default_user=admin,
                             default_change_reason="demo data")
    if hospital_admin is not None:
        for standard in standards[:2]:
            adoption_declare(organisation=hospital_admin.organisation, standard=standard,
                             since=standard.in_force_on or standard.published_on or datetime.date(2020, 1, 1),
                             systems="电子病历系统、医院信息平台", by=hospital_admin)
    return len(rows) + (2 if hospital_admin else 0)


def _self_assessment() -> None:
    from .services.conformance import conformance_self_assess

    hospital_admin = _user("demo_inst_admin")
    standard = Standard.objects.filter(code="WS 445.1-2014").first()
    if hospital_admin is None or standard is None:
        return
    conformance_self_assess(organisation=hospital_admin.organisation, standard=standard, result="conforms",
                            assessment="电子病历基本数据集已在电子病历系统中全部实现，数据元值域与标准一致。",
                            by=hospital_admin)


def _work_plan() -> None:
    from .services.plans import milestone_add, workplan_create, workplan_item_add

    officer = _user("demo_standards")
    today = timezone.localdate()
    plan = workplan_create(year=today.year, title=f"{today.year}年福建省卫生健康信息标准工作计划", by=officer)
    done_by = datetime.date(today.year, 12, 31)
    items = [
        ("组织开展电子病历基本数据集标准实施情况评估", done_by),
        # overdue on every day of the year but the first (due dates stay inside the plan year)
        ("完成互联网医院诊疗数据集立项论证", max(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=20))),
        ("健康医疗数据去标识化技术要求征求意见与专家审查", done_by),
    ]
    for title, due in items:
        item = workplan_item_add(plan=plan, title=title, owner=officer.organisation, owner_person=officer.full_name,
                                 due_on=due, by=officer)
        milestone_add(item=item, title="形成工作方案", due_on=min(due, item.due_on), by=officer)
