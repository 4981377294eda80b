"""Bulk import services (INS-1): validate every row first, then write all of a clean file or, knowingly,
only the valid rows; nothing half-written, history naming the person and the file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from apps.accounts.models import Organisation
from apps.core import errors
from apps.institutions.models import ImportJob, Institution
from apps.institutions.services import imports
from apps.institutions.services.import_files import COLUMNS, EXAMPLE_CREDIT_CODE
from apps.institutions.services.imports import (
    import_job_cancel,
    import_job_confirm,
    import_job_run,
    import_job_start,
    import_job_validate,
)
from tests.conftest import make_user
from tests.factories import region
from tests.institutions.factories import make_institution, profile

from .import_helpers import FIELDS, csv_upload, profiles, table, xlsx_bytes, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    region("350102")
    region("350203")


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def _errors_by_row(job) -> dict:
    return {entry["row"]: entry["errors"] for entry in job.errors}


# --- the clean path ---------------------------------------------------------------------------------


def test_ins1_clean_csv_import_creates_admitted_institutions_with_history_naming_the_uploader(reviewer):
    rows = profiles(3)
    job = import_job_start(upload=csv_upload(rows, name="福州 2024.csv"), by=reviewer)
    assert (job.status, job.total_rows, job.valid_rows, job.errors) == ("validated", 3, 3, [])
    assert Institution.objects.count() == 0  # nothing written before confirmation

    job = import_job_confirm(job=job, only_valid_rows=False, by=reviewer)

    assert (job.status, job.created_rows, job.processed_rows) == ("done", 3, 3)
    assert job.finished_at is not None
    created = Institution.objects.filter(credit_code__in=[r["credit_code"] for r in rows])
    assert created.count() == 3
    for institution in created.select_related("organisation"):
        assert institution.status == Institution.Status.ADMITTED and institution.admitted_at
        organisation = institution.organisation
        assert (organisation.kind, organisation.credit_code, organisation.region_id) == (
            "institution", institution.credit_code, "350102")
        assert organisation.name == institution.name
        for history in (institution.history.get(), organisation.history.get()):
            assert history.history_user == reviewer
            assert history.history_change_reason == "imported (福州 2024.csv)"
            assert history.history_type == "+"


def test_data_service_providers_become_provider_organisations(reviewer):
    rows = [profile("350102", type="data_service", hospital_grade="")]
    job = import_job_confirm(job=import_job_start(upload=csv_upload(rows), by=reviewer),
                             only_valid_rows=False, by=reviewer)
    assert job.status == "done"
    assert Organisation.objects.get(credit_code=rows[0]["credit_code"]).kind == Organisation.Kind.PROVIDER


def test_xlsx_with_chinese_titles_numbers_and_choice_words_is_imported(reviewer):
    """Excel users type codes as numbers and choices as words; the template's titles may be Chinese."""
    with translation.override("zh-hans"):
        header = [column.title for column in COLUMNS]
    rows = profiles(2)
    cells = table(rows)
    region_at, phone_at, type_at = FIELDS.index("region"), FIELDS.index("contact_phone"), FIELDS.index("type")
    for row in cells:
        row[region_at] = int(row[region_at])
        row[phone_at] = 13912345678
        row[type_at] = "Hospital"
    upload = SimpleUploadedFile("机构.xlsx", xlsx_bytes(cells, header))

    job = import_job_confirm(job=import_job_start(upload=upload, by=reviewer), only_valid_rows=False, by=reviewer)

    assert (job.status, job.created_rows) == ("done", 2), job.errors
    institution = Institution.objects.get(credit_code=rows[0]["credit_code"])
    assert (institution.region_id, institution.contact_phone, institution.type) == ("350102", "13912345678",
                                                                                     "hospital")


def test_english_titles_in_any_order_and_optional_columns_left_out(reviewer):
    fields = [f for f in reversed(FIELDS) if f not in ("name_en", "top_leader_phone", "data_department_head")]
    with translation.override("en"):
        titles = {column.field: column.title.upper() for column in COLUMNS}
    upload = csv_upload(profiles(1), fields=fields, header=[titles[f] for f in fields])
    job = import_job_start(upload=upload, by=reviewer)
    assert (job.status, job.valid_rows) == ("validated", 1), job.errors


def test_gb18030_csv_keeps_chinese_text(reviewer):
    rows = profiles(2, name="福州市鼓楼区医院", address="鼓楼区五四路")
    rows[1]["name"] = "福州市第二医院"
    upload = csv_upload(rows, encoding="gb18030")
    job = import_job_confirm(job=import_job_start(upload=upload, by=reviewer), only_valid_rows=False, by=reviewer)
    assert job.status == "done"
    assert set(Institution.objects.values_list("name", flat=True)) == {"福州市鼓楼区医院", "福州市第二医院"}
    assert Institution.objects.filter(address="鼓楼区五四路").count() == 2


