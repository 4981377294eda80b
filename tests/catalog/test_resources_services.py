"""The resource catalog's rules (SVC-1, SEC-1, SVC-3, SVC-4, SEC-9): every rule, every bad input with a
clear message and nothing saved."""

import datetime

import pytest

from apps.catalog.models import DataField, DataResource, ResourceVersion, StageResponsibility
from apps.catalog.services import resources as services
from apps.core import errors
from apps.institutions.models import Institution
from tests.catalog.factories import make_application, provider_institution
from tests.catalog.resources_helpers import FIELDS, all_stages, entry_data, published_resource, register
from tests.conftest import make_user
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
V = ResourceVersion.Status


@pytest.fixture
def provider():
    institution, admin = provider_institution("350102")
    return institution.organisation, admin


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def _nothing_saved():
    assert DataResource.objects.count() == 0
    assert ResourceVersion.objects.count() == 0
    assert DataField.objects.count() == 0
    assert StageResponsibility.objects.count() == 0


# --- registration (SVC-1) -------------------------------------------------------------------------------


def test_register_creates_a_numbered_resource_with_a_draft_first_version(provider):
    organisation, admin = provider
    standard = make_standard("WS/T 9363.1-2024")
    resource = register(organisation, admin, standards=["ws/t 9363.1—2024"])
    assert resource.code == f"{organisation.credit_code}-0001"
    assert resource.provider == organisation and resource.region_id == "350102"
    version = resource.versions.get()
    assert (version.number, version.status) == (1, V.DRAFT)
    assert version.level == 4 and version.has_personal_information  # SEC-1: highest field level, any personal
    assert list(version.fields.values_list("name", flat=True)) == ["患者姓名", "性别", "诊断编码", "就诊日期"]
    assert version.responsibilities.count() == 8
    assert list(version.standards.all()) == [standard]
    assert "诊断编码" in version.search_text and " 诊断 " in version.search_text  # bigram words for 2-char search
    assert resource.history.first().history_user == admin
    assert version.history.first().history_user == admin
    second = register(organisation, admin)
    assert second.code == f"{organisation.credit_code}-0002"


def test_only_an_admitted_institution_registers(db):
    institution, admin = provider_institution("350102", status=Institution.Status.APPLICANT)
    with pytest.raises(errors.PermissionDenied) as raised:
        register(institution.organisation, admin)
    assert "admitted" in str(raised.value.message)
    _nothing_saved()


def test_a_member_without_the_permission_cannot_register(provider):
    organisation, _admin = provider
    submitter = make_user(organisation, "submitter")
    with pytest.raises(errors.PermissionDenied):
        register(organisation, submitter)
    _nothing_saved()


def test_nobody_registers_for_another_institution(provider):
    organisation, _admin = provider
    _other, other_admin = provider_institution("350203")
    with pytest.raises(errors.NotFound):
        register(organisation, other_admin)
    _nothing_saved()


def test_a_department_does_not_register(provider, fuzhou):
    organisation, _admin = provider
    with pytest.raises(errors.PermissionDenied):
        register(organisation, make_user(fuzhou, "department_admin"))
    _nothing_saved()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": " "}, "title", "required"),
    ({"category": "genome"}, "category", "listed values"),
    ({"sharing_type": ""}, "sharing_type", "required"),
    ({"coverage_start": datetime.date(2022, 1, 1), "coverage_end": datetime.date(2021, 12, 31)}, "coverage_end",
     "cannot be before"),
    ({"coverage_start": "2020-13-45"}, "coverage_start", "valid date"),
    ({"storage_province": "350100"}, "storage_province", "mainland China (SEC-9)"),
    ({"storage_province": "810000"}, "storage_province", "mainland China (SEC-9)"),
    ({"storage_province": "US"}, "storage_province", "mainland China (SEC-9)"),
    ({"title": "标" * 201}, "title", "At most 200"),
])
def test_bad_metadata_is_refused_and_nothing_saved(provider, overrides, field, message):
    organisation, admin = provider
    with pytest.raises(errors.ValidationFailed) as raised:
        register(organisation, admin, data=entry_data(**overrides))
    assert message in " ".join(raised.value.field_errors[field])
    _nothing_saved()


