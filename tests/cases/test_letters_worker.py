"""Decision letters are produced by a real Celery worker on the pdf queue (SUP-5)."""

import time

import pytest

from apps.cases.models import Decision
from apps.cases.services import letters
from apps.core.signing import verify_pdf
from tests.cases.factories import scene
from tests.cases.test_letter_scene import PARTY_NAME, pdf_text, read, rich_decision


def test_letter_task_is_routed_to_the_pdf_queue():
    from config.celery import app

    route = app.amqp.router.route({}, "pdf.case_decision_letter")
    assert route["queue"].name == "pdf"


@pytest.mark.worker
def test_real_worker_renders_and_signs_the_letter_SUP_5(celery_worker_process):
    """Enqueued as the decision commits (autocommit here: the task leaves at once), the letter is rendered in
    Chinese by a worker on the pdf queue, signed with the deciding department's key and stored whole."""
    s = scene()
    decision = rich_decision(s)
    letters.letter_enqueue(decision)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        decision.refresh_from_db()
        if decision.letter_status != Decision.LetterStatus.PENDING:
            break
        time.sleep(0.5)
    log = celery_worker_process["log"].read_text()
    assert decision.letter_status == Decision.LetterStatus.READY, log
    assert "pdf.case_decision_letter" in log and "succeeded" in log
    content = read(decision)
    text = pdf_text(content)
    assert s.institution.name in text and decision.number in text and PARTY_NAME in text
    assert letters.format_code(decision.verification_code) in text
    assert verify_pdf(content, organisation=s.city)["ok"]
    assert not verify_pdf(content, organisation=s.other_city)["ok"]
    assert letters.letter_verify(code=decision.verification_code)["genuine"]