# --- row errors ---------------------------------------------------------------------------------------


def _malformed_file(existing_code):
    good = profile("350102")
    repeated = profile("350102", credit_code=good["credit_code"])
    return [
        good,                                                  # row 2: valid
        profile("350102", credit_code="91350100ABCDEFGHIJ"),   # row 3: bad credit code
        repeated,                                              # row 4: repeats row 2
        profile("350102", credit_code=existing_code),          # row 5: already registered
        profile("999999"),                                     # row 6: unknown region code
        profile("350203"),                                     # row 7: Xiamen, outside Fuzhou
        profile("350102", name="", contact_phone=""),          # row 8: missing required values
        profile("350102", contact_email="not-an-email"),       # row 9: bad e-mail
    ]


def test_ins1_malformed_rows_are_reported_by_spreadsheet_row_and_nothing_is_written(reviewer):
    existing = make_institution("350102")
    before = (Institution.objects.count(), Organisation.objects.count())

    job = import_job_start(upload=csv_upload(_malformed_file(existing.credit_code)), by=reviewer)

    found = _errors_by_row(job)
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9]
    assert "not a valid unified social credit code" in found[3]["credit_code"][0]
    assert found[4]["credit_code"] == ["This credit code already appears in row 2 of the file."]
    assert found[5]["credit_code"] == ["An institution with this unified social credit code is already registered."]
    assert "not a known administrative division code" in found[6]["region"][0]
    assert found[7]["region"] == ["This division is outside your jurisdiction."]
    assert found[8] == {"name": ["This field is required."], "contact_phone": ["This field is required."]}
    assert found[9] == {"contact_email": ["Enter a valid e-mail address."]}
    assert (job.status, job.total_rows, job.valid_rows) == ("validated", 8, 1)

    with pytest.raises(errors.ValidationFailed, match="fix the file or choose to import only the valid rows"):
        import_job_confirm(job=job, only_valid_rows=False, by=reviewer)
    assert (Institution.objects.count(), Organisation.objects.count()) == before
    assert ImportJob.objects.get(pk=job.pk).status == "validated"


def test_a_prefecture_instead_of_a_county_is_a_row_error(reviewer):
    job = import_job_start(upload=csv_upload([profile("350100")]), by=reviewer)
    assert "county-level division" in _errors_by_row(job)[2]["region"][0]


def test_only_valid_rows_imports_exactly_the_valid_ones(reviewer):
    existing = make_institution("350102")
    rows = _malformed_file(existing.credit_code)
    rows.append(profile("350102"))  # row 10: valid
    job = import_job_start(upload=csv_upload(rows), by=reviewer)
    assert job.valid_rows == 2

    job = import_job_confirm(job=job, only_valid_rows=True, by=reviewer)

    assert (job.status, job.created_rows, job.only_valid_rows) == ("done", 2, True)
    imported = set(Institution.objects.exclude(pk=existing.pk).values_list("credit_code", flat=True))
    assert imported == {rows[0]["credit_code"], rows[-1]["credit_code"]}


def test_only_valid_rows_with_no_valid_row_is_refused(reviewer):
    job = import_job_start(upload=csv_upload([profile("350203")]), by=reviewer)
    with pytest.raises(errors.ValidationFailed, match="nothing to import"):
        import_job_confirm(job=job, only_valid_rows=True, by=reviewer)


def test_the_templates_example_row_is_refused(reviewer):
    job = import_job_start(upload=csv_upload([profile("350102", credit_code=EXAMPLE_CREDIT_CODE)]), by=reviewer)
    assert "example row" in _errors_by_row(job)[2]["credit_code"][0]


def test_blank_rows_are_skipped_but_row_numbers_stay_those_of_the_sheet(reviewer):
    rows = [profile("350102"), {}, profile("350102", contact_email="bad")]
    job = import_job_start(upload=csv_upload(rows), by=reviewer)
    assert job.total_rows == 2
    assert list(_errors_by_row(job)) == [4]


# --- rows that became invalid after validation (races) ---------------------------------------------------


