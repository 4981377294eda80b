"""Inspection reports are produced by a real Celery worker on the pdf queue (SUP-5)."""

import io
import time

import pytest
from pypdf import PdfReader

from apps.core.signing import verify_pdf
from apps.inspections.models import InspectionReport
from apps.inspections.services import reports as report_services
from tests.inspections.reports_factories import ReportScenario


def test_report_task_is_routed_to_the_pdf_queue():
    from config.celery import app

    route = app.amqp.router.route({}, "pdf.inspection_report")
    assert route["queue"].name == "pdf"


@pytest.mark.worker
def test_real_worker_renders_and_signs_the_report_SUP_5(celery_worker_process):
    """Issuing the report (as closing the inspection does) enqueues it after commit; a worker on the pdf queue
    renders it in Chinese, signs it with the department's key and stores it whole."""
    scene = ReportScenario(items=10, findings=2)  # issued in autocommit: the task leaves at once
    report = scene.report
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status != InspectionReport.Status.PENDING:
            break
        time.sleep(0.5)
    log = celery_worker_process["log"].read_text()
    assert report.status == InspectionReport.Status.READY, log
    assert "pdf.inspection_report" in log and "succeeded" in log
    content = scene.content()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "")
    assert "福州市第一人民医院" in text and "未按要求开展备份恢复演练1" in text
    assert report_services.format_code(report.verification_code) in text
    assert verify_pdf(content, organisation=scene.department)["ok"]
    assert not verify_pdf(content, organisation=scene.other_department)["ok"]
    assert report_services.report_verify(code=report.verification_code)["genuine"]
