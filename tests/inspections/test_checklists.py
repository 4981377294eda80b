"""Checklists (SUP-1, SUP-2): the seeded default covers SEC-1..SEC-9 and SVC-2..SVC-4; versions are immutable
once published; drafts, items and publication follow the custodian rule."""

import json

import pytest

from apps.core import errors
from apps.inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from apps.inspections.services import checklists as services
from apps.inspections.services.defaults import DEFAULT_CHECKLIST_FILE, defaults_ensure
from tests.conftest import make_user
from tests.inspections.factories import default_checklist, make_checklist

pytestmark = pytest.mark.django_db

REQUIRED_IDS = {f"SEC-{n}" for n in range(1, 10)} | {"SVC-2", "SVC-3", "SVC-4"}


def test_default_fixture_covers_every_security_and_service_requirement_sec1_to_sec9_svc2_to_svc4():
    data = json.loads(DEFAULT_CHECKLIST_FILE.read_text(encoding="utf-8"))
    assert data["code"] == "default" and data["name"] and data["name_en"]
    covered = {rid for item in data["items"] for rid in item["requirement_ids"]}
    assert covered >= REQUIRED_IDS
    assert len(data["items"]) >= 30
    codes = [item["code"] for item in data["items"]]
    assert len(codes) == len(set(codes))
    for item in data["items"]:
        assert item["severity"] in ("critical", "major", "minor")
        assert item["text"] and item["text_en"] and item["evidence_expected"] and item["evidence_expected_en"]
        assert item["section"] and item["section_en"] and item["article"] and item["standard_reference"]
        assert len(item["code"]) <= 20 and len(item["article"]) <= 60


def test_default_checklist_is_loaded_once_and_never_overwritten():
    version = default_checklist()
    assert version.number == 1 and version.items.count() >= 30
    item = version.items.first()
    item.text = "部门修订后的文本"
    item.save()
    assert defaults_ensure() is None
    assert ChecklistTemplate.objects.filter(code="default").count() == 1
    item.refresh_from_db()
    assert item.text == "部门修订后的文本"


@pytest.fixture
def national_head(national):
    return make_user(national, "department_head")


@pytest.fixture
def fujian_head(fujian):
    return make_user(fujian, "department_head")


def test_template_create_makes_an_empty_draft_kept_by_the_department(fujian_head):
    version = services.checklist_template_create(code="fj-special", name="福建专项检查表", by=fujian_head)
    assert version.status == "draft" and version.number == 1 and version.owner_region_id == "350000"
    assert version.template.owner == fujian_head.organisation


def test_template_code_must_be_unique_and_valid(fujian_head):
    default_checklist()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.checklist_template_create(code="default", name="x", by=fujian_head)
    assert "code" in caught.value.field_errors
    with pytest.raises(errors.ValidationFailed):
        services.checklist_template_create(code="bad code!", name="", by=fujian_head)
    assert ChecklistTemplate.objects.count() == 1


def test_an_inspector_may_not_keep_checklists(fujian):
    with pytest.raises(errors.PermissionDenied):
        services.checklist_template_create(code="x", name="x", by=make_user(fujian, "inspector"))


def test_draft_copies_the_published_items_and_only_one_draft_at_a_time(national_head):
    published = default_checklist()
    draft = services.checklist_version_draft_create(template=published.template, by=national_head)
    assert draft.number == 2 and draft.status == "draft"
    assert list(draft.items.values_list("code", flat=True)) == list(published.items.values_list("code", flat=True))
    with pytest.raises(errors.ValidationFailed):
        services.checklist_version_draft_create(template=published.template, by=national_head)


def test_only_the_national_department_revises_the_default(fujian_head):
    published = default_checklist()
    with pytest.raises(errors.PermissionDenied):
        services.checklist_version_draft_create(template=published.template, by=fujian_head)
    assert published.template.versions.count() == 1


def test_a_higher_department_may_revise_a_lower_ones_checklist(fujian_head, fuzhou, national_head):
    version = services.checklist_template_create(code="fz", name="福州检查表", by=make_user(fuzhou, "department_head"))
    services.checklist_item_add(version=version, data=_item(), by=fujian_head)
    with pytest.raises(errors.PermissionDenied):
        services.checklist_item_add(version=version, data=_item(code="B"),
                                    by=make_user(_other_city(), "department_head"))


