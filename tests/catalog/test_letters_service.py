"""Decision letters (SVC-2, SVC-5, SUP-5): issued once per decision, rendered and signed once, verified publicly
without personal data."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from apps.catalog.models import DecisionLetter, RouteStep, SharingApplication
from apps.catalog.services import letters as letter_services
from apps.core import errors
from apps.core.signing import verify_pdf
from apps.notifications.models import Notification
from tests.catalog.letters_factories import (
    APPROVAL_CONDITIONS,
    MUNICIPAL_CONDITIONS,
    REFUSAL_REASON,
    Scenario,
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: the letter task is recorded, not sent."""
    from apps.catalog.tasks import render_letter

    sent = []
    monkeypatch.setattr(render_letter, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


@pytest.fixture
def approved(db, fuzhou):
    return Scenario(fuzhou, kind="approval")


@pytest.fixture
def refused(db, fuzhou):
    return Scenario(fuzhou, kind="refusal")


def _read(letter) -> bytes:
    with letter.file.open("rb") as handle:
        return handle.read()


# --- issuing -------------------------------------------------------------------------------------------------


def test_issue_creates_a_pending_letter_and_enqueues_it_after_commit_SVC_2(
        approved, _no_broker, django_capture_on_commit_callbacks):
    reviewer = approved.department_reviewer
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_services.letter_issue(approved.application, kind="approval", by=reviewer)
    assert letter.status == DecisionLetter.Status.PENDING and letter.language == "zh-hans"
    assert len(letter.verification_code) == 16
    assert set(letter.verification_code) <= set(letter_services.CODE_ALPHABET)
    assert not set(letter.verification_code) & set("01OIL")
    assert [args[0] for args in _no_broker] == [(letter.pk,)]
    assert letter.history.first().history_user == reviewer


def test_issue_is_idempotent_per_decision(approved, _no_broker, django_capture_on_commit_callbacks):
    by = approved.department_reviewer
    with django_capture_on_commit_callbacks(execute=True):
        first = letter_services.letter_issue(approved.application, kind="approval", by=by)
        again = letter_services.letter_issue(approved.application, kind="approval", by=by)
    assert first.pk == again.pk and first.verification_code == again.verification_code
    assert DecisionLetter.objects.filter(application=approved.application).count() == 1
    assert len(_no_broker) == 1


def test_codes_are_unique_across_letters(db, fuzhou):
    codes = {letter_services.letter_issue(Scenario(fuzhou).application, kind="approval",
                                          by=None).verification_code for _ in range(3)}
    assert len(codes) == 3


def test_a_letter_must_match_the_decision(approved):
    with pytest.raises(errors.TransitionNotAllowed, match="not “Refused”"):
        letter_services.letter_issue(approved.application, kind="refusal", by=approved.department_reviewer)
    with pytest.raises(errors.ValidationFailed) as caught:
        letter_services.letter_issue(approved.application, kind="praise", by=approved.department_reviewer)
    assert "kind" in caught.value.field_errors
    approved.application.status = SharingApplication.Status.IN_REVIEW
    approved.application.save()
    with pytest.raises(errors.TransitionNotAllowed):
        letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    assert not DecisionLetter.objects.exists()


# --- rendering ----------------------------------------------------------------------------------------------


def test_render_stores_a_signed_letter_with_the_facts_SUP_5(approved, django_capture_on_commit_callbacks):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        assert letter_services.letter_render(letter.pk) == "ready"
    letter.refresh_from_db()
    content = _read(letter)
    assert letter.status == DecisionLetter.Status.READY and letter.signed and letter.rendered_at
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    assert letter.file.name.endswith(f"{letter.sha256[:32]}.pdf")
    text = pdf_text(content)
    number = letter_services.letter_number(letter)
    assert number == f"{approved.application.number}-A" and number in text
    assert approved.applicant.name in text and approved.fuzhou.name in text  # the issuer: the last department
    assert letter_services.format_code(letter.verification_code) in text
    assert approved.application.purpose in text and approved.grant.number in text
    assert "诊断编码" in text and "患者姓名" not in text  # the requested fields only
    assert "李四研究员" in text  # the letter goes to the parties: it names the recipients
    assert APPROVAL_CONDITIONS.replace(" ", "") in text and MUNICIPAL_CONDITIONS in text
    signature = verify_pdf(content)
    assert signature["ok"] and signature["signer"] == "医疗健康大数据监管平台 电子签章"
    assert letter.history.first().history_user.username == "system"


def test_parties_are_told_when_the_letter_is_ready(approved, django_capture_on_commit_callbacks):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_render(letter.pk)
    told = set(Notification.objects.filter(url=f"/catalog/letters/{letter.pk}/").values_list("recipient_id", flat=True))
    assert {approved.applicant_admin.pk, approved.co_applicant.pk, approved.provider_admin.pk} <= told
    assert approved.department_reviewer.pk not in told


def test_render_is_idempotent(approved):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    letter_services.letter_render(letter.pk)
    letter.refresh_from_db()
    first = (letter.file.name, letter.sha256, letter.rendered_at, letter.history.count())
    assert letter_services.letter_render(letter.pk) == "ready"
    letter.refresh_from_db()
    assert (letter.file.name, letter.sha256, letter.rendered_at, letter.history.count()) == first
    assert letter_services.letter_render(999999) == "missing"


def test_refusal_letter_gives_the_reasons(refused):
    letter = letter_services.letter_issue(refused.application, kind="refusal", by=refused.department_reviewer)
    letter_services.letter_render(letter.pk)
    letter.refresh_from_db()
    text = pdf_text(_read(letter))
    assert f"{refused.application.number}-R" in text and REFUSAL_REASON in text
    assert refused.fuzhou.name in text and refused.applicant.name in text


def test_provider_issues_when_it_alone_decided(db, fuzhou):
    scenario = Scenario(fuzhou)
    scenario.department_step.delete()
    letter = letter_services.letter_issue(scenario.application, kind="approval", by=scenario.provider_reviewer)
    steps = letter_services._decided_steps(scenario.application)
    assert letter_services.letter_issuer(letter, steps) == scenario.provider.organisation
    RouteStep.objects.filter(application=scenario.application).delete()
    assert letter_services.letter_issuer(letter, []) is None  # refused at submission: the portal issues it


def test_a_failed_rendering_is_marked_and_can_succeed_later(approved, monkeypatch):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)

    def broken(*args, **kwargs):
        raise RuntimeError("fonts missing")

    monkeypatch.setattr("apps.core.pdf.render_pdf", broken)
    with pytest.raises(RuntimeError):
        letter_services.letter_render(letter.pk)
    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.FAILED and not letter.file and not letter.sha256
    monkeypatch.undo()
    assert letter_services.letter_render(letter.pk) == "ready"
    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.READY and letter.file


