"""Defects found in the review of issue #6 (inspections), each pinned by a test that failed before its fix."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.core import policy
from apps.inspections.models import Evidence, Finding, Inspection, RectificationResponse
from apps.inspections.services import inspections as services
from apps.inspections.services import plans as plan_services
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.inspections.factories import make_finding, make_inspection, make_order, make_plan

from . import record_helpers
from .record_helpers import png, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
reports = record_helpers.reports  # fixture
scene = record_helpers.scene  # fixture

CONDUCT = "inspections.conduct_inspection"


def _client(user) -> Client:
    client = Client(raise_request_exception=False)  # a server error is an answer to assert on, not a crash
    login_verified(client, user)
    return client


# --- SUP-4: a lower department does not cancel a higher department's inspection ----------------------------


def _provincial_inspection(scene):
    province = department("350000", "provincial", "福建省卫生健康委员会")
    head = make_user(province, "department_head")
    inspector = make_user(province, "inspector")
    plan = make_plan(province, by=head, checklist=scene.checklist, pool=[inspector])
    return make_inspection(plan, scene.institution, team=[inspector]), head


def test_sup4_city_planner_cannot_cancel_the_provincial_departments_inspection(scene):
    """The Fuzhou head sees the inspection (its institution is in Fuzhou) and plans inspections himself, but the
    visit belongs to the province's plan: 403 on the page and the API, nothing changed."""
    inspection, _province_head = _provincial_inspection(scene)
    client = _client(scene.head)
    assert client.get(reverse("inspections:inspection_cancel", args=[inspection.pk])).status_code == 403
    assert client.post(reverse("inspections:inspection_cancel", args=[inspection.pk]),
                       {"reason": "重复安排"}).status_code == 403
    response = client.post(reverse("api:inspections-inspection-cancel", args=[inspection.pk]), {"reason": "重复安排"},
                           content_type="application/json")
    assert response.status_code == 403
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PLANNED and inspection.cancel_reason == ""
    detail = client.get(reverse("inspections:inspection_detail", args=[inspection.pk]))
    assert detail.status_code == 200 and detail.context["may_cancel"] is False


def test_sup4_the_plans_own_department_still_cancels(scene):
    inspection, province_head = _provincial_inspection(scene)
    services.inspection_cancel(inspection=inspection, reason="计划调整", by=province_head)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.CANCELLED


# --- object grants do not outlive a cancelled visit ---------------------------------------------------------


def test_sup1_cancelling_an_inspection_revokes_the_teams_grants(scene):
    planned = make_inspection(scene.plan, scene.institution, team=[scene.lead, scene.member])
    assert policy.can(scene.member, CONDUCT, planned)
    services.inspection_cancel(inspection=planned, reason="机构停业", by=scene.head)
    planned.refresh_from_db()
    assert not policy.can(scene.lead, CONDUCT, planned) and not policy.can(scene.member, CONDUCT, planned)
    assert policy.can(scene.lead, CONDUCT, scene.inspection)  # another inspection's grant is untouched


def test_sup1_cancelling_a_plan_revokes_the_grants_of_its_planned_inspections(scene):
    planned = make_inspection(scene.plan, scene.institution, team=[scene.lead])
    scene.inspection.status = Inspection.Status.PLANNED  # no visit on site, so the plan may be cancelled
    scene.inspection.save()
    plan_services.plan_cancel(plan=scene.plan, reason="任务调整", by=scene.head)
    assert not policy.can(scene.lead, CONDUCT, planned)
    assert not policy.can(scene.member, CONDUCT, scene.inspection)


# --- odd input answers 4xx, never 500 -----------------------------------------------------------------------


def test_a_non_ascii_digit_as_item_or_finding_id_is_refused_not_a_server_error(scene, media):
    """"²".isdigit() is true but int("²") fails: the one-click finding, the evidence upload and the pool removal
    took it for an id and answered 500."""
    lead = _client(scene.lead)
    before = (Finding.objects.count(), Evidence.objects.count())
    response = lead.post(reverse("inspections:finding_add", args=[scene.inspection.pk]), {"item": "²"})
    assert response.status_code == 302
    response = lead.post(reverse("inspections:evidence_upload", args=[scene.inspection.pk]),
                         {"finding": "²", "file": png()})
    assert response.status_code == 400
    assert (Finding.objects.count(), Evidence.objects.count()) == before and stored_files(media) == []
    response = _client(scene.head).post(reverse("inspections:plan_pool", args=[scene.plan.pk]), {"remove": "²"})
    assert response.status_code == 404
    assert scene.plan.pool.count() == 2


