"""Plan, pool, conflict, risk ranking, draw and selection pages (SUP-1, SUP-2), with their permissions."""

import pytest
from django.urls import reverse

from apps.inspections.models import ConflictOfInterest, InspectionPlan, PlanInspector, TargetSelection
from apps.inspections.services import selection as selection_services
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.inspections.factories import default_checklist, make_inspector, make_plan
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(fuzhou):
    return make_user(fuzhou, "department_head")


@pytest.fixture
def pool(fuzhou):
    return [make_inspector(fuzhou) for _ in range(3)]


@pytest.fixture
def plan(fuzhou, head, pool):
    return make_plan(fuzhou, by=head, pool=pool)


@pytest.fixture
def institutions(db):
    return [make_institution("350102") for _ in range(3)]


def test_plan_list_shows_the_jurisdiction_plans_within_budget(client, fuzhou, head, django_assert_max_num_queries):
    for _ in range(5):
        make_plan(fuzhou, by=head)
    login_verified(client, head)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("inspections:plan_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="plan-row"') == 5


def test_plan_create_page_makes_a_draft_sup1(client, fuzhou, head):
    version = default_checklist()
    login_verified(client, head)
    response = client.get(reverse("inspections:plan_create"))
    assert response.status_code == 200
    response = client.post(reverse("inspections:plan_create"), {
        "title": "2025年度数据安全检查", "kind": "annual", "subject": "routine", "starts_on": "2025-03-01",
        "ends_on": "2025-12-31", "scope_regions": ["350102"], "scope_types": ["hospital"], "checklist": version.pk})
    plan = InspectionPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("inspections:plan_detail", args=[plan.pk])
    assert plan.region_id == "350100" and plan.status == "draft" and plan.number.startswith("JC2025-350100-")


def test_plan_create_with_bad_dates_shows_the_error(client, fuzhou, head):
    version = default_checklist()
    login_verified(client, head)
    response = client.post(reverse("inspections:plan_create"), {
        "title": "计划", "kind": "annual", "subject": "routine", "starts_on": "2025-03-01",
        "ends_on": "2025-01-01", "checklist": version.pk})
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    assert not InspectionPlan.objects.exists()


def test_inspector_may_read_but_not_plan(client, fuzhou, plan, pool):
    login_verified(client, pool[0])
    assert client.get(reverse("inspections:plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("inspections:plan_create")).status_code == 403
    assert client.post(reverse("inspections:draw", args=[plan.pk]),
                       {"target_count": 1, "team_size": 1}).status_code == 403


def test_other_province_gets_404(client, plan):
    other = make_user(department("440000", "provincial"), "department_head")
    login_verified(client, other)
    for name in ("plan_detail", "plan_edit", "plan_pool", "risk_ranking", "draw"):
        assert client.get(reverse(f"inspections:{name}", args=[plan.pk])).status_code == 404


def test_institution_users_see_nothing_of_plans(client, plan, institutions):
    user = make_user(institutions[0].organisation, "institution_admin")
    login_verified(client, user)
    assert client.get(reverse("inspections:plan_list")).status_code == 403
    assert client.get(reverse("inspections:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("inspections:conflict_list")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, plan):
    response = client.get(reverse("inspections:plan_detail", args=[plan.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_detail_activate_and_cancel(client, fuzhou, head):
    plan = make_plan(fuzhou, by=head, status="draft")
    login_verified(client, head)
    assert "Start the plan" in client.get(reverse("inspections:plan_detail", args=[plan.pk])).content.decode()
    client.post(reverse("inspections:plan_activate", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "active"
    response = client.post(reverse("inspections:plan_cancel", args=[plan.pk]), {"reason": ""})
    assert response.status_code == 400
    client.post(reverse("inspections:plan_cancel", args=[plan.pk]), {"reason": "上级统一部署"})
    plan.refresh_from_db()
    assert plan.status == "cancelled" and plan.cancel_reason == "上级统一部署"


def test_pool_page_adds_and_removes(client, fuzhou, head, plan, pool):
    newcomer = make_inspector(fuzhou)
    login_verified(client, head)
    response = client.get(reverse("inspections:plan_pool", args=[plan.pk]))
    assert newcomer.get_full_name() in response.content.decode()
    client.post(reverse("inspections:plan_pool", args=[plan.pk]), {"user": newcomer.pk})
    assert PlanInspector.objects.filter(plan=plan, user=newcomer).exists()
    client.post(reverse("inspections:plan_pool", args=[plan.pk]), {"remove": newcomer.pk})
    assert not PlanInspector.objects.filter(plan=plan, user=newcomer).exists()


def test_conflict_page_lets_an_inspector_declare(client, pool, institutions):
    login_verified(client, pool[0])
    response = client.post(reverse("inspections:conflict_list"), {
        "credit_code": institutions[0].credit_code, "reason": "曾在该院任职"})
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert conflict.user == pool[0] and conflict.region_id == "350100"
    assert "曾在该院任职" in client.get(reverse("inspections:conflict_list")).content.decode()


def test_risk_page_explains_the_ranking(client, head, plan, institutions):
    institutions[1].credit_grade = "C"
    institutions[1].save()
    login_verified(client, head)
    response = client.get(reverse("inspections:risk_ranking", args=[plan.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and body.count('data-testid="risk-row"') == 3
    assert "Credit grade C" in body and "Never inspected" in body


def test_draw_page_draws_and_the_selection_page_replays(client, head, plan, institutions):
    login_verified(client, head)
    page = client.get(reverse("inspections:draw", args=[plan.pk]))
    assert page.status_code == 200 and page.context["candidate_count"] == 3
    response = client.post(reverse("inspections:draw", args=[plan.pk]), {"target_count": 2, "team_size": 2})
    selection = TargetSelection.objects.get()
    assert response.url == reverse("inspections:selection_detail", args=[selection.pk])
    body = client.post(reverse("inspections:selection_detail", args=[selection.pk])).content.decode()
    assert "Same result" in body and selection.digest in body
    protocol = client.get(reverse("inspections:selection_protocol", args=[selection.pk]))
    assert protocol["Content-Type"].startswith("application/json")
    assert protocol.json()["digest"] == selection.digest


def test_draw_page_with_an_empty_pool_says_so(client, fuzhou, head, institutions):
    plan = make_plan(fuzhou, by=head)
    login_verified(client, head)
    response = client.post(reverse("inspections:draw", args=[plan.pk]), {"target_count": 1, "team_size": 1})
    assert response.status_code == 400 and "pool is empty" in response.content.decode()
    assert not TargetSelection.objects.exists()


def test_risk_selection_page_shows_why(client, head, plan, institutions):
    selection = selection_services.selection_risk_create(plan=plan, target_count=2, team_size=1, by=head)
    login_verified(client, head)
    body = client.get(reverse("inspections:selection_detail", args=[selection.pk])).content.decode()
    assert 'data-testid="selection-ranking"' in body and "Never inspected" in body


def test_selection_pages_answer_404_outside_the_jurisdiction(client, head, plan, institutions):
    selection = selection_services.selection_draw(plan=plan, target_count=1, team_size=1, by=head)
    login_verified(client, make_user(department("440000", "provincial"), "department_head"))
    assert client.get(reverse("inspections:selection_detail", args=[selection.pk])).status_code == 404
    assert client.get(reverse("inspections:selection_protocol", args=[selection.pk])).status_code == 404
    client.logout()
    login_verified(client, make_user(institutions[0].organisation, "institution_admin"))
    assert client.get(reverse("inspections:selection_detail", args=[selection.pk])).status_code == 404


def test_conflicts_of_another_city_are_not_listed(client, pool, institutions, xiamen):
    ConflictOfInterest.objects.create(user=pool[0], institution=institutions[0], reason="亲属关系",
                                      region_id="350100")
    login_verified(client, make_inspector(xiamen))
    assert "亲属关系" not in client.get(reverse("inspections:conflict_list")).content.decode()


def test_conflict_list_within_budget(client, pool, institutions, django_assert_max_num_queries):
    for institution in institutions:
        ConflictOfInterest.objects.create(user=pool[0], institution=institution, reason="曾任职", region_id="350100")
    login_verified(client, pool[0])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("inspections:conflict_list"))
    assert response.status_code == 200
