"""The authorization matrix of the inspections pages and endpoints (issue 6; SUP-1, SUP-2, SUP-4, SUP-5, SEC-4,
SEC-7): every department role in the provincial department that makes the plans, in the municipal department
above the inspected institution's city, in another city of the province, in another province and in the
national department; the inspection team (lead, member) and an inspector of the plan's department who is not
on the team; every institution role of the inspected institution and of another; anonymous visitors. Each cell
is asserted with its exact status.

The rules under test (apps/accounts/roles.py `_N`, apps/core/policy.py, apps/inspections/services):
- Plans, pools, draws and selections: departments whose jurisdiction covers the plan's department; planning
  (edit, activate, draw, pool) needs `manage_inspection_plan` (department administrators and heads).
- Inspections and findings: departments whose jurisdiction covers the institution, and the team (object grant).
  Recording (start, item results, evidence, findings, close) is the team's alone: a head of the plan's
  department who is not on the team is refused. Cancelling and following up belong to the plan's managers.
- Orders and reports: also the inspected institution (its administrators, top leader and security officer);
  it answers orders (respond_rectification), the team or a head covering it verifies them.
- Checklists: read by everyone signed in, changed by the keeping department or one above it (the seeded
  default: the national department only).
- Whatever a user may not see answers 404 (ids reveal nothing), what they see but may not do answers 403;
  pages send anonymous visitors to sign in, the API answers 401. Every refused write leaves every table of the
  app (records, history rows, grants), credit events, access records and messages exactly as they were; every
  allowed download writes exactly one access record."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AccessRecord
from apps.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Evidence,
    Finding,
    Inspection,
    InspectionReport,
    ItemResult,
    RectificationOrder,
    TargetSelection,
)

from .matrix_helpers import (
    ACTORS,
    COVERS_INSTITUTION,
    INSTITUTION_READERS,
    PLANNERS,
    REFERRERS,
    RESPONDERS,
    SEES,
    SEES_PLANS,
    VERIFIERS,
    Actor,
    actor_id,
    build_world,
    built_once,
    changed_tables,
    fingerprint,
    pdf,
    png,
    sign_in,
)

pytestmark = pytest.mark.django_db

OK, DENIED, HIDDEN, ANON = "ok", 403, 404, "anonymous"


# --- the world, built once for the module ------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _module_media(tmp_path_factory):
    """Files stored while building the world (evidence, answers, the report) stay readable for every cell."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("inspections-matrix-media"))):
        yield


@pytest.fixture(scope="module", autouse=True)
def _no_broker():
    """Nothing reaches the broker: e-mails, credit recomputations and report rendering are dropped."""
    from apps.inspections.tasks import render_report
    from apps.institutions import tasks
    from apps.notifications.tasks import send_notification_email

    with pytest.MonkeyPatch.context() as patch:
        for task in (send_notification_email, tasks.credit_recompute_everyone, render_report):
            patch.setattr(task, "apply_async", lambda *args, **kwargs: None)
        yield


@pytest.fixture(scope="module", autouse=True)
def _quiet_refusals():
    """Thousands of intended 403/404 answers are not worth a log record each; errors (500) still are."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_world) as built:
        yield built


# --- who sees and who may do what ----------------------------------------------------------------------------


def decide(actor: Actor, *, visible: bool, allowed: bool = True) -> str | int:
    if actor.anonymous:
        return ANON
    if not visible:
        return HIDDEN
    return OK if allowed else DENIED


def reads(actor: Actor) -> bool:
    """A department user holding the inspections read permissions (every role but the standards officer)."""
    return actor.regulator and actor.role in SEES


def sees_plan(actor: Actor) -> bool:
    return reads(actor) and actor.side in SEES_PLANS


def sees_inspection(actor: Actor) -> bool:
    return actor.team or (reads(actor) and actor.side in COVERS_INSTITUTION)


def sees_order(actor: Actor) -> bool:
    """Orders and reports: the inspection's readers and the inspected institution's readers of results."""
    return sees_inspection(actor) or (actor.institution and actor.side == "own" and actor.role in INSTITUTION_READERS)


def plan_manager(actor: Actor) -> bool:
    return sees_plan(actor) and actor.role in PLANNERS


def checklist_keeper(actor: Actor) -> bool:
    """The provincial checklist's keeper (Fujian) and the departments above it (national)."""
    return actor.regulator and actor.role in PLANNERS and actor.side in SEES_PLANS


def national_keeper(actor: Actor) -> bool:
    return actor.regulator and actor.role in PLANNERS and actor.side == "national"


def referrer(actor: Actor) -> bool:
    return actor.regulator and actor.role in REFERRERS and actor.side in COVERS_INSTITUTION


def verifier(actor: Actor) -> bool:
    return actor.team or (actor.regulator and actor.role in VERIFIERS and actor.side in COVERS_INSTITUTION)


def responder(actor: Actor) -> bool:
    return actor.institution and actor.side == "own" and actor.role in RESPONDERS


