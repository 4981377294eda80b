"""Registry services (STD-1, STD-8): codes, duplicates, nature and level, dates, supersession, text, rights."""

import datetime

import pytest

from apps.core import errors
from apps.standards.models import FrameworkCategory, Standard
from apps.standards.services import registry
from tests.institutions.uploads import fake_pdf, pdf, png
from tests.standards import registry_helpers as helpers
from tests.standards.registry_helpers import S, data, issued

institution_user, officer = helpers.institution_user, helpers.officer  # fixtures

pytestmark = pytest.mark.django_db


def field_errors(call) -> dict:
    with pytest.raises(errors.ValidationFailed) as caught:
        call()
    return caught.value.field_errors


# --- codes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, stored", [
    ("ws/t 901.1—2024", "WS/T 901.1-2024"),
    ("ＷＳ／Ｔ　９０１.１－２０２４", "WS/T 901.1-2024"),
    ("WS/T901.1 - 2024", "WS/T 901.1-2024"),
    ("gb/t 90125-2024", "GB/T 90125-2024"),
    ("db35/t1234-2024", "DB35/T 1234-2024"),
    ("t/chia 12-2024", "T/CHIA 12-2024"),
])
def test_code_is_normalised_before_it_is_stored_STD_8(officer, typed, stored):
    standard = registry.standard_create(data=data(code=typed), by=officer)
    assert standard.code == stored
    assert Standard.objects.get(pk=standard.pk).series == stored.rsplit("-", 1)[0]


@pytest.mark.parametrize("code", ["WS 363", "XX 123-2024", "WS/T 12.a-2024", "WS/T 12-24", "WS/T 12-1800", "363.1-2023",
                                  "WS/T 12-2099"])
def test_malformed_codes_are_refused_STD_8(officer, code):
    assert "code" in field_errors(lambda: registry.standard_create(data=data(code=code), by=officer))
    assert not Standard.objects.filter(title=data()["title"]).exists()


@pytest.mark.parametrize("variant", ["WS/T 500.1-2016", "ws/t 500.1-2016", "WS/T  500.1 — 2016",
                                     "ＷＳ／Ｔ ５００.１-２０１６", "WS/T500.1-2016"])
def test_duplicate_codes_are_refused_in_every_spelling_STD_1(officer, variant):
    """WS/T 500.1-2016 is in the reference list (fixtures/standards_registry.json)."""
    errors_ = field_errors(lambda: registry.standard_create(data=data(code=variant), by=officer))
    assert "WS/T 500.1-2016 is already registered" in str(errors_["code"][0])
    assert Standard.objects.filter(series="WS/T 500.1").count() == 1


def test_the_same_number_cannot_be_registered_under_the_other_nature_STD_8(officer):
    errors_ = field_errors(lambda: registry.standard_create(data=data(code="WS 500.1-2016"), by=officer))
    assert "WS/T 500.1-2016 is already registered" in str(errors_["code"][0])


def test_provisional_codes_are_for_projects_only_STD_1(officer):
    project = registry.standard_create(data=data(code="ws/t xxx-20xx"), by=officer)
    assert project.code == "WS/T XXX-20XX" and project.status == S.PROJECT
    errors_ = field_errors(lambda: registry.standard_create(
        data=data(code="WS/T XXX-20XX (2)", published_on=datetime.date(2024, 1, 2)), by=officer,
        status=S.PUBLISHED))
    assert "code" in errors_


def test_provisional_code_for_a_revision_keeps_the_series_and_numbers_when_taken():
    older = Standard.objects.get(code="WS/T 500.1-2016")
    assert registry.provisional_code_for(older) == "WS/T 500.1-20XX"
    issued("WS/T 500.1-20XX", status=S.PROJECT, supersedes=None)
    assert registry.provisional_code_for(older) == "WS/T 500.1-20XX (2)"
    assert registry.provisional_code_for(prefix="WS") == "WS XXX-20XX"
    assert Standard(code="WS/T 500.1-20XX (2)").code == "WS/T 500.1-20XX (2)"