@pytest.mark.parametrize(("fields", "message"), [
    ([], "at least one field"),
    ([{"name": "性别", "level": 2}, {"name": "性别", "level": 3}], "used twice"),
    ([{"name": "性别", "level": 6}], "level from 1 to 5"),
    ([{"name": "性别"}], "level from 1 to 5"),
    ([{"name": "", "level": 2}], "needs a name"),
])
def test_bad_fields_are_refused_and_nothing_saved(provider, fields, message):
    organisation, admin = provider
    with pytest.raises(errors.ValidationFailed) as raised:
        register(organisation, admin, fields=fields)
    assert message in " ".join(raised.value.field_errors["fields"])
    _nothing_saved()


@pytest.mark.parametrize(("responsibilities", "message"), [
    ([{"stage": "storage", "person_name": "张三", "position": "信息中心"},
      {"stage": "storage", "person_name": "李四", "position": "信息科"}], "listed twice"),
    ([{"stage": "storage", "person_name": "张三", "position": ""}], "name and position"),
    ([{"stage": "archiving", "person_name": "张三", "position": "信息中心"}], "eight lifecycle stages"),
    ([{"stage": "storage", "person_name": "张三", "position": "信息中心", "phone": "call me"}], "telephone"),
])
def test_bad_responsibilities_are_refused_and_nothing_saved(provider, responsibilities, message):
    organisation, admin = provider
    with pytest.raises(errors.ValidationFailed) as raised:
        register(organisation, admin, responsibilities=responsibilities)
    assert message in " ".join(raised.value.field_errors["responsibilities"])
    _nothing_saved()


def test_a_responsible_account_must_belong_to_the_provider(provider):
    organisation, admin = provider
    _other, stranger = provider_institution("350203")
    with pytest.raises(errors.ValidationFailed) as raised:
        register(organisation, admin, responsibilities=[
            {"stage": "use", "person_name": "王五", "position": "科研处", "user": stranger.pk}])
    assert "member of the provider" in raised.value.field_errors["responsibilities"][0]
    _nothing_saved()


def test_unknown_or_unusable_standards_are_refused(provider):
    organisation, admin = provider
    make_standard("WS/T 999-2030", status="drafting")
    with pytest.raises(errors.ValidationFailed) as raised:
        register(organisation, admin, standards=["GB/T 0000-1999", "WS/T 999-2030"])
    assert len(raised.value.field_errors["standards"]) == 2
    assert "GB/T 0000-1999" in raised.value.field_errors["standards"][0]
    _nothing_saved()


# --- editing a draft ------------------------------------------------------------------------------------


