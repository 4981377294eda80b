"""The decision and its signed letter for those who may read it (SUP-3, SUP-5).

- `decisions/<id>/`: the decision (measures, articles, appeal period) and its letter's state; while the letter
  is produced the status block polls `decisions/<id>/letter/progress/` every 2 s (htmx).
- `decisions/<id>/letter.pdf`: the signed PDF, every download audited.
- `decisions/<id>/letter/retry/`: produce a failed letter again (department users who see the case).
Visibility is the policy's (departments of the jurisdiction; the institution its own decisions once notified);
the rules live in services/letters.py, these views only shape requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from apps.core import errors
from apps.core.files import file_response

from ..ladder import ARTICLES, LADDER
from ..models import Decision
from ..services import letters as letter_services


def _status_context(request, decision: Decision) -> dict:
    may_manage = letter_services.may_manage(request.user, decision)
    return {
        "decision": decision, "printed_code": letter_services.format_code(decision.verification_code),
        "verification_url": letter_services.verification_url(decision.verification_code),
        "stage": letter_services.stage_of(decision), "progress": letter_services.progress_percent(decision),
        "may_manage": may_manage,
        "may_retry": may_manage and decision.letter_status == Decision.LetterStatus.FAILED,
    }


@login_required
@require_GET
def decision_detail(request, pk: int):
    """The decision and its letter: progress while produced, the error and a retry button when failed, the
    download, SHA-256 and verification code when ready."""
    decision = letter_services.decision_get(request.user, pk)
    measures = sorted(decision.measures.prefetch_related("parties"), key=lambda row: LADDER.index(row.kind))
    articles = [{"code": code, "label": ARTICLES.get(code, code)} for code in decision.articles]
    return render(request, "cases/letters/detail.html", {
        **_status_context(request, decision), "measures": measures, "articles": articles})


@login_required
@require_GET
def letter_progress(request, pk: int):
    """The letter's status block alone (what the detail page polls while the letter is produced)."""
    decision = letter_services.decision_get(request.user, pk)
    return render(request, "cases/letters/_status.html", _status_context(request, decision))


@login_required
@require_GET
def letter_download(request, pk: int):
    """The signed PDF, audited (SUP-5); the decision's page while the letter is not ready."""
    decision = letter_services.decision_get(request.user, pk)
    if decision.letter_status != Decision.LetterStatus.READY:
        return redirect("cases:decision_detail", pk=decision.pk)
    return file_response(decision.file, filename=f"{decision.number}.pdf", content_type="application/pdf",
                         inline=request.GET.get("inline") == "1", audit_request=request, audit_object=decision)


@login_required
@require_POST
def letter_retry(request, pk: int):
    """Produce a failed letter again."""
    decision = letter_services.decision_get(request.user, pk)
    try:
        letter_services.letter_requeue(decision=decision, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The decision letter is being produced again."))
    return redirect("cases:decision_detail", pk=decision.pk)


urlpatterns = [
    path("decisions/<int:pk>/", decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/letter.pdf", letter_download, name="letter_download"),
    path("decisions/<int:pk>/letter/progress/", letter_progress, name="letter_progress"),
    path("decisions/<int:pk>/letter/retry/", letter_retry, name="letter_retry"),
]
