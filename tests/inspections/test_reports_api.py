"""/api/v1/inspections/reports/ and /verify/ (SUP-5, SEC-4): the same services and scoping as the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

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
    return ReportScenario(items=5, findings=1)


def api(name, *args):
    return reverse(f"api:inspections-{name}", args=args)


def test_detail_shows_the_state_to_the_team_and_the_institution(client, scene):
    login_verified(client, scene.lead)
    body = client.get(api("report-detail", scene.report.pk)).json()
    assert body["status"] == "pending" and body["stage"] == "queued" and body["progress"] == 5
    assert body["number"] == report_services.report_number(scene.report) and body["download_url"] is None
    assert body["institution"] == "福州市第一人民医院" and body["department_name"] == "福州市卫生健康委员会"
    scene.render()
    body = client.get(api("report-detail", scene.report.pk)).json()
    assert body["status"] == "ready" and body["sha256"] == scene.report.sha256 and body["progress"] == 100
    assert body["page_count"] == scene.report.page_count and body["download_url"].endswith("/download/")
    client.logout()
    scene.fail("OSError: /srv/portal/media is full")
    login_verified(client, scene.institution_user)
    body = client.get(api("report-detail", scene.report.pk)).json()
    assert body["status"] == "failed" and body["last_error"] == "" and body["may_retry"] is False


def test_download_is_audited_and_404_until_ready(client, scene):
    login_verified(client, scene.institution_user)
    assert client.get(api("report-download", scene.report.pk)).status_code == 404
    scene.render()
    response = client.get(api("report-download", scene.report.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content) == scene.content()
    assert AccessRecord.objects.filter(object_type="inspections.inspectionreport",
                                       object_id=str(scene.report.pk), user=scene.institution_user).count() == 1


def test_retry_by_the_team_only_and_only_when_failed(client, scene, _no_broker, django_capture_on_commit_callbacks):
    scene.fail()
    login_verified(client, scene.institution_user)
    refused = client.post(api("report-retry", scene.report.pk))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    client.logout()
    login_verified(client, scene.member)
    body = client.get(api("report-detail", scene.report.pk)).json()
    assert body["may_retry"] is True and "WeasyPrint" in body["last_error"]
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(api("report-retry", scene.report.pk))
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert [args[0] for args in _no_broker] == [(scene.report.pk,)]
    assert client.post(api("report-retry", scene.report.pk)).status_code == 409


@pytest.mark.parametrize("who", ["other_institution_user", "outsider"])
def test_outsiders_get_404(client, scene, who):
    scene.fail()
    login_verified(client, getattr(scene, who))
    for name in ("report-detail", "report-download"):
        assert client.get(api(name, scene.report.pk)).status_code == 404
    assert client.post(api("report-retry", scene.report.pk)).status_code == 404
    scene.report.refresh_from_db()
    assert scene.report.status == InspectionReport.Status.FAILED


def test_anonymous_is_refused_the_report_but_may_verify(client, scene):
    scene.render()
    assert client.get(api("report-detail", scene.report.pk)).status_code in (401, 403)
    assert client.get(api("report-download", scene.report.pk)).status_code in (401, 403)
    assert client.post(api("report-retry", scene.report.pk)).status_code in (401, 403)
    body = client.get(api("verify-code", scene.report.verification_code)).json()
    assert body["genuine"] is True and body["source"] == "code" and body["signature"]["ok"] is True
    posted = client.post(api("verify"), {"code": report_services.format_code(scene.report.verification_code)})
    assert posted.status_code == 200 and posted.json()["number"] == report_services.report_number(scene.report)


def test_verify_by_multipart_file(client, scene):
    scene.render()
    content = scene.content()
    body = client.post(api("verify"), {"file": SimpleUploadedFile("r.pdf", content, "application/pdf")}).json()
    assert body["genuine"] is True and body["unchanged"] is True and body["uploaded_sha256"] == scene.report.sha256
    names = [member.user.full_name for member in scene.inspection.team.select_related("user")]
    assert not any(name in str(body) for name in names)
    changed = client.post(api("verify"), {"file": SimpleUploadedFile("r.pdf", content + b"%x", "application/pdf")})
    assert changed.status_code == 200 and changed.json()["genuine"] is False
    assert changed.json()["signature"]["covers_whole_file"] is False


def test_verify_refuses_bad_input(client, scene):
    not_pdf = client.post(api("verify"), {"file": SimpleUploadedFile("r.pdf", b"GIF89a....", "application/pdf")})
    assert not_pdf.status_code == 400 and "is not a PDF file" in not_pdf.json()["error"]["fields"]["file"][0]
    nothing = client.post(api("verify"), {})
    assert nothing.status_code == 400 and "code" in nothing.json()["error"]["fields"]
    assert client.get(api("verify-code", "ABCDEFGHJKMNPQRS")).status_code == 404