def test_requeue_only_a_failed_letter(approved, _no_broker, django_capture_on_commit_callbacks):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    with pytest.raises(errors.TransitionNotAllowed):
        letter_services.letter_requeue(letter, by=approved.department_reviewer)
    DecisionLetter.objects.filter(pk=letter.pk).update(status=DecisionLetter.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_requeue(letter, by=approved.department_reviewer)
    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.PENDING and [args[0] for args in _no_broker] == [(letter.pk,)]
    stranger = Scenario(approved.fuzhou).applicant_admin  # sees other applications, not this one
    DecisionLetter.objects.filter(pk=letter.pk).update(status=DecisionLetter.Status.FAILED)
    with pytest.raises(errors.NotFound):
        letter_services.letter_requeue(letter, by=stranger)


# --- public verification (SVC-5) -------------------------------------------------------------------------


@pytest.fixture
def ready(approved):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    letter_services.letter_render(letter.pk)
    letter.refresh_from_db()
    return letter


def test_verify_tells_what_the_letter_is_without_personal_data_SVC_5(ready, approved):
    result = letter_services.letter_verify(ready.verification_code)
    assert result["number"] == f"{approved.application.number}-A" and result["kind"] == "approval"
    assert result["applicant"] == approved.applicant.name and result["issuer"] == approved.fuzhou.name
    assert result["sha256"] == ready.sha256 and result["file_matches"] is True
    assert result["signature"]["ok"] and result["signature"]["intact"]
    flat = repr(result)
    for person in (approved.co_applicant, approved.applicant_admin, approved.department_reviewer,
                   approved.provider_reviewer):
        assert person.full_name not in flat and person.username not in flat
    assert "recipients" not in result


def test_verify_accepts_the_code_as_printed_or_typed(ready):
    printed = letter_services.format_code(ready.verification_code)
    assert "-" in printed
    assert letter_services.letter_verify(printed)["number"]
    assert letter_services.letter_verify(f" {printed.lower()} ")["number"]
    assert letter_services.letter_verify("AAAA-AAAA-AAAA-AAAA") is None
    assert letter_services.letter_verify("short") is None


def test_verify_detects_a_changed_stored_file(ready):
    content = bytearray(_read(ready))
    content[len(content) // 3] ^= 0x01
    with open(ready.file.path, "wb") as handle:
        handle.write(bytes(content))
    result = letter_services.letter_verify(ready.verification_code)
    assert result["file_matches"] is False and not result["signature"]["ok"]


def test_verify_of_a_letter_being_produced(approved):
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    result = letter_services.letter_verify(letter.verification_code)
    assert result["status"] == "pending" and result["sha256"] == "" and result["signature"] is None


def test_unknown_codes_are_limited_per_address(ready):
    for _ in range(letter_services.VERIFICATION_MISSES_PER_HOUR):
        assert letter_services.letter_verify("ZZZZ-ZZZZ-ZZZZ-ZZZZ", client_key="10.0.0.9") is None
    with pytest.raises(letter_services.VerificationThrottled) as caught:
        letter_services.letter_verify(ready.verification_code, client_key="10.0.0.9")
    assert caught.value.status_code == 429 and "Too many" in str(caught.value.message)
    assert letter_services.letter_verify(ready.verification_code, client_key="10.0.0.10")["number"]