def report_manager(actor: Actor) -> bool:
    return actor.team or (reads(actor) and actor.side in COVERS_INSTITUTION)


def signed_in(actor: Actor, status_if_in=OK) -> str | int:
    return ANON if actor.anonymous else status_if_in


def page_status(expected, ok: int = 200) -> int:
    return 302 if expected == ANON else ok if expected == OK else expected


def api_status(expected, ok: int = 200) -> int:
    return 401 if expected == ANON else ok if expected == OK else expected


@pytest.fixture
def browser():
    """A test client that answers a crashing view with its 500 instead of raising, so one row of the matrix
    reports every wrong cell (the exception is named in the message)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)


@contextmanager
def rolled_back():
    """A savepoint that is always rolled back: one write cell never sees another's effects."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _why(response) -> str:
    info = getattr(response, "exc_info", None)
    if info:
        return f" ({info[0].__name__}: {info[1]})"
    if response.status_code == 302:
        return f" (to {response['Location']})"
    return ""


def _to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def read_problems(name, response, spec, actor, world, status_of) -> list[str]:
    """What is wrong with one read cell: its status, the sign-in redirect, and (lists) whose rows it shows."""
    expected = spec.rule(actor)
    status = status_of(expected)
    if response.status_code != status:
        return [f"{name}: {response.status_code}, expected {status}{_why(response)}"]
    if status_of is page_status and expected == ANON and not _to_login(response):
        return [f"{name}: not sent to sign in"]
    if response.status_code == 200 and spec.text is not None:
        if status_of is page_status:
            shown = str(spec.text(world)) in response.content.decode()
        else:
            shown = spec.text(world) in _listed_ids(response)
        if shown != spec.shows(actor):
            return [f"{name}: {'shows' if shown else 'does not show'} the world's record"]
    return []


def url(name: str, *args) -> str:
    return reverse(f"inspections:{name}", args=args)


def api(name: str, *args) -> str:
    return reverse(f"api:inspections-{name}", args=args)


def _first_item(world, version_key: str = "checklist") -> ChecklistItem:
    return world[version_key].items.order_by("position").first()


def _listed_ids(response) -> set[int]:
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {row["id"] for row in rows}


# ================================================================================================================
# Pages (GET)
# ================================================================================================================


@dataclass(frozen=True)
class Read:
    url: Callable
    rule: Callable
    # (world) -> text whose presence in a 200 answer must equal `shows(actor)`; lists only show what is theirs.
    text: Callable | None = None
    shows: Callable | None = None