def test_lifecycle_final_code_check_refuses_provisional_and_taken_codes():
    project = issued("WS/T XXX-20XX", status=S.APPROVAL)
    with pytest.raises(errors.ValidationFailed):
        registry.standard_code_check("WS/T XXX-20XX", standard=project)
    with pytest.raises(errors.ValidationFailed):
        registry.standard_code_check("WS/T 500.1-2016", standard=project)
    assert registry.standard_code_check("ws/t 990-2026", standard=project) == "WS/T 990-2026"


# --- nature, level, category, dates ------------------------------------------------------------------------


def test_nature_and_level_follow_the_code_prefix_STD_1(officer):
    standard = registry.standard_create(data=data(code="GB 90001-2024"), by=officer)
    assert (standard.nature, standard.level) == (Standard.Nature.MANDATORY, Standard.Level.NATIONAL)
    local = registry.standard_create(data=data(code="DB35/T 90002-2024"), by=officer)
    assert (local.nature, local.level) == (Standard.Nature.RECOMMENDED, Standard.Level.LOCAL)
    errors_ = field_errors(lambda: registry.standard_create(
        data=data(code="WS/T 90003-2024", nature=Standard.Nature.MANDATORY, level=Standard.Level.NATIONAL),
        by=officer))
    assert set(errors_) == {"nature", "level"}


def test_title_and_category_are_required(officer):
    errors_ = field_errors(lambda: registry.standard_create(data=data(title=" ", category=None), by=officer))
    assert set(errors_) == {"title", "category"}


def test_dates_must_be_in_order_STD_1(officer):
    errors_ = field_errors(lambda: registry.standard_create(data=data(
        code="WS/T 90004-2024", published_on=datetime.date(2024, 5, 1), in_force_on=datetime.date(2024, 4, 1),
        abolished_on=datetime.date(2024, 3, 1)), by=officer))
    assert set(errors_) == {"in_force_on", "abolished_on"}


def test_an_issued_standard_is_registered_with_its_dates_and_the_year_of_its_code(officer):
    errors_ = field_errors(lambda: registry.standard_create(
        data=data(code="WS/T 90005-2024"), by=officer, status=S.IN_FORCE))
    assert set(errors_) == {"published_on", "in_force_on"}
    errors_ = field_errors(lambda: registry.standard_create(data=data(
        code="WS/T 90005-2024", published_on=datetime.date(2023, 12, 1), in_force_on=datetime.date(2024, 6, 1)),
        by=officer, status=S.IN_FORCE))
    assert "The year in the code (2024)" in str(errors_["published_on"][0])
    standard = registry.standard_create(data=data(
        code="WS/T 90005-2024", published_on=datetime.date(2024, 1, 5), in_force_on=datetime.date(2024, 6, 1)),
        by=officer, status=S.IN_FORCE)
    assert standard.status == S.IN_FORCE


def test_a_standard_cannot_be_registered_in_a_lifecycle_status(officer):
    errors_ = field_errors(lambda: registry.standard_create(data=data(), by=officer, status=S.PUBLIC_COMMENT))
    assert "status" in errors_


# --- supersession -----------------------------------------------------------------------------------------


def test_a_new_version_supersedes_one_of_its_own_series(officer):
    older = issued("WS/T 90006-2019")
    newer = registry.standard_create(data=data(code="WS/T 90006-20XX", supersedes=older), by=officer)
    assert newer.supersedes == older and newer.series == older.series


def test_superseding_another_series_needs_explicit_consent(officer):
    older = Standard.objects.get(code="WS 445.1-2014")
    errors_ = field_errors(lambda: registry.standard_create(data=data(code="WS/T 445.1-20XX", supersedes=older),
                                                            by=officer))
    assert "another series" in str(errors_["supersedes"][0])
    newer = registry.standard_create(data=data(code="WS/T 445.1-20XX", supersedes=older, allow_other_series=True),
                                     by=officer)
    assert newer.supersedes == older


def test_only_an_issued_standard_not_yet_replaced_can_be_superseded(officer):
    draft = issued("WS/T 90007-20XX", status=S.DRAFTING)
    errors_ = field_errors(lambda: registry.standard_create(
        data=data(code="WS/T 90007-20XX (2)", supersedes=draft), by=officer))
    assert "only an issued standard" in str(errors_["supersedes"][0])
    replaced = Standard.objects.get(code="GB/T 35273-2017")  # GB/T 35273-2020 supersedes it (reference list)
    errors_ = field_errors(lambda: registry.standard_create(
        data=data(code="GB/T 35273-20XX", supersedes=replaced), by=officer))
    assert "GB/T 35273-2020 already supersedes" in str(errors_["supersedes"][0])


