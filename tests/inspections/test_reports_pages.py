"""The report's pages (SUP-5, SEC-4): progress while produced, error and retry when failed, audited download when
ready; who may see and retry what."""

import pytest

from apps.core.models import AccessRecord
from apps.inspections.models import InspectionReport
from apps.inspections.services import reports as report_services
from tests.conftest import login_verified
from tests.inspections.reports_factories import ReportScenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = ""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from apps.inspections.tasks import render_report

    sent = []
    monkeypatch.setattr(render_report, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


@pytest.fixture
def scene():
    return ReportScenario(items=6, findings=1)


def url(name, report):
    return f"/inspections/reports/{report.pk}/" + {"detail": "", "download": "download/", "retry": "retry/"}[name]


def test_pending_report_polls_itself_every_two_seconds_and_shows_progress(client, scene):
    login_verified(client, scene.member)
    page = client.get(url("detail", scene.report))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="report-pending"' in html
    assert 'hx-trigger="every 2s"' in html and f'hx-get="/inspections/reports/{scene.report.pk}/"' in html
    assert 'data-testid="report-progress"' in html and 'value="5"' in html
    assert "福州市第一人民医院" in html and report_services.report_number(scene.report) in html
    report_services._set_stage(scene.report.pk, "signing")
    partial = client.get(url("detail", scene.report), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="report-status"' in partial
    assert "Signing the report with the department" in partial and 'value="75"' in partial


def test_ready_report_page_stops_polling_and_offers_the_download(client, scene):
    report = scene.render()
    login_verified(client, scene.lead)
    partial = client.get(url("detail", report), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and 'data-testid="report-ready"' in partial
    assert report.sha256 in partial and report_services.format_code(report.verification_code) in partial
    assert f"/inspections/reports/{report.pk}/download/" in partial


def test_download_is_audited_and_only_for_a_ready_report_SUP_5(client, scene):
    login_verified(client, scene.institution_user)
    pending = client.get(url("download", scene.report))
    assert pending.status_code == 302 and pending.url == url("detail", scene.report)
    report = scene.render()
    response = client.get(url("download", report))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == scene.content()
    assert f'filename="{report_services.report_number(report)}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    record = AccessRecord.objects.get(object_type="inspections.inspectionreport", object_id=str(report.pk))
    assert record.user == scene.institution_user


def test_failed_report_shows_the_error_and_a_retry_to_the_team_only(client, scene, _no_broker,
                                                                   django_capture_on_commit_callbacks):
    report = scene.fail()
    login_verified(client, scene.lead)
    html = client.get(url("detail", report)).content.decode()
    assert 'data-testid="report-failed"' in html and "WeasyPrint could not load the font" in html
    assert 'data-testid="report-retry"' in html and "hx-trigger" not in html
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("retry", report), follow=True)
    assert response.status_code == 200 and "being produced again" in response.content.decode()
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.PENDING
    assert [args[0] for args in _no_broker] == [(report.pk,)]
    again = client.post(url("retry", report), follow=True)  # pending: nothing to retry
    assert "Only a report whose production failed" in again.content.decode()
    assert client.get(url("retry", report)).status_code == 405


def test_institution_sees_its_failed_report_but_neither_the_error_nor_a_retry(client, scene):
    report = scene.fail()
    login_verified(client, scene.institution_user)
    html = client.get(url("detail", report)).content.decode()
    assert 'data-testid="report-failed"' in html
    assert "WeasyPrint" not in html and 'data-testid="report-retry"' not in html
    assert client.post(url("retry", report)).status_code == 403
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.FAILED


@pytest.mark.parametrize("who", ["other_institution_user", "outsider"])
def test_other_institutions_and_departments_get_404(client, scene, who):
    report = scene.render()
    scene.fail()
    login_verified(client, getattr(scene, who))
    for name in ("detail", "download"):
        assert client.get(url(name, report)).status_code == 404
    assert client.post(url("retry", report)).status_code == 404
    assert not AccessRecord.objects.filter(object_type="inspections.inspectionreport").exists()


def test_higher_department_reads_and_retries(client, scene):
    report = scene.fail()
    login_verified(client, scene.provincial_reviewer)
    assert client.get(url("detail", report)).status_code == 200
    assert client.post(url("retry", report)).status_code == 302
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.PENDING


def test_anonymous_gets_only_the_public_verify_page(client, scene):
    report = scene.render()
    for name in ("detail", "download"):
        response = client.get(url(name, report))
        assert response.status_code == 302 and "login" in response.url
    assert client.post(url("retry", report)).status_code == 302
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.READY
    assert client.get("/inspections/verify/").status_code == 200
    assert client.get(f"/inspections/verify/{report.verification_code}/").status_code == 200
    assert not AccessRecord.objects.exists()


def test_page_fits_a_tablet(client, scene):
    """Definition lists collapse on narrow screens (col-sm), long hashes break (text-break)."""
    report = scene.render()
    login_verified(client, scene.lead)
    html = client.get(url("detail", report)).content.decode()
    assert "<table" not in html and "text-break" in html and "col-sm-4" in html


def test_institution_lists_its_own_reports_only_SUP_5(client, scene, django_assert_max_num_queries):
    """"Our inspection reports": the inspected institution sees its report; another institution sees none, and
    department users are sent away (404) — their lists are the inspections' pages."""
    report = scene.render()
    other = ReportScenario(items=2, findings=0)
    login_verified(client, scene.institution_user)
    with django_assert_max_num_queries(12):
        page = client.get("/inspections/reports/mine/")
    html = page.content.decode()
    assert page.status_code == 200 and report_services.report_number(report) in html
    assert report_services.report_number(other.report) not in html
    assert f"/inspections/reports/{report.pk}/download/" in html
    client.logout()
    login_verified(client, scene.other_institution_user)
    html = client.get("/inspections/reports/mine/").content.decode()
    assert report_services.report_number(report) not in html and "No inspection reports yet." in html
    client.logout()
    login_verified(client, scene.lead)
    assert client.get("/inspections/reports/mine/").status_code == 404
