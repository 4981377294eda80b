"""Checklist pages (SUP-1, SUP-2): list and versions for every department user; drafts edited by the keeper."""

import pytest
from django.urls import reverse

from apps.inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from tests.conftest import login_verified, make_user
from tests.inspections.factories import default_checklist, make_inspector

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_head(national):
    return make_user(national, "department_head")


def test_list_and_detail_show_items_by_section_within_budget(client, fujian, django_assert_max_num_queries):
    version = default_checklist()
    login_verified(client, make_inspector(fujian))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inspections:checklist_list"))
    assert response.status_code == 200 and "default" in response.content.decode()
    with django_assert_max_num_queries(14):
        body = client.get(reverse("inspections:checklist_detail", args=[version.pk])).content.decode()
    assert "SEC-9" in body and "GB/T 20986-2023" in body and "M.30" in body
    assert "Make a new draft" not in body and "Add an item" not in body


def test_keeper_drafts_edits_and_publishes(client, national_head):
    version = default_checklist()
    login_verified(client, national_head)
    client.post(reverse("inspections:checklist_draft_create", args=[version.template_id]))
    draft = ChecklistVersion.objects.get(status="draft")
    page = client.get(reverse("inspections:checklist_detail", args=[draft.pk])).content.decode()
    assert "Add an item" in page and "Publish" in page
    response = client.post(reverse("inspections:checklist_item_add", args=[draft.pk]), {
        "code": "NEW-01", "section": "新增", "text": "检查新要求", "requirement_ids": "SEC-11", "article": "M.17",
        "evidence_expected": "制度文件", "severity": "minor"})
    assert response.status_code == 302
    item = draft.items.get(code="NEW-01")
    client.post(reverse("inspections:checklist_item_move", args=[item.pk]), {"direction": "up"})
    item.refresh_from_db()
    assert item.position == draft.items.count() - 1
    edit = client.post(reverse("inspections:checklist_item_edit", args=[item.pk]), {
        "code": "NEW-01", "section": "新增", "text": "检查新要求（修订）", "requirement_ids": "SEC-11",
        "article": "M.17", "evidence_expected": "制度文件", "severity": "major"})
    assert edit.status_code == 302
    client.post(reverse("inspections:checklist_item_remove", args=[draft.items.first().pk]))
    client.post(reverse("inspections:checklist_publish", args=[draft.pk]), {"notes": "新增涉密数据管理检查项"})
    draft.refresh_from_db()
    version.refresh_from_db()
    assert draft.status == "published" and version.status == "retired"


def test_bad_item_shows_errors_and_saves_nothing(client, national_head):
    version = default_checklist()
    login_verified(client, national_head)
    client.post(reverse("inspections:checklist_draft_create", args=[version.template_id]))
    draft = ChecklistVersion.objects.get(status="draft")
    count = draft.items.count()
    response = client.post(reverse("inspections:checklist_item_add", args=[draft.pk]), {
        "code": "GOV-01", "section": "x", "text": "x", "requirement_ids": "nonsense", "evidence_expected": "x",
        "severity": "major"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Another item of this version has this code." in body and "Not a requirement ID" in body
    assert draft.items.count() == count


def test_a_published_version_cannot_be_edited_from_the_page(client, national_head):
    version = default_checklist()
    item = version.items.first()
    login_verified(client, national_head)
    assert client.get(reverse("inspections:checklist_item_edit", args=[item.pk])).status_code == 409
    response = client.post(reverse("inspections:checklist_item_remove", args=[item.pk]), follow=True)
    assert "never changes" in response.content.decode()
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


def test_a_province_may_not_revise_the_default_but_creates_its_own(client, fujian):
    version = default_checklist()
    head = make_user(fujian, "department_head")
    login_verified(client, head)
    assert client.post(reverse("inspections:checklist_draft_create", args=[version.template_id])).status_code == 403
    response = client.post(reverse("inspections:checklist_create"), {"code": "fj-2025", "name": "福建省专项检查表"})
    assert response.status_code == 302
    assert ChecklistTemplate.objects.get(code="fj-2025").owner == fujian


def test_institution_users_may_read_but_not_manage(client):
    from tests.institutions.factories import make_institution

    version = default_checklist()
    user = make_user(make_institution("350102").organisation, "institution_admin")
    login_verified(client, user)
    assert client.get(reverse("inspections:checklist_detail", args=[version.pk])).status_code == 200
    assert client.get(reverse("inspections:checklist_create")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("inspections:checklist_list"))
    assert response.status_code == 302 and "login" in response.url
