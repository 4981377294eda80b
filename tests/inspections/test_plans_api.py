"""Plans, pools, conflicts, risk ranking, selections and checklists under /api/v1/inspections/ (SUP-1, SUP-2)."""

import pytest
from django.urls import reverse

from apps.inspections.models import ChecklistVersion, InspectionPlan, TargetSelection
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.inspections.factories import default_checklist, make_inspector, make_plan
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db
JSON = "application/json"


def url(name, *args):
    return reverse(f"api:inspections-{name}", args=args)


@pytest.fixture
def head(fuzhou):
    return make_user(fuzhou, "department_head")


@pytest.fixture
def pool(fuzhou):
    return [make_inspector(fuzhou) for _ in range(3)]


def test_plan_lifecycle_and_draw_through_the_api_sup1(client, head, pool):
    login_verified(client, head)
    version = default_checklist()
    created = client.post(url("plan-list"), {
        "title": "API计划", "kind": "special", "subject": "routine", "starts_on": "2025-05-01",
        "ends_on": "2025-06-30", "scope_regions": ["350102"], "checklist": version.pk}, content_type=JSON)
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    assert client.patch(url("plan-detail", plan_id), {"title": "改名"}, content_type=JSON).json()["title"] == "改名"
    for user in pool:
        assert client.post(url("plan-pool", plan_id), {"user": user.pk}, content_type=JSON).status_code == 201
    assert len(client.get(url("plan-pool", plan_id)).json()) == 3
    assert client.delete(url("plan-pool-member", plan_id, pool[2].pk)).status_code == 204
    assert client.post(url("plan-activate", plan_id)).json()["status"] == "active"
    for _ in range(3):
        make_institution("350102")
    ranking = client.get(url("risk-ranking", plan_id)).json()
    assert len(ranking) == 3 and {part["code"] for part in ranking[0]["parts"]} >= {"grade", "due"}
    drawn = client.post(url("plan-selections", plan_id), {"method": "random", "target_count": 2, "team_size": 2},
                        content_type=JSON)
    assert drawn.status_code == 201, drawn.json()
    selection_id = drawn.json()["id"]
    assert drawn.json()["published"] and drawn.json()["candidate_count"] == 3
    again = client.post(url("plan-selections", plan_id), {"method": "random", "target_count": 2, "team_size": 2},
                        content_type=JSON)
    assert again.status_code == 400 and "void_reason" in str(again.json())
    replay = client.post(url("selection-replay", selection_id)).json()
    assert replay["matches"] and replay["digest_matches"]
    protocol = client.get(url("selection-protocol", selection_id)).json()
    assert protocol["digest"] == drawn.json()["digest"]
    assert len(client.get(url("plan-selections", plan_id)).json()) == 1
    assert client.post(url("plan-close", plan_id)).json()["status"] == "closed"


def test_bad_plan_input_is_400_and_nothing_saved(client, head):
    login_verified(client, head)
    response = client.post(url("plan-list"), {"title": "x", "kind": "annual", "starts_on": "2025-05-01",
                                              "ends_on": "2025-01-01", "checklist": default_checklist().pk},
                           content_type=JSON)
    assert response.status_code == 400 and not InspectionPlan.objects.exists()