def test_update_replaces_the_fields_and_recomputes_the_level(provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    kept = version.fields.get(name="诊断编码")
    services.version_update(version, data={"title": "门诊就诊记录（脱敏）"}, by=admin,
                            fields=[{"name": "诊断编码", "level": 2}, {"name": "科室", "level": 1}])
    version.refresh_from_db()
    assert version.title == "门诊就诊记录（脱敏）" and version.category == "medical_application"  # partial data
    assert list(version.fields.values_list("name", "level")) == [("诊断编码", 2), ("科室", 1)]
    assert version.fields.get(name="诊断编码").pk == kept.pk
    assert version.level == 2 and not version.has_personal_information  # SEC-1, recomputed
    assert version.responsibilities.count() == 8  # None keeps them
    assert "科室" in version.search_text and "患者姓名" not in version.search_text


def test_a_bad_update_changes_nothing(provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    with pytest.raises(errors.ValidationFailed):
        services.version_update(version, data={"title": "新标题", "storage_province": "820000"},
                                fields=[{"name": "科室", "level": 1}], by=admin)
    version.refresh_from_db()
    assert version.title == "门诊就诊记录" and version.fields.count() == len(FIELDS)


def test_only_drafts_and_returned_versions_change(provider, reviewer):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    with pytest.raises(errors.TransitionNotAllowed):
        services.version_update(version, data={"title": "改"}, by=admin)


def test_another_institution_cannot_edit_or_see_a_draft(provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    _other, other_admin = provider_institution("350102")
    with pytest.raises(errors.NotFound):
        services.version_update(version, data={"title": "改"}, by=other_admin)
    with pytest.raises(errors.NotFound):
        services.version_submit(version, by=other_admin)


# --- submission and review (SVC-3, SVC-4, SEC-9) ---------------------------------------------------------


def test_submission_needs_every_lifecycle_stage(provider):
    organisation, admin = provider
    version = register(organisation, admin, responsibilities=all_stages()[:6]).versions.get()
    with pytest.raises(errors.ValidationFailed) as raised:
        services.version_submit(version, by=admin)
    message = raised.value.field_errors["responsibilities"][0]
    assert "Exchange" in message and "Destruction" in message
    version.refresh_from_db()
    assert version.status == V.DRAFT and version.submitted_at is None


def test_submission_rechecks_storage_inside_mainland_china(provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    ResourceVersion.objects.filter(pk=version.pk).update(storage_province_id="810000")  # e.g. an old record
    with pytest.raises(errors.ValidationFailed) as raised:
        services.version_submit(version, by=admin)
    assert "SEC-9" in raised.value.field_errors["storage_province"][0]
    assert ResourceVersion.objects.get(pk=version.pk).status == V.DRAFT


def test_submission_notifies_the_nearest_department_with_reviewers(provider, gulou, fuzhou, fujian,
                                                                  django_capture_on_commit_callbacks):
    from apps.notifications.models import Notification

    organisation, admin = provider
    city_reviewer = make_user(fuzhou, "reviewer")
    make_user(fujian, "reviewer")
    make_user(gulou, "inspector")  # the county department has nobody who reviews catalog entries
    version = register(organisation, admin).versions.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.version_submit(version, by=admin)
    version.refresh_from_db()
    assert version.status == V.SUBMITTED and version.submitted_at is not None
    notes = Notification.objects.all()
    assert [note.recipient_id for note in notes] == [city_reviewer.pk]
    assert services.review_due_on(version).isoformat() in notes[0].body
    assert str(version.pk) in notes[0].url


def test_approval_publishes_and_notifies_the_provider(provider, reviewer, django_capture_on_commit_callbacks):
    from apps.notifications.models import Notification

    organisation, admin = provider
    resource = register(organisation, admin)
    version = resource.versions.get()
    services.version_submit(version, by=admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_review(version, decision="approve", comment="", by=reviewer)
    version.refresh_from_db()
    resource.refresh_from_db()
    assert version.status == V.PUBLISHED and version.published_at and version.reviewed_by == reviewer
    assert resource.published_version == version
    assert Notification.objects.filter(recipient=admin).count() == 1
    assert version.history.first().history_user == reviewer


def test_return_needs_comments_and_keeps_them(provider, reviewer):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    with pytest.raises(errors.ValidationFailed) as raised:
        services.version_review(version, decision="return", comment="  ", by=reviewer)
    assert "corrected" in raised.value.field_errors["comment"][0]
    assert ResourceVersion.objects.get(pk=version.pk).status == V.SUBMITTED
    services.version_review(version, decision="return", comment="请补充字段说明", by=reviewer)
    version.refresh_from_db()
    assert version.status == V.RETURNED and version.review_comment == "请补充字段说明"
    services.version_update(version, data={"description": "补充后的说明"}, by=admin)
    services.version_submit(version, by=admin)  # corrected and resubmitted
    assert ResourceVersion.objects.get(pk=version.pk).status == V.SUBMITTED


def test_an_unknown_decision_is_refused(provider, reviewer):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    with pytest.raises(errors.ValidationFailed):
        services.version_review(version, decision="maybe", by=reviewer)


def test_only_a_department_covering_the_region_reviews(provider, xiamen, fuzhou, national):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    with pytest.raises(errors.NotFound):  # Xiamen does not cover Gulou: it cannot even see the draft
        services.version_review(version, decision="approve", by=make_user(xiamen, "reviewer"))
    with pytest.raises(errors.PermissionDenied):  # the provider itself
        services.version_review(version, decision="approve", by=admin)
    with pytest.raises(errors.PermissionDenied):  # a department member without the review permission
        services.version_review(version, decision="approve", by=make_user(fuzhou, "inspector"))
    assert ResourceVersion.objects.get(pk=version.pk).status == V.SUBMITTED
    services.version_review(version, decision="approve", by=make_user(national, "reviewer"))
    assert ResourceVersion.objects.get(pk=version.pk).status == V.PUBLISHED


def test_a_draft_cannot_be_reviewed(provider, reviewer):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    with pytest.raises(errors.TransitionNotAllowed):
        services.version_review(version, decision="approve", by=reviewer)


# --- new versions, withdrawal, retirement ----------------------------------------------------------------


def test_a_new_version_is_a_copy_and_the_published_one_stays_until_approval(provider, reviewer):
    organisation, admin = provider
    standard = make_standard("WS/T 9445.1-2024")
    resource = register(organisation, admin, standards=[standard.code])
    first = resource.versions.get()
    services.version_submit(first, by=admin)
    services.version_review(first, decision="approve", by=reviewer)
    second = services.version_new(resource, by=admin)
    assert (second.number, second.status) == (2, V.DRAFT)
    assert list(second.fields.values_list("name", "level", "personal")) == list(
        first.fields.values_list("name", "level", "personal"))
    assert second.responsibilities.count() == 8 and list(second.standards.all()) == [standard]
    assert second.level == first.level
    with pytest.raises(errors.TransitionNotAllowed):
        services.version_new(resource, by=admin)  # one open version at a time
    services.version_update(second, fields=[*FIELDS, {"name": "身份证号", "level": 5, "personal": True}], by=admin)
    services.version_submit(second, by=admin)
    resource.refresh_from_db()
    assert resource.published_version == first  # still the catalog entry while v2 is in review
    services.version_review(second, decision="approve", by=reviewer)
    first.refresh_from_db()
    resource.refresh_from_db()
    assert first.status == V.SUPERSEDED and resource.published_version.pk == second.pk
    assert resource.published_version.level == 5


def test_withdraw_a_draft_but_not_a_version_in_review(provider):
    organisation, admin = provider
    resource = register(organisation, admin)
    version = resource.versions.get()
    services.version_submit(version, by=admin)
    with pytest.raises(errors.TransitionNotAllowed):
        services.version_withdraw(version, by=admin)
    resource2 = register(organisation, admin)
    draft = resource2.versions.get()
    services.version_withdraw(draft, by=admin)
    assert ResourceVersion.objects.get(pk=draft.pk).status == V.WITHDRAWN


def test_retire_needs_a_reason_and_ends_the_open_version(provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    draft = services.version_new(resource, by=admin)
    with pytest.raises(errors.ValidationFailed) as raised:
        services.resource_retire(resource, reason=" ", by=admin)
    assert "reason" in raised.value.field_errors
    assert DataResource.objects.get(pk=resource.pk).status == DataResource.Status.ACTIVE
    services.resource_retire(resource, reason="系统停用", by=admin)
    resource.refresh_from_db()
    assert resource.status == DataResource.Status.RETIRED and resource.retired_reason == "系统停用"
    assert ResourceVersion.objects.get(pk=draft.pk).status == V.WITHDRAWN
    assert resource.published_version.status == V.PUBLISHED  # history and grants keep pointing at it
    with pytest.raises(errors.TransitionNotAllowed):
        services.resource_retire(resource, reason="again", by=admin)
    with pytest.raises(errors.TransitionNotAllowed):
        services.version_new(resource, by=admin)


def test_a_department_retires_even_with_a_version_in_review(provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    draft = services.version_new(resource, by=admin)
    services.version_submit(draft, by=admin)
    services.resource_retire(resource, reason="提供方已停止该业务", by=reviewer)
    draft.refresh_from_db()
    assert draft.status == V.WITHDRAWN and draft.review_comment == "提供方已停止该业务"
    assert list(draft.history.order_by("history_date").values_list("status", flat=True))[-2:] == [
        V.RETURNED, V.WITHDRAWN]


def test_retirement_leaves_existing_applications_untouched(provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    applicant, _applicant_admin = provider_institution("350203")
    application = make_application(applicant.organisation, [(resource, ["性别"])])
    services.resource_retire(resource, reason="停用", by=admin)
    item = application.items.get()
    assert item.version_id == resource.published_version_id and item.fields.count() == 1


def test_others_cannot_retire(provider, reviewer, xiamen):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    _other, other_admin = provider_institution("350102")
    with pytest.raises(errors.NotFound):
        services.resource_retire(resource, reason="x", by=other_admin)
    with pytest.raises(errors.NotFound):
        services.resource_retire(resource, reason="x", by=make_user(xiamen, "reviewer"))
    with pytest.raises(errors.PermissionDenied):
        services.resource_retire(resource, reason="x", by=make_user(organisation, "submitter"))
    assert DataResource.objects.get(pk=resource.pk).status == DataResource.Status.ACTIVE


def test_level_recompute_follows_the_fields(provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    DataField.objects.filter(version=version, level=4).delete()
    services.level_recompute(version, by=admin)
    assert ResourceVersion.objects.get(pk=version.pk).level == 3
    DataField.objects.filter(version=version).update(personal=False)
    services.level_recompute(version, by=admin)
    assert not ResourceVersion.objects.get(pk=version.pk).has_personal_information


def test_cjk_bigrams():
    assert services.cjk_bigrams("门诊记录 ABC 门诊") == ["门诊", "诊记", "记录"]
    assert services.cjk_bigrams("abc") == []
