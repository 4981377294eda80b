"""Demo catalog and sharing data for `manage.py seed_demo`, made through the services (SVC-1 to SVC-3):
the demo hospital's five catalog entries (levels 1 to 5, one not shareable, one awaiting review), and a
Xiamen research hospital's applications in every state: approved with conditions after two steps (with a
grant, a de-identification record and a release), in review at the provider, returned with comments
beside the answers, refused, and a draft. Idempotent: recognised by the demo researcher's account."""

from __future__ import annotations

import datetime
import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organisation, User

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESEARCHER = "demo_researcher"
STAGES = ["generation", "collection", "storage", "use", "transmission", "sharing", "exchange", "destruction"]
STAGE_PEOPLE = {"generation": ("陈志远", "门诊部"), "collection": ("林晓梅", "信息中心"),
                "storage": ("黄立新", "信息中心"), "use": ("郑凯", "医务部"), "transmission": ("黄立新", "信息中心"),
                "sharing": ("许文华", "数据管理办公室"), "exchange": ("许文华", "数据管理办公室"),
                "destruction": ("何俊", "网络安全办公室")}

RESOURCES = [
    {"title": "门诊就诊记录", "title_en": "Outpatient visit records", "category": "medical_application",
     "sharing_type": "conditional", "open_form": "controlled", "update_frequency": "monthly",
     "data_format": "CSV（UTF-8）", "volume": "约 320 万条，12 GB", "keywords": "门诊 就诊 诊断 费用",
     "description": "本院门诊挂号、接诊、诊断与费用结算记录，按月汇总更新，可用于门诊服务质量与疾病谱研究。",
     "fields": [("就诊流水号", 2, False, ""), ("出生年份", 2, True, "DE02.01.005.00"), ("性别", 2, True, "DE02.01.040.00"),
                ("诊断编码（ICD-10）", 3, False, "DE05.01.024.00"), ("就诊科室", 1, False, "DE08.10.025.00"),
                ("费用总额", 2, False, "DE07.00.004.00")],
     "standards": ["WS 445.1-2014"]},
    {"title": "住院病案首页数据", "title_en": "Inpatient medical record front pages", "category": "medical_application",
     "sharing_type": "conditional", "open_form": "enclave", "update_frequency": "monthly",
     "data_format": "HL7 CDA / CSV", "volume": "约 48 万份，30 GB", "keywords": "住院 病案首页 手术",
     "description": "住院患者病案首页，包括诊断、手术操作、转归与费用；仅在本院数据环境内分析。",
     "fields": [("住院号", 4, True, "DE01.00.014.00"), ("主要诊断编码", 3, False, "DE05.01.024.00"),
                ("手术操作编码", 3, False, "DE06.00.093.00"), ("出院日期", 2, False, "DE06.00.017.00")],
     "standards": []},
    {"title": "医疗机构床位与设备资源", "title_en": "Beds and equipment of the hospital", "category": "health_resources",
     "sharing_type": "unconditional", "open_form": "public", "update_frequency": "quarterly",
     "data_format": "XLSX", "volume": "约 2,000 条", "keywords": "床位 设备 资源",
     "description": "各科室编制床位、实际开放床位与大型医用设备清单，每季度更新。",
     "fields": [("科室名称", 1, False, ""), ("开放床位数", 1, False, ""), ("设备名称", 1, False, ""),
                ("设备数量", 1, False, "")],
     "standards": []},
    {"title": "精神卫生专科诊疗记录", "title_en": "Mental health specialty treatment records",
     "category": "health_status", "sharing_type": "not_shareable", "open_form": "controlled",
     "update_frequency": "daily", "data_format": "数据库表", "volume": "约 6 万条",
     "keywords": "精神卫生 诊疗", "description": "精神专科门诊与住院诊疗记录，依法严格保密，不予共享。",
     "fields": [("患者姓名", 5, True, "DE02.01.039.00"), ("诊断", 5, True, ""), ("治疗方案", 4, True, "")],
     "standards": []},
]
PENDING_RESOURCE = {
    "title": "慢性病随访记录", "title_en": "Chronic disease follow-up records", "category": "health_status",
    "sharing_type": "conditional", "open_form": "controlled", "update_frequency": "weekly", "data_format": "CSV",
    "volume": "约 85 万条", "keywords": "慢病 随访 高血压 糖尿病",
    "description": "高血压、糖尿病患者的随访记录，包括血压、血糖与用药情况。",
    "fields": [("随访日期", 2, False, ""), ("血压", 3, True, ""), ("空腹血糖", 3, True, "")],
    "standards": [],
}


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("organisation").first()


