"""Bulk import of institutions from CSV or XLSX (INS-1).

A department uploads a file; every row is validated before anything is written, with the same
`institution_clean` the forms use, plus what only a file can get wrong: a credit code repeated in
the file, a region outside the department's jurisdiction. The department then imports the clean file
(all or nothing) or, knowingly, only the valid rows. Files of more than SYNC_ROW_LIMIT rows are
validated and written by Celery tasks while the page shows progress.

Built for 100,000-row files: rows are checked in batches of BATCH_SIZE with one query per batch for
registered credit codes, regions are read once, and rows are written with bulk inserts (organisation,
institution and both history tables), never one `institution_create` per row.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from apps.accounts.models import Organisation, User
from apps.core import errors, policy
from apps.regions.models import Region

from ..models import ImportJob, Institution
from ..workflows import IMPORT_FLOW
from .admission import PROVIDER_TYPES
from .import_files import (
    EXAMPLE_CREDIT_CODE,
    RowReader,
    check_upload,
    estimate_rows,
    is_blank,
    iter_rows,
    read_header,
)
from .registry import clean_credit_code, institution_clean

logger = logging.getLogger(__name__)

SYNC_ROW_LIMIT = 500  # up to this many rows, validation and writing happen during the request
BATCH_SIZE = 2000
PROGRESS_TIMEOUT = 24 * 60 * 60
IMPORT_PERMISSION = "institutions.import_institutions"

S = ImportJob.Status
# Moves a person makes; the system moves validating -> validated/failed and importing -> done/failed.
RUNNING = (S.VALIDATING, S.IMPORTING)


# --- progress --------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"institutions:import:{job_id}:processed"


def _progress_set(job_id: int, processed: int) -> None:
    """Writing happens in one transaction, invisible to the page until commit: progress goes via the cache."""
    cache.set(_progress_key(job_id), processed, PROGRESS_TIMEOUT)


def import_job_progress(job: ImportJob) -> dict:
    """Rows processed so far, the total and a percentage, for the progress bar and the API."""
    processed = job.processed_rows
    if job.status in RUNNING:
        processed = max(processed, cache.get(_progress_key(job.pk)) or 0)
    total = max(job.total_rows, processed)
    if job.status in (S.VALIDATED, S.DONE):
        percent = 100
    else:
        percent = min(100, processed * 100 // total) if total else 0
    return {"processed": processed, "total": total, "percent": percent}


# --- checking rows -----------------------------------------------------------------------------------


def _add(field_errors: dict, field: str, message) -> None:
    field_errors.setdefault(field, []).append(str(message))


def _canonical_code(value) -> str | None:
    try:
        return clean_credit_code(value) if value else None
    except ValidationError:
        return None


def _registered_codes(codes: set[str]) -> set[str]:
    """Which of `codes` an organisation or institution already holds: one query for a whole batch."""
    if not codes:
        return set()
    institutions = Institution.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
    organisations = Organisation.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
    return set(institutions.union(organisations))


class RowChecker:
    """Validates rows batch by batch, remembering credit codes seen earlier in the same file."""

    def __init__(self, *, jurisdiction_prefix: str):
        self.prefix = jurisdiction_prefix
        self.regions = {region.code: region for region in Region.objects.all()}
        self.first_row_of: dict[str, int] = {}

    def check(self, batch: list[tuple[int, dict]]) -> list[tuple[int, dict | None, dict]]:
        """(row, cleaned values or None, errors by field) for each (row, data) of the batch."""
        results = []
        codes: dict[int, str] = {}
        for number, data in batch:
            field_errors: dict[str, list[str]] = {}
            cleaned = None
            try:
                cleaned = institution_clean(data, check_unique=False, regions=self.regions)
            except errors.ValidationFailed as error:
                for field, messages in error.field_errors.items():
                    for message in messages:
                        _add(field_errors, field, message)
            region = self.regions.get(data.get("region") or "")
            if region is not None and self.prefix and not region.code.startswith(self.prefix):
                _add(field_errors, "region", _("This division is outside your jurisdiction."))
            code = _canonical_code(data.get("credit_code"))
            if code:
                codes[number] = code
                if code == EXAMPLE_CREDIT_CODE:
                    _add(field_errors, "credit_code",
                         _("This is the template's example row; delete it or replace it with a real institution."))
                first = self.first_row_of.setdefault(code, number)
                if first != number:
                    _add(field_errors, "credit_code",
                         _("This credit code already appears in row %(row)d of the file.") % {"row": first})
            results.append((number, cleaned, field_errors))
        registered = _registered_codes(set(codes.values()))
        for number, _cleaned, field_errors in results:
            if codes.get(number) in registered:
                _add(field_errors, "credit_code",
                     _("An institution with this unified social credit code is already registered."))
        return results


def _kind_of(job: ImportJob) -> str:
    return os.path.splitext(job.file.name)[1].lstrip(".").lower()


def _batches(job: ImportJob, *, skip: frozenset[int] = frozenset()) -> Iterator[tuple[list, int]]:
    """(batch of (row, data), rows skipped before it) from the stored file, BATCH_SIZE rows at a time."""
    with job.file.open("rb") as handle:
        rows = iter_rows(handle, _kind_of(job))
        reader = RowReader(read_header(rows))
        batch, skipped = [], 0
        for number, cells in rows:
            data = reader.data(cells)
            if data is None:
                continue
            if number in skip:
                skipped += 1
                continue
            batch.append((number, data))
            if len(batch) >= BATCH_SIZE:
                yield batch, skipped
                batch, skipped = [], 0
        if batch or skipped:
            yield batch, skipped


def _mark_failed(job_id: int, message: str, *, from_status: str) -> None:
    ImportJob.objects.filter(pk=job_id, status=from_status).update(
        status=S.FAILED, failure=message, finished_at=timezone.now())


# --- services ---------------------------------------------------------------------------------------


def _count_rows(rows, limit: int) -> int:
    """Non-blank data rows, counting no further than `limit` + 1 (enough to choose the path)."""
    count = 0
    for _number, cells in rows:
        if not is_blank(cells):
            count += 1
            if count > limit:
                break
    return count


def import_job_start(*, upload, by) -> ImportJob:
    """Accept an uploaded file and validate it (INS-1): inline up to SYNC_ROW_LIMIT rows, else in a task.

    A file that is not CSV/XLSX, too large, or whose header does not match the template is refused
    with a clear error and leaves no job. Only department users import: they register institutions
    within their jurisdiction."""
    policy.require(by, IMPORT_PERMISSION)
    if not getattr(by, "is_regulator", False):
        raise errors.PermissionDenied()
    kind = check_upload(upload)
    rows = iter_rows(upload, kind)
    try:
        read_header(rows)
        count = _count_rows(rows, SYNC_ROW_LIMIT)
    finally:
        rows.close()  # releases the workbook before the upload is stored
    if count == 0:
        raise errors.ValidationFailed(_("The file has no rows below the header."),
                                      field_errors={"file": [_("The file has no rows below the header.")]})
    small = count <= SYNC_ROW_LIMIT
    department = by.organisation
    with transaction.atomic():
        job = ImportJob(department=department, region=department.region, created_by=by,
                        original_name=os.path.basename(upload.name or "")[:200] or f"import.{kind}",
                        total_rows=count if small else 0)
        upload.seek(0)
        job.file.save(f"{uuid.uuid4().hex}.{kind}", upload, save=False)
        job.save()
        if not small:
            from ..tasks import import_validate

            transaction.on_commit(lambda: import_validate.delay(job.pk))
    if small:
        import_job_validate(job_id=job.pk)
        job.refresh_from_db()
    return job


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """Check every row of a validating job and record the per-row errors (INS-1). Writes nothing else.

    Runs in the request (small files) or the `institutions.import_validate` task. Stops quietly when
    the job was cancelled meanwhile; a file that cannot be read marks the job failed."""
    job = ImportJob.objects.select_related("department").filter(pk=job_id).first()
    if job is None or job.status != S.VALIDATING:
        return job
    try:
        if not job.total_rows:
            with job.file.open("rb") as handle:
                total = estimate_rows(handle, _kind_of(job))
            ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        checker = RowChecker(jurisdiction_prefix=job.department.jurisdiction_prefix)
        row_errors, total = [], 0
        for batch, _skipped in _batches(job):
            for number, _cleaned, field_errors in checker.check(batch):
                if field_errors:
                    row_errors.append({"row": number, "errors": field_errors})
            total += len(batch)
            _progress_set(job.pk, total)
            if not ImportJob.objects.filter(pk=job.pk, status=S.VALIDATING).update(processed_rows=total):
                return ImportJob.objects.get(pk=job.pk)  # cancelled meanwhile
    except errors.ValidationFailed as error:
        _mark_failed(job.pk, str(error.message), from_status=S.VALIDATING)
        return ImportJob.objects.get(pk=job.pk)
    except Exception:
        logger.exception("validating import job %s failed", job.pk)
        _mark_failed(job.pk, _("The file could not be processed."), from_status=S.VALIDATING)
        return ImportJob.objects.get(pk=job.pk)
    if total == 0:
        _mark_failed(job.pk, _("The file has no rows below the header."), from_status=S.VALIDATING)
    else:
        ImportJob.objects.filter(pk=job.pk, status=S.VALIDATING).update(
            status=S.VALIDATED, total_rows=total, processed_rows=total, valid_rows=total - len(row_errors),
            errors=row_errors, failure="")
    return ImportJob.objects.get(pk=job.pk)


@transaction.atomic
def _confirm(*, job: ImportJob, only_valid_rows: bool, by) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    policy.require(by, IMPORT_PERMISSION, job)
    IMPORT_FLOW.check(by, job, job.status, S.IMPORTING)
    if job.errors and not only_valid_rows:
        raise errors.ValidationFailed(
            _("Some rows are not valid: fix the file or choose to import only the valid rows."))
    if job.valid_rows == 0:
        raise errors.ValidationFailed(_("No row of this file is valid; there is nothing to import."))
    job.status = S.IMPORTING
    job.only_valid_rows = bool(only_valid_rows and job.errors)
    job.processed_rows = 0
    job.failure = ""
    job.save(update_fields=["status", "only_valid_rows", "processed_rows", "failure"])
    cache.delete(_progress_key(job.pk))
    if job.total_rows > SYNC_ROW_LIMIT:
        from ..tasks import import_run

        transaction.on_commit(lambda: import_run.delay(job.pk, by.pk))
    return job


def import_job_confirm(*, job: ImportJob, only_valid_rows: bool, by) -> ImportJob:
    """Start writing a validated import (INS-1): inline for small files, else in `institutions.import_run`.

    A file with invalid rows is imported only when the department explicitly chooses to import the
    valid rows alone; otherwise it must fix the file."""
    job = _confirm(job=job, only_valid_rows=only_valid_rows, by=by)
    if job.total_rows <= SYNC_ROW_LIMIT:
        return import_job_run(job_id=job.pk, by_id=by.pk)
    return job


@transaction.atomic
def import_job_cancel(*, job: ImportJob, by) -> ImportJob:
    """Abandon an import before anything is written; a running validation stops at its next batch."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    policy.require(by, IMPORT_PERMISSION, job)
    IMPORT_FLOW.check(by, job, job.status, S.CANCELLED)
    job.status = S.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