def test_empty_pool_draw_is_a_clear_400(client, fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    make_institution("350102")
    login_verified(client, head)
    response = client.post(url("plan-selections", plan.pk), {"method": "random", "target_count": 1, "team_size": 1},
                           content_type=JSON)
    assert response.status_code == 400 and "pool is empty" in str(response.json())
    assert not TargetSelection.objects.exists()


def test_inspector_may_read_but_not_plan(client, fuzhou, head, pool):
    plan = make_plan(fuzhou, by=head, pool=pool)
    login_verified(client, pool[0])
    assert client.get(url("plan-detail", plan.pk)).status_code == 200
    assert client.post(url("plan-close", plan.pk)).status_code == 403
    assert client.post(url("plan-pool", plan.pk), {"user": pool[1].pk}, content_type=JSON).status_code == 403
    assert client.post(url("plan-selections", plan.pk), {"method": "random", "target_count": 1, "team_size": 1},
                       content_type=JSON).status_code == 403


def test_other_province_gets_404(client, fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    login_verified(client, make_user(department("440000", "provincial"), "department_head"))
    assert client.get(url("plan-detail", plan.pk)).status_code == 404
    assert client.get(url("risk-ranking", plan.pk)).status_code == 404
    assert plan.pk not in [row["id"] for row in client.get(url("plan-list")).json()["results"]]


def test_institution_users_see_nothing_of_plans(client, fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    login_verified(client, make_user(make_institution("350102").organisation, "institution_admin"))
    assert client.get(url("plan-list")).status_code == 403
    assert client.get(url("plan-detail", plan.pk)).status_code == 404
    assert client.get(url("conflict-list")).status_code == 403


def test_anonymous_gets_401_or_403(client, fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    assert client.get(url("plan-detail", plan.pk)).status_code in (401, 403)
    assert client.get(url("checklist-list")).status_code in (401, 403)


def test_conflict_through_the_api(client, fuzhou):
    inspector = make_inspector(fuzhou)
    institution = make_institution("350102")
    login_verified(client, inspector)
    response = client.post(url("conflict-list"), {"institution": institution.pk, "reason": "近亲属任职"},
                           content_type=JSON)
    assert response.status_code == 201 and response.json()["user"] == inspector.pk
    assert len(client.get(url("conflict-list")).json()["results"]) == 1


def test_checklists_through_the_api(client, fujian):
    default_checklist()
    keeper = make_user(fujian, "department_head")
    login_verified(client, keeper)
    assert any(row["code"] == "default" for row in client.get(url("checklist-list")).json()["results"])
    created = client.post(url("checklist-list"), {"code": "fj-api", "name": "福建API检查表"}, content_type=JSON)
    assert created.status_code == 201
    version_id = created.json()["id"]
    item = client.post(url("checklist-items", version_id), {
        "code": "X1", "section": "备份", "text": "检查备份", "requirement_ids": ["SEC-2"], "article": "M.18",
        "evidence_expected": "备份日志", "severity": "major"}, content_type=JSON)
    assert item.status_code == 201
    second = client.post(url("checklist-items", version_id), {
        "code": "X2", "section": "备份", "text": "检查演练", "requirement_ids": ["SEC-2"],
        "evidence_expected": "演练记录", "severity": "minor"}, content_type=JSON).json()
    assert client.patch(url("checklist-item", item.json()["id"]), {"severity": "critical"},
                        content_type=JSON).json()["severity"] == "critical"
    order = [second["id"], item.json()["id"]]
    reordered = client.post(url("checklist-reorder", version_id), {"order": order}, content_type=JSON).json()
    assert [row["code"] for row in reordered["items"]] == ["X2", "X1"]
    assert client.post(url("checklist-publish", version_id), {"notes": ""}, content_type=JSON).status_code == 400
    published = client.post(url("checklist-publish", version_id), {"notes": "首版"}, content_type=JSON)
    assert published.json()["status"] == "published"
    refused = client.patch(url("checklist-item", second["id"]), {"text": "改"}, content_type=JSON)
    assert refused.status_code == 409
    draft = client.post(url("checklist-draft", created.json()["template"]))
    assert draft.status_code == 201 and draft.json()["number"] == 2
    assert client.delete(url("checklist-item", draft.json()["items"][0]["id"])).status_code == 204
    assert ChecklistVersion.objects.get(pk=draft.json()["id"]).items.count() == 1


def test_an_inspector_may_read_but_not_change_checklists(client, fujian):
    version = default_checklist()
    login_verified(client, make_inspector(fujian))
    assert len(client.get(url("checklist-version", version.pk)).json()["items"]) >= 30
    assert client.post(url("checklist-draft", version.template_id)).status_code == 403