def seed(admin: User) -> str:
    hospital_admin = _user("demo_inst_admin")
    applicant = Organisation.objects.filter(name="厦门市第一医院").first()
    if _user(RESEARCHER) is not None or hospital_admin is None or applicant is None:
        return "catalog demo already present (or its organisations are missing)"
    with transaction.atomic():
        published = [_resource(hospital_admin, spec, admin) for spec in RESOURCES]
        _resource(hospital_admin, PENDING_RESOURCE, None)
        researcher, fellow = _people(applicant, admin)
        outpatient, inpatient = published[0], published[1]
        approved = _approved(researcher, fellow, hospital_admin, outpatient)
        _in_review(researcher, fellow, inpatient)
        _returned(researcher, fellow, hospital_admin, outpatient)
        _refused(researcher, fellow, hospital_admin, outpatient)
        _draft(researcher, outpatient)
    return (f"catalog: {len(published) + 1} entries of {hospital_admin.organisation.name}, 5 applications of "
            f"{applicant.name} (grant {approved.grant.number})")


# --- catalog entries (SVC-1, SEC-1, SVC-4) -------------------------------------------------------------------


def _resource(by: User, spec: dict, reviewer_fallback: User | None):
    from .services.resources import resource_register, version_review, version_submit

    data = {key: value for key, value in spec.items() if key not in ("fields", "standards")}
    data.update({"coverage_start": datetime.date(2019, 1, 1), "storage_province": "350000",
                 "storage_description": "本院数据中心（福州）"})
    fields = [{"name": name, "element_code": code, "level": level, "personal": personal}
              for name, level, personal, code in spec["fields"]]
    responsibilities = [{"stage": stage, "person_name": STAGE_PEOPLE[stage][0], "position": STAGE_PEOPLE[stage][1],
                         "phone": "0591-87000000"} for stage in STAGES]
    resource = resource_register(provider=by.organisation, data=data, fields=fields,
                                 responsibilities=responsibilities, standards=spec["standards"], by=by)
    version = resource.versions.get()
    version_submit(version, by=by)
    if reviewer_fallback is not None:  # the pending entry waits for the province's reviewer
        version.refresh_from_db()
        version_review(version, decision="approve", comment="", by=_user("demo_reviewer") or reviewer_fallback)
        resource.refresh_from_db()
    return resource


# --- applicant's people ---------------------------------------------------------------------------------------


def _people(applicant: Organisation, admin: User) -> tuple[User, User]:
    from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD, demo_identity_number
    from apps.accounts.services import user_create

    researcher = user_create(organisation=applicant, username=RESEARCHER, full_name="沈思远",
                             email=f"{RESEARCHER}@portal.example", mobile="13900000071",
                             identity_number=demo_identity_number(75), roles=["institution_admin"],
                             password=DEMO_PASSWORD, by=admin)
    fellow = user_create(organisation=applicant, username="demo_research_fellow", full_name="叶晴",
                         email="demo_research_fellow@portal.example", mobile="13900000072",
                         identity_number=demo_identity_number(76), roles=["submitter"],
                         password=DEMO_PASSWORD, by=admin)
    return researcher, fellow


# --- applications (SVC-2, SEC-8) -----------------------------------------------------------------------------