class _RowsBecameInvalid(Exception):
    def __init__(self, row_errors: list):
        self.row_errors = row_errors
        super().__init__(f"{len(row_errors)} rows became invalid")


def _insert(rows: list[dict], *, by, reason: str) -> int:
    """Write organisations, institutions and both history tables with bulk inserts.

    Matches `institution_create`, except that the status is "admitted": the department itself
    registers these institutions, so no admission application follows (INS-1, INS-2)."""
    if not rows:
        return 0
    now = timezone.now()
    organisations = [Organisation(
        name=row["name"], name_en=row.get("name_en", ""), region=row["region"], credit_code=row["credit_code"],
        kind=Organisation.Kind.PROVIDER if row["type"] in PROVIDER_TYPES else Organisation.Kind.INSTITUTION,
        level="", jurisdiction_prefix="", created_at=now,
    ) for row in rows]
    bulk_create_with_history(organisations, Organisation, batch_size=BATCH_SIZE, default_user=by,
                             default_change_reason=reason, default_date=now)
    institutions = [Institution(organisation=organisation, status=Institution.Status.ADMITTED,
                                status_changed_at=now, admitted_at=now, created_at=now, **row)
                    for organisation, row in zip(organisations, rows, strict=True)]
    bulk_create_with_history(institutions, Institution, batch_size=BATCH_SIZE, default_user=by,
                             default_change_reason=reason, default_date=now)
    return len(institutions)


