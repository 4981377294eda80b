"""Decision letters (SUP-3, SUP-5): rendered in Chinese with everything the decision states, signed with the
deciding department's key, stored only when whole, retried on failure, produced again on request."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from apps.cases.models import Decision
from apps.cases.services import letters
from apps.core import errors, signing
from apps.notifications.models import Notification
from tests.cases.factories import make_case, scene
from tests.cases.test_letter_scene import (
    DEFENCE_ANSWER,
    DEFENCE_TEXT,
    EVIDENCE_NAME,
    FACTS,
    PARTY_NAME,
    REASONING,
    pdf_text,
    read,
    rendered,
    rich_decision,
)
from tests.conftest import make_user

Status = Decision.LetterStatus


def zh(message: str) -> str:
    """`message` as the letter (in the portal's default language, Chinese) prints it."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(message).replace(" ", "")


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    """Department keys generated for this test only; letters stored under tmp_path."""
    settings.VAR_DIR = tmp_path / "var"
    settings.PDF_SIGNING_DEPARTMENT_KEYS_DIR = ""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: the letter task is recorded, not sent."""
    from apps.cases.tasks import render_decision_letter

    sent = []
    monkeypatch.setattr(render_decision_letter, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


@pytest.fixture
def s(db):
    return scene()


@pytest.fixture
def decision(s):
    return rich_decision(s)


def letter_files(settings) -> list:
    root = settings.MEDIA_ROOT / "cases" / "decisions"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- enqueueing ------------------------------------------------------------------------------------------------


def test_enqueue_sends_the_task_after_commit_only(s, _no_broker, django_capture_on_commit_callbacks):
    decision = make_case(s, status="decided").decisions.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        letters.letter_enqueue(decision)
    assert _no_broker == [] and len(callbacks) == 1
    callbacks[0]()
    assert [args[0] for args in _no_broker] == [(decision.pk,)]
    assert letters.stage_of(decision) == "queued" and letters.progress_percent(decision) == 5


# --- rendering -------------------------------------------------------------------------------------------------


def test_rendered_letter_states_the_decision_and_is_signed_by_the_department_SUP_5(decision, s, settings):
    """The PDF's text carries the department, number, institution, facts, articles, evidence, defence and
    answer, hearing, reasons, every measure with its details, the appeal and the verification code; its
    signature verifies against the deciding department only; file, SHA-256, pages and certificate are stored."""
    assert letters.letter_render(decision.pk) == "ready"
    decision.refresh_from_db()
    assert decision.letter_status == Status.READY and decision.rendered_at and decision.attempts == 1
    content = read(decision)
    assert hashlib.sha256(content).hexdigest() == decision.sha256 and decision.last_error == ""
    assert decision.page_count == len(PdfReader(io.BytesIO(content)).pages) >= 2
    assert decision.certificate_fingerprint == signing.signing_identity(s.city).fingerprint
    text = pdf_text(content)
    assert zh("Administrative Decision on Accountability") in text
    assert "福州市卫生健康委员会" in text and decision.number in text and decision.case.number in text
    institution = s.institution
    assert institution.name in text and institution.credit_code in text
    assert institution.address.replace(" ", "") in text
    assert FACTS in text and REASONING in text and DEFENCE_TEXT in text and DEFENCE_ANSWER in text
    assert EVIDENCE_NAME in text and "备份系统截图.pdf" in text
    assert "福州市卫生健康委员会第三会议室" in text  # the hearing held
    assert zh("Art. 18: classification, backup, encryption, access control") in text
    for label in ("Regulatory interview", "Ordered rectification with a deadline",
                  "Disciplinary sanction or its proposal", "Transfer to judicial organs"):
        assert zh(label) in text, label
    assert "约谈机构主要负责人。" in text and "建立异地备份并开展恢复演练。" in text
    assert PARTY_NAME in text and "福州市卫生健康委员会纪检监察组" in text and "福州市公安局鼓楼分局" in text
    assert "福建省卫生健康委员会" in text  # the reviewing department of the appeal
    assert letters.format_code(decision.verification_code) in text
    assert "/cases/verify/" in text
    status = signing.verify_pdf(content, organisation=s.city)
    assert status["ok"] and status["signer"] == "福州市卫生健康委员会" and decision.number in status["reason"]
    assert not signing.verify_pdf(content, organisation=s.other_city)["ok"]
    assert not signing.verify_pdf(content)["ok"]  # not the portal's seal either
    assert len(letter_files(settings)) == 1


@pytest.mark.parametrize(("defence", "expected"), [
    ("waiver", "waived in writing its right to state a defence"),
    ("none", "did not submit a defence by the deadline"),
])
def test_letter_says_when_the_institution_waived_or_kept_silent(s, defence, expected):
    decision = rich_decision(s, defence=defence)
    Decision.objects.filter(pk=decision.pk).update(language="en")
    text = pdf_text(read(rendered(decision)))
    assert expected.replace(" ", "") in text and DEFENCE_TEXT not in text and "hearingwasheld" not in text


def test_letter_in_english_when_decided_in_english(decision):
    Decision.objects.filter(pk=decision.pk).update(language="en")
    text = pdf_text(read(rendered(decision)))
    assert "AdministrativeDecisiononAccountability" in text and "Factsestablished" in text
    assert "Rightofappeal" in text and "Page1of" in text
    assert "Thedepartmentproposesthesanctiontothecompetentbody" in text


def test_ready_letter_is_never_rendered_again(decision, monkeypatch, settings):
    rendered(decision)
    before = (decision.sha256, decision.file.name, decision.rendered_at)

    def must_not_render(*args, **kwargs):
        raise AssertionError("a ready letter was rendered again")

    monkeypatch.setattr(letters, "letter_pdf", must_not_render)
    assert letters.letter_render(decision.pk) == "ready"
    decision.refresh_from_db()
    assert (decision.sha256, decision.file.name, decision.rendered_at) == before
    assert letters.letter_render(10 ** 9) == "missing"
    assert len(letter_files(settings)) == 1


def test_failed_rendering_is_marked_failed_and_never_ready_with_a_file(decision, monkeypatch, settings):
    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint ran out of fonts")

    monkeypatch.setattr("apps.core.pdf.render_pdf", broken)
    with pytest.raises(RuntimeError):
        letters.letter_render(decision.pk)
    decision.refresh_from_db()
    assert decision.letter_status == Status.FAILED and decision.attempts == 1
    assert decision.last_error == "RuntimeError: WeasyPrint ran out of fonts"
    assert not decision.file and not decision.sha256 and decision.page_count is None
    assert not decision.certificate_fingerprint and letter_files(settings) == []
    with pytest.raises(RuntimeError):
        letters.letter_render(decision.pk)  # a retry that fails again
    decision.refresh_from_db()
    assert decision.letter_status == Status.FAILED and decision.attempts == 2
    assert letters.stage_of(decision) == "" and letters.progress_percent(decision) == 0


def test_failure_while_signing_stores_nothing(decision, monkeypatch, settings):
    def no_key(*args, **kwargs):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("No signing key for department")

    monkeypatch.setattr(signing, "sign_pdf", no_key)
    with pytest.raises(Exception, match="No signing key"):
        letters.letter_render(decision.pk)
    decision.refresh_from_db()
    assert decision.letter_status == Status.FAILED and not decision.file and letter_files(settings) == []


def test_failure_while_storing_leaves_the_letter_not_ready_and_removes_the_file(decision, monkeypatch, settings):
    """The file is saved inside the transaction that marks the letter ready: if that transaction fails, the
    letter is not ready and the file written is removed."""
    real = letters.save_tracked

    def failing_save(obj, **kwargs):
        if isinstance(obj, Decision) and obj.letter_status == Status.READY:
            raise RuntimeError("database went away")
        return real(obj, **kwargs)

    monkeypatch.setattr(letters, "save_tracked", failing_save)
    with pytest.raises(RuntimeError):
        letters.letter_render(decision.pk)
    decision.refresh_from_db()
    assert decision.letter_status == Status.FAILED and not decision.file and not decision.sha256
    assert decision.last_error == "RuntimeError: database went away" and letter_files(settings) == []


def test_failure_inside_a_task_is_retried_with_backoff(decision, monkeypatch):
    """In a Celery task a failure marks the letter failed and asks Celery to retry, the delay doubling."""
    monkeypatch.setattr("apps.core.pdf.render_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    retried = {}

    class Request:
        retries = 3

    class Task:
        request = Request()

        def retry(self, exc, countdown, max_retries):
            retried.update(exc=exc, countdown=countdown, max_retries=max_retries)
            return RuntimeError("retry")

    monkeypatch.setattr(letters, "_current_task", lambda: Task())
    with pytest.raises(RuntimeError, match="retry"):
        letters.letter_render(decision.pk)
    assert retried["countdown"] == 480 and retried["max_retries"] == letters.RENDER_MAX_RETRIES
    decision.refresh_from_db()
    assert decision.letter_status == Status.FAILED and decision.last_error == "OSError: disk full"


def test_ready_letter_notifies_the_officers_the_head_and_the_institution(decision, s,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        letters.letter_render(decision.pk)
    notified = set(Notification.objects.filter(url=f"/cases/decisions/{decision.pk}/")
                   .values_list("recipient_id", flat=True))
    assert {s.officer.pk, s.head.pk, s.admin.pk, s.top_leader.pk} <= notified
    for outsider in (s.officer2, s.other_admin, s.other_city_head, s.steward):
        assert outsider.pk not in notified


# --- requeue -------------------------------------------------------------------------------------------------


def _failed(decision) -> Decision:
    Decision.objects.filter(pk=decision.pk).update(letter_status=Status.FAILED, attempts=6,
                                                   last_error="RuntimeError: x")
    decision.refresh_from_db()
    return decision


def test_department_users_who_see_the_case_requeue_a_failed_letter(decision, s, _no_broker,
                                                                  django_capture_on_commit_callbacks):
    _failed(decision)
    with django_capture_on_commit_callbacks(execute=True):
        again = letters.letter_requeue(decision=decision, by=s.officer)
    assert again.letter_status == Status.PENDING and [args[0] for args in _no_broker] == [(decision.pk,)]
    with pytest.raises(errors.TransitionNotAllowed, match="Only a letter whose production failed"):
        letters.letter_requeue(decision=again, by=s.officer)  # pending: nothing to retry
    for user in (s.head, s.province_head, s.officer2):
        _failed(decision)
        assert letters.letter_requeue(decision=decision, by=user).letter_status == Status.PENDING


def test_institution_and_outsiders_cannot_requeue(decision, s):
    _failed(decision)
    with pytest.raises(errors.PermissionDenied):  # it sees its decision, but may not ask for the letter again
        letters.letter_requeue(decision=decision, by=s.admin)
    for outsider in (s.other_city_head, s.other_admin, s.steward):
        with pytest.raises(errors.NotFound):
            letters.letter_requeue(decision=decision, by=outsider)
    decision.refresh_from_db()
    assert decision.letter_status == Status.FAILED


def test_visibility_of_decisions(decision, s):
    for user in (s.officer, s.officer2, s.head, s.province_head, s.national_head, s.admin, s.top_leader):
        assert letters.decisions_visible(user).filter(pk=decision.pk).exists(), user
    for user in (s.other_city_head, s.other_admin, s.steward):
        assert not letters.decisions_visible(user).filter(pk=decision.pk).exists(), user
    assert letters.may_manage(s.officer, decision) and not letters.may_manage(s.admin, decision)
    assert not letters.may_manage(make_user(s.institution.organisation, "top_leader"), decision)


# --- the operator's command ----------------------------------------------------------------------------------


def test_command_requeues_failed_and_stalled_letters(s, _no_broker, django_capture_on_commit_callbacks):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    failed = _failed(make_case(s, status="decided").decisions.get())
    stalled = make_case(s, status="decided").decisions.get()
    Decision.objects.filter(pk=stalled.pk).update(decided_at=timezone.now() - datetime.timedelta(hours=2))
    fresh = make_case(s, status="decided").decisions.get()
    ready = make_case(s, status="decided").decisions.get()
    Decision.objects.filter(pk=ready.pk).update(letter_status=Status.READY,
                                                decided_at=timezone.now() - datetime.timedelta(hours=2))
    out = io.StringIO()
    call_command("cases_letters_requeue", "--dry-run", stdout=out)
    assert failed.number in out.getvalue() and stalled.number in out.getvalue()
    assert fresh.number not in out.getvalue() and ready.number not in out.getvalue() and _no_broker == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cases_letters_requeue", stdout=io.StringIO())
    assert sorted(args[0] for args in _no_broker) == sorted([(failed.pk,), (stalled.pk,)])
    failed.refresh_from_db()
    assert failed.letter_status == Status.PENDING


# --- through the decision ------------------------------------------------------------------------------------


def test_decision_taken_by_the_head_gets_its_signed_letter_and_public_row_SUP_3(
        s, _no_broker, django_capture_on_commit_callbacks):
    """`case_decide` enqueues the letter after commit; the letter produced from the task states the decision
    and verifies; the disclosed decision is listed publicly at once."""
    from apps.cases.services.decisions import case_decide

    case = make_case(s, status="notified", deadline_days=-1, measures=("interview", "admonition"))
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_decide(
            case=case, by=s.head, severity="serious", articles=["M.18", "M.24"], facts="未开展安全培训。",
            reasoning="违反第二十四条。", disclosed=True, public_summary="未开展安全培训，予以约谈和警示。",
            measures=[{"kind": "interview", "details": "约谈分管负责人。"}, {"kind": "admonition", "details": ""}])
    assert [args[0] for args in _no_broker] == [(decision.pk,)]
    assert letters.letter_render(*_no_broker[0][0]) == "ready"
    decision.refresh_from_db()
    text = pdf_text(read(decision))
    assert decision.number in text and "约谈分管负责人。" in text and zh("Admonition") in text
    assert zh("Art. 24: security training of personnel") in text
    assert letters.letter_verify(code=decision.verification_code)["genuine"]
    assert list(letters.public_decisions(params={}).values_list("number", flat=True)) == [decision.number]