# --- rights and history -----------------------------------------------------------------------------------


def test_an_institution_user_cannot_register_standards(institution_user):
    with pytest.raises(errors.PermissionDenied):
        registry.standard_create(data=data(), by=institution_user)
    assert not Standard.objects.filter(code="WS/T XXX-20XX").exists()


def test_registration_history_names_the_officer(officer):
    standard = registry.standard_create(data=data(), by=officer)
    row = standard.history.get()
    assert row.history_user == officer and row.history_change_reason == "project registered"


# --- updates --------------------------------------------------------------------------------------------


def test_update_changes_only_the_fields_given_and_records_them(officer):
    standard = registry.standard_create(data=data(), by=officer)
    updated = registry.standard_update(standard=standard, data={"title": "新标题", "code": "WS/T 90008-20XX"},
                                       by=officer)
    assert (updated.title, updated.code, updated.title_en) == ("新标题", "WS/T 90008-20XX", "Test specification")
    assert updated.history.first().history_change_reason == "registry data updated: code, title"


def test_the_code_of_a_published_standard_is_immutable_STD_1(officer):
    standard = Standard.objects.get(code="WS/T 500.2-2016")
    errors_ = field_errors(lambda: registry.standard_update(standard=standard, data={"code": "WS/T 500.2-2017"},
                                                            by=officer))
    assert "cannot change" in str(errors_["code"][0])
    updated = registry.standard_update(standard=standard, data={"code": "ws/t 500.2-2016", "title_en": "Part 2"},
                                       by=officer)
    assert updated.code == "WS/T 500.2-2016" and updated.title_en == "Part 2"


def test_an_edit_does_not_question_an_accepted_cross_series_link(officer):
    """WS/T 364.1-2023 supersedes WS 364.1-2011 in the reference list: a title edit must still save."""
    standard = Standard.objects.get(code="WS/T 364.1-2023")
    assert registry.standard_update(standard=standard, data={"title_en": "Value domains"}, by=officer).title_en


def test_an_institution_user_cannot_edit_a_standard(institution_user):
    standard = Standard.objects.get(code="WS/T 500.2-2016")
    with pytest.raises(errors.PermissionDenied):
        registry.standard_update(standard=standard, data={"title": "x"}, by=institution_user)


# --- text -------------------------------------------------------------------------------------------------


def test_text_is_accepted_as_pdf_only_STD_1(officer):
    standard = Standard.objects.get(code="WS/T 500.3-2016")
    for upload in (png(), fake_pdf()):
        assert "text" in field_errors(lambda u=upload: registry.standard_text_upload(
            standard=standard, upload=u, by=officer))
    standard.refresh_from_db()
    assert not standard.text
    stored = registry.standard_text_upload(standard=standard, upload=pdf("WS-T-500.3.pdf"), by=officer)
    assert stored.text.name.endswith(".pdf") and stored.text_name == "WS-T-500.3.pdf"
    assert stored.text.read().startswith(b"%PDF-")


def test_the_working_group_uploads_its_draft_text_but_not_an_issued_one(officer, institution_user):
    from apps.core import policy

    draft = issued("WS/T 90009-20XX", status=S.DRAFTING)
    policy.grant(institution_user, "standards.edit_draft", draft)
    assert registry.standard_text_upload(standard=draft, upload=pdf(), by=institution_user).text
    in_force = Standard.objects.get(code="WS/T 500.4-2016")
    policy.grant(institution_user, "standards.edit_draft", in_force)
    with pytest.raises(errors.PermissionDenied):
        registry.standard_text_upload(standard=in_force, upload=pdf(), by=institution_user)


def test_category_must_exist(officer):
    errors_ = field_errors(lambda: registry.standard_create(data=data(category=FrameworkCategory(pk=999999)),
                                                            by=officer))
    assert "category" in errors_
