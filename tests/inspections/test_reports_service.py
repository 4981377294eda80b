"""Inspection reports (SUP-5): issued once per closed inspection, rendered in Chinese, signed with the department's
key, stored only when whole, retried on failure and verified publicly without personal data."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from apps.core import errors, signing
from apps.inspections.models import Inspection, InspectionReport
from apps.inspections.services import reports as report_services
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.factories import department
from tests.inspections.factories import make_inspection, make_plan
from tests.inspections.reports_factories import closed_inspection
from tests.institutions.factories import make_institution


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def zh(message: str) -> str:
    """`message` as the report (in the portal's default language, Chinese) prints it."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(message)


def read(report) -> bytes:
    with report.file.open("rb") as handle:
        return handle.read()


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    """Department keys generated for this test only; report files stored under tmp_path."""
    settings.VAR_DIR = tmp_path / "var"
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = ""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: the report task is recorded, not sent."""
    from apps.inspections.tasks import render_report

    sent = []
    monkeypatch.setattr(render_report, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


@pytest.fixture
def fuzhou_dept(db):
    return department("350100", "municipal", "福州市卫生健康委员会")


@pytest.fixture
def xiamen_dept(db):
    return department("350200", "municipal", "厦门市卫生健康委员会")


@pytest.fixture
def institution(db):
    return make_institution("350102", name="福州市第一人民医院")


@pytest.fixture
def inspection(fuzhou_dept, institution):
    return closed_inspection(fuzhou_dept, institution=institution, items=8, findings=2, pdfs_per_finding=1)


def issue(inspection, by=None):
    by = by or inspection.team.get(role="lead").user
    return report_services.report_issue(inspection, by=by)


def report_files(settings) -> list:
    root = settings.MEDIA_ROOT / "inspections" / "reports"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- issuing -------------------------------------------------------------------------------------------------


def test_issue_creates_one_pending_report_of_the_plans_department_and_enqueues_it_SUP_5(
        inspection, fuzhou_dept, _no_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = issue(inspection)
        again = issue(inspection)
    assert report.pk == again.pk and InspectionReport.objects.filter(inspection=inspection).count() == 1
    assert report.status == InspectionReport.Status.PENDING and report.department == fuzhou_dept
    assert report.language == "zh-hans" and len(report.verification_code) == 16
    assert not set(report.verification_code) & set("01OIL")
    assert [args[0] for args in _no_broker] == [(report.pk,)]
    assert report_services.stage_of(report) == "queued"


@pytest.mark.parametrize("status", [Inspection.Status.PLANNED, Inspection.Status.IN_PROGRESS,
                                    Inspection.Status.CANCELLED])
def test_no_report_for_an_inspection_that_is_not_closed(fuzhou_dept, institution, status, _no_broker):
    lead = make_user(fuzhou_dept, "inspector")
    open_inspection = make_inspection(make_plan(fuzhou_dept), institution, team=[lead], status=status)
    with pytest.raises(errors.TransitionNotAllowed, match="closed inspection"):
        report_services.report_issue(open_inspection, by=lead)
    assert not InspectionReport.objects.exists() and not _no_broker


def test_only_the_team_or_the_department_issues(inspection, institution, xiamen_dept):
    with pytest.raises(errors.NotFound):
        report_services.report_issue(inspection, by=make_user(xiamen_dept, "inspector"))
    with pytest.raises(errors.NotFound):
        report_services.report_issue(inspection, by=make_user(institution.organisation, "institution_admin"))
    assert not InspectionReport.objects.exists()


# --- rendering -----------------------------------------------------------------------------------------------


def test_rendered_report_is_chinese_signed_by_the_department_and_stored_whole_SUP_5(
        inspection, institution, fuzhou_dept, xiamen_dept, settings):
    """The PDF's text carries the title, institution, finding and verification code; its signature verifies
    against the inspecting department only; file, SHA-256, pages and certificate are stored."""
    report = issue(inspection)
    assert report_services.report_render(report.pk) == "ready"
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.READY and report.signed and report.rendered_at
    content = read(report)
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert report.page_count == len(PdfReader(io.BytesIO(content)).pages) >= 3
    assert report.certificate_fingerprint == signing.signing_identity(fuzhou_dept).fingerprint
    assert report.attempts == 1 and report.last_error == ""
    text = pdf_text(content)
    assert zh("Inspection Report").replace(" ", "") in text  # 检查报告 once translated
    assert "福州市第一人民医院" in text and "福州市卫生健康委员会" in text
    assert "未按要求开展备份恢复演练1" in text and "未按要求开展备份恢复演练2" in text
    assert report_services.report_number(report) in text
    assert report_services.format_code(report.verification_code) in text
    assert "张检查" in text and "李核查" in text  # the team
    assert "R001" in text and "R008" in text  # every checklist item
    assert "备份记录1-1.pdf" in text  # PDF evidence listed by name
    assert inspection.orders.first().number in text
    reader = PdfReader(io.BytesIO(content))
    assert any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)  # thumbnails embedded
    status = signing.verify_pdf(content, organisation=fuzhou_dept)
    assert status["ok"] and status["signer"] == "福州市卫生健康委员会"
    assert report_services.report_number(report) in status["reason"]
    assert not signing.verify_pdf(content, organisation=xiamen_dept)["ok"]
    assert not signing.verify_pdf(content)["ok"]  # not the portal's seal either
    assert len(report_files(settings)) == 1


def test_ready_report_is_never_rendered_again(inspection, monkeypatch, settings):
    report = issue(inspection)
    report_services.report_render(report.pk)
    report.refresh_from_db()
    before = (report.sha256, report.file.name, report.rendered_at)

    def must_not_render(*args, **kwargs):
        raise AssertionError("a ready report was rendered again")

    monkeypatch.setattr(report_services, "report_pdf", must_not_render)
    assert report_services.report_render(report.pk) == "ready"
    report.refresh_from_db()
    assert (report.sha256, report.file.name, report.rendered_at) == before
    assert report_services.report_render(10 ** 9) == "missing"
    assert len(report_files(settings)) == 1


def test_failed_rendering_is_marked_failed_and_never_ready_with_a_file(inspection, monkeypatch, settings):
    report = issue(inspection)

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint ran out of fonts")

    monkeypatch.setattr("apps.core.pdf.render_pdf", broken)
    with pytest.raises(RuntimeError):
        report_services.report_render(report.pk)
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.FAILED and report.attempts == 1
    assert report.last_error == "RuntimeError: WeasyPrint ran out of fonts"
    assert not report.file and not report.sha256 and report.page_count is None and not report.signed
    assert report_files(settings) == []
    with pytest.raises(RuntimeError):
        report_services.report_render(report.pk)  # a retry that fails again
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.FAILED and report.attempts == 2


def test_failure_while_signing_stores_nothing(inspection, monkeypatch, settings):
    report = issue(inspection)

    def no_key(*args, **kwargs):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("No signing key for department")

    monkeypatch.setattr(signing, "sign_pdf", no_key)
    with pytest.raises(Exception, match="No signing key"):
        report_services.report_render(report.pk)
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.FAILED and not report.file
    assert report_files(settings) == []


def test_failure_while_storing_leaves_the_report_not_ready(inspection, monkeypatch, settings):
    """The file is saved inside the transaction that marks the report ready: if that transaction fails, the
    report is not ready."""
    report = issue(inspection)
    from apps.core import history

    real = history.save_tracked

    def failing_save(obj, **kwargs):
        if isinstance(obj, InspectionReport) and obj.status == InspectionReport.Status.READY:
            raise RuntimeError("database went away")
        return real(obj, **kwargs)

    monkeypatch.setattr(report_services, "save_tracked", failing_save)
    with pytest.raises(RuntimeError):
        report_services.report_render(report.pk)
    report.refresh_from_db()
    assert report.status != InspectionReport.Status.READY and not report.file and not report.sha256
    assert report_files(settings) == []  # the file written in the rolled-back transaction is removed


def test_failure_inside_a_task_is_retried_with_backoff(inspection, monkeypatch):
    """In a Celery task a failure marks the report failed and asks Celery to retry, the delay doubling."""
    report = issue(inspection)
    monkeypatch.setattr("apps.core.pdf.render_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    retried = {}

    class Request:
        retries = 2

    class Task:
        request = Request()

        def retry(self, exc, countdown, max_retries):
            retried.update(exc=exc, countdown=countdown, max_retries=max_retries)
            return RuntimeError("retry")

    monkeypatch.setattr(report_services, "_current_task", lambda: Task())
    with pytest.raises(RuntimeError, match="retry"):
        report_services.report_render(report.pk)
    assert retried["countdown"] == 240 and retried["max_retries"] == report_services.RENDER_MAX_RETRIES
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.FAILED and report.last_error == "OSError: disk full"


def test_ready_report_notifies_the_team_and_the_institution(inspection, institution, fuzhou_dept,
                                                            django_capture_on_commit_callbacks):
    reader = make_user(institution.organisation, "institution_admin")
    outsider = make_user(make_institution("350102").organisation, "institution_admin")
    bystander = make_user(fuzhou_dept, "inspector")
    report = issue(inspection)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_render(report.pk)
    team = [member.user for member in inspection.team.all()]
    notified = set(Notification.objects.filter(url__contains=f"/reports/{report.pk}/").values_list("recipient_id", flat=True))
    assert notified == {reader.pk, *(user.pk for user in team)}
    assert outsider.pk not in notified and bystander.pk not in notified


def test_report_in_english_when_issued_in_english(inspection, fuzhou_dept):
    report = issue(inspection)
    InspectionReport.objects.filter(pk=report.pk).update(language="en")
    report_services.report_render(report.pk)
    report.refresh_from_db()
    text = pdf_text(read(report))
    assert "InspectionReport" in text and "Checklistresults" in text and "Section" in text


# --- requeue -------------------------------------------------------------------------------------------------


def _failed(inspection) -> InspectionReport:
    report = issue(inspection)
    InspectionReport.objects.filter(pk=report.pk).update(status=InspectionReport.Status.FAILED, attempts=6,
                                                         last_error="RuntimeError: x")
    report.refresh_from_db()
    return report


def test_team_or_department_requeues_a_failed_report(inspection, fuzhou_dept, _no_broker,
                                                     django_capture_on_commit_callbacks):
    report = _failed(inspection)
    _no_broker.clear()
    member = inspection.team.get(role="member").user
    with django_capture_on_commit_callbacks(execute=True):
        again = report_services.report_requeue(report, by=member)
    assert again.status == InspectionReport.Status.PENDING and [args[0] for args in _no_broker] == [(report.pk,)]
    with pytest.raises(errors.TransitionNotAllowed):
        report_services.report_requeue(again, by=member)  # pending: nothing to retry
    InspectionReport.objects.filter(pk=report.pk).update(status=InspectionReport.Status.FAILED)
    head = make_user(fuzhou_dept, "department_head")
    assert report_services.report_requeue(report, by=head).status == InspectionReport.Status.PENDING


def test_institution_and_other_departments_cannot_requeue(inspection, institution, xiamen_dept):
    report = _failed(inspection)
    with pytest.raises(errors.PermissionDenied):  # it sees its report, but may not ask for it again
        report_services.report_requeue(report, by=make_user(institution.organisation, "institution_admin"))
    with pytest.raises(errors.NotFound):
        report_services.report_requeue(report, by=make_user(xiamen_dept, "department_head"))
    with pytest.raises(errors.NotFound):
        report_services.report_requeue(report, by=make_user(make_institution("350102").organisation,
                                                            "institution_admin"))
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.FAILED


def test_visibility_of_reports(inspection, institution, fuzhou_dept, xiamen_dept):
    report = issue(inspection)
    fujian = department("350000", "provincial", "福建省卫生健康委员会")
    outside_member = make_user(xiamen_dept, "inspector")  # on the team, from another jurisdiction
    from apps.inspections.models import TeamMember

    TeamMember.objects.create(inspection=inspection, user=outside_member)
    for user in (make_user(fuzhou_dept, "auditor"), make_user(fujian, "reviewer"), outside_member,
                 make_user(institution.organisation, "institution_admin")):
        assert report_services.reports_visible(user).filter(pk=report.pk).exists(), user
    for user in (make_user(xiamen_dept, "department_head"), make_user(fuzhou_dept, "standards_officer"),
                 make_user(make_institution("350102").organisation, "institution_admin")):
        assert not report_services.reports_visible(user).filter(pk=report.pk).exists(), user


# --- verification --------------------------------------------------------------------------------------------


@pytest.fixture
def ready(inspection):
    report = issue(inspection)
    report_services.report_render(report.pk)
    report.refresh_from_db()
    return report


def test_verify_by_code_says_genuine_without_personal_data_SUP_5(ready, inspection):
    result = report_services.report_verify(code=report_services.format_code(ready.verification_code).lower())
    assert result["genuine"] and result["unchanged"] and result["file_matches"] and result["signature"]["ok"]
    assert result["number"] == report_services.report_number(ready) and result["sha256"] == ready.sha256
    assert result["institution"] == "福州市第一人民医院" and result["department"] == "福州市卫生健康委员会"
    assert result["signature"]["signer"] == "福州市卫生健康委员会" and result["page_count"] == ready.page_count
    names = [member.user.full_name for member in inspection.team.all()]
    assert names and not any(name in repr(result) for name in names)


def test_verify_by_uploaded_file(ready):
    content = read(ready)
    result = report_services.report_verify(content=content)
    assert result["genuine"] and result["unchanged"] and result["uploaded_sha256"] == ready.sha256
    assert result["number"] == report_services.report_number(ready)


def test_tampered_file_verifies_as_changed(ready):
    content = read(ready)
    changed = bytearray(content)
    position = len(content) // 3  # inside the signed range
    changed[position] = (changed[position] + 1) % 256
    result = report_services.report_verify(content=bytes(changed))
    assert result is not None and not result["genuine"] and result["unchanged"] is False
    assert result["file_matches"] is False and not result["signature"]["intact"]
    assert result["number"] == report_services.report_number(ready)
    appended = report_services.report_verify(content=content + b"\n% appended\n")
    assert not appended["genuine"] and appended["unchanged"] is False
    assert not appended["signature"]["covers_whole_file"] and appended["signature"]["intact"]


def test_stored_file_changed_on_disk_is_reported(ready):
    path = ready.file.path
    with open(path, "ab") as handle:
        handle.write(b"\n% tampered on the server\n")
    result = report_services.report_verify(code=ready.verification_code)
    assert not result["genuine"] and result["file_matches"] is False and result["unchanged"] is False


def test_pending_report_verifies_as_pending(inspection):
    report = issue(inspection)
    result = report_services.report_verify(code=report.verification_code)
    assert result["status"] == "pending" and not result["genuine"] and result["sha256"] == ""


def test_unknown_codes_and_files_are_limited_per_client(db, fuzhou_dept):
    from apps.core.pdf import render_pdf

    stranger = signing.sign_pdf(render_pdf("pdf/base.html", {}), reason="检查报告 JC-X-R")
    assert report_services.report_verify(content=stranger, client_key="10.0.0.9") is None
    for _index in range(report_services.VERIFICATION_MISSES_PER_HOUR - 1):
        assert report_services.report_verify(code="ABCD-EFGH-JKMN-PQRS", client_key="10.0.0.9") is None
    with pytest.raises(report_services.VerificationThrottled):
        report_services.report_verify(code="ABCD-EFGH-JKMN-PQRS", client_key="10.0.0.9")
    assert report_services.report_verify(code="nonsense", client_key="10.0.0.10") is None  # another client


def test_uploads_are_checked_before_anything_is_read(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def refusal(upload) -> str:
        with pytest.raises(errors.ValidationFailed) as caught:
            report_services.verification_upload_read(upload)
        return " ".join(caught.value.field_errors["file"])

    assert "is not a PDF file" in refusal(SimpleUploadedFile("report.pdf", b"\x89PNG\r\n\x1a\n...."))
    assert "is empty" in refusal(SimpleUploadedFile("report.pdf", b""))
    assert "Choose the PDF file" in refusal(None)
    big = SimpleUploadedFile("report.pdf", b"%PDF-1.7\n" + b"0" * report_services.VERIFY_UPLOAD_MAX_BYTES)
    assert "the largest file that can be checked is 20" in refusal(big)
    assert report_services.verification_upload_read(SimpleUploadedFile("r.pdf", b"%PDF-1.7\n%%EOF")).startswith(b"%PDF")
