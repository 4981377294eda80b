"""Letter download, public verification pages and the letters API (SVC-2, SVC-5, SUP-5, SEC-4)."""

import pytest

from apps.catalog.models import DecisionLetter
from apps.catalog.services import letters as letter_services
from apps.core import policy
from apps.core.models import AccessRecord
from tests.catalog.factories import provider_institution
from tests.catalog.letters_factories import Scenario
from tests.conftest import login_verified, make_user
from tests.factories import department


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from apps.catalog.tasks import render_letter

    sent = []
    monkeypatch.setattr(render_letter, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


@pytest.fixture
def approved(db, fuzhou):
    return Scenario(fuzhou)


@pytest.fixture
def letter(approved):
    issued = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    letter_services.letter_render(issued.pk)
    issued.refresh_from_db()
    return issued


def _download(client, user, letter):
    if user is not None:
        login_verified(client, user)
    return client.get(f"/catalog/letters/{letter.pk}/")


# --- who may download (SEC-4) ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["applicant_admin", "co_applicant", "provider_admin", "department_reviewer"])
def test_parties_and_the_jurisdiction_download_the_letter_audited_SUP_5(client, approved, letter, who):
    user = getattr(approved, who)
    response = _download(client, user, letter)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert f"{approved.application.number}-A.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    record = AccessRecord.objects.get(object_type="catalog.decisionletter", object_id=str(letter.pk))
    assert record.user == user and record.action == "download"


def test_the_applicants_department_downloads_too(client, letter, xiamen):
    assert _download(client, make_user(xiamen, "inspector"), letter).status_code == 200


def test_a_recipient_of_another_institution_granted_the_application(client, approved, letter):
    partner, _admin = provider_institution("350102")
    researcher = make_user(partner.organisation, "submitter")
    assert _download(client, researcher, letter).status_code == 404
    policy.grant(researcher, "catalog.view_sharingapplication", approved.application)
    assert _download(client, researcher, letter).status_code == 200


@pytest.mark.parametrize("outsider", ["other_institution", "other_department"])
def test_others_get_404_and_nothing_is_recorded(client, letter, outsider):
    if outsider == "other_institution":
        user = provider_institution("350102")[1]
    else:
        user = make_user(department("440100", "municipal"), "reviewer")
    assert _download(client, user, letter).status_code == 404
    assert client.get(f"/api/v1/catalog/letters/{letter.pk}/download/").status_code == 404
    assert not AccessRecord.objects.filter(object_type="catalog.decisionletter").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, letter):
    response = client.get(f"/catalog/letters/{letter.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/api/v1/catalog/letters/{letter.pk}/download/").status_code in (401, 403)
    assert not AccessRecord.objects.exists()


def test_a_letter_being_produced_or_failed(client, approved):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    login_verified(client, approved.applicant_admin)
    page = client.get(f"/catalog/letters/{letter.pk}/")
    assert page.status_code == 200 and b'data-testid="letter-pending"' in page.content
    DecisionLetter.objects.filter(pk=letter.pk).update(status=DecisionLetter.Status.FAILED)
    page = client.get(f"/catalog/letters/{letter.pk}/")
    assert b'data-testid="letter-failed"' in page.content
    response = client.post(f"/catalog/letters/{letter.pk}/produce/")
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.PENDING
    again = client.post(f"/catalog/letters/{letter.pk}/produce/", follow=True)  # not failed any more
    assert "Only a letter whose production failed" in again.content.decode()
    assert not AccessRecord.objects.exists()


# --- public verification (SVC-5) -------------------------------------------------------------------------


def _personal_names(approved) -> list[str]:
    return [person.full_name for person in (approved.co_applicant, approved.applicant_admin,
                                            approved.department_reviewer, approved.provider_reviewer)]


def test_anyone_verifies_a_letter_without_seeing_personal_data_SVC_5(client, approved, letter):
    form = client.get("/catalog/verify/")
    assert form.status_code == 200 and b'data-testid="verify-form"' in form.content
    printed = letter_services.format_code(letter.verification_code)
    response = client.get("/catalog/verify/", {"code": printed.lower()}, follow=True)
    assert response.redirect_chain[-1][0] == f"/catalog/verify/{letter.verification_code}/"
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="verify-ok"' in page
    assert f"{approved.application.number}-A" in page and approved.applicant.name in page
    assert letter.sha256 in page and approved.fuzhou.name in page
    for name in _personal_names(approved):
        assert name not in page


