"""Demo accountability cases for `manage.py seed_demo`, made through the services (SUP-3, SUP-5, INS-3): the
provincial department's case officer and head at work on three cases.

- A complaint against Xiamen's second hospital, investigated with evidence, notified (an interview and an
  ordered rectification), answered by the hospital's defence waiving the rest of the period, decided and
  disclosed with a public summary, its signed letter produced; the hospital's rectification report awaits
  the officer's verification.
- The department's own case against the demo hospital, notified and awaiting the hospital's defence (its
  people see the defence form).
- A complaint against Fuzhou's infectious disease hospital, registered and under investigation, with an
  officer assigned by the head.

The decided case is not against the demo hospital on purpose: its sanctions would change the hospital's
credit score, which the credit journey counts from (89, B after the inspections demo). Idempotent: recognised
by the decided case's title."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User

DECIDED_TITLE = "群众投诉：患者诊疗数据未按规定备份且存在越权查询"
NOTIFIED_TITLE = "数据分级分类与访问控制制度未落实"
INVESTIGATING_TITLE = "群众投诉：传染病监测数据疑似被违规对外提供"
DECIDED_INSTITUTION = "厦门市第二医院"
INVESTIGATING_INSTITUTION = "福州市传染病医院"
# (username, role, full name, identity-number index) of the people of the decided case's institution.
XIAMEN_PEOPLE = [("demo_case_inst_admin", "institution_admin", "郭志远", 80),
                 ("demo_case_security", "security_officer", "陈晓燕", 79)]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("organisation").first()


def _institution(name: str):
    from apps.institutions.models import Institution

    return Institution.objects.filter(name=name).first()


def _image(name: str, width: int = 48, height: int = 32) -> SimpleUploadedFile:
    from apps.inspections.demo import _png  # the same small real PNG the inspections demo files

    return SimpleUploadedFile(name, _png(width, height), content_type="image/png")


def seed(admin: User) -> str:
    from .models import Case

    head, officer = _user("demo_head"), _user("demo_case_officer")
    hospital_admin = _user("demo_inst_admin")
    xiamen, fuzhou = _institution(DECIDED_INSTITUTION), _institution(INVESTIGATING_INSTITUTION)
    if None in (head, officer, hospital_admin, xiamen, fuzhou):
        return "cases demo skipped (demo accounts or institutions missing)"
    if Case.objects.filter(title=DECIDED_TITLE).exists():
        return "cases demo already present"
    with transaction.atomic():
        xiamen_admin, xiamen_security = _xiamen_people(xiamen, admin)
        decided = _decided_case(head, officer, xiamen, xiamen_admin, xiamen_security)
        notified = _notified_case(officer, hospital_admin.organisation.institution)
        investigating = _investigating_case(head, officer, fuzhou)
    return (f"cases: {decided.number} decided ({decided.decisions.get().number}, rectification reported), "
            f"{notified.number} awaiting the defence, {investigating.number} under investigation")


def _xiamen_people(institution, admin: User) -> tuple[User, User]:
    from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD, demo_identity_number
    from apps.accounts.services import user_create

    made = {}
    for username, role, name, index in XIAMEN_PEOPLE:
        made[role] = _user(username) or user_create(
            organisation=institution.organisation, username=username, full_name=name,
            email=f"{username}@portal.example", mobile=f"137000000{index}",
            identity_number=demo_identity_number(index), roles=[role],
            password=DEMO_PASSWORD, by=admin)
    return made["institution_admin"], made["security_officer"]


def _decided_case(head: User, officer: User, institution, institution_admin: User, security: User):
    from .services.decisions import case_decide
    from .services.letters import letter_render
    from .services.notice import defence_submit, notice_issue
    from .services.opening import case_open, evidence_add, investigation_start
    from .services.rectification import rectification_respond

    facts = ("经核查，该院电子病历系统自 2025 年 10 月起未按规定执行每日增量备份，备份介质与生产系统同机房存放；"
             "同期审计日志显示两名非诊疗岗位人员越权查询患者诊疗数据 37 次。")
    case = case_open(institution=institution, source="complaint", title=DECIDED_TITLE, facts=facts,
                     articles=["M.18", "M.30"], severity="serious", source_reference="闽卫投诉〔2026〕0112号",
                     files=[_image("投诉材料截图.png")], by=officer)
    investigation_start(case=case, by=officer)
    evidence_add(case=case, files=[_image("审计日志截图.png", 40, 24)], description="越权查询审计日志截图", by=officer)
    notice_issue(case=case, facts=facts, articles=["M.18", "M.30"], severity="serious", proposed_measures=[
        {"measure": "interview", "details": "约谈该院主要负责人及数据安全负责人。"},
        {"measure": "rectification", "details": "限期完成异地备份建设并清理越权账号。"}], by=officer)
    defence_submit(case=case, statement="本院对所述事实无异议，已着手整改，并书面放弃剩余陈述申辩期限。",
                   waives_period=True, by=institution_admin)
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    decision = case_decide(
        case=case, facts=facts, severity="serious", articles=["M.18", "M.30"],
        measures=[{"kind": "interview", "details": "约谈该院主要负责人及数据安全负责人，听取整改计划。"},
                  {"kind": "rectification", "deadline": deadline,
                   "details": "三十日内完成电子病历系统异地备份并开展恢复演练；清理越权账号，按最小权限重新授权。"}],
        reasoning="该院违反《国家健康医疗大数据标准、安全和服务管理办法（试行）》第十八条、第三十条，情节较重，"
                  "依据第四十条作出本决定。",
        defence_answer="该院对事实无异议并已着手整改，予以采纳，在确定措施时予以考虑。",
        disclosed=True, public_summary="厦门市第二医院未按规定备份电子病历数据且存在越权查询，予以约谈并责令限期整改。",
        by=head)
    letter_render(decision.pk)  # the demo shows a finished letter at once; the queued task then finds it ready
    rectification = decision.measures.get(kind="rectification").rectification
    rectification_respond(rectification=rectification, by=security, files=[_image("异地备份恢复演练记录.png")],
                          report="已完成异地灾备中心建设并开展恢复演练（恢复时间 3 小时）；清理越权账号 12 个。")
    return case


def _notified_case(officer: User, hospital):
    from .services.notice import notice_issue
    from .services.opening import case_open, investigation_start

    facts = "专项检查后复查发现，该院两项数据资源仍未标注分级标识，部分外包运维账号未纳入统一访问控制。"
    case = case_open(institution=hospital, source="initiative", title=NOTIFIED_TITLE, facts=facts,
                     articles=["M.18", "M.23"], severity="minor", by=officer)
    investigation_start(case=case, by=officer)
    notice_issue(case=case, facts=facts, articles=["M.18", "M.23"], severity="minor", proposed_measures=[
        {"measure": "admonition", "details": "予以警示，并要求一个月内补全分级标识。"}], by=officer)
    return case


def _investigating_case(head: User, officer: User, institution):
    from .services.opening import case_open, investigation_start, officer_assign

    case = case_open(institution=institution, source="complaint", title=INVESTIGATING_TITLE, severity="serious",
                     facts="投诉人反映该院传染病监测数据经第三方公司对外提供，未见数据共享审批记录。",
                     articles=["M.21", "M.32"], source_reference="闽卫投诉〔2026〕0135号", by=head)
    officer_assign(case=case, user=officer, lead=True, by=head)
    investigation_start(case=case, by=officer)
    return case
