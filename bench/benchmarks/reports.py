"""Benchmarks of the inspection report (SUP-5, issue #6): a 30-page report must render in a few seconds."""

from __future__ import annotations

from unittest import mock

from bench.registry import Context, Result, benchmark

# The report must have at least this many pages for the measurement to count.
MIN_PAGES = 30
# The shape of the inspection: enough checklist items and findings with photo evidence to pass 30 pages.
ITEMS = 200
FINDINGS = 28
IMAGES_PER_FINDING = 2
PDFS_PER_FINDING = 1


def _reset(report) -> None:
    """Back to "pending" with no file, as a freshly issued report (the service never re-renders a ready one)."""
    from apps.inspections.models import InspectionReport

    if report.file:
        report.file.delete(save=False)
    InspectionReport.objects.filter(pk=report.pk).update(
        status=InspectionReport.Status.PENDING, file="", sha256="", page_count=None, signed=False,
        certificate_fingerprint="", rendered_at=None, attempts=0, last_error="")
    report.refresh_from_db()


@benchmark("report_render", "report_render of a >= 30-page inspection report: render (WeasyPrint, CJK fonts, "
                            "evidence thumbnails) + sign (department key, PAdES) + store")
def report_render(context: Context) -> Result:
    from apps.inspections.models import InspectionReport
    from apps.inspections.services import reports as report_services
    from apps.inspections.tasks import render_report
    from tests.factories import department
    from tests.inspections.reports_factories import closed_inspection
    from tests.institutions.factories import make_institution

    context.log("building the inspection (items, results, findings, PNG evidence, orders)…")
    fuzhou = department("350100", "municipal", "福州市卫生健康委员会")
    institution = make_institution("350102", name="福州市第一人民医院")
    inspection = closed_inspection(fuzhou, institution=institution, items=ITEMS, findings=FINDINGS,
                                   images_per_finding=IMAGES_PER_FINDING, pdfs_per_finding=PDFS_PER_FINDING)
    lead = inspection.team.get(role="lead").user
    with mock.patch.object(render_report, "delay_on_commit"):  # measured here, not sent to a worker
        report = report_services.report_issue(inspection, by=lead)
    # The first run also generates the department's signing key: warm up once, unmeasured.
    context.log("warming up (generates the department's key, loads fonts)…")
    report_services.report_render(report.pk)
    seconds: list[float] = []
    pages = size = 0
    for run in range(context.repeat):
        _reset(report)
        elapsed, outcome = context.timed(lambda: report_services.report_render(report.pk))
        report.refresh_from_db()
        if outcome != "ready" or report.status != InspectionReport.Status.READY:
            result = Result(metrics={"runs": str(run)})
            result.fail(f"run {run + 1}: the report is {report.status}: {report.last_error}")
            return result
        seconds.append(elapsed)
        pages, size = report.page_count or 0, report.file.size
        context.log(f"run {run + 1}: {elapsed:.2f} s, {pages} pages")
    verified = report_services.report_verify(code=report.verification_code)
    result = Result(metrics={
        "pages": str(pages), "pdf_size_kb": str(size // 1024), **context.summary(seconds),
        "items": str(ITEMS), "findings": str(FINDINGS),
        "evidence_images": str(FINDINGS * IMAGES_PER_FINDING), "signature_ok": str(bool(verified["genuine"])),
    })
    if pages < MIN_PAGES:
        result.fail(f"the report has {pages} pages; the benchmark needs at least {MIN_PAGES}")
    if not verified["genuine"]:
        result.fail("the produced report does not verify as genuine")
    return result


def _start_worker(context: Context, environment: dict):
    """A Celery worker on the pdf queue (a separate process, as in production), using the bench database."""
    import os
    import subprocess
    import sys
    import time

    from django.conf import settings

    from bench.run import BASE_DIR

    log = context.scratch / "worker.log"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
               TEST_DATABASE_NAME_OVERRIDE=settings.DATABASES["default"]["NAME"],
               CELERY_KEY_PREFIX=settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"], **environment)
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--queues", "pdf", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{log.read_text()}")
        time.sleep(0.2)
    if "ready" not in log.read_text():
        process.kill()
        raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
    return process, log


@benchmark("report_worker", "a >= 30-page inspection report produced by a real Celery worker on the pdf queue: "
                            "from enqueueing the task to the report being ready (queue + render + sign + store)")
def report_worker(context: Context) -> Result:
    import time

    from django.test.utils import override_settings

    from apps.core import signing
    from apps.inspections.models import InspectionReport
    from apps.inspections.services import reports as report_services
    from apps.inspections.tasks import render_report
    from tests.factories import department
    from tests.inspections.reports_factories import closed_inspection
    from tests.institutions.factories import make_institution

    fuzhou = department("350100", "municipal", "福州市卫生健康委员会")
    # The worker and this process must sign and verify with the same key: a configured one in the scratch dir.
    keys = context.scratch / "department-keys"
    folder = keys / signing.department_directory_name(fuzhou)
    folder.mkdir(parents=True)
    signing._generate_seal(folder / "key.pem", folder / "cert.pem", common_name=fuzhou.name,
                           organisation_name=fuzhou.name)
    from django.conf import settings

    media = settings.MEDIA_ROOT
    context.log("building the inspection…")
    inspection = closed_inspection(fuzhou, institution=make_institution("350102", name="福州市第一人民医院"),
                                   items=ITEMS, findings=FINDINGS, images_per_finding=IMAGES_PER_FINDING,
                                   pdfs_per_finding=PDFS_PER_FINDING)
    with override_settings(PDF_SIGNING_DEPARTMENT_KEYS_DIR=str(keys)):
        with mock.patch.object(render_report, "delay_on_commit"):
            report = report_services.report_issue(inspection, by=inspection.team.get(role="lead").user)
        context.log("starting a Celery worker on the pdf queue…")
        process, log = _start_worker(context, {"MEDIA_ROOT": str(media), "PDF_SIGNING_DEPARTMENT_KEYS_DIR": str(keys)})
        seconds: list[float] = []
        try:
            for run in range(context.repeat + 1):  # the first run warms the worker up (fonts), unmeasured
                _reset(report)
                started = time.perf_counter()
                render_report.delay(report.pk)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    status = InspectionReport.objects.filter(pk=report.pk).values_list("status", flat=True).get()
                    if status != InspectionReport.Status.PENDING:
                        break
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                report.refresh_from_db()
                if report.status != InspectionReport.Status.READY:
                    result = Result(metrics={"runs": str(len(seconds))})
                    result.fail(f"the report is {report.status} ({report.last_error}); worker log:\n"
                                f"{log.read_text()[-3000:]}")
                    return result
                if run:
                    seconds.append(elapsed)
                context.log(f"{'run ' + str(run) if run else 'warm-up'}: {elapsed:.2f} s, {report.page_count} pages")
            verified = report_services.report_verify(code=report.verification_code)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except Exception:
                process.kill()
    result = Result(metrics={"pages": str(report.page_count), **context.summary(seconds),
                             "signature_ok": str(bool(verified["genuine"]))})
    if (report.page_count or 0) < MIN_PAGES:
        result.fail(f"the report has {report.page_count} pages; the benchmark needs at least {MIN_PAGES}")
    if not verified["genuine"]:
        result.fail("the produced report does not verify as genuine")
    return result
