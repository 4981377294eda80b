"""Plans (SUP-1, SUP-2): creation and validation, the workflow, the inspector pool rule and conflicts of
interest."""

import datetime

import pytest
from django.utils import timezone

from apps.core import errors
from apps.inspections.models import ConflictOfInterest, Inspection, InspectionPlan, PlanInspector
from apps.inspections.selectors_plans import plan_candidates, plan_list
from apps.inspections.services import plans as services
from tests.conftest import make_user
from tests.factories import department
from tests.inspections.factories import (
    default_checklist,
    make_checklist,
    make_inspection,
    make_inspector,
    make_plan,
)
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {"title": "2025年度卫生健康数据安全监督检查", "kind": "annual", "subject": "routine",
            "starts_on": datetime.date(2025, 3, 1), "ends_on": datetime.date(2025, 12, 31),
            "scope_regions": ["350102"], "scope_types": ["hospital"], "checklist": default_checklist()}
    data.update(overrides)
    return data


@pytest.fixture
def head(fuzhou):
    return make_user(fuzhou, "department_head")


def test_plan_create_sup1(head):
    plan = services.plan_create(data=_data(), by=head)
    assert plan.status == "draft" and plan.department == head.organisation and plan.region_id == "350100"
    assert plan.number == "JC2025-350100-001"
    assert services.plan_create(data=_data(), by=head).number == "JC2025-350100-002"


def test_national_plan_has_no_region_and_only_national_sees_it(national, fujian):
    head = make_user(national, "department_head")
    plan = services.plan_create(data=_data(scope_regions=["350000", "440000"]), by=head)
    assert plan.region_id is None and plan.number.startswith("JC2025-000000-")
    assert plan in plan_list(head)
    assert not plan_list(make_user(fujian, "department_head")).filter(pk=plan.pk).exists()


@pytest.mark.parametrize("overrides, field", [
    ({"title": ""}, "title"), ({"kind": "weekly"}, "kind"), ({"subject": "x"}, "subject"),
    ({"ends_on": datetime.date(2025, 1, 1)}, "ends_on"), ({"starts_on": None}, "starts_on"),
    ({"scope_regions": ["999999"]}, "scope_regions"), ({"scope_regions": ["350200"]}, "scope_regions"),
    ({"scope_types": ["bank"]}, "scope_types"), ({"checklist": None}, "checklist"),
])
def test_bad_plans_are_refused_and_nothing_saved(head, overrides, field):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.plan_create(data=_data(**overrides), by=head)
    assert field in caught.value.field_errors
    assert not InspectionPlan.objects.exists()


def test_a_draft_checklist_is_refused(head):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.plan_create(data=_data(checklist=make_checklist(status="draft")), by=head)
    assert "published" in caught.value.field_errors["checklist"][0]


def test_an_inspector_may_not_plan(fuzhou):
    with pytest.raises(errors.PermissionDenied):
        services.plan_create(data=_data(), by=make_inspector(fuzhou))


def test_update_only_while_draft(head):
    plan = services.plan_create(data=_data(), by=head)
    plan = services.plan_update(plan=plan, data={"title": "改名"}, by=head)
    assert plan.title == "改名" and plan.scope_types == ["hospital"]
    services.plan_activate(plan=plan, by=head)
    with pytest.raises(errors.TransitionNotAllowed):
        services.plan_update(plan=plan, data={"title": "再改"}, by=head)


def test_another_province_cannot_touch_the_plan(head):
    plan = services.plan_create(data=_data(), by=head)
    other = make_user(department("440000", "provincial"), "department_head")
    with pytest.raises(errors.NotFound):
        services.plan_update(plan=plan, data={"title": "x"}, by=other)
    with pytest.raises(errors.NotFound):
        services.plan_activate(plan=plan, by=other)


def test_the_province_above_may_manage_a_citys_plan(head, fujian):
    plan = services.plan_create(data=_data(), by=head)
    assert services.plan_activate(plan=plan, by=make_user(fujian, "department_head")).status == "active"


def test_workflow_activate_close_and_refusals(head):
    plan = services.plan_create(data=_data(), by=head)
    with pytest.raises(errors.TransitionNotAllowed):
        services.plan_close(plan=plan, by=head)
    services.plan_activate(plan=plan, by=head)
    services.plan_close(plan=plan, by=head)
    with pytest.raises(errors.TransitionNotAllowed):
        services.plan_cancel(plan=plan, reason="x", by=head)


