"""Celery tasks of the institutions app. Each area has its own section; a task takes ids and calls a
service, it holds no rules. Task names starting with "pdf." run on the pdf queue (config/celery.py)."""

from config.celery import app

# --- exit and restoration (INS-4) ----------------------------------------------------------------------


@app.task(name="pdf.institutions.decision_letter")
def decision_letter(decision_id: int) -> int | None:
    """Generate and link the decision letter of a decided status decision (idempotent)."""
    from .services.exit import status_decision_letter_generate

    document = status_decision_letter_generate(decision_id=decision_id)
    return document.pk if document else None


# --- credit rating (INS-3) ----------------------------------------------------------------------------


@app.task(name="institutions.credit_recompute_all")
def credit_recompute_all() -> dict:
    """Beat, nightly: everyone's rating (expired effects drop out), then suspension proposals (INS-4)."""
    from .services.credit import credit_recompute_all as recompute_all

    return recompute_all()


@app.task(name="institutions.credit_recompute")
def credit_recompute_everyone() -> int:
    """After a grade or the scheme changed: every rating at once, without proposals (they wait for the night)."""
    from .services.credit import credit_recompute

    return credit_recompute()


# --- bulk import of institutions (INS-1) ----------------------------------------------------------------


@app.task(name="institutions.import_validate", soft_time_limit=50 * 60, time_limit=55 * 60)
def import_validate(job_id: int) -> str | None:
    """Validate every row of an uploaded file too large to check during the request."""
    from .services.imports import import_job_validate

    job = import_job_validate(job_id=job_id)
    return job.status if job else None


@app.task(name="institutions.import_run", soft_time_limit=50 * 60, time_limit=55 * 60)
def import_run(job_id: int, user_id: int) -> str | None:
    """Write the rows of a confirmed import; `user_id` is who confirmed it (named in the history)."""
    from .services.imports import import_job_run

    job = import_job_run(job_id=job_id, by_id=user_id)
    return job.status if job else None
