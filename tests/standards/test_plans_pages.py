"""Framework and work-plan pages, home panel and API (STD-4)."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.standards.models import FrameworkCategory, PlannedStandard, Standard, WorkPlanItem
from apps.standards.services.plans import category_save, planned_standard_save, workplan_item_progress
from tests.conftest import login_verified, make_user
from tests.standards import test_plans_services
from tests.standards.factories import make_standard
from tests.standards.test_plans_services import LAST_YEAR, add_item

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
officer = test_plans_services.officer
plan = test_plans_services.plan


def test_std4_framework_page_nests_categories_with_standards_and_planned(client, officer):
    root = category_save(code="Z9", name="测试根类", by=officer)
    child = category_save(code="Z9.1", name="测试子类", parent=root, by=officer)
    make_standard("WS 9801-2024", Standard.Status.IN_FORCE, category=child)
    make_standard("WS 9802-20XX", Standard.Status.DRAFTING, category=child)
    planned_standard_save(category=child, title="计划中的测试标准", priority="high", target_year=2027, by=officer)
    login_verified(client, officer)
    page = client.get(reverse("standards:framework")).content.decode()
    node = re.search(r'data-testid="category-Z9">(.*)', page, re.S).group(1)
    assert 'data-testid="category-Z9.1"' in node  # nested under its parent
    assert "In force: 1" in node and "Drafting: 1" in node and "WS 9801-2024" in node
    assert "计划中的测试标准" in node and "2027" in node
    assert reverse("standards:category_create") in page


def test_framework_page_read_only_for_an_institution(client, gulou):
    from tests.institutions.factories import make_institution

    login_verified(client, make_user(make_institution("350102").organisation, "institution_admin"))
    response = client.get(reverse("standards:framework"))
    assert response.status_code == 200 and reverse("standards:category_create") not in response.content.decode()
    assert client.get(reverse("standards:category_create")).status_code == 403


def test_officer_adds_a_category_and_a_planned_standard_on_the_pages(client, officer):
    login_verified(client, officer)
    assert client.post(reverse("standards:category_create"), {"code": "Z8", "name": "新类别",
                                                              "position": 1}).status_code == 302
    category = FrameworkCategory.objects.get(code="Z8")
    assert client.post(reverse("standards:planned_create"), {
        "category": category.pk, "title": "新规划标准", "priority": "normal", "target_year": 2027}).status_code == 302
    planned = PlannedStandard.objects.get(title="新规划标准")
    response = client.post(reverse("standards:planned_edit", args=[planned.pk]), {
        "category": category.pk, "title": "新规划标准", "priority": "low", "standard": "WS 0000-1999"})
    assert response.status_code == 400 and "No standard with the code WS 0000-1999" in response.content.decode()


def test_std4_work_plan_page_flags_overdue_and_shows_progress(client, plan, officer):
    late = add_item(plan, officer)
    done = add_item(plan, officer, title="已完成的任务")
    workplan_item_progress(item=done, progress=100, status="done", by=officer)
    login_verified(client, officer)
    page = client.get(reverse("standards:workplan_detail", args=[plan.pk])).content.decode()
    late_row = re.search(rf'data-testid="item-{late.pk}">(.*?)</tr>', page, re.S).group(1)
    done_row = re.search(rf'data-testid="item-{done.pk}">(.*?)</tr>', page, re.S).group(1)
    assert 'data-testid="item-overdue"' in late_row and 'data-testid="item-overdue"' not in done_row
    assert '<progress class="std-progress" max="100" value="100"' in done_row
    assert "1 task overdue" in page and "style=" not in page.split("<main", 1)[1]
    listing = client.get(reverse("standards:workplans")).content.decode()
    assert 'data-testid="plan-overdue">1<' in listing


def test_std4_officer_adds_a_task_and_records_progress_on_the_page(client, plan, officer, national):
    login_verified(client, officer)
    detail = reverse("standards:workplan_detail", args=[plan.pk])
    response = client.post(detail, {"title": "制定互联互通测评规范", "owner": national.name, "owner_person": "王工",
                                    "due_on": f"{LAST_YEAR}-11-30"})
    assert response.status_code == 302
    item = WorkPlanItem.objects.get(title="制定互联互通测评规范")
    url = reverse("standards:workplan_item_progress", args=[item.pk])
    bad = client.post(url, {f"i{item.pk}-progress": 80, f"i{item.pk}-status": "done"})
    assert bad.status_code == 400 and "A done task is at 100 %." in bad.content.decode()
    assert client.post(url, {f"i{item.pk}-progress": 60, f"i{item.pk}-status": "in_progress"}).status_code == 302
    item.refresh_from_db()
    assert (item.progress, item.status) == (60, "in_progress")
    response = client.post(reverse("standards:milestone_add", args=[item.pk]),
                           {f"m{item.pk}-title": "完成初稿", f"m{item.pk}-due_on": f"{LAST_YEAR}-12-30"})
    assert response.status_code == 400 and "on or before its task" in response.content.decode()


def test_another_departments_officer_reads_but_cannot_change(client, plan, officer, fujian):
    item = add_item(plan, officer)
    login_verified(client, make_user(fujian, "standards_officer"))
    detail = reverse("standards:workplan_detail", args=[plan.pk])
    page = client.get(detail).content.decode()
    assert item.title in page and 'data-testid="item-form"' not in page
    assert client.post(detail, {"title": "x", "owner": fujian.name,
                                "due_on": f"{LAST_YEAR}-11-30"}).status_code == 403
    assert client.post(reverse("standards:workplan_item_progress", args=[item.pk]),
                       {f"i{item.pk}-progress": 50, f"i{item.pk}-status": "in_progress"}).status_code == 403


def test_work_plan_page_does_not_grow_with_items(client, plan, officer):
    add_item(plan, officer)
    login_verified(client, officer)
    url = reverse("standards:workplan_detail", args=[plan.pk])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    few = count()
    for number in range(5):
        add_item(plan, officer, title=f"任务{number}", due_on=datetime.date(LAST_YEAR, 12, 1))
    assert count() == few


def test_std4_home_panel_counts_overdue_tasks(client, plan, officer):
    add_item(plan, officer)
    add_item(plan, officer, title="第二项")
    login_verified(client, officer)
    page = client.get(reverse("core:home")).content.decode()
    assert "2 tasks of your department's work plans are overdue." in html.unescape(page)


def test_std4_api_plans_and_progress(client, plan, officer, fujian):
    item = add_item(plan, officer)
    login_verified(client, officer)
    body = client.get(reverse("api:standards-workplan-detail", args=[plan.pk])).json()
    assert body["items"][0]["overdue"] is True
    url = reverse("api:standards-workplan-item-progress", args=[item.pk])
    assert client.post(url, {"progress": 150, "status": "in_progress"},
                       content_type="application/json").status_code == 400
    assert client.post(url, {"progress": 100, "status": "done"}, content_type="application/json").json()[
        "overdue"] is False
    added = client.post(reverse("api:standards-workplan-item-add", args=[plan.pk]),
                        {"title": "新任务", "owner": fujian.pk, "due_on": f"{LAST_YEAR}-12-31"},
                        content_type="application/json")
    assert added.status_code == 201 and added.json()["owner_name"] == fujian.name
    assert any(c["code"] for c in client.get(reverse("api:standards-framework")).json())
    client.logout()
    login_verified(client, make_user(fujian, "standards_officer"))
    assert client.post(url, {"progress": 50, "status": "in_progress"},
                       content_type="application/json").status_code == 403