@pytest.mark.parametrize(("name", "params"), [
    ("inspections:inspection_list", {"q": "福州\x00"}),
    ("inspections:finding_list", {"article": "M.18\x00"}),
    ("inspections:order_list", {"q": "Z1\x00"}),
    ("inspections:plan_list", {"q": "JC\x00"}),
    ("api:inspections-inspection-list", {"q": "福州\x00"}),
    ("api:inspections-order-list", {"q": "Z1\x00"}),
    ("api:inspections-plan-list", {"q": "JC\x00"}),
])
def test_a_nul_character_in_a_list_filter_is_ignored_not_a_server_error(scene, name, params):
    """PostgreSQL refuses NUL in text: a filter carrying one answered 500."""
    assert _client(scene.head).get(reverse(name), params).status_code == 200


def test_a_nul_character_in_the_finding_filter_still_finds_the_article(scene):
    make_finding(scene.inspection)
    rows = _client(scene.head).get(reverse("inspections:finding_list"), {"article": "M.18\x00"}).context["page"]
    assert len(list(rows)) == 1


def test_a_nul_character_in_a_withdrawal_reason_or_referral_note_is_not_a_server_error(scene):
    finding = make_finding(scene.inspection)
    response = _client(scene.lead).post(reverse("inspections:finding_withdraw", args=[finding.pk]),
                                        {"reason": "误记\x00录"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.WITHDRAWN and finding.withdrawn_reason == "误记录"
    closed = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED)
    confirmed = make_finding(closed, status=Finding.Status.CONFIRMED)
    response = _client(scene.head).post(reverse("inspections:finding_refer", args=[confirmed.pk]),
                                        {"note": "拒不整改\x00"})
    assert response.status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.status == Finding.Status.REFERRED and confirmed.referral_note == "拒不整改"


def test_an_order_report_sent_as_a_json_list_is_a_400(scene):
    closed = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED)
    order = make_order(make_finding(closed, status=Finding.Status.CONFIRMED))
    response = _client(scene.admin).post(reverse("api:inspections-order-respond", args=[order.pk]), ["报告"],
                                         content_type="application/json")
    assert response.status_code == 400 and "report" in response.json()["error"]["fields"]
    assert RectificationResponse.objects.count() == 0


# --- translation gaps ---------------------------------------------------------------------------------------


def test_an_unknown_pool_user_in_the_api_gets_a_translated_message(scene, settings):
    from django.utils import translation

    client = _client(scene.head)
    with translation.override("zh-hans"):
        response = client.post(reverse("api:inspections-plan-pool", args=[scene.plan.pk]), {"user": 987654},
                               content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "No such user" not in response.content.decode()


# --- a follow-up team cannot hand the record to anyone in the country --------------------------------------


@pytest.mark.parametrize("who", ["xiamen_inspector", "case_officer"])
def test_sup1_follow_up_team_through_the_api_keeps_to_the_pool_rule(scene, who):
    """The page offers the pool and the last team only; the API took any department user id, so a Fuzhou planner
    could put a Xiamen inspector (another jurisdiction) or a case officer (no inspector role) on the team and
    give them the record's grant."""
    closed = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED)
    stranger = getattr(scene, who)
    before = Inspection.objects.count()
    response = _client(scene.head).post(
        reverse("api:inspections-inspection-follow-up", args=[closed.pk]),
        {"team": [scene.lead.pk, stranger.pk], "lead": scene.lead.pk}, content_type="application/json")
    assert response.status_code == 400
    assert Inspection.objects.count() == before
    assert not Inspection.objects.filter(follows=closed).exists()


def test_sup1_follow_up_team_from_the_pool_and_the_last_team_is_accepted(scene):
    closed = make_inspection(scene.plan, scene.institution, team=[scene.outsider], status=Inspection.Status.CLOSED)
    follow_up = services.inspection_follow_up_create(inspection=closed, by=scene.head,
                                                     team=[scene.outsider, scene.member], lead=scene.outsider)
    assert set(follow_up.team.values_list("user_id", flat=True)) == {scene.outsider.pk, scene.member.pk}
