"""The world, the actors and the "nothing changed" fingerprint of the inspections authorization matrix
(tests/inspections/test_permission_matrix.py; SUP-1, SUP-2, SUP-4, SUP-5, SEC-4, SEC-7).

The world is built once per module through the real services (plans, pool, draw, the on-site record, closing,
the institution's answer to an order; the report's file is stored directly) inside an outer transaction that
is rolled back after the module; every cell runs in its own savepoint inside it, so what a cell changes is
undone before the next.

Geography: the plans are the provincial department's (Fujian, 350000); the inspected institution is in Gulou
(350102), a district of Fuzhou. Department sides: `province` (Fujian: makes the plans, covers the institution),
`city` (Fuzhou: covers the institution's city, sits below the plan's department), `city_out` (Xiamen: same
province, does not cover the institution), `far` (Guangdong), `national`. Institution sides: `own` (inspected),
`other` (a hospital of the next district). Named people: `lead` (a Fujian inspector leading the team),
`member` (a Xiamen inspector on the team: a pool may take inspectors from any department of the plan
department's jurisdiction, so a team member may see the inspection by the team grant alone) and `outsider`
(a Fujian inspector in the plan's pool but on no team)."""

from __future__ import annotations

import datetime
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from apps.inspections.models import (
    ChecklistVersion,
    InspectionReport,
    RectificationOrder,
    TeamMember,
)
from apps.inspections.services import checklists as checklist_services
from apps.inspections.services import inspections as inspection_services
from apps.inspections.services import plans as plan_services
from apps.inspections.services import rectification as rectification_services
from apps.inspections.services import selection as selection_services
from apps.inspections.services.defaults import defaults_ensure
from tests.conftest import make_user, verify
from tests.factories import department
from tests.institutions.factories import make_institution

DEPARTMENT_ROLES = ("department_admin", "reviewer", "inspector", "case_officer", "standards_officer",
                    "department_head", "auditor")
INSTITUTION_ROLES = ("institution_admin", "top_leader", "security_officer", "data_steward", "submitter")
DEPARTMENT_SIDES = ("province", "city", "city_out", "far", "national")
INSTITUTION_SIDES = ("own", "other")

# apps/accounts/roles.py, `_N = "inspections."`
SEES = frozenset(DEPARTMENT_ROLES) - {"standards_officer"}  # _SEE_INSPECTIONS (view_* and supervise_inspection)
PLANNERS = frozenset({"department_admin", "department_head"})  # manage_inspection_plan, manage_checklist
REFERRERS = frozenset({"inspector", "department_head"})  # refer_finding
VERIFIERS = frozenset({"department_head"})  # verify_rectification
INSTITUTION_READERS = frozenset({"institution_admin", "top_leader", "security_officer"})  # _OWN_INSPECTION_RESULTS
RESPONDERS = frozenset({"institution_admin", "security_officer"})  # respond_rectification

COVERS_INSTITUTION = frozenset({"province", "city", "national"})  # jurisdiction prefix covers 350102
SEES_PLANS = frozenset({"province", "national"})  # jurisdiction prefix covers the plan's region 350000

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% matrix evidence\n%%EOF\n"
FAKE_REPORT = b"%PDF-1.7\n% inspection report of the matrix\n%%EOF\n"


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "整改证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- actors --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    kind: str  # department | person | institution | anonymous
    role: str | None = None
    side: str | None = None
    team: bool = False  # holds the conduct_inspection grant of the world's inspections
    name: str = ""

    @property
    def id(self) -> str:
        if self.kind == "anonymous":
            return "anonymous"
        return self.name if self.kind == "person" else f"{self.role}-{self.side}"

    @property
    def anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def regulator(self) -> bool:
        return self.kind in ("department", "person")

    @property
    def institution(self) -> bool:
        return self.kind == "institution"


PEOPLE = {
    "lead": Actor("person", "inspector", "province", team=True, name="lead"),
    "member": Actor("person", "inspector", "city_out", team=True, name="member"),
    "outsider": Actor("person", "inspector", "province", team=False, name="outsider"),
}
ACTORS = ([Actor("department", role, side) for side in DEPARTMENT_SIDES for role in DEPARTMENT_ROLES]
          + list(PEOPLE.values())
          + [Actor("institution", role, side) for side in INSTITUTION_SIDES for role in INSTITUTION_ROLES]
          + [Actor("anonymous")])


