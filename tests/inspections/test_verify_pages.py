"""Public verification of inspection reports (SUP-5): by code or by uploading the PDF; genuine, changed or unknown;
no personal data; bad uploads refused; unknown codes and files limited per address."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core import signing
from apps.core.pdf import render_pdf
from apps.inspections.services import reports as report_services
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

    monkeypatch.setattr(render_report, "apply_async", lambda *args, **kwargs: None)


@pytest.fixture
def scene():
    scene = ReportScenario(items=5, findings=1)
    scene.render()
    return scene


def upload(client, content: bytes, name="报告.pdf"):
    return client.post("/inspections/verify/", {"file": SimpleUploadedFile(name, content, "application/pdf")})


def team_names(scene) -> list[str]:
    return [member.user.full_name for member in scene.inspection.team.select_related("user")]


def test_code_typed_in_the_form_leads_to_its_result(client, scene):
    printed = report_services.format_code(scene.report.verification_code).lower()
    response = client.get("/inspections/verify/", {"code": printed})
    assert response.status_code == 302 and response.url == f"/inspections/verify/{scene.report.verification_code}/"
    posted = client.post("/inspections/verify/", {"code": printed})
    assert posted.status_code == 302 and posted.url == response.url


def test_result_by_code_says_genuine_without_personal_data_SUP_5(client, scene):
    html = client.get(f"/inspections/verify/{scene.report.verification_code}/").content.decode()
    assert 'data-testid="verify-ok"' in html and scene.report.sha256 in html
    assert "福州市第一人民医院" in html and "福州市卫生健康委员会" in html
    assert report_services.report_number(scene.report) in html
    assert not any(name in html for name in team_names(scene))


def test_uploaded_genuine_report_is_confirmed(client, scene):
    response = upload(client, scene.content())
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="verify-ok"' in html
    assert "Your file is a genuine, unchanged report" in html
    assert not any(name in html for name in team_names(scene))


def test_uploaded_changed_report_is_reported_as_changed(client, scene):
    content = bytearray(scene.content())
    content[len(content) // 2] ^= 0x01
    html = upload(client, bytes(content)).content.decode()
    assert 'data-testid="verify-changed"' in html and "The signed content has been changed" in html
    appended = upload(client, scene.content() + b"%% appended").content.decode()
    assert 'data-testid="verify-changed"' in appended and "Content was added after signing" in appended


def test_unknown_code_and_foreign_file(client, scene):
    response = client.get("/inspections/verify/ABCDEFGHJKMNPQRS/")
    assert response.status_code == 404 and 'data-testid="verify-unknown"' in response.content.decode()
    foreign = signing.sign_pdf(render_pdf("pdf/base.html", {}), reason="检查报告 JC-1-R")
    response = upload(client, foreign)
    assert response.status_code == 404 and 'data-testid="verify-unknown-file"' in response.content.decode()


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"\x89PNG\r\n\x1a\n0000", "报告.pdf", "is not a PDF file"),
    (b"MZ\x90\x00 an executable", "report.pdf", "is not a PDF file"),
    (b"", "report.pdf", "is empty"),
])
def test_bad_uploads_get_a_clear_message(client, scene, content, name, message):
    response = upload(client, content, name)
    assert response.status_code == 400 and message in response.content.decode()


def test_empty_form_and_oversized_upload(client, scene, settings):
    response = client.post("/inspections/verify/", {})
    assert response.status_code == 400 and "Type the verification code or choose" in response.content.decode()
    big = client.post("/inspections/verify/", {"code": "x"}, CONTENT_LENGTH=str(30 * 1024 * 1024))
    assert big.status_code == 413 and "the largest file that can be checked is 20 MB" in big.content.decode()


def test_too_many_unknown_codes_are_throttled(client, scene):
    for _index in range(report_services.VERIFICATION_MISSES_PER_HOUR):
        assert client.get("/inspections/verify/ABCDEFGHJKMNPQRS/").status_code == 404
    response = client.get(f"/inspections/verify/{scene.report.verification_code}/")
    assert response.status_code == 429 and 'data-testid="verify-throttled"' in response.content.decode()
    assert upload(client, scene.content()).status_code == 429