def test_clean_file_whose_code_was_registered_meanwhile_writes_nothing_and_reports_the_row(reviewer):
    rows = profiles(3)
    job = import_job_start(upload=csv_upload(rows), by=reviewer)
    make_institution("350102", credit_code=rows[1]["credit_code"])
    before = Institution.objects.count()

    job = import_job_confirm(job=job, only_valid_rows=False, by=reviewer)

    assert job.status == "validated"
    assert "Nothing was imported" in job.failure
    assert _errors_by_row(job)[3]["credit_code"] == [
        "An institution with this unified social credit code is already registered."]
    assert job.valid_rows == 2
    assert Institution.objects.count() == before


def test_only_valid_rows_still_skips_a_row_that_became_invalid(reviewer):
    rows = [profile("350102", contact_email="bad"), *profiles(2)]
    job = import_job_start(upload=csv_upload(rows), by=reviewer)
    make_institution("350102", credit_code=rows[2]["credit_code"])

    job = import_job_confirm(job=job, only_valid_rows=True, by=reviewer)

    assert (job.status, job.created_rows, job.valid_rows) == ("done", 1, 1)
    assert sorted(_errors_by_row(job)) == [2, 4]
    assert Institution.objects.filter(credit_code=rows[1]["credit_code"]).exists()


# --- files that are refused -------------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("institutions.csv", PNG, "not a CSV text file"),
    ("institutions.xlsx", b"name,credit_code\n", "not an Excel workbook"),
    ("institutions.xlsx", b"PK\x03\x04not really a zip archive", "not a readable Excel workbook"),
    ("institutions.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Old Excel files"),
    ("institutions.png", PNG, "Upload a .csv or .xlsx file"),
    ("institutions.csv", b"", "empty"),
])
def test_wrong_file_types_are_refused_without_a_job(reviewer, name, content, message):
    with pytest.raises(errors.ValidationFailed) as refused:
        import_job_start(upload=SimpleUploadedFile(name, content), by=reviewer)
    assert message in " ".join(refused.value.field_errors["file"])
    assert ImportJob.objects.count() == 0


def test_oversized_file_is_refused_without_a_job(reviewer, settings):
    settings.INSTITUTION_IMPORT_MAX_BYTES = 1024
    with pytest.raises(errors.ValidationFailed) as refused:
        import_job_start(upload=csv_upload(profiles(10)), by=reviewer)
    assert "larger than" in refused.value.field_errors["file"][0]
    assert ImportJob.objects.count() == 0


def test_missing_and_unknown_columns_are_named_and_no_job_is_made(reviewer):
    fields = [f for f in FIELDS if f not in ("credit_code", "contact_email")] + ["favourite colour"]
    upload = csv_upload(profiles(1), header=[*fields, "", ""])
    with pytest.raises(errors.ValidationFailed) as refused:
        import_job_start(upload=upload, by=reviewer)
    problems = " ".join(refused.value.field_errors["file"])
    assert "Unknown columns: favourite colour." in problems
    assert "Missing required columns: Unified social credit code, Contact e-mail." in problems
    assert ImportJob.objects.count() == 0


def test_a_file_without_data_rows_is_refused(reviewer):
    with pytest.raises(errors.ValidationFailed, match="no rows below the header"):
        import_job_start(upload=csv_upload([]), by=reviewer)
    assert ImportJob.objects.count() == 0


def test_invalid_utf8_that_is_also_not_gb18030_is_refused(reviewer):
    upload = SimpleUploadedFile("x.csv", ",".join(FIELDS).encode() + b"\n\x80\xff\xfe\n")
    with pytest.raises(errors.ValidationFailed, match="UTF-8 or GB18030"):
        import_job_start(upload=upload, by=reviewer)


# --- who may import -------------------------------------------------------------------------------------


def test_institution_users_may_not_import(reviewer):
    hospital = make_institution("350102")
    admin = make_user(hospital.organisation, "institution_admin")
    with pytest.raises(errors.PermissionDenied):
        import_job_start(upload=csv_upload(profiles(1)), by=admin)
    assert ImportJob.objects.count() == 0


def test_department_user_without_the_import_role_is_refused(fuzhou):
    with pytest.raises(errors.PermissionDenied):
        import_job_start(upload=csv_upload(profiles(1)), by=make_user(fuzhou, "inspector"))


def test_another_departments_reviewer_cannot_confirm_or_cancel_the_job(reviewer, xiamen, fujian, fuzhou):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    for outsider in (make_user(xiamen, "reviewer"), make_user(fujian, "reviewer")):
        with pytest.raises(errors.NotFound):
            import_job_confirm(job=job, only_valid_rows=False, by=outsider)
        with pytest.raises(errors.NotFound):
            import_job_cancel(job=job, by=outsider)
    with pytest.raises(errors.PermissionDenied):  # same department, read-only role
        import_job_confirm(job=job, only_valid_rows=False, by=make_user(fuzhou, "auditor"))
    assert ImportJob.objects.get(pk=job.pk).status == "validated"
    assert Institution.objects.count() == 0


