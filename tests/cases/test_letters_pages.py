"""The decision's page and its letter (SUP-5, SEC-4): progress while produced, error and retry when failed, an
audited download when ready; who may see and retry what; the same under /api/v1/cases/decisions/<id>/letter/."""

import pytest

from apps.cases.models import Decision
from apps.cases.services import letters
from apps.core.models import AccessRecord
from tests.cases.factories import scene
from tests.cases.test_letter_scene import PARTY_NAME, read, rendered, rich_decision
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = ""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from apps.cases.tasks import render_decision_letter

    sent = []
    monkeypatch.setattr(render_decision_letter, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


@pytest.fixture
def s():
    return scene()


@pytest.fixture
def decision(s):
    return rich_decision(s)


def page(name, decision):
    return f"/cases/decisions/{decision.pk}/" + {"detail": "", "progress": "letter/progress/",
                                                 "download": "letter.pdf", "retry": "letter/retry/"}[name]


def api(name, decision):
    return f"/api/v1/cases/decisions/{decision.pk}/letter/" + {"detail": "", "download": "download/",
                                                               "retry": "retry/"}[name]


def fail(decision, error="RuntimeError: WeasyPrint could not load the font"):
    Decision.objects.filter(pk=decision.pk).update(letter_status=Decision.LetterStatus.FAILED, attempts=6,
                                                   last_error=error)
    decision.refresh_from_db()
    return decision


# --- pages ---------------------------------------------------------------------------------------------------


def test_pending_letter_polls_its_progress_every_two_seconds(client, s, decision):
    login_verified(client, s.officer)
    response = client.get(page("detail", decision))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="letter-pending"' in html
    assert 'hx-trigger="every 2s"' in html and f'hx-get="{page("progress", decision)}"' in html
    assert 'data-testid="letter-progress"' in html and 'value="5"' in html
    assert decision.number in html and s.institution.name in html and PARTY_NAME in html
    letters._set_stage(decision.pk, "signing")
    partial = client.get(page("progress", decision)).content.decode()
    assert "<html" not in partial and 'id="letter-status"' in partial
    assert "Signing the letter with the department" in partial and 'value="75"' in partial


def test_ready_letter_stops_polling_and_offers_the_download(client, s, decision):
    rendered(decision)
    login_verified(client, s.admin)
    partial = client.get(page("progress", decision)).content.decode()
    assert "hx-trigger" not in partial and 'data-testid="letter-ready"' in partial
    assert decision.sha256 in partial and letters.format_code(decision.verification_code) in partial
    assert page("download", decision) in partial and f"/cases/verify/{decision.verification_code}/" in partial


def test_download_is_audited_once_and_only_for_a_ready_letter_SUP_5(client, s, decision):
    login_verified(client, s.admin)
    pending = client.get(page("download", decision))
    assert pending.status_code == 302 and pending.url == page("detail", decision)
    rendered(decision)
    response = client.get(page("download", decision))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == read(decision)
    assert f'filename="{decision.number}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    records = AccessRecord.objects.filter(object_type="cases.decision", object_id=str(decision.pk))
    assert [record.user for record in records] == [s.admin]


def test_failed_letter_shows_the_error_and_a_retry_to_the_department_only(client, s, decision, _no_broker,
                                                                         django_capture_on_commit_callbacks):
    fail(decision)
    login_verified(client, s.admin)
    html = client.get(page("detail", decision)).content.decode()
    assert 'data-testid="letter-failed"' in html and "WeasyPrint" not in html and "letter-retry" not in html
    assert client.post(page("retry", decision)).status_code == 403
    client.logout()
    login_verified(client, s.officer)
    html = client.get(page("detail", decision)).content.decode()
    assert 'data-testid="letter-error"' in html and "WeasyPrint could not load the font" in html
    assert 'data-testid="letter-retry"' in html
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("retry", decision), follow=True)
    assert response.redirect_chain[-1][0] == page("detail", decision)
    assert "The decision letter is being produced again." in response.content.decode()
    assert [args[0] for args in _no_broker] == [(decision.pk,)]
    decision.refresh_from_db()
    assert decision.letter_status == Decision.LetterStatus.PENDING
    again = client.post(page("retry", decision), follow=True).content.decode()
    assert "Only a letter whose production failed can be produced again." in again


@pytest.mark.parametrize("who", ["other_admin", "other_city_head", "steward"])
def test_outsiders_get_404(client, s, decision, who):
    fail(decision)
    login_verified(client, getattr(s, who))
    for name in ("detail", "progress", "download"):
        assert client.get(page(name, decision)).status_code == 404
    assert client.post(page("retry", decision)).status_code == 404
    decision.refresh_from_db()
    assert decision.letter_status == Decision.LetterStatus.FAILED


def test_institution_sees_its_decision_only_once_notified(client, s, decision):
    """The policy's owner filter: a case not yet notified is not disclosed to its subject."""
    login_verified(client, s.admin)
    assert client.get(page("detail", decision)).status_code == 200
    type(decision.case).objects.filter(pk=decision.case_id).update(notified_at=None)
    assert client.get(page("detail", decision)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, decision):
    response = client.get(page("detail", decision))
    assert response.status_code == 302 and "/accounts/" in response.url


# --- API -----------------------------------------------------------------------------------------------------


def test_api_shows_the_state_to_the_department_and_the_institution(client, s, decision):
    login_verified(client, s.officer)
    body = client.get(api("detail", decision)).json()
    assert body["letter_status"] == "pending" and body["stage"] == "queued" and body["progress"] == 5
    assert body["number"] == decision.number and body["download_url"] is None
    assert body["institution"] == s.institution.name and body["department_name"] == "福州市卫生健康委员会"
    rendered(decision)
    body = client.get(api("detail", decision)).json()
    assert body["letter_status"] == "ready" and body["sha256"] == decision.sha256 and body["progress"] == 100
    assert body["page_count"] == decision.page_count and body["download_url"].endswith(api("download", decision))
    client.logout()
    fail(decision, "OSError: /srv/portal/media is full")
    login_verified(client, s.admin)
    body = client.get(api("detail", decision)).json()
    assert body["letter_status"] == "failed" and body["last_error"] == "" and body["may_retry"] is False


def test_api_download_is_audited_and_404_until_ready(client, s, decision):
    login_verified(client, s.admin)
    assert client.get(api("download", decision)).status_code == 404
    rendered(decision)
    response = client.get(api("download", decision))
    assert response.status_code == 200 and b"".join(response.streaming_content) == read(decision)
    assert AccessRecord.objects.filter(object_type="cases.decision", object_id=str(decision.pk),
                                       user=s.admin).count() == 1


def test_api_retry_by_the_department_only_and_only_when_failed(client, s, decision, _no_broker,
                                                               django_capture_on_commit_callbacks):
    fail(decision)
    login_verified(client, s.admin)
    refused = client.post(api("retry", decision))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    client.logout()
    login_verified(client, s.head)
    body = client.get(api("detail", decision)).json()
    assert body["may_retry"] is True and "WeasyPrint" in body["last_error"]
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(api("retry", decision))
    assert response.status_code == 202 and response.json()["letter_status"] == "pending"
    assert [args[0] for args in _no_broker] == [(decision.pk,)]
    assert client.post(api("retry", decision)).status_code == 409


def test_api_outsiders_and_anonymous_are_refused(client, s, decision):
    for name in ("detail", "download"):
        assert client.get(api(name, decision)).status_code in (401, 403)
    login_verified(client, s.other_city_head)
    for name in ("detail", "download"):
        assert client.get(api(name, decision)).status_code == 404
    assert client.post(api("retry", decision)).status_code == 404