def _application(researcher: User, fellow: User | None, resource, field_names: list[str], *, title: str,
                 submit: bool = True, **answers):
    from .services.application_documents import document_add
    from .services.applications import (
        agreement_accept,
        application_create,
        application_items_set,
        application_submit,
        recipient_add,
    )

    today = timezone.localdate()
    data = {"title": title, "purpose": "分析门诊疾病谱与服务质量的变化，为区域医疗资源配置提供依据。",
            "project_description": "回顾性观察研究，使用去标识化的门诊记录，按季度汇总分析，不涉及个人识别。",
            "legal_basis": "scientific_research", "period_start": today,
            "period_end": today + datetime.timedelta(days=365), "delivery_mode": "file_transfer",
            "security_measures": "专用分析服务器，双人授权访问，全程审计日志，数据不出境、不联网共享。",
            "deidentification_method": "pseudonymisation",
            "deidentification_description": "以密钥散列替换就诊流水号，出生日期仅保留年份。"}
    data.update(answers)
    application = application_create(applicant=researcher.organisation, data=data, by=researcher)
    fields = resource.published_version.fields.filter(name__in=field_names)
    application_items_set(application, items=[{"resource": resource, "fields": [f.pk for f in fields],
                                               "justification": "研究所需的最少字段。"}], by=researcher)
    if fellow is not None:
        recipient_add(application, user=fellow, by=researcher)
        agreement_accept(application, user=fellow)
    agreement_accept(application, user=researcher)
    document_add(application, kind="ethics_approval",
                 upload=SimpleUploadedFile("伦理审查批件.pdf", PDF, "application/pdf"), by=researcher)
    if submit:
        application_submit(application, by=researcher)
    application.refresh_from_db()
    return application


def _decide(application, reviewer: User, decision: str, **kwargs) -> None:
    from .services.routing import conflict_declare, step_decide, step_reviewers_assign

    step = application.steps.get(round=application.round, status="active")
    step_reviewers_assign(step, users=[reviewer], by=reviewer)
    conflict_declare(step, user=reviewer, statement="本人与申请单位及本项目无利益冲突。")
    step_decide(step, decision=decision, by=reviewer, **kwargs)
    application.refresh_from_db()


def _approved(researcher, fellow, hospital_admin, resource):
    from .services.grants import deidentification_record, release_record

    application = _application(researcher, fellow, resource, ["出生年份", "性别", "诊断编码（ICD-10）", "就诊科室"],
                                title="福建省门诊疾病谱变化研究（2019—2025）")
    _decide(application, hospital_admin, "approve_with_conditions",
            conditions="研究成果发表前报本院数据管理办公室备案。")
    _decide(application, _user("demo_city_reviewer"), "approve_with_conditions",
            conditions="每半年报送数据使用进展报告。")
    grant = application.grant
    item = application.items.get()
    evidence = SimpleUploadedFile("去标识化评估报告.pdf", PDF, "application/pdf")
    record = deidentification_record(grant, item=item, method="pseudonymisation",
                                     description="就诊流水号以 HMAC-SHA256 替换，出生日期泛化为年份，经再识别风险评估。",
                                     evidence_upload=evidence, by=hospital_admin)
    release_record(grant, item=item, description="2019—2025 年门诊记录（去标识化）第一批",
                   file_name="outpatient_2019_2025_part1.csv.gpg",
                   checksum=hashlib.sha256(b"demo release part 1").hexdigest(), record_count=1_254_300,
                   recipient=researcher, deidentification=record, by=hospital_admin)
    return application


def _in_review(researcher, fellow, resource) -> None:
    _application(researcher, fellow, resource, ["主要诊断编码", "手术操作编码", "出院日期"],
                 title="住院手术患者结局评价研究", delivery_mode="enclave",
                 deidentification_method="anonymisation",
                 deidentification_description="在院内数据环境中分析，仅导出汇总结果。")


def _returned(researcher, fellow, hospital_admin, resource) -> None:
    application = _application(researcher, fellow, resource, ["出生年份", "性别", "费用总额"],
                                title="门诊费用负担分析")
    _decide(application, hospital_admin, "return", comment="请补充研究方案与费用字段的必要性说明。",
            field_comments={"purpose": "研究目的过于笼统，请说明拟回答的具体问题。",
                            "security_measures": "请说明分析服务器的物理位置与访问审批流程。"})


def _refused(researcher, fellow, hospital_admin, resource) -> None:
    application = _application(researcher, fellow, resource, ["出生年份", "性别", "诊断编码（ICD-10）"],
                                title="门诊患者商业保险产品定价研究", legal_basis="consent",
                                purpose="为商业保险产品定价收集门诊疾病数据。")
    _decide(application, hospital_admin, "refuse",
            comment="用途为商业保险定价，超出本院数据共享的公益目的范围，且未提供有效的个人同意证明。")


def _draft(researcher, resource) -> None:
    _application(researcher, None, resource, ["就诊科室", "费用总额"], title="门诊科室工作量统计（草稿）",
                 submit=False)