def test_a_colleague_in_the_same_department_may_confirm(reviewer, fuzhou):
    colleague = make_user(fuzhou, "department_head")
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    job = import_job_confirm(job=job, only_valid_rows=False, by=colleague)
    assert job.status == "done"
    assert Institution.objects.get().history.get().history_user == colleague


def test_provincial_department_imports_anywhere_in_its_province(fujian):
    head = make_user(fujian, "reviewer")
    job = import_job_start(upload=csv_upload([profile("350102"), profile("350203")]), by=head)
    assert (job.valid_rows, job.errors) == (2, [])


# --- cancelling and state ----------------------------------------------------------------------------------


def test_cancel_then_confirm_is_refused(reviewer):
    job = import_job_cancel(job=import_job_start(upload=csv_upload(profiles(1)), by=reviewer), by=reviewer)
    assert job.status == "cancelled" and job.finished_at
    with pytest.raises(errors.TransitionNotAllowed):
        import_job_confirm(job=job, only_valid_rows=False, by=reviewer)
    with pytest.raises(errors.TransitionNotAllowed):
        import_job_cancel(job=job, by=reviewer)
    assert Institution.objects.count() == 0


def test_done_job_cannot_be_confirmed_twice(reviewer):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    import_job_confirm(job=job, only_valid_rows=False, by=reviewer)
    with pytest.raises(errors.TransitionNotAllowed):
        import_job_confirm(job=job, only_valid_rows=False, by=reviewer)
    assert Institution.objects.count() == 1


def test_cancelled_while_validating_stops_the_validation(reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_start(upload=csv_upload(profiles(imports.SYNC_ROW_LIMIT + 1)), by=reviewer)
    import_job_cancel(job=job, by=reviewer)
    assert import_job_validate(job_id=job.pk).status == "cancelled"


# --- the large-file path, without a worker ---------------------------------------------------------------


def test_large_file_is_validated_and_written_by_tasks_enqueued_after_commit(
        reviewer, django_capture_on_commit_callbacks, monkeypatch):
    from apps.institutions import tasks

    sent = []
    monkeypatch.setattr(tasks.import_validate, "delay", lambda *args: sent.append(("validate", *args)))
    monkeypatch.setattr(tasks.import_run, "delay", lambda *args: sent.append(("run", *args)))
    rows = profiles(imports.SYNC_ROW_LIMIT + 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_start(upload=xlsx_upload(rows), by=reviewer)
    assert job.status == "validating" and sent == [("validate", job.pk)]

    job = import_job_validate(job_id=job.pk)
    assert (job.status, job.total_rows, job.valid_rows) == ("validated", 501, 501)

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_confirm(job=job, only_valid_rows=False, by=reviewer)
    assert job.status == "importing" and sent[-1] == ("run", job.pk, reviewer.pk)
    assert Institution.objects.count() == 0

    job = import_job_run(job_id=job.pk, by_id=reviewer.pk)
    assert (job.status, job.created_rows) == ("done", 501)
    assert Institution.objects.count() == 501
    assert imports.import_job_progress(job)["percent"] == 100


def test_validation_of_1000_rows_uses_a_bounded_number_of_queries(
        reviewer, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    """Not a query per row: regions once, one lookup of registered codes per batch, progress per batch."""
    make_institution("350102")
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_start(upload=csv_upload(profiles(1000)), by=reviewer)
    with django_assert_max_num_queries(12):
        job = import_job_validate(job_id=job.pk)
    assert (job.status, job.valid_rows) == ("validated", 1000)


def test_writing_1000_rows_uses_a_bounded_number_of_queries(
        reviewer, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_start(upload=csv_upload(profiles(1000)), by=reviewer)
    import_job_validate(job_id=job.pk)
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_confirm(job=job, only_valid_rows=False, by=reviewer)
    with django_assert_max_num_queries(25):
        job = import_job_run(job_id=job.pk, by_id=reviewer.pk)
    assert (job.status, job.created_rows) == ("done", 1000)
    assert Institution.history.filter(history_user=reviewer).count() == 1000


def test_a_stored_file_that_no_longer_reads_marks_the_job_failed(reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_start(upload=csv_upload(profiles(imports.SYNC_ROW_LIMIT + 1)), by=reviewer)
    with open(job.file.path, "wb") as handle:
        handle.write(b"name\n")
    job = import_job_validate(job_id=job.pk)
    assert job.status == "failed" and "header row does not match" in job.failure
