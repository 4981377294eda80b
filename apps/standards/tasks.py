"""Celery tasks of the standards app. Each area has its own section; a task takes ids and calls a
service, it holds no rules."""

from config.celery import app

# --- lifecycle (STD-1) -----------------------------------------------------------------------------------


@app.task(name="standards.bring_into_force")
def bring_into_force() -> list[int]:
    """Beat, nightly: published standards whose in-force date has come, as the system account."""
    from .services.lifecycle import standards_bring_into_force_due

    return standards_bring_into_force_due()


# --- adoption (STD-5) --------------------------------------------------------------------------------------


@app.task(name="standards.adoption_changes_digest")
def adoption_changes_digest() -> int:
    """Beat, early morning: each adoption monitor gets the declarations made or withdrawn in the department's
    jurisdiction during the last 24 hours, as one notification, and only when there were any."""
    from .services.adoption import adoption_digest_send

    return adoption_digest_send()