def _write(job: ImportJob, *, by) -> tuple[int, list]:
    """Re-check and write every row not reported invalid; raise _RowsBecameInvalid for a clean file
    in which some row became invalid since validation (a code registered meanwhile)."""
    reason = f"imported ({job.original_name})"[:100]
    skip = frozenset(entry["row"] for entry in job.errors)
    checker = RowChecker(jurisdiction_prefix=job.department.jurisdiction_prefix)
    new_errors, created, processed = [], 0, 0
    for batch, skipped in _batches(job, skip=skip):
        valid = []
        for number, cleaned, field_errors in checker.check(batch):
            if field_errors:
                new_errors.append({"row": number, "errors": field_errors})
            else:
                valid.append(cleaned)
        if not new_errors or job.only_valid_rows:
            created += _insert(valid, by=by, reason=reason)
        processed += len(batch) + skipped
        _progress_set(job.pk, processed)
    if new_errors and not job.only_valid_rows:
        raise _RowsBecameInvalid(new_errors)
    return created, new_errors


def import_job_run(*, job_id: int, by_id: int) -> ImportJob | None:
    """Write a confirmed import (INS-1) in one transaction: all rows of a clean file or none.

    Uniqueness is checked again at write time. With `only_valid_rows`, a row that became invalid is
    skipped and reported; in a clean file it returns the job to "validated" with the new errors and
    nothing written. History rows name `by_id` (who confirmed) and the file name."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != S.IMPORTING:
        return job
    by = User.objects.get(pk=by_id)
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("department").get(pk=job_id)
            if job.status != S.IMPORTING:
                return job
            created, new_errors = _write(job, by=by)
            job.errors = sorted([*job.errors, *new_errors], key=lambda entry: entry["row"])
            job.valid_rows -= len(new_errors)
            job.status, job.created_rows, job.finished_at = S.DONE, created, timezone.now()
            job.processed_rows = job.total_rows
            job.save()
    except _RowsBecameInvalid as stale:
        ImportJob.objects.filter(pk=job_id, status=S.IMPORTING).update(
            status=S.VALIDATED, errors=stale.row_errors, valid_rows=job.total_rows - len(stale.row_errors),
            processed_rows=job.total_rows,
            failure=_("Nothing was imported: %(count)d rows became invalid after validation (see below).")
            % {"count": len(stale.row_errors)})
    except IntegrityError:
        ImportJob.objects.filter(pk=job_id, status=S.IMPORTING).update(
            status=S.VALIDATED, processed_rows=job.total_rows,
            failure=_("Nothing was imported: an institution with one of these credit codes was registered "
                      "while importing. Confirm again to check the rows once more."))
    except Exception:
        logger.exception("import job %s failed", job_id)
        _mark_failed(job_id, _("The import failed; nothing was imported."), from_status=S.IMPORTING)
    cache.delete(_progress_key(job_id))
    return ImportJob.objects.get(pk=job_id)
