"""Decision letters are produced by a real Celery worker on the pdf queue (SVC-2, SUP-5)."""

import io
import time

import pytest
from django.db import transaction
from pypdf import PdfReader

from apps.catalog.models import DecisionLetter
from apps.catalog.services import letters as letter_services
from apps.core.signing import verify_pdf
from tests.catalog.letters_factories import Scenario
from tests.factories import department


def test_letter_task_is_routed_to_the_pdf_queue():
    from config.celery import app

    route = app.amqp.router.route({}, "pdf.catalog_letter")
    assert route["queue"].name == "pdf"


@pytest.mark.worker
def test_real_worker_renders_and_signs_the_letter(celery_worker_process):
    """The decision's transaction issues the letter; after commit a worker on the pdf queue renders, signs and
    stores it; its text carries the number, the applicant and the verification code."""
    scenario = Scenario(department("350100", "municipal", "福州市卫生健康委员会"))
    with transaction.atomic():
        letter = letter_services.letter_issue(scenario.application, kind="approval",
                                              by=scenario.department_reviewer)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        letter.refresh_from_db()
        if letter.status != DecisionLetter.Status.PENDING:
            break
        time.sleep(0.5)
    log = celery_worker_process["log"].read_text()
    assert letter.status == DecisionLetter.Status.READY, log
    assert "pdf.catalog_letter" in log and "succeeded" in log
    with letter.file.open("rb") as handle:
        content = handle.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "")
    assert f"{scenario.application.number}-A" in text
    assert scenario.applicant.name in text
    assert letter_services.format_code(letter.verification_code) in text
    assert verify_pdf(content)["ok"]
    assert letter_services.letter_verify(letter.verification_code)["signature"]["ok"]