def _other_city():
    from tests.factories import department

    return department("350200", "municipal")


def _item(**overrides):
    data = {"code": "A1", "section": "数据安全", "text": "检查备份", "requirement_ids": "SEC-2, svc-3",
            "article": "M.18", "standard_reference": "GB/T 22239-2019", "evidence_expected": "备份日志",
            "severity": "major"}
    data.update(overrides)
    return data


def test_items_are_added_changed_reordered_and_removed_on_a_draft(fujian_head):
    version = services.checklist_template_create(code="fj", name="福建", by=fujian_head)
    first = services.checklist_item_add(version=version, data=_item(), by=fujian_head)
    second = services.checklist_item_add(version=version, data=_item(code="A2"), by=fujian_head)
    assert first.requirement_ids == ["SEC-2", "SVC-3"] and second.position == 2
    services.checklist_item_update(item=first, data={"severity": "critical"}, by=fujian_head)
    first.refresh_from_db()
    assert first.severity == "critical" and first.text == "检查备份"
    services.checklist_items_reorder(version=version, order=[second.pk, first.pk], by=fujian_head)
    assert list(version.items.order_by("position").values_list("code", flat=True)) == ["A2", "A1"]
    services.checklist_item_remove(item=second, by=fujian_head)
    assert list(version.items.values_list("code", "position")) == [("A1", 1)]
    assert ChecklistItem.history.filter(id=second.pk, history_type="-").get().history_user == fujian_head


@pytest.mark.parametrize("bad", [
    {"code": ""}, {"severity": "fatal"}, {"requirement_ids": "SECURITY"}, {"requirement_ids": "", "article": ""},
    {"evidence_expected": ""}, {"code": "A" * 21},
])
def test_bad_items_are_refused_and_nothing_saved(fujian_head, bad):
    version = services.checklist_template_create(code="fj", name="福建", by=fujian_head)
    with pytest.raises(errors.ValidationFailed):
        services.checklist_item_add(version=version, data=_item(**bad), by=fujian_head)
    assert not version.items.exists()


def test_duplicate_item_code_is_refused(fujian_head):
    version = services.checklist_template_create(code="fj", name="福建", by=fujian_head)
    services.checklist_item_add(version=version, data=_item(), by=fujian_head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.checklist_item_add(version=version, data=_item(), by=fujian_head)
    assert "code" in caught.value.field_errors


def test_reorder_must_name_every_item_once(fujian_head):
    version = services.checklist_template_create(code="fj", name="福建", by=fujian_head)
    item = services.checklist_item_add(version=version, data=_item(), by=fujian_head)
    with pytest.raises(errors.ValidationFailed):
        services.checklist_items_reorder(version=version, order=[item.pk, item.pk], by=fujian_head)


def test_a_published_version_never_changes(national_head):
    published = default_checklist()
    item = published.items.first()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.checklist_item_update(item=item, data={"text": "改"}, by=national_head)
    assert "never changes" in str(caught.value.message)
    with pytest.raises(errors.TransitionNotAllowed):
        services.checklist_item_add(version=published, data=_item(code="NEW"), by=national_head)
    with pytest.raises(errors.TransitionNotAllowed):
        services.checklist_item_remove(item=item, by=national_head)
    assert published.items.filter(pk=item.pk, text=item.text).exists()


def test_publish_retires_the_previous_version(national_head):
    published = default_checklist()
    draft = services.checklist_version_draft_create(template=published.template, by=national_head)
    services.checklist_version_publish(version=draft, notes="增加数据出境检查项", by=national_head)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == "retired" and draft.status == "published" and draft.published_at
    with pytest.raises(errors.TransitionNotAllowed):
        services.checklist_version_publish(version=published, notes="x", by=national_head)


def test_publish_needs_notes_and_an_item(fujian_head):
    version = services.checklist_template_create(code="fj", name="福建", by=fujian_head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.checklist_version_publish(version=version, notes="", by=fujian_head)
    assert set(caught.value.field_errors) == {"notes", "items"}
    version.refresh_from_db()
    assert version.status == "draft"


def test_make_checklist_factory_still_publishes():
    assert make_checklist().status == ChecklistVersion.Status.PUBLISHED