def test_cancel_needs_a_reason_and_cancels_planned_inspections(fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    inspection = make_inspection(plan, make_institution("350102"))
    with pytest.raises(errors.ValidationFailed):
        services.plan_cancel(plan=plan, reason=" ", by=head)
    services.plan_cancel(plan=plan, reason="机构改革", by=head)
    plan.refresh_from_db()
    inspection.refresh_from_db()
    assert plan.status == "cancelled" and plan.cancel_reason == "机构改革"
    assert inspection.status == Inspection.Status.CANCELLED and inspection.cancel_reason == "机构改革"


def test_cancel_is_refused_while_an_inspection_is_on_site(fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    make_inspection(plan, make_institution("350102"), status=Inspection.Status.IN_PROGRESS)
    with pytest.raises(errors.TransitionNotAllowed):
        services.plan_cancel(plan=plan, reason="x", by=head)


# --- pool ------------------------------------------------------------------------------------------------


def test_pool_takes_inspectors_and_heads_of_the_jurisdiction(fuzhou, gulou, head):
    plan = make_plan(fuzhou, by=head, status="draft")
    county_inspector = make_inspector(gulou)
    services.plan_pool_add(plan=plan, user=county_inspector, by=head)
    services.plan_pool_add(plan=plan, user=head, by=head)
    assert set(plan.pool.values_list("user_id", flat=True)) == {county_inspector.pk, head.pk}
    services.plan_pool_remove(plan=plan, user=county_inspector, by=head)
    assert list(plan.pool.values_list("user_id", flat=True)) == [head.pk]


@pytest.mark.parametrize("who", ["reviewer", "outside", "institution", "inactive", "twice"])
def test_pool_refuses_who_may_not_inspect(fuzhou, xiamen, head, who):
    plan = make_plan(fuzhou, by=head, status="draft")
    user = {
        "reviewer": lambda: make_user(fuzhou, "reviewer"),
        "outside": lambda: make_inspector(xiamen),
        "institution": lambda: make_user(make_institution("350102").organisation, "institution_admin"),
        "inactive": lambda: make_inspector(fuzhou, is_active=False),
        "twice": lambda: make_inspector(fuzhou),
    }[who]()
    if who == "twice":
        services.plan_pool_add(plan=plan, user=user, by=head)
    with pytest.raises(errors.ValidationFailed):
        services.plan_pool_add(plan=plan, user=user, by=head)
    assert plan.pool.count() == (1 if who == "twice" else 0)


def test_pool_of_a_closed_plan_no_longer_changes(fuzhou, head):
    plan = make_plan(fuzhou, by=head, status="closed")
    with pytest.raises(errors.TransitionNotAllowed):
        services.plan_pool_add(plan=plan, user=make_inspector(fuzhou), by=head)


def test_an_inspector_may_not_change_the_pool(fuzhou, head):
    plan = make_plan(fuzhou, by=head)
    inspector = make_inspector(fuzhou)
    with pytest.raises(errors.PermissionDenied):
        services.plan_pool_add(plan=plan, user=inspector, by=inspector)
    assert not PlanInspector.objects.exists()


# --- conflicts -------------------------------------------------------------------------------------------


def test_an_inspector_declares_their_own_conflict(fuzhou):
    inspector = make_inspector(fuzhou)
    institution = make_institution("350102")
    conflict = services.conflict_declare(user=inspector, institution=institution, reason="配偶在该院工作",
                                         by=inspector)
    assert conflict.region_id == "350100" and conflict.ends_on is None


def test_an_inspector_may_not_declare_for_someone_else(fuzhou):
    inspector, other = make_inspector(fuzhou), make_inspector(fuzhou)
    with pytest.raises(errors.PermissionDenied):
        services.conflict_declare(user=other, institution=make_institution("350102"), reason="x", by=inspector)


def test_a_planner_records_for_a_pool_member_only(fuzhou, head):
    member, stranger = make_inspector(fuzhou), make_inspector(fuzhou)
    make_plan(fuzhou, by=head, pool=[member])
    institution = make_institution("350102")
    services.conflict_declare(user=member, institution=institution, reason="曾任顾问", by=head)
    with pytest.raises(errors.ValidationFailed):
        services.conflict_declare(user=stranger, institution=institution, reason="x", by=head)
    assert ConflictOfInterest.objects.count() == 1


def test_conflict_needs_a_reason_and_a_future_end(fuzhou):
    inspector = make_inspector(fuzhou)
    institution = make_institution("350102")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.conflict_declare(user=inspector, institution=institution, reason="", by=inspector,
                                  ends_on=timezone.localdate() - datetime.timedelta(days=1))
    assert set(caught.value.field_errors) == {"reason", "ends_on"}
    assert not ConflictOfInterest.objects.exists()


def test_conflict_with_an_institution_outside_the_jurisdiction_is_not_found(fuzhou):
    inspector = make_inspector(fuzhou)
    with pytest.raises(errors.NotFound):
        services.conflict_declare(user=inspector, institution=make_institution("350203"), reason="x", by=inspector)


# --- candidates ------------------------------------------------------------------------------------------


def test_candidates_are_admitted_institutions_in_scope(fuzhou, head):
    inside = make_institution("350102")
    make_institution("350102", status="suspended")
    make_institution("350103", type="research")
    make_institution("350203")  # another city
    plan = make_plan(fuzhou, by=head, scope_regions=["350102"])
    assert list(plan_candidates(plan, "random")) == [inside]


def test_evaluation_plans_default_to_platforms_and_providers_sup2(fuzhou, head):
    make_institution("350102")
    provider = make_institution("350102", type="data_service")
    plan = make_plan(fuzhou, by=head, subject="evaluation", scope_regions=[])
    assert list(plan_candidates(plan, "random")) == [provider]


@pytest.mark.parametrize("who", ["outside", "institution", "inactive"])
def test_pool_refusal_names_nobody_outside_the_jurisdiction(fuzhou, xiamen, head, who):
    """Review fix: adding any user id to the pool answered with that person's full name, so a planner could
    learn the names of people of other areas and of institutions."""
    plan = make_plan(fuzhou, by=head, status="draft")
    user = {
        "outside": lambda: make_inspector(xiamen, full_name="厦门检查员甲"),
        "institution": lambda: make_user(make_institution("350102").organisation, "institution_admin",
                                         full_name="医院职工乙"),
        "inactive": lambda: make_inspector(fuzhou, is_active=False, full_name="离职人员丙"),
    }[who]()
    with pytest.raises(errors.ValidationFailed) as refused:
        services.plan_pool_add(plan=plan, user=user, by=head)
    message = " ".join(refused.value.field_errors["user"])
    assert user.full_name not in message and str(user.pk) in message
