"""Publication of double-random draws (SUP-1, SUP-2: "double random, one public"), no sign-in: each published
draw with its digest, the targets' inspections (institution, date, status and outcome, rectification status)
and, per draw, the seed, inputs and result with the inspectors' names (officials acting officially; no phone
or e-mail) and the protocol to replay it. Only published random selections are ever read here."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from apps.core import errors
from apps.core.pagination import paginate

from .. import draw
from ..models import TargetSelection
from ..selectors_plans import public_inspections, public_selections
from .plans import protocol_response, selection_rows


def _public_selection(pk: int) -> TargetSelection:
    selection = public_selections().filter(pk=pk).first()
    if selection is None:
        raise errors.NotFound()
    return selection


@require_GET
def public_results(request):
    """Published draws, newest first, each with its targets' inspections (paged by draw)."""
    page = paginate(request, public_selections(), page_size=10)
    grouped = public_inspections([selection.pk for selection in page])
    for selection in page:
        selection.public_inspections = grouped.get(selection.pk, [])
    return render(request, "inspections/public/results.html", {"page": page})


@require_GET
def public_selection(request, pk: int):
    selection = _public_selection(pk)
    inspections = public_inspections([selection.pk]).get(selection.pk, [])
    by_institution = {inspection.institution_id: inspection for inspection in inspections}
    rows = selection_rows(selection)
    for row in rows:
        row["public_inspection"] = by_institution.get(row["institution"])
    return render(request, "inspections/public/selection.html", {
        "selection": selection, "rows": rows, "exclusion_count": sum(len(v) for v in selection.exclusions.values()),
        "replay_help": draw.REPLAY_HELP})


@require_GET
def public_protocol(request, pk: int):
    return protocol_response(_public_selection(pk))


urlpatterns = [
    path("public/results/", public_results, name="public_results"),
    path("public/selections/<int:pk>/", public_selection, name="public_selection"),
    path("public/selections/<int:pk>/protocol.json", public_protocol, name="public_protocol"),
]