def test_an_unknown_code_gets_a_friendly_404_with_the_form(client, letter):
    response = client.get("/catalog/verify/ABCD-EFGH-JKMN-PQRS/")
    page = response.content.decode()
    assert response.status_code == 404 and 'data-testid="verify-unknown"' in page
    assert 'data-testid="verify-form"' in page and "ABCD-EFGH-JKMN-PQRS" in page


def test_an_empty_code_is_a_form_error(client):
    response = client.get("/catalog/verify/", {"code": " - "})
    assert response.status_code == 200 and "Type the code printed on the letter." in response.content.decode()


def test_a_changed_stored_letter_is_reported(client, letter):
    with open(letter.file.path, "r+b") as handle:
        handle.seek(2000)
        byte = handle.read(1)
        handle.seek(2000)
        handle.write(bytes([byte[0] ^ 0x01]))
    page = client.get(f"/catalog/verify/{letter.verification_code}/").content.decode()
    assert 'data-testid="verify-broken"' in page and 'data-testid="verify-ok"' not in page


def test_guessing_codes_is_rate_limited(client, letter):
    for _ in range(letter_services.VERIFICATION_MISSES_PER_HOUR):
        assert client.get("/catalog/verify/ZZZZZZZZZZZZZZZZ/").status_code == 404
    response = client.get(f"/catalog/verify/{letter.verification_code}/")
    assert response.status_code == 429 and 'data-testid="verify-throttled"' in response.content.decode()
    assert client.get(f"/catalog/verify/{letter.verification_code}/", REMOTE_ADDR="10.1.2.3").status_code == 200


# --- the API -------------------------------------------------------------------------------------------------


def test_api_lists_visible_letters_and_downloads_them_audited(client, approved, letter):
    login_verified(client, approved.provider_admin)
    body = client.get("/api/v1/catalog/letters/").json()
    assert [row["id"] for row in body["results"]] == [letter.pk]
    row = body["results"][0]
    assert row["number"] == f"{approved.application.number}-A" and row["status"] == "ready"
    assert row["verification_url"].endswith(f"/catalog/verify/{letter.verification_code}/")
    assert row["download_url"].endswith(f"/api/v1/catalog/letters/{letter.pk}/download/")
    response = client.get(row["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AccessRecord.objects.filter(object_type="catalog.decisionletter", user=approved.provider_admin).count() == 1
    assert client.get("/api/v1/catalog/letters/", {"kind": "refusal"}).json()["results"] == []


def test_api_hides_other_institutions_letters(client, letter):
    login_verified(client, provider_institution("350203")[1])
    assert client.get("/api/v1/catalog/letters/").json()["results"] == []


def test_api_verification_is_public_and_impersonal(client, approved, letter):
    response = client.get(f"/api/v1/catalog/verify/{letter_services.format_code(letter.verification_code)}/")
    body = response.json()
    assert response.status_code == 200 and body["number"] == f"{approved.application.number}-A"
    assert body["signature"]["ok"] is True and body["file_matches"] is True and body["sha256"] == letter.sha256
    for name in _personal_names(approved):
        assert name not in response.content.decode()
    missing = client.get("/api/v1/catalog/verify/ZZZZZZZZZZZZZZZZ/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_application_page_partial_lists_the_letters(approved, letter):
    from django.template.loader import render_to_string

    letters = letter_services.letters_for_application(approved.application)
    html = render_to_string("catalog/letters/_application_letters.html", {"letters": letters})
    assert f"/catalog/letters/{letter.pk}/" in html and f"{approved.application.number}-A" in html
    assert letter_services.format_code(letter.verification_code) in html


def test_api_guessing_is_limited_too(client, letter):
    for _ in range(letter_services.VERIFICATION_MISSES_PER_HOUR):
        assert client.get("/api/v1/catalog/verify/ZZZZZZZZZZZZZZZZ/").status_code == 404
    response = client.get(f"/api/v1/catalog/verify/{letter.verification_code}/")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
