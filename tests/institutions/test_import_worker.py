"""The large-file path of the bulk import (INS-1) through a real Celery worker on the real broker."""

import time

import pytest

from apps.institutions.models import ImportJob, Institution
from apps.institutions.services.imports import SYNC_ROW_LIMIT, import_job_confirm, import_job_start
from tests.conftest import make_user
from tests.factories import region

from .import_helpers import csv_upload, profiles


def _wait_for(job_id: int, status: str, log, timeout: float = 120) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.status == status:
            return job
        assert job.status != ImportJob.Status.FAILED, job.failure
        time.sleep(0.3)
    pytest.fail(f"import job stayed {job.status}, wanted {status}:\n{log.read_text()}")


@pytest.mark.worker
def test_ins1_600_row_file_is_validated_and_imported_by_the_worker(celery_worker_process, fuzhou):
    region("350102")
    reviewer = make_user(fuzhou, "reviewer")
    rows = profiles(SYNC_ROW_LIMIT + 100)
    rows[10]["contact_email"] = "broken"

    job = import_job_start(upload=csv_upload(rows, name="全市机构.csv"), by=reviewer)  # autocommit: enqueued now
    try:
        assert job.status == ImportJob.Status.VALIDATING
        job = _wait_for(job.pk, ImportJob.Status.VALIDATED, celery_worker_process["log"])
        assert (job.total_rows, job.valid_rows, [e["row"] for e in job.errors]) == (600, 599, [12])

        job = import_job_confirm(job=job, only_valid_rows=True, by=reviewer)
        assert job.status == ImportJob.Status.IMPORTING
        job = _wait_for(job.pk, ImportJob.Status.DONE, celery_worker_process["log"])

        assert job.created_rows == 599
        assert Institution.objects.count() == 599
        assert Institution.history.filter(history_user=reviewer,
                                          history_change_reason="imported (全市机构.csv)").count() == 599
        log = celery_worker_process["log"].read_text()
        assert "institutions.import_validate" in log and "institutions.import_run" in log
    finally:
        ImportJob.objects.get(pk=job.pk).file.delete(save=False)
