"""Celery tasks of the inspections app. A task takes ids and calls a service; it holds no rules."""

from config.celery import app


@app.task(name="inspections.orders_escalate")
def orders_escalate() -> int:
    """Beat, every morning: overdue rectification orders are escalated and raise credit events (SUP-1, INS-3)."""
    from .services.rectification import orders_escalate_overdue

    return orders_escalate_overdue()


@app.task(name="pdf.inspection_report", bind=True)
def render_report(self, report_id: int) -> str:
    """Render and sign one inspection report on the pdf queue; idempotent, retried on failure (SUP-5)."""
    from .services.reports import report_render

    return report_render(report_id)
