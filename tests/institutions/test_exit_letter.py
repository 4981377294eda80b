"""Decision letters (INS-4, SUP-5): rendered as PDF in the portal's language, stored once, made by the pdf queue."""

import io
import time

import pytest
from pypdf import PdfReader

from apps.core.pdf import page_counter_content, render_pdf
from apps.institutions.models import Document, Institution, StatusDecision
from apps.institutions.services import exit as exit_services
from tests.conftest import make_user
from tests.factories import department
from tests.institutions.exit_helpers import _no_broker, decide, propose  # noqa: F401
from tests.institutions.factories import make_institution

Measure = StatusDecision.Measure


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def decided(db, gulou):
    hospital = make_institution("350102", Institution.Status.ADMITTED, name="福州市鼓楼区信用测试医院")
    return decide(propose(hospital, make_user(gulou, "inspector"), measure=Measure.REVOKE),
                  make_user(gulou, "department_head"), text="撤销该机构健康医疗大数据应用准入资格。")


def test_page_counter_follows_the_translation(monkeypatch):
    """The footer sentence may put its numbers in any order; each becomes a CSS counter."""
    monkeypatch.setattr("apps.core.pdf.gettext", lambda text: "共 %(pages)s 页 第 %(page)s 页")
    assert page_counter_content() == '"共 " counter(pages) " 页 第 " counter(page) " 页"'


def test_render_pdf_makes_an_a4_pdf(db):
    content = render_pdf("pdf/base.html", {})
    page = PdfReader(io.BytesIO(content)).pages[0]
    assert content.startswith(b"%PDF-")
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_letter_names_the_institution_the_number_and_the_decision_INS_4(decided):
    text = pdf_text(exit_services.status_decision_letter_pdf(decided))
    compact = text.replace(" ", "").replace("\n", "")
    assert "福州市鼓楼区信用测试医院" in compact
    assert decided.number in compact
    assert "撤销该机构健康医疗大数据应用准入资格" in compact
    assert decided.institution.credit_code in compact
    assert "张三" not in compact and "13800000001" not in compact  # the letter carries no personal data


def test_letter_is_signed_with_the_portal_seal_SUP_5(decided, settings, tmp_path):
    from apps.core.signing import verify_pdf

    settings.VAR_DIR = tmp_path  # a fresh portal key for this test
    status = verify_pdf(exit_services.status_decision_letter_pdf(decided))
    assert status["signed"] and status["intact"] and status["ok"]


def test_letter_is_stored_and_linked_once(decided):
    first = exit_services.status_decision_letter_generate(decision_id=decided.pk)
    again = exit_services.status_decision_letter_generate(decision_id=decided.pk)
    assert first.pk == again.pk and Document.objects.filter(kind=Document.Kind.DECISION).count() == 1
    decided.refresh_from_db()
    assert decided.letter_id == first.pk and first.institution_id == decided.institution_id
    assert first.content_type == "application/pdf" and first.original_name == f"{decided.number}.pdf"
    with first.file.open("rb") as handle:
        assert decided.number in pdf_text(handle.read()).replace(" ", "")
    assert decided.history.first().history_user == decided.decided_by


def test_no_letter_for_an_open_proposal(db, gulou):
    proposal = propose(make_institution("350102"), make_user(gulou, "inspector"))
    assert exit_services.status_decision_letter_generate(decision_id=proposal.pk) is None
    assert Document.objects.count() == 0


def test_letter_task_is_routed_to_the_pdf_queue():
    from config.celery import app

    route = app.amqp.router.route({}, "pdf.institutions.decision_letter")
    assert route["queue"].name == "pdf"


@pytest.mark.worker
def test_real_worker_generates_the_letter_on_the_pdf_queue(celery_worker_process, monkeypatch):
    """The decision enqueues the letter after commit; a worker on the pdf queue stores and links it."""
    monkeypatch.undo()  # the real broker this time (undoes the autouse stub of the task)
    gulou = department("350102", "county", "福州市鼓楼区卫生健康局")
    hospital = make_institution("350102", Institution.Status.ADMITTED)
    decision = decide(propose(hospital, make_user(gulou, "inspector")), make_user(gulou, "department_head"))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        decision.refresh_from_db()
        if decision.letter_id:
            break
        time.sleep(0.5)
    log = celery_worker_process["log"].read_text()
    assert decision.letter_id, log
    assert "pdf.institutions.decision_letter" in log and "succeeded" in log
    with decision.letter.file.open("rb") as handle:
        assert hospital.name in pdf_text(handle.read()).replace(" ", "")