PAGES = {
    # plans, pools, draws, selections (SUP-1, SUP-2)
    "plan_list": Read(lambda w: url("plan_list"), lambda a: signed_in(a, OK if reads(a) else DENIED),
                      text=lambda w: w["plan"].number, shows=sees_plan),
    "plan_detail": Read(lambda w: url("plan_detail", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "plan_pool": Read(lambda w: url("plan_pool", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "risk_ranking": Read(lambda w: url("risk_ranking", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "draw": Read(lambda w: url("draw", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "selection_detail": Read(lambda w: url("selection_detail", w["selection"].pk),
                             lambda a: decide(a, visible=sees_plan(a))),
    "selection_protocol": Read(lambda w: url("selection_protocol", w["selection"].pk),
                               lambda a: decide(a, visible=sees_plan(a))),
    # checklists: reference data for everyone signed in; editing for the keeper and above
    "checklist_list": Read(lambda w: url("checklist_list"), lambda a: signed_in(a)),
    "checklist_default": Read(lambda w: url("checklist_detail", w["default_version"].pk), lambda a: signed_in(a)),
    "checklist_draft": Read(lambda w: url("checklist_detail", w["checklist_draft"].pk), lambda a: signed_in(a)),
    # inspections and findings (SUP-1, SUP-2, SEC-7)
    "my_inspections": Read(lambda w: url("my_inspections"),
                           lambda a: signed_in(a, OK if a.regulator else HIDDEN),
                           text=lambda w: w["onsite"].number, shows=lambda a: a.team),
    "inspection_list": Read(lambda w: url("inspection_list"), lambda a: signed_in(a, OK if reads(a) else HIDDEN),
                            text=lambda w: w["onsite"].number, shows=sees_inspection),
    "finding_list": Read(lambda w: url("finding_list"), lambda a: signed_in(a, OK if reads(a) else HIDDEN),
                         text=lambda w: w["open_finding"].title, shows=sees_inspection),
    "inspection_detail": Read(lambda w: url("inspection_detail", w["onsite"].pk),
                              lambda a: decide(a, visible=sees_inspection(a))),
    "inspection_record": Read(lambda w: url("inspection_record", w["onsite"].pk),
                              lambda a: decide(a, visible=sees_inspection(a))),
    "finding_detail": Read(lambda w: url("finding_detail", w["open_finding"].pk),
                           lambda a: decide(a, visible=sees_inspection(a))),
    # rectification (SUP-1, INS-3)
    "order_list": Read(lambda w: url("order_list"), lambda a: signed_in(a, OK if a.regulator else HIDDEN),
                       text=lambda w: w["order_issued"].number, shows=sees_order),
    "my_orders": Read(lambda w: url("my_orders"),
                      lambda a: signed_in(a, OK if a.institution and a.role in INSTITUTION_READERS else HIDDEN),
                      text=lambda w: w["order_issued"].number, shows=lambda a: a.side == "own"),
    "order_detail": Read(lambda w: url("order_detail", w["order_issued"].pk),
                         lambda a: decide(a, visible=sees_order(a))),
    # reports (SUP-5) and the dashboard (SUP-4)
    "report_detail": Read(lambda w: url("report_detail", w["report"].pk), lambda a: decide(a, visible=sees_order(a))),
    "dashboard": Read(lambda w: url("dashboard"), lambda a: signed_in(a, OK if reads(a) else DENIED)),
}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_page_matrix_SUP_1_SUP_4(browser, world, actor):
    """One row of the matrix: every page for this actor, each cell with its exact status (all wrong cells are
    listed together)."""
    sign_in(browser, world, actor)
    wrong = []
    for page, spec in PAGES.items():
        response = browser.get(spec.url(world))
        wrong += read_problems(page, response, spec, actor, world, page_status)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("actor", [a for a in ACTORS if a.institution], ids=actor_id)
def test_institution_order_page_shows_no_inspection_record_SEC_7(browser, world, actor):
    """The inspected institution reads its order and the finding it carries, never a link into the inspection's
    record, its findings pages or its evidence."""
    sign_in(browser, world, actor)
    order = world["order_submitted"]
    response = browser.get(url("order_detail", order.pk))
    assert response.status_code == page_status(decide(actor, visible=sees_order(actor)))
    if response.status_code == 200:
        body = response.content.decode()
        assert order.finding.title in body
        inspection_page = url("inspection_detail", world["closed"].pk)
        for hidden in (inspection_page, f"{inspection_page}evidence/", url("finding_detail", order.finding_id)):
            assert hidden not in body


# ================================================================================================================
# API (GET)
# ================================================================================================================

API_READS = {
    "plan_list": Read(lambda w: api("plan-list"), lambda a: signed_in(a, OK if reads(a) else DENIED),
                      text=lambda w: w["plan"].pk, shows=sees_plan),
    "plan_detail": Read(lambda w: api("plan-detail", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "plan_pool": Read(lambda w: api("plan-pool", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "risk_ranking": Read(lambda w: api("risk-ranking", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "plan_selections": Read(lambda w: api("plan-selections", w["plan"].pk), lambda a: decide(a, visible=sees_plan(a))),
    "selection_detail": Read(lambda w: api("selection-detail", w["selection"].pk),
                             lambda a: decide(a, visible=sees_plan(a))),
    "selection_protocol": Read(lambda w: api("selection-protocol", w["selection"].pk),
                               lambda a: decide(a, visible=sees_plan(a))),
    "checklist_list": Read(lambda w: api("checklist-list"), lambda a: signed_in(a)),
    "checklist_default": Read(lambda w: api("checklist-version", w["default_version"].pk), lambda a: signed_in(a)),
    "checklist_draft": Read(lambda w: api("checklist-version", w["checklist_draft"].pk), lambda a: signed_in(a)),
    "checklist_item": Read(lambda w: api("checklist-item", _first_item(w, "checklist_draft").pk),
                           lambda a: signed_in(a)),
    "inspection_list": Read(lambda w: api("inspection-list"), lambda a: signed_in(a),
                            text=lambda w: w["onsite"].pk, shows=sees_inspection),
    "my_inspections": Read(lambda w: api("inspection-list") + "?mine=1", lambda a: signed_in(a),
                           text=lambda w: w["onsite"].pk, shows=lambda a: a.team),
    "inspection_detail": Read(lambda w: api("inspection-detail", w["onsite"].pk),
                              lambda a: decide(a, visible=sees_inspection(a))),
    "evidence_list": Read(lambda w: api("inspection-evidence", w["onsite"].pk),
                          lambda a: decide(a, visible=sees_inspection(a))),
    "finding_list": Read(lambda w: api("inspection-findings", w["onsite"].pk),
                         lambda a: decide(a, visible=sees_inspection(a))),
    "finding_detail": Read(lambda w: api("finding-detail", w["open_finding"].pk),
                           lambda a: decide(a, visible=sees_inspection(a))),
    "order_list": Read(lambda w: api("order-list"), lambda a: signed_in(a),
                       text=lambda w: w["order_issued"].pk, shows=sees_order),
    "order_detail": Read(lambda w: api("order-detail", w["order_issued"].pk),
                         lambda a: decide(a, visible=sees_order(a))),
    "report_detail": Read(lambda w: api("report-detail", w["report"].pk), lambda a: decide(a, visible=sees_order(a))),
    "dashboard": Read(lambda w: api("dashboard"), lambda a: signed_in(a, OK if reads(a) else DENIED)),
}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_api_matrix_SUP_1_SUP_4(browser, world, actor):
    sign_in(browser, world, actor)
    wrong = []
    for endpoint, spec in API_READS.items():
        response = browser.get(spec.url(world))
        wrong += read_problems(endpoint, response, spec, actor, world, api_status)
        if response.status_code != 200:
            continue
        if endpoint == "dashboard" and (response.json()["inspections_total"] > 0) != (
                actor.side in COVERS_INSTITUTION):
            # The figures count the jurisdiction's inspections only (a team grant adds no figure).
            wrong.append(f"{endpoint}: counts inspections outside the jurisdiction")
    with rolled_back():
        # A failed report: its error and the retry are for the team and the departments covering it (SUP-5).
        _fail_report(world)
        response = browser.get(api("report-detail", world["report"].pk))
        if response.status_code == 200:
            data = response.json()
            manager = report_manager(actor)
            if data["may_retry"] != manager or bool(data["last_error"]) != manager:
                wrong.append(f"failed report_detail: may_retry={data['may_retry']}, last_error shown="
                             f"{bool(data['last_error'])}, expected {manager}")
        elif response.status_code != api_status(decide(actor, visible=sees_order(actor))):
            wrong.append(f"failed report_detail: {response.status_code}{_why(response)}")
    assert not wrong, "\n".join(wrong)


# ================================================================================================================
# Public pages and endpoints (SUP-1 "double random, one public", SUP-5 verification)
# ================================================================================================================

PUBLIC = {
    "page public_results": lambda w: url("public_results"),
    "page public_selection": lambda w: url("public_selection", w["selection"].pk),
    "page public_protocol": lambda w: url("public_protocol", w["selection"].pk),
    "page verify": lambda w: url("verify"),
    "page verify_result": lambda w: url("verify_result", w["report"].verification_code),
    "api public_results": lambda w: api("public-results"),
    "api public_selection": lambda w: api("public-selection", w["selection"].pk),
    "api public_protocol": lambda w: api("public-protocol", w["selection"].pk),
    "api verify_code": lambda w: api("verify-code", w["report"].verification_code),
}
# These views take no account of the visitor (no sign-in, AllowAny, no authentication on the public API): the
# anonymous visitor and one signed-in actor of each kind and reach are enough to show that nobody is turned away.
PUBLIC_ACTORS = [actor for actor in ACTORS if actor.id in (
    "anonymous", "department_admin-province", "standards_officer-city", "auditor-far", "lead", "member",
    "institution_admin-own", "submitter-other")]


@pytest.mark.parametrize("actor", PUBLIC_ACTORS, ids=actor_id)
def test_public_matrix_SUP_1_SUP_5(browser, world, actor):
    """Anyone reads the published draw and verifies the report; the verification names nobody (team, planner)."""
    me = sign_in(browser, world, actor)
    others = [user.get_full_name() for user in (*world["people"].values(), world["planner"]) if user != me]
    wrong = []
    for name, target in PUBLIC.items():
        response = browser.get(target(world))
        if response.status_code != 200:
            wrong.append(f"{name}: {response.status_code}, expected 200{_why(response)}")
        elif "verify" in name:
            body = response.content.decode()
            named = [full_name for full_name in others if full_name in body]  # the navigation names the visitor
            if named:
                wrong.append(f"{name}: shows {named}")
    assert not wrong, "\n".join(wrong)


# ================================================================================================================
# Writes: page (form POST) and API; a refused write changes nothing at all
# ================================================================================================================


@dataclass(frozen=True)
class Write:
    rule: Callable  # (actor) -> OK | DENIED | HIDDEN | ANON
    page: Callable  # (world) -> (url, data)
    page_next: Callable  # (world) -> where the page goes after the success (read after the request)
    api: Callable  # (world) -> (method, url, data, format) with format "json" or "multipart"
    done: Callable  # (world) -> True once the write happened
    api_ok: int = 200
    page_ok: int = 302
    prepare: Callable | None = None  # (world) -> None, inside the cell's savepoint
    changes: bool = True  # False: a read by POST (the replay) that writes nothing even when allowed
    # The page is a form also shown by GET: its GET goes through the same authorization line as its POST (the
    # object fetched, then the rule, before the method is looked at), so the POST cell answers for both; the
    # GET is asked too where the write is allowed, to see the form itself.
    form: bool = False


def _plan_form(world) -> dict:
    today = timezone.localdate()
    return {"title": "矩阵修改后的计划", "kind": "annual", "subject": "routine", "description": "",
            "starts_on": today.isoformat(), "ends_on": (today + datetime.timedelta(days=90)).isoformat(),
            "checklist": world["checklist"].pk}


ITEM_FORM = {"code": "FJ9", "section": "数据安全管理", "section_en": "", "text": "矩阵新增检查项", "text_en": "",
             "requirement_ids": "SEC-4", "article": "", "standard_reference": "", "evidence_expected": "制度文件",
             "evidence_expected_en": "", "severity": "minor"}
FINDING_FORM = {"severity": "minor", "title": "矩阵新增发现", "description": "现场发现的问题。", "requirement_ids": "SEC-2",
                "article": ""}


def _item_form(world) -> dict:
    item = _first_item(world, "checklist")
    return {f"item-{item.pk}-result": "minor_nc", f"item-{item.pk}-notes": "矩阵记录"}


def _close_form(world) -> dict:
    deadline = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    return {"outcome": "rectification", "summary": "矩阵关闭。", f"deadline_{world['open_finding'].pk}": deadline}


def _fail_report(world) -> None:
    InspectionReport.objects.filter(pk=world["report"].pk).update(status=InspectionReport.Status.FAILED,
                                                                 last_error="RuntimeError: matrix")


def _status(model, pk) -> str:
    return model.objects.values_list("status", flat=True).get(pk=pk)


WRITES = {
    # --- plans (SUP-1, SUP-2) ---------------------------------------------------------------------------------
    "plan_edit": Write(
        form=True,
        rule=lambda a: decide(a, visible=sees_plan(a), allowed=plan_manager(a)),
        page=lambda w: (url("plan_edit", w["plan_draft"].pk), _plan_form(w)),
        page_next=lambda w: url("plan_detail", w["plan_draft"].pk),
        api=lambda w: ("patch", api("plan-detail", w["plan_draft"].pk), {"title": "矩阵修改后的计划"}, "json"),
        done=lambda w: type(w["plan_draft"]).objects.get(pk=w["plan_draft"].pk).title == "矩阵修改后的计划"),
    "plan_activate": Write(
        rule=lambda a: decide(a, visible=sees_plan(a), allowed=plan_manager(a)),
        page=lambda w: (url("plan_activate", w["plan_draft"].pk), {}),
        page_next=lambda w: url("plan_detail", w["plan_draft"].pk),
        api=lambda w: ("post", api("plan-activate", w["plan_draft"].pk), {}, "json"),
        done=lambda w: _status(type(w["plan_draft"]), w["plan_draft"].pk) == "active"),
    "draw": Write(
        rule=lambda a: decide(a, visible=sees_plan(a), allowed=plan_manager(a)),
        page=lambda w: (url("draw", w["plan_fresh"].pk), {"target_count": 1, "team_size": 1, "void_reason": ""}),
        page_next=lambda w: url("selection_detail", w["plan_fresh"].selections.get().pk),
        api=lambda w: ("post", api("plan-selections", w["plan_fresh"].pk),
                       {"method": "random", "target_count": 1, "team_size": 1}, "json"),
        done=lambda w: TargetSelection.objects.filter(plan=w["plan_fresh"]).count() == 1
        and Inspection.objects.filter(plan=w["plan_fresh"]).count() == 1,
        api_ok=201),
    "pool_add": Write(
        rule=lambda a: decide(a, visible=sees_plan(a), allowed=plan_manager(a)),
        page=lambda w: (url("plan_pool", w["plan"].pk), {"user": w["spare"].pk}),
        page_next=lambda w: url("plan_pool", w["plan"].pk),
        api=lambda w: ("post", api("plan-pool", w["plan"].pk), {"user": w["spare"].pk}, "json"),
        done=lambda w: w["plan"].pool.filter(user=w["spare"]).exists(), api_ok=201),
    "selection_replay": Write(
        rule=lambda a: decide(a, visible=sees_plan(a)),
        page=lambda w: (url("selection_detail", w["selection"].pk), {}),
        page_next=lambda w: None,
        api=lambda w: ("post", api("selection-replay", w["selection"].pk), {}, "json"),
        done=lambda w: True, page_ok=200, changes=False),
    # --- checklists (SUP-1, SUP-2) ----------------------------------------------------------------------------
    "checklist_create": Write(
        form=True,
        rule=lambda a: signed_in(a, OK if a.regulator and a.role in PLANNERS else DENIED),
        page=lambda w: (url("checklist_create"), {"code": "matrix-new", "name": "矩阵新检查表", "name_en": "",
                                                  "description": ""}),
        page_next=lambda w: url("checklist_detail", ChecklistVersion.objects.get(template__code="matrix-new").pk),
        api=lambda w: ("post", api("checklist-list"), {"code": "matrix-new", "name": "矩阵新检查表"}, "json"),
        done=lambda w: ChecklistTemplate.objects.filter(code="matrix-new").exists(), api_ok=201),
    "checklist_item_add": Write(
        form=True,
        rule=lambda a: decide(a, visible=True, allowed=checklist_keeper(a)),
        page=lambda w: (url("checklist_item_add", w["checklist_draft"].pk), ITEM_FORM),
        page_next=lambda w: url("checklist_detail", w["checklist_draft"].pk),
        api=lambda w: ("post", api("checklist-items", w["checklist_draft"].pk),
                       {**ITEM_FORM, "requirement_ids": ["SEC-4"]}, "json"),
        done=lambda w: w["checklist_draft"].items.filter(code="FJ9").exists(), api_ok=201),
    "checklist_item_edit": Write(
        form=True,
        rule=lambda a: decide(a, visible=True, allowed=checklist_keeper(a)),
        page=lambda w: (url("checklist_item_edit", _first_item(w, "checklist_draft").pk),
                        {**ITEM_FORM, "code": "FJ1", "text": "矩阵修改后的检查项"}),
        page_next=lambda w: url("checklist_detail", w["checklist_draft"].pk),
        api=lambda w: ("patch", api("checklist-item", _first_item(w, "checklist_draft").pk),
                       {"text": "矩阵修改后的检查项"}, "json"),
        done=lambda w: _first_item(w, "checklist_draft").text == "矩阵修改后的检查项"),
    "checklist_publish": Write(
        rule=lambda a: decide(a, visible=True, allowed=checklist_keeper(a)),
        page=lambda w: (url("checklist_publish", w["checklist_draft"].pk), {"notes": "第二版"}),
        page_next=lambda w: url("checklist_detail", w["checklist_draft"].pk),
        api=lambda w: ("post", api("checklist-publish", w["checklist_draft"].pk), {"notes": "第二版"}, "json"),
        done=lambda w: _status(ChecklistVersion, w["checklist_draft"].pk) == "published"),
    "default_checklist_draft": Write(
        rule=lambda a: decide(a, visible=True, allowed=national_keeper(a)),
        page=lambda w: (url("checklist_draft_create", w["default_template"].pk), {}),
        page_next=lambda w: url("checklist_detail", w["default_template"].versions.get(status="draft").pk),
        api=lambda w: ("post", api("checklist-draft", w["default_template"].pk), {}, "json"),
        done=lambda w: w["default_template"].versions.filter(status="draft").exists(), api_ok=201),
    # --- the on-site record: the team alone (SUP-1, SUP-2, SEC-7) ---------------------------------------------
    "inspection_start": Write(
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("inspection_start", w["planned"].pk), {}),
        page_next=lambda w: url("inspection_record", w["planned"].pk),
        api=lambda w: ("post", api("inspection-start", w["planned"].pk), {}, "json"),
        done=lambda w: _status(Inspection, w["planned"].pk) == "in_progress"),
    "item_save": Write(
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("inspection_item_save", w["onsite"].pk, _first_item(w, "checklist").pk),
                        _item_form(w)),
        page_next=lambda w: url("inspection_record", w["onsite"].pk) + f"#item-{_first_item(w, 'checklist').pk}",
        api=lambda w: ("patch", api("inspection-result", w["onsite"].pk, _first_item(w, "checklist").pk),
                       {"result": "minor_nc", "notes": "矩阵记录"}, "json"),
        done=lambda w: ItemResult.objects.get(inspection=w["onsite"], item=_first_item(w, "checklist"))
        .result == "minor_nc"),
    "evidence_upload": Write(
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("evidence_upload", w["onsite"].pk), {"file": png("矩阵照片.png"), "caption": "矩阵"}),
        page_next=lambda w: url("inspection_record", w["onsite"].pk) + "#evidence",
        api=lambda w: ("post", api("inspection-evidence", w["onsite"].pk),
                       {"file": png("矩阵照片.png"), "caption": "矩阵"}, "multipart"),
        done=lambda w: Evidence.objects.filter(inspection=w["onsite"], original_name="矩阵照片.png").exists(),
        api_ok=201),
    "finding_add": Write(
        form=True,
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("finding_add", w["onsite"].pk), FINDING_FORM),
        page_next=lambda w: url("inspection_record", w["onsite"].pk) + "#findings",
        api=lambda w: ("post", api("inspection-findings", w["onsite"].pk), FINDING_FORM, "json"),
        done=lambda w: Finding.objects.filter(inspection=w["onsite"], title="矩阵新增发现").exists(), api_ok=201),
    "finding_edit": Write(
        form=True,
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("finding_edit", w["open_finding"].pk), {**FINDING_FORM, "title": "矩阵修改后的发现"}),
        page_next=lambda w: url("finding_detail", w["open_finding"].pk),
        api=lambda w: ("patch", api("finding-detail", w["open_finding"].pk), {"title": "矩阵修改后的发现"}, "json"),
        done=lambda w: Finding.objects.get(pk=w["open_finding"].pk).title == "矩阵修改后的发现"),
    "evidence_remove": Write(
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("evidence_remove", w["onsite"].pk, w["evidence"].pk), {}),
        page_next=lambda w: url("inspection_record", w["onsite"].pk) + "#evidence",
        api=lambda w: ("delete", api("evidence-detail", w["onsite"].pk, w["evidence"].pk), {}, "json"),
        done=lambda w: not Evidence.objects.filter(pk=w["evidence"].pk).exists(), api_ok=204),
    "finding_withdraw": Write(
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("finding_withdraw", w["open_finding"].pk), {"reason": "误记，撤回。"}),
        page_next=lambda w: url("finding_detail", w["open_finding"].pk),
        api=lambda w: ("post", api("finding-withdraw", w["open_finding"].pk), {"reason": "误记，撤回。"}, "json"),
        done=lambda w: _status(Finding, w["open_finding"].pk) == "withdrawn"),
    "inspection_close": Write(
        form=True,
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=a.team),
        page=lambda w: (url("inspection_close", w["onsite"].pk), _close_form(w)),
        page_next=lambda w: url("inspection_detail", w["onsite"].pk),
        api=lambda w: ("post", api("inspection-close", w["onsite"].pk), {"outcome": "rectification"}, "json"),
        done=lambda w: _status(Inspection, w["onsite"].pk) == "closed"
        and RectificationOrder.objects.filter(inspection=w["onsite"]).count() == 1),
    # --- the plan's managers: cancel and follow up ---------------------------------------------------------------
    "inspection_cancel": Write(
        form=True,
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=plan_manager(a)),
        page=lambda w: (url("inspection_cancel", w["planned"].pk), {"reason": "矩阵取消"}),
        page_next=lambda w: url("inspection_detail", w["planned"].pk),
        api=lambda w: ("post", api("inspection-cancel", w["planned"].pk), {"reason": "矩阵取消"}, "json"),
        done=lambda w: _status(Inspection, w["planned"].pk) == "cancelled"),
    "inspection_follow_up": Write(
        form=True,
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=plan_manager(a)),
        page=lambda w: (url("inspection_follow_up", w["closed"].pk),
                        {"team": [w["people"]["lead"].pk, w["people"]["member"].pk], "lead": w["people"]["lead"].pk,
                         "scheduled_on": ""}),
        page_next=lambda w: url("inspection_detail", Inspection.objects.get(follows=w["closed"]).pk),
        api=lambda w: ("post", api("inspection-follow-up", w["closed"].pk),
                       {"team": [w["people"]["lead"].pk, w["people"]["member"].pk], "lead": w["people"]["lead"].pk},
                       "json"),
        done=lambda w: Inspection.objects.filter(follows=w["closed"]).count() == 1, api_ok=201),
    # --- referral: refer_finding in the jurisdiction (SUP-1, SUP-3) ----------------------------------------------
    "finding_refer": Write(
        rule=lambda a: decide(a, visible=sees_inspection(a), allowed=referrer(a)),
        page=lambda w: (url("finding_refer", w["confirmed_finding"].pk), {"note": "移交问责。"}),
        page_next=lambda w: url("finding_detail", w["confirmed_finding"].pk),
        api=lambda w: ("post", api("finding-referral", w["confirmed_finding"].pk), {"note": "移交问责。"}, "json"),
        done=lambda w: _status(Finding, w["confirmed_finding"].pk) == "referred"
        and _status(RectificationOrder, w["order_issued"].pk) == "cancelled"),
    # --- rectification (SUP-1, INS-3) --------------------------------------------------------------------------
    "order_respond": Write(
        rule=lambda a: decide(a, visible=sees_order(a), allowed=responder(a)),
        page=lambda w: (url("order_respond", w["order_issued"].pk), {"report": "已整改。", "files": pdf()}),
        page_next=lambda w: url("order_detail", w["order_issued"].pk),
        api=lambda w: ("post", api("order-respond", w["order_issued"].pk), {"report": "已整改。", "files": pdf()},
                       "multipart"),
        done=lambda w: _status(RectificationOrder, w["order_issued"].pk) == "submitted", api_ok=201),
    "order_verify": Write(
        rule=lambda a: decide(a, visible=sees_order(a), allowed=verifier(a)),
        page=lambda w: (url("order_verify", w["order_submitted"].pk), {"decision": "accept", "comment": ""}),
        page_next=lambda w: url("order_detail", w["order_submitted"].pk),
        api=lambda w: ("post", api("order-verify", w["order_submitted"].pk), {"accept": True}, "json"),
        done=lambda w: _status(RectificationOrder, w["order_submitted"].pk) == "accepted"),
    # --- the report (SUP-5) ------------------------------------------------------------------------------------
    "report_retry": Write(
        rule=lambda a: decide(a, visible=sees_order(a), allowed=report_manager(a)),
        page=lambda w: (url("report_retry", w["report"].pk), {}),
        page_next=lambda w: url("report_detail", w["report"].pk),
        api=lambda w: ("post", api("report-retry", w["report"].pk), {}, "json"),
        done=lambda w: _status(InspectionReport, w["report"].pk) == "pending", api_ok=202, prepare=_fail_report),
}


def _send(client, method: str, target: str, data: dict, fmt: str):
    if fmt == "multipart":
        return getattr(client, method)(target, data)
    return getattr(client, method)(target, data, content_type="application/json")


# Where an actor sees none of the objects (Xiamen and Guangdong, except the team member; the other institution),
# the first line of every write is the object's fetch through the policy, whatever the role: the read rows and
# the downloads assert the 404 of every role there. The writes are tried there by the roles holding every
# inspections permission any role of that side holds (department administrator and head: planning, checklists,
# verification, referral; institution administrator: answering orders), so no permission can carry a write
# past the missing jurisdiction unseen; everywhere else by every role.
WRITE_ACTORS = [actor for actor in ACTORS if not (
    (actor.kind == "department" and actor.side in ("city_out", "far") and actor.role not in PLANNERS)
    or (actor.institution and actor.side == "other" and actor.role != "institution_admin"))]


@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("actor", WRITE_ACTORS, ids=actor_id)
def test_write_matrix_SUP_1_SEC_7(browser, world, actor, action):
    """The page form and the API, each in its own savepoint: the exact status; an allowed write happens, a
    refused one leaves every table exactly as it was."""
    spec = WRITES[action]
    sign_in(browser, world, actor)
    expected = spec.rule(actor)
    checks_nothing_changed = expected != OK or not spec.changes
    start = fingerprint() if checks_nothing_changed and not spec.prepare else None
    wrong = []
    for surface in ("page", "api"):
        with rolled_back():
            if spec.prepare:
                spec.prepare(world)
            before = start or (fingerprint() if checks_nothing_changed else None)
            if surface == "page":
                target, data = spec.page(world)
                if spec.form and expected == OK and (shown := browser.get(target)).status_code != 200:
                    wrong.append(f"form: {shown.status_code}, expected 200{_why(shown)}")
                response = browser.post(target, data)
                status = page_status(expected, spec.page_ok)
            else:
                method, target, data, fmt = spec.api(world)
                response = _send(browser, method, target, data, fmt)
                status = api_status(expected, spec.api_ok)
            if response.status_code != status:
                wrong.append(f"{surface}: {response.status_code}, expected {status}{_why(response)}")
                continue
            if surface == "page" and expected == ANON and not _to_login(response):
                wrong.append(f"{surface}: not sent to sign in")
            if surface == "page" and expected == OK and spec.page_ok == 302 and (
                    response["Location"] != spec.page_next(world)):
                wrong.append(f"{surface}: went to {response['Location']}, expected {spec.page_next(world)}")
            if not checks_nothing_changed:
                if not spec.done(world):
                    wrong.append(f"{surface}: allowed, but nothing happened")
            elif changed := changed_tables(before, fingerprint()):
                wrong.append(f"{surface}: refused, yet changed {', '.join(changed)}")
    assert not wrong, f"{actor.id} {action}: " + "; ".join(wrong)


# ================================================================================================================
# Downloads: exactly one access record per download, none for a refusal (SUP-5)
# ================================================================================================================

DOWNLOADS = {
    "evidence": (lambda w: url("evidence_download", w["onsite"].pk, w["evidence"].pk),
                 lambda w: api("evidence-detail", w["onsite"].pk, w["evidence"].pk),
                 lambda w: w["evidence"], sees_inspection, b"\x89PNG"),
    "response_file": (lambda w: url("order_response_file", w["order_submitted"].pk, w["response_file"].pk),
                      lambda w: api("order-file", w["order_submitted"].pk, w["response_file"].pk),
                      lambda w: w["response_file"], sees_order, b"%PDF-"),
    "report": (lambda w: url("report_download", w["report"].pk), lambda w: api("report-download", w["report"].pk),
               lambda w: w["report"], sees_order, b"%PDF-1.7\n% inspection report of the matrix"),
}


@pytest.mark.parametrize("download", list(DOWNLOADS))
@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_download_matrix_SUP_5(browser, world, actor, download):
    page_url, api_url, obj, sees, head = DOWNLOADS[download]
    user = sign_in(browser, world, actor)
    expected = decide(actor, visible=sees(actor))
    target = obj(world)
    wrong = []
    for surface in ("page", "api"):
        with rolled_back():
            response = browser.get(page_url(world) if surface == "page" else api_url(world))
            status = page_status(expected) if surface == "page" else api_status(expected)
            records = list(AccessRecord.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
                           .values_list("user_id", "action"))
            if response.status_code != status:
                wrong.append(f"{surface}: {response.status_code}, expected {status}{_why(response)}")
            elif expected == OK:
                if not b"".join(response.streaming_content).startswith(head):
                    wrong.append(f"{surface}: not the stored file")
                if records != [(user.pk, "download")]:
                    wrong.append(f"{surface}: access records {records}, expected exactly one download by the user")
            else:
                if surface == "page" and expected == ANON and not _to_login(response):
                    wrong.append(f"{surface}: not sent to sign in")
                if records:
                    wrong.append(f"{surface}: a refused download was recorded {records}")
    assert not wrong, f"{actor.id} {download}: " + "; ".join(wrong)
