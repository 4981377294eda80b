"""Demo institutions for `manage.py seed_demo`: a profile for every demo organisation, and examples
of every admission status and credit grade, made through the same services as real use.

Idempotent: organisations that already have a profile are left alone; the examples are created
once (recognised by their credit events and decisions)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organisation, User

from .models import AdmissionApplication, Institution

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "丽华", "志强", "海燕", "文杰", "晓明", "静", "磊", "敏", "伟", "芳", "军", "洋", "婷"]
KINDS_BY_SUFFIX = [  # (name suffix, type, hospital grade)
    ("疾病预防控制中心", "public_health", ""), ("妇幼保健院", "maternal_child", ""),
    ("传染病医院", "specialised", ""), ("第一医院", "hospital", "3a"), ("第二医院", "hospital", "3b"),
    ("中医院", "hospital", "2a"), ("人民医院", "hospital", "2a"),
]


def _person(seed: int) -> str:
    return SURNAMES[seed % len(SURNAMES)] + GIVEN[(seed // len(SURNAMES)) % len(GIVEN)]


def _kind(organisation: Organisation) -> tuple[str, str]:
    if organisation.kind == Organisation.Kind.PROVIDER:
        return "data_service", ""
    for suffix, kind, grade in KINDS_BY_SUFFIX:
        if organisation.name.endswith(suffix):
            return kind, grade
    return "other", ""


def _profile(organisation: Organisation, index: int) -> dict:
    kind, grade = _kind(organisation)
    return {
        "type": kind, "hospital_grade": grade,
        "ownership": "private" if kind == "data_service" else "public",
        "address": f"{organisation.region.full_name}健康路{index % 200 + 1}号",
        "legal_representative": _person(index), "top_leader_name": _person(index + 7),
        "top_leader_title": "院长" if kind != "data_service" else "董事长",
        "top_leader_phone": f"139{index:08d}"[:11], "security_officer_name": _person(index + 13),
        "security_officer_phone": f"137{index:08d}"[:11], "security_officer_email": f"security{index}@demo.example",
        "data_department": "信息中心" if kind != "data_service" else "数据安全部",
        "data_department_head": _person(index + 19), "contact_name": _person(index + 23),
        "contact_phone": f"0591-8{index:07d}"[:13], "contact_email": f"contact{index}@demo.example",
    }


def _profiles(admin: User) -> int:
    """One institution profile per demo institution or provider organisation (bulk, with history)."""
    missing = (Organisation.objects.filter(kind__in=[Organisation.Kind.INSTITUTION, Organisation.Kind.PROVIDER],
                                           institution__isnull=True, region__isnull=False)
               .select_related("region__parent__parent").order_by("pk"))
    now = timezone.now()
    rows = [Institution(organisation=org, name=org.name, name_en=org.name_en, credit_code=org.credit_code,
                        region=org.region, status=Institution.Status.ADMITTED, admitted_at=now,
                        status_changed_at=now, **_profile(org, org.pk))
            for org in missing if org.credit_code]
    from simple_history.utils import bulk_create_with_history

    bulk_create_with_history(rows, Institution, batch_size=500, default_user=admin,
                             default_change_reason="demo data")
    return len(rows)


def _documents() -> dict:
    return {kind: SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
            for kind in ("licence", "security", "appointment")}


def _examples(admin: User) -> None:
    """Examples of every status and grade in Fuzhou (so the demo reviewers see them)."""
    from .services.credit import credit_recompute
    from .services.credit_actions import credit_adjust
    from .services.exit import status_decision_decide, status_decision_propose

    if AdmissionApplication.objects.filter(applicant__username__startswith="demo_applicant").exists():
        return
    pool = list(Institution.objects.filter(region__code__startswith="3501", status="admitted",
                                           organisation__kind="institution")
                .exclude(organisation__members__isnull=False).order_by("pk")[:12])
    head = User.objects.filter(groups__name="department_head", organisation__jurisdiction_prefix="35").first() or admin
    reviewer = User.objects.filter(groups__name="reviewer", organisation__jurisdiction_prefix="35").first() or admin
    # Credit grades B, C and D by written adjustments (INS-3): the breakdown shows each reason.
    for institution, points in zip(pool[0:3], (-12, -28, -45), strict=True):
        credit_adjust(institution=institution, points=points, by=head,
                      reason="演示数据：检查发现数据安全管理制度未落实，按规则扣分。")
    credit_recompute()
    # Suspended and revoked, each with its decision (INS-4); a D grade with an open proposal.
    suspended, revoked = pool[3], pool[4]
    for institution, measure in ((suspended, "suspend"), (revoked, "revoke")):
        decision = status_decision_propose(institution=institution, measure=measure, ground="serious_violation",
                                           facts="演示数据：未经授权向第三方提供健康医疗数据。", by=reviewer)
        status_decision_decide(decision=decision, decision_text="演示数据：依据《国家健康医疗大数据标准、安全和服务"
                                                                 "管理办法（试行）》作出决定。", by=head)
    # Applications in every state (INS-2), each with its applicant's account.
    for offset, outcome in enumerate(("submitted", "returned", "refused", "approved")):
        _application_example(offset, outcome, reviewer)
    # A closure whose data went to the department (INS-6): the closed status, with its record.
    _closure_example(pool[5], reviewer, admin)
    # The nightly run proposes suspension for the D grade (INS-3 -> INS-4).
    from .services.credit import credit_recompute_all

    credit_recompute_all()
    _entrustment_and_change_examples()


def _closure_example(institution: Institution, reviewer: User, admin: User) -> None:
    from apps.accounts.services import user_create

    from .services.transfer import transfer_close, transfer_confirm, transfer_open, transfer_submit

    leader = user_create(organisation=institution.organisation, username="demo_closing_leader", full_name="冯立新",
                         email="demo_closing_leader@portal.example", roles=["top_leader"],
                         password=_demo_password(), by=admin)
    transfer = transfer_open(source=institution, successor=None, reason="closure",
                             description="演示数据：机构撤并注销，其健康医疗数据移交卫生健康行政部门。", by=reviewer)
    transfer = transfer_submit(transfer=transfer, by=reviewer)
    transfer = transfer_confirm(transfer=transfer, by=leader)
    transfer_close(transfer=transfer, by=reviewer)


def _demo_password() -> str:
    from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _entrustment_and_change_examples() -> None:
    """The demo hospital entrusts storage to the demo provider (INS-7) and proposes a change of its data."""
    from .services.entrustment import entrustment_record
    from .services.profile_change import profile_change_propose

    hospital_admin = User.objects.filter(username="demo_inst_admin").select_related("organisation").first()
    provider = Institution.objects.filter(organisation__kind="provider", status="admitted").order_by("pk").first()
    if hospital_admin is None or provider is None:
        return
    hospital = Institution.objects.get(pk=hospital_admin.organisation_id)
    today = timezone.localdate()
    entrustment_record(
        institution=hospital, provider=provider, scope="storage",
        systems="电子病历系统、医院信息平台的数据备份存储", security_obligations="数据境内存储；访问留痕；每年开展一次恢复演练。",
        starts_on=today.replace(month=1, day=1), ends_on=today.replace(year=today.year + 2, month=12, day=31),
        agreement_upload=SimpleUploadedFile("委托协议.pdf", PDF, content_type="application/pdf"), by=hospital_admin)
    profile_change_propose(institution=hospital, changes={"data_department_head": "黄晓婷"},
                           reason="信息中心主任岗位调整。", by=hospital_admin)


APPLICANTS = {  # outcome -> (institution name, applicant's full name)
    "submitted": ("福州市鼓楼区智慧健康数据应用研究院", "邵一凡"),
    "returned": ("福州健康大数据创新中心", "方可欣"),
    "refused": ("福州市仓山区医疗数据分析有限公司", "龚志远"),
    "approved": ("福州数字医疗应用科技有限公司", "苏明哲"),
}


def _application_example(offset: int, outcome: str, reviewer: User) -> None:
    from apps.accounts.management.commands.seed_demo import (
        DEMO_PASSWORD,
        demo_credit_code,
        demo_identity_number,
    )

    from .services import admission as admission_services

    name, person = APPLICANTS[outcome]
    username = f"demo_applicant_{outcome}"
    profile = {"name": name, "credit_code": demo_credit_code(name, "350102", enterprise=True), "region": "350102",
               **_profile(Organisation(name=name, region_id="350102", kind="institution"), 900 + offset)}
    profile.update(type="data_application", hospital_grade="", ownership="private", top_leader_title="总经理")
    profile["address"] = f"福建省福州市鼓楼区软件大道{89 + offset}号"
    application = admission_services.admission_register(
        account={"username": username, "full_name": person, "identity_number": demo_identity_number(50 + offset),
                 "email": f"{username}@portal.example", "mobile": f"1360000{offset:04d}", "password": DEMO_PASSWORD},
        profile=profile, purpose="开展区域慢病管理数据的统计分析与临床科研应用，数据经去标识化处理后在本单位环境内使用。",
        documents=_documents())
    if outcome == "returned":
        admission_services.admission_return(application=application, by=reviewer,
                                            comment="数据安全管理制度未加盖公章，请补充后重新提交。")
    elif outcome == "refused":
        admission_services.admission_refuse(application=application, by=reviewer,
                                            comment="申请单位未设立数据管理部门，不符合准入条件。")
    elif outcome == "approved":
        admission_services.admission_approve(application=application, by=reviewer, comment="材料齐全，同意准入。")


def seed(admin: User) -> str:
    with transaction.atomic():
        created = _profiles(admin)
        _examples(admin)
    return f"{created} institution profiles"
