"""Public verification of decision letters (SUP-5): by code or by uploading the PDF; genuine, changed (a byte
flipped, bytes appended, the stored file altered on the server) or unknown; no personal data; bad uploads
refused; unknown codes and files limited per address. Service, pages and API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cases.models import Decision
from apps.cases.services import letters
from apps.core import signing
from apps.core.pdf import render_pdf
from tests.cases.factories import scene
from tests.cases.test_letter_scene import DEFENCE_TEXT, FACTS, PARTY_NAME, read, rendered, rich_decision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = ""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from apps.cases.tasks import render_decision_letter

    monkeypatch.setattr(render_decision_letter, "apply_async", lambda *args, **kwargs: None)


@pytest.fixture
def s():
    return scene()


@pytest.fixture
def ready(s):
    return rendered(rich_decision(s, disclosed=False, disclose_persons=True))


def personal(s) -> list[str]:
    return [s.officer.full_name, s.head.full_name, s.admin.full_name, PARTY_NAME, DEFENCE_TEXT, FACTS]


def flipped(content: bytes) -> bytes:
    changed = bytearray(content)
    changed[len(content) // 3] ^= 0x01  # inside the signed range
    return bytes(changed)


def upload(client, content: bytes, name="决定书.pdf", url="/cases/verify/"):
    return client.post(url, {"file": SimpleUploadedFile(name, content, "application/pdf")})


# --- service ---------------------------------------------------------------------------------------------------


def test_verify_by_code_says_genuine_without_personal_data_SUP_5(s, ready):
    result = letters.letter_verify(code=letters.format_code(ready.verification_code).lower())
    assert result["genuine"] and result["unchanged"] and result["file_matches"] and result["signature"]["ok"]
    assert result["number"] == ready.number and result["sha256"] == ready.sha256 and result["source"] == "code"
    assert result["institution"] == s.institution.name and result["department"] == "福州市卫生健康委员会"
    assert result["signature"]["signer"] == "福州市卫生健康委员会" and result["page_count"] == ready.page_count
    assert result["decision_status"] == "in_force"
    assert not any(value in repr(result) for value in personal(s))


def test_verify_by_uploaded_file(ready):
    result = letters.letter_verify(content=read(ready))
    assert result["genuine"] and result["unchanged"] and result["uploaded_sha256"] == ready.sha256
    assert result["number"] == ready.number and result["source"] == "file"


def test_tampered_files_verify_as_changed_and_name_the_decision(ready):
    content = read(ready)
    result = letters.letter_verify(content=flipped(content))
    assert result is not None and not result["genuine"] and result["unchanged"] is False
    assert result["file_matches"] is False and not result["signature"]["intact"] and result["number"] == ready.number
    appended = letters.letter_verify(content=content + b"\n% appended\n")
    assert not appended["genuine"] and appended["unchanged"] is False and appended["number"] == ready.number
    assert not appended["signature"]["covers_whole_file"] and appended["signature"]["intact"]


def test_stored_file_altered_on_the_server_is_reported(ready):
    with open(ready.file.path, "ab") as handle:
        handle.write(b"\n% altered on the server\n")
    result = letters.letter_verify(code=ready.verification_code)
    assert not result["genuine"] and result["file_matches"] is False and result["unchanged"] is False


def test_stored_file_missing_is_reported(ready):
    ready.file.storage.delete(ready.file.name)
    result = letters.letter_verify(code=ready.verification_code)
    assert not result["genuine"] and result["file_matches"] is False


def test_letter_signed_by_another_department_is_not_genuine(s, ready):
    """A file signed with another department's key and naming the decision is not taken for its letter."""
    forged = signing.sign_pdf(render_pdf("pdf/base.html", {}), reason=f"决定书 {ready.number}",
                              organisation=s.other_city)
    assert letters.letter_verify(content=forged) is None  # its certificate is not the one the letter carries


def test_pending_and_quashed_decisions_verify_as_such(s, ready):
    pending = rich_decision(s)
    result = letters.letter_verify(code=pending.verification_code)
    assert result["status"] == "pending" and not result["genuine"] and result["sha256"] == ""
    Decision.objects.filter(pk=ready.pk).update(status=Decision.Status.QUASHED)
    quashed = letters.letter_verify(code=ready.verification_code)
    assert quashed["genuine"] and quashed["decision_status"] == "quashed"


def test_unknown_codes_and_files_are_limited_per_client(s):
    stranger = signing.sign_pdf(render_pdf("pdf/base.html", {}), reason="决定书 JD2020-000000-0001")
    assert letters.letter_verify(content=stranger, client_key="10.0.0.9") is None
    for _index in range(letters.VERIFICATION_MISSES_PER_HOUR - 1):
        assert letters.letter_verify(code="ABCD-EFGH-JKMN-PQRS", client_key="10.0.0.9") is None
    with pytest.raises(letters.VerificationThrottled):
        letters.letter_verify(code="ABCD-EFGH-JKMN-PQRS", client_key="10.0.0.9")
    assert letters.letter_verify(code="nonsense", client_key="10.0.0.10") is None  # another client


# --- pages -----------------------------------------------------------------------------------------------------