def actor_id(actor: Actor) -> str:
    return actor.id


def _session_for(user) -> str:
    """A signed-in session with a confirmed second factor (as conftest.login_verified leaves it), stored with
    the world so that a cell only sends its cookie."""
    device = verify(user)
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return session.session_key


def sign_in(client, world, actor: Actor):
    """Sign the world's user of `actor` in (its session cookie); None for an anonymous visitor."""
    if actor.anonymous:
        return None
    user, session_key = world["users"][actor.id]
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return user


# --- the world -----------------------------------------------------------------------------------------------


@contextmanager
def built_once(django_db_blocker, build):
    """Build the world once inside an outer transaction, rolled back when the module is done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _plan(by, checklist, title: str, regions: list[str]):
    today = timezone.localdate()
    return plan_services.plan_create(data={
        "title": title, "kind": "annual", "subject": "routine", "description": "矩阵测试计划",
        "starts_on": today, "ends_on": today + datetime.timedelta(days=180), "scope_regions": regions,
        "scope_types": [], "checklist": checklist}, by=by)


def _checklist(by):
    """A checklist kept by the provincial department: version 1 published (3 items), version 2 a draft."""
    draft = checklist_services.checklist_template_create(code="fj-matrix", name="福建省矩阵检查表", by=by)
    for position in (1, 2, 3):
        checklist_services.checklist_item_add(version=draft, by=by, data={
            "code": f"FJ{position}", "section": "数据安全管理", "text": f"检查项{position}：备份与恢复演练",
            "requirement_ids": ["SEC-2"], "article": "M.18", "evidence_expected": "演练记录",
            "severity": "major"})
    published = checklist_services.checklist_version_publish(version=draft, notes="首版", by=by)
    second = checklist_services.checklist_version_draft_create(template=published.template, by=by)
    return published, second


def _answer_all(inspection, by, *, failed=()):
    for item in inspection.checklist.items.order_by("position"):
        inspection_services.item_result_record(
            inspection=inspection, item=item, by=by, notes="现场查看记录。",
            result="major_nc" if item.code in failed else "compliant")


def build_world() -> dict:
    defaults_ensure()
    sides = {
        "province": department("350000", "provincial", "福建省卫生健康委员会"),
        "city": department("350100", "municipal", "福州市卫生健康委员会"),
        "city_out": department("350200", "municipal", "厦门市卫生健康委员会"),
        "far": department("440000", "provincial", "广东省卫生健康委员会"),
        "national": department(None, "national", "国家卫生健康委员会"),
    }
    own = make_institution("350102", name="鼓楼受检医院")
    other = make_institution("350103", name="台江其他医院")
    fresh_target = make_institution("350104", name="仓山抽查医院")
    sides["own"], sides["other"] = own.organisation, other.organisation

    users = {}
    for actor in ACTORS:
        if actor.kind in ("department", "institution"):
            user = make_user(sides[actor.side], actor.role)
            users[actor.id] = (user, _session_for(user))
    people = {
        "lead": make_user(sides["province"], "inspector", full_name="林组长"),
        "member": make_user(sides["city_out"], "inspector", full_name="陈组员"),
        "outsider": make_user(sides["province"], "inspector", full_name="黄局外"),
    }
    for name, user in people.items():
        users[name] = (user, _session_for(user))
    lead, member = people["lead"], people["member"]
    planner = make_user(sides["province"], "department_head", full_name="省级计划人")
    responder = make_user(own.organisation, "institution_admin", full_name="机构答复人")
    spare = make_user(sides["city"], "inspector", full_name="郑备选")  # may join a pool (pool add cells)

    checklist, checklist_draft = _checklist(planner)
    default_version = ChecklistVersion.objects.get(template__code="default", status="published")

    # A draft plan (edit, activate), an active one with its draw and inspections, and an active one not yet drawn.
    plan_draft = _plan(planner, checklist, "2026年数据安全专项检查（草案）", ["350102"])
    plan = _plan(planner, checklist, "2026年数据安全双随机检查", ["350102"])
    plan_fresh = _plan(planner, checklist, "2026年仓山区抽查", ["350104"])
    for target in (plan, plan_fresh):
        for user in (lead, member):
            plan_services.plan_pool_add(plan=target, user=user, by=planner)
        plan_services.plan_activate(plan=target, by=planner)
        target.refresh_from_db()

    # The double-random draw: the only candidate (Gulou) with a team of both pool members, published at once.
    selection = selection_services.selection_draw(plan=plan, target_count=1, team_size=2, by=planner)
    planned = selection.inspections.get()
    TeamMember.objects.filter(inspection=planned).update(role=TeamMember.Role.MEMBER)  # the lead is drawn at random:
    TeamMember.objects.filter(inspection=planned, user=lead).update(role=TeamMember.Role.LEAD)  # make it `lead`
    plan_services.plan_pool_add(plan=plan, user=people["outsider"], by=planner)

    # On site: every item answered, one piece of evidence, one open finding.
    onsite = inspection_services.inspection_create(plan=plan, institution=own, team=[lead, member], lead=lead,
                                                   by=planner, notify=False)
    inspection_services.inspection_start(inspection=onsite, by=lead)
    _answer_all(onsite, lead)
    evidence = inspection_services.evidence_add(inspection=onsite, upload=png(), caption="机房照片", by=lead)
    open_finding = inspection_services.finding_add(
        inspection=onsite, by=lead, severity="minor", title="访问日志保留不足", description="日志仅保留三个月。",
        requirement_ids="SEC-3", article="M.20")

    # Closed: two confirmed findings, two orders (one answered with a file), the report ready.
    closed = inspection_services.inspection_create(plan=plan, institution=own, team=[lead, member], lead=lead,
                                                   by=planner, notify=False)
    inspection_services.inspection_start(inspection=closed, by=lead)
    _answer_all(closed, lead, failed=("FJ1", "FJ2"))
    for item in closed.checklist.items.filter(code__in=("FJ1", "FJ2")).order_by("position"):
        inspection_services.finding_add(inspection=closed, item=item, by=lead)
    inspection_services.inspection_close(inspection=closed, outcome="rectification", summary="限期整改。", by=lead)
    order_issued, order_submitted = RectificationOrder.objects.filter(inspection=closed).order_by("finding__number")
    response = rectification_services.order_respond(order=order_submitted, report="已补做演练并提交记录。",
                                                    files=[pdf()], by=responder)
    report = InspectionReport.objects.get(inspection=closed)
    report.file.save("matrix-report.pdf", ContentFile(FAKE_REPORT), save=False)
    report.status = InspectionReport.Status.READY
    report.sha256 = hashlib.sha256(FAKE_REPORT).hexdigest()
    report.rendered_at = timezone.now()
    report.save()

    for row in (planned, onsite, closed, order_issued, order_submitted):
        row.refresh_from_db()
    return {
        **sides, "users": users, "people": people, "planner": planner,
        "spare": spare, "own_institution": own, "other_institution": other, "fresh_target": fresh_target,
        "checklist": checklist, "checklist_draft": checklist_draft, "default_version": default_version,
        "default_template": default_version.template, "plan_draft": plan_draft, "plan": plan,
        "plan_fresh": plan_fresh, "selection": selection, "planned": planned, "onsite": onsite,
        "evidence": evidence, "open_finding": open_finding, "closed": closed,
        "confirmed_finding": order_issued.finding, "order_issued": order_issued,
        "order_submitted": order_submitted, "response_file": response.evidence.get(), "report": report,
    }


# --- "nothing changed" ---------------------------------------------------------------------------------------


def _fingerprint_tables() -> list[str]:
    """Every table of the inspections app (records, their history, the team's object grants), the credit
    events and their history, access records and portal messages."""
    models = list(apps.get_app_config("inspections").get_models())
    credit = apps.get_model("institutions", "CreditEvent")
    models += [credit, credit.history.model, apps.get_model("core", "AccessRecord"),
               apps.get_model("notifications", "Notification")]
    return sorted({model._meta.db_table for model in models})


_TABLES: list[str] = []


def fingerprint() -> dict[str, str]:
    """{table: md5 of all its rows}, in one query: equal before and after = nothing written at all."""
    if not _TABLES:
        _TABLES.extend(_fingerprint_tables())
    # Table names come from the models' metadata, never from input.
    digest = "(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t)"
    columns = ", ".join(digest.format(connection.ops.quote_name(name)) for name in _TABLES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + columns)
        row = cursor.fetchone()
    return dict(zip(_TABLES, row, strict=True))


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [name for name in before if before[name] != after[name]]

