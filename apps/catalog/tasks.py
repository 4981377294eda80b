"""Celery tasks of the catalog app. A task takes ids and calls a service; it holds no rules."""

from config.celery import app

# --- routing (SVC-2) ---------------------------------------------------------------------------------------


@app.task(name="catalog.step_deadline_reminders")
def step_deadline_reminders() -> int:
    """Beat, every morning: remind the named reviewers of steps due within the reminder window."""
    from .services.routing import step_reminders_send

    return step_reminders_send()


# --- grants (SVC-3) ----------------------------------------------------------------------------------------


@app.task(name="catalog.grants_expire")
def grants_expire() -> int:
    """Beat, nightly: grants whose end date has passed expire (system account)."""
    from .services.grants import grants_expire_due

    return grants_expire_due()


@app.task(name="catalog.grant_expiry_reminders")
def grant_expiry_reminders() -> int:
    """Beat, every morning: recipients of grants ending soon are reminded once."""
    from .services.grants import grant_expiry_reminders_send

    return grant_expiry_reminders_send()


@app.task(name="catalog.grant_obligations_overdue")
def grant_obligations_overdue() -> int:
    """Beat, nightly: overdue reports and destruction certificates are flagged and raise credit events."""
    from .services.grants import grant_obligations_flag_overdue

    return grant_obligations_flag_overdue()


# --- letters (SVC-2, SUP-5) --------------------------------------------------------------------------------


@app.task(name="pdf.catalog_letter")
def render_letter(letter_id: int) -> str:
    """Render (and sign) one decision letter on the pdf queue; idempotent."""
    from .services.letters import letter_render

    return letter_render(letter_id)
