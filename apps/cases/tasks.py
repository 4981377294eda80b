"""Celery tasks of the cases app. A task takes ids and calls a service; it holds no rules."""

from config.celery import app


@app.task(name="cases.rectifications_escalate")
def rectifications_escalate() -> int:
    """Beat, every morning: overdue rectification ordered in cases is escalated and costs credit (SUP-3, INS-3)."""
    from .services.rectification import rectifications_escalate_overdue

    return rectifications_escalate_overdue()


@app.task(name="pdf.case_decision_letter", bind=True)
def render_decision_letter(self, decision_id: int) -> str:
    """Render and sign one decision letter on the pdf queue; idempotent, retried on failure (SUP-5)."""
    from .services.letters import letter_render

    return letter_render(decision_id)