def test_code_typed_in_the_form_leads_to_its_result(client, ready):
    printed = letters.format_code(ready.verification_code).lower()
    response = client.get("/cases/verify/", {"code": printed})
    assert response.status_code == 302 and response.url == f"/cases/verify/{ready.verification_code}/"
    posted = client.post("/cases/verify/", {"code": printed})
    assert posted.status_code == 302 and posted.url == response.url


def test_result_page_by_code_says_genuine_without_personal_data(client, s, ready):
    html = client.get(f"/cases/verify/{ready.verification_code}/").content.decode()
    assert 'data-testid="verify-ok"' in html and ready.sha256 in html and ready.number in html
    assert s.institution.name in html and "福州市卫生健康委员会" in html
    assert not any(value in html for value in personal(s))


def test_uploaded_genuine_letter_is_confirmed(client, s, ready):
    html = upload(client, read(ready)).content.decode()
    assert 'data-testid="verify-ok"' in html and "Your file is a genuine, unchanged decision letter" in html
    assert not any(value in html for value in personal(s))


def test_uploaded_changed_letter_is_reported_as_changed(client, ready):
    html = upload(client, flipped(read(ready))).content.decode()
    assert 'data-testid="verify-changed"' in html and "The signed content has been changed" in html
    appended = upload(client, read(ready) + b"%% appended").content.decode()
    assert 'data-testid="verify-changed"' in appended and "Content was added after signing" in appended


def test_page_for_a_stored_file_altered_on_the_server(client, ready):
    with open(ready.file.path, "ab") as handle:
        handle.write(b"%x")
    html = client.get(f"/cases/verify/{ready.verification_code}/").content.decode()
    assert 'data-testid="verify-broken"' in html


def test_unknown_code_and_foreign_file(client, ready):
    response = client.get("/cases/verify/ABCDEFGHJKMNPQRS/")
    assert response.status_code == 404 and 'data-testid="verify-unknown"' in response.content.decode()
    foreign = signing.sign_pdf(render_pdf("pdf/base.html", {}), reason="决定书 JD1-1")
    response = upload(client, foreign)
    assert response.status_code == 404 and 'data-testid="verify-unknown-file"' in response.content.decode()


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n0000", "is not a PDF file"),
    (b"MZ\x90\x00 an executable", "is not a PDF file"),
    (b"", "is empty"),
])
def test_bad_uploads_get_a_clear_message(client, content, message):
    response = upload(client, content)
    assert response.status_code == 400 and message in response.content.decode()


def test_empty_form_and_oversized_upload(client):
    response = client.post("/cases/verify/", {})
    assert response.status_code == 400
    assert "Type the verification code or choose the decision letter" in response.content.decode()
    big = client.post("/cases/verify/", {"code": "x"}, CONTENT_LENGTH=str(30 * 1024 * 1024))
    assert big.status_code == 413 and "the largest file that can be checked is 20 MB" in big.content.decode()


def test_too_many_unknown_codes_are_throttled(client, ready):
    for _index in range(letters.VERIFICATION_MISSES_PER_HOUR):
        assert client.get("/cases/verify/ABCDEFGHJKMNPQRS/").status_code == 404
    response = client.get(f"/cases/verify/{ready.verification_code}/")
    assert response.status_code == 429 and 'data-testid="verify-throttled"' in response.content.decode()
    assert upload(client, read(ready)).status_code == 429


# --- API -------------------------------------------------------------------------------------------------------


def test_api_verifies_by_code_anonymously(client, s, ready):
    body = client.get(f"/api/v1/cases/verify/{ready.verification_code}/").json()
    assert body["genuine"] is True and body["source"] == "code" and body["signature"]["ok"] is True
    posted = client.post("/api/v1/cases/verify/", {"code": letters.format_code(ready.verification_code)})
    assert posted.status_code == 200 and posted.json()["number"] == ready.number
    assert not any(value in str(body) for value in personal(s))


def test_api_verifies_an_uploaded_file(client, s, ready):
    content = read(ready)
    body = upload(client, content, url="/api/v1/cases/verify/").json()
    assert body["genuine"] is True and body["unchanged"] is True and body["uploaded_sha256"] == ready.sha256
    changed = upload(client, flipped(content), url="/api/v1/cases/verify/")
    assert changed.status_code == 200 and changed.json()["genuine"] is False
    assert changed.json()["signature"]["intact"] is False


def test_api_refuses_bad_input_and_throttles_unknown_codes(client):
    not_pdf = upload(client, b"GIF89a....", url="/api/v1/cases/verify/")
    assert not_pdf.status_code == 400 and "is not a PDF file" in not_pdf.json()["error"]["fields"]["file"][0]
    nothing = client.post("/api/v1/cases/verify/", {})
    assert nothing.status_code == 400 and "code" in nothing.json()["error"]["fields"]
    for _index in range(letters.VERIFICATION_MISSES_PER_HOUR):
        assert client.get("/api/v1/cases/verify/ABCDEFGHJKMNPQRS/").status_code == 404
    assert client.get("/api/v1/cases/verify/ABCDEFGHJKMNPQRS/").status_code == 429
