"""Framework plan and annual work plans (STD-4, M.8): each service path and refusal."""

import datetime

import pytest
from django.utils import timezone

from apps.core import errors
from apps.standards.models import FrameworkCategory, PlannedStandard, WorkPlan, WorkPlanItem
from apps.standards.services.plans import (
    category_save,
    milestone_add,
    milestone_reach,
    planned_standard_save,
    workplan_create,
    workplan_item_add,
    workplan_item_progress,
)
from tests.conftest import make_user
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture
def officer(national):
    return make_user(national, "standards_officer")


@pytest.fixture
def plan(officer):
    return workplan_create(year=LAST_YEAR, title=f"{LAST_YEAR}年卫生健康信息标准工作计划", by=officer)


def add_item(plan, by, **overrides):
    values = {"plan": plan, "title": "修订电子病历基本数据集", "owner": plan.department, "owner_person": "李工",
              "due_on": datetime.date(plan.year, 9, 30), "by": by}
    values.update(overrides)
    return workplan_item_add(**values)


def test_std4_categories_form_a_tree_without_cycles(officer):
    root = category_save(code="z1", name="基础类", by=officer)
    child = category_save(code="Z1.1", name="术语", parent=root, by=officer)
    assert (root.code, child.parent) == ("Z1", root)
    with pytest.raises(errors.ValidationFailed) as caught:
        category_save(category=root, code="Z1", name="基础类", parent=child, by=officer)
    assert "parent" in caught.value.field_errors
    with pytest.raises(errors.ValidationFailed):
        category_save(code="Z1", name="重复", by=officer)
    assert FrameworkCategory.objects.get(pk=root.pk).parent is None


def test_std4_planned_standard_linked_once_registered(officer):
    category = category_save(code="Z2", name="数据类", by=officer)
    planned = planned_standard_save(category=category, title="健康档案共享文档规范（修订）", priority="high",
                                    target_year=2026, by=officer)
    standard = make_standard("WS 9483.1-2026")
    planned_standard_save(planned=planned, category=category, title=planned.title, priority="high",
                          target_year=2026, standard=standard, by=officer)
    assert PlannedStandard.objects.get(pk=planned.pk).standard == standard
    with pytest.raises(errors.ValidationFailed):
        planned_standard_save(category=category, title="x", priority="urgent", by=officer)
    with pytest.raises(errors.ValidationFailed):
        planned_standard_save(category=category, title="x", priority="low", target_year=1990, by=officer)


def test_framework_edits_need_the_officer_role(national, hospital_user):
    with pytest.raises(errors.PermissionDenied):
        category_save(code="Z3", name="x", by=make_user(national, "reviewer"))
    with pytest.raises(errors.PermissionDenied):
        category_save(code="Z3", name="x", by=hospital_user)
    assert not FrameworkCategory.objects.filter(code="Z3").exists()


@pytest.fixture
def hospital_user(gulou):
    from tests.institutions.factories import make_institution

    return make_user(make_institution("350102").organisation, "institution_admin")


def test_std4_one_work_plan_per_department_and_year(plan, officer):
    assert plan.department == officer.organisation
    with pytest.raises(errors.ValidationFailed) as caught:
        workplan_create(year=LAST_YEAR, title="again", by=officer)
    assert "year" in caught.value.field_errors
    assert WorkPlan.objects.count() == 1


def test_std4_item_due_dates_inside_the_plan_year_or_its_first_quarter(plan, officer):
    assert add_item(plan, officer, due_on=datetime.date(LAST_YEAR + 1, 3, 31)).pk
    for wrong in (datetime.date(LAST_YEAR - 1, 12, 31), datetime.date(LAST_YEAR + 1, 4, 1)):
        with pytest.raises(errors.ValidationFailed) as caught:
            add_item(plan, officer, due_on=wrong)
        assert "falls due between" in caught.value.field_errors["due_on"][0]
    assert plan.items.count() == 1


def test_std4_progress_rules(plan, officer):
    item = add_item(plan, officer)
    for progress, status, field in ((101, "in_progress", "progress"), (-1, "in_progress", "progress"),
                                    (90, "done", "progress"), (100, "planned", "status")):
        with pytest.raises(errors.ValidationFailed) as caught:
            workplan_item_progress(item=item, progress=progress, status=status, by=officer)
        assert field in caught.value.field_errors, (progress, status)
    workplan_item_progress(item=item, progress=100, status="done", by=officer)
    item.refresh_from_db()
    assert (item.progress, item.status) == (100, "done") and not item.is_overdue()


def test_std4_overdue_flag(plan, officer):
    late = add_item(plan, officer)
    cancelled = add_item(plan, officer, title="取消的任务")
    workplan_item_progress(item=cancelled, progress=0, status="cancelled", by=officer)
    cancelled.refresh_from_db()
    assert late.is_overdue() and not cancelled.is_overdue()
    future = workplan_create(year=LAST_YEAR + 2, title="明年", by=officer)
    assert not add_item(future, officer).is_overdue()


def test_std4_milestones_on_or_before_the_item(plan, officer):
    item = add_item(plan, officer)
    milestone = milestone_add(item=item, title="征求意见稿", due_on=datetime.date(LAST_YEAR, 6, 30), by=officer)
    with pytest.raises(errors.ValidationFailed) as caught:
        milestone_add(item=item, title="报批", due_on=datetime.date(LAST_YEAR, 10, 1), by=officer)
    assert "on or before its task" in caught.value.field_errors["due_on"][0]
    with pytest.raises(errors.ValidationFailed):  # moving the item before its milestone
        workplan_item_progress(item=item, progress=10, status="in_progress", due_on=datetime.date(LAST_YEAR, 5, 1),
                               by=officer)
    with pytest.raises(errors.ValidationFailed):
        milestone_reach(milestone=milestone, done_on=timezone.localdate() + datetime.timedelta(days=1), by=officer)
    reached = milestone_reach(milestone=milestone, done_on=datetime.date(LAST_YEAR, 6, 20), by=officer)
    assert reached.done_on == datetime.date(LAST_YEAR, 6, 20)
    assert item.milestones.count() == 1


def test_only_the_owning_departments_officers_change_a_plan(plan, fujian, national):
    for user in (make_user(fujian, "standards_officer"), make_user(national, "reviewer")):
        with pytest.raises(errors.PermissionDenied):
            add_item(plan, user)
    assert not WorkPlanItem.objects.exists()


def test_the_page_offers_changes_exactly_when_the_service_allows_them(plan, officer, fujian):
    """The rule lives in the service; the page asks it (own department, the role, an active organisation)."""
    from apps.standards.services.plans import workplan_may_change

    item = add_item(plan, officer)
    other = make_user(fujian, "standards_officer")
    assert workplan_may_change(officer, plan) and not workplan_may_change(other, plan)
    with pytest.raises(errors.PermissionDenied):
        workplan_item_progress(item=item, progress=10, status=WorkPlanItem.Status.IN_PROGRESS, by=other)
    officer.organisation.is_active = False
    officer.organisation.save(update_fields=["is_active"])
    assert not workplan_may_change(officer, plan)
    with pytest.raises((errors.PermissionDenied, errors.NotFound)):
        workplan_item_progress(item=item, progress=10, status=WorkPlanItem.Status.IN_PROGRESS, by=officer)
