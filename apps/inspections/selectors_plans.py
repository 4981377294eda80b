"""Reads of plans, selections and their publication (SUP-1, SUP-2) that span models: the candidate list of
a plan's scope, the plan list, and the public results of double-random draws.

Candidates are read set-based (one statement, ordered by id); nothing here loops over institutions."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.core import policy
from apps.institutions.models import Institution
from apps.regions.models import Region

from .models import Inspection, InspectionPlan, RectificationOrder, TargetSelection

VIEW_PLAN = "inspections.view_inspectionplan"
VIEW_SELECTION = "inspections.view_targetselection"

# SUP-2: stability and security evaluations concern platforms and providers.
EVALUATION_DEFAULT_TYPES = (Institution.Type.DATA_SERVICE.value, Institution.Type.DATA_APPLICATION.value)


def plan_types(plan: InspectionPlan) -> list[str]:
    """The institution types a plan covers ([] = every type). An evaluation plan (SUP-2) with no type chosen
    covers data service providers and data application entities."""
    if plan.scope_types:
        return list(plan.scope_types)
    if plan.subject == InspectionPlan.Subject.EVALUATION:
        return list(EVALUATION_DEFAULT_TYPES)
    return []


def plan_region_prefixes(plan: InspectionPlan) -> list[str]:
    """Region-code prefixes of the plan's scope; no region chosen = the department's whole jurisdiction."""
    if plan.scope_regions:
        prefixes = dict(Region.objects.filter(code__in=plan.scope_regions).values_list("code", "prefix"))
        return sorted({prefixes.get(code, code) for code in plan.scope_regions})
    return [plan.department.jurisdiction_prefix or ""]


def selection_targets(selection: TargetSelection) -> list[int]:
    return [int(row["institution"]) for row in selection.result or []]


def plan_candidates(plan: InspectionPlan, method: str) -> QuerySet:
    """Admitted institutions in the plan's scope (region prefixes OR'ed, types), inside the department's
    jurisdiction, minus the targets of the plan's in-force selection of the other method; by ascending id."""
    rows = Institution.objects.filter(status=Institution.Status.ADMITTED)
    jurisdiction = plan.department.jurisdiction_prefix or ""
    if jurisdiction:
        rows = rows.filter(region__code__startswith=jurisdiction)
    prefixes = [prefix for prefix in plan_region_prefixes(plan) if prefix]
    if prefixes:
        condition = Q()
        for prefix in prefixes:
            condition |= Q(region__code__startswith=prefix)
        rows = rows.filter(condition)
    types = plan_types(plan)
    if types:
        rows = rows.filter(type__in=types)
    taken: list[int] = []
    for other in TargetSelection.objects.filter(plan=plan, status=TargetSelection.Status.IN_FORCE).exclude(
            method=method).only("result"):
        taken.extend(selection_targets(other))
    if taken:
        rows = rows.exclude(pk__in=taken)
    return rows.order_by("pk")


def plan_list(user, params=None) -> QuerySet:
    """Plans the user sees, newest first, with what the list shows (status and kind filters)."""
    params = params or {}
    rows = policy.visible(user, InspectionPlan.objects.select_related("department", "checklist__template"),
                          VIEW_PLAN)
    status = params.get("status") or ""
    if status in InspectionPlan.Status.values:
        rows = rows.filter(status=status)
    kind = params.get("kind") or ""
    if kind in InspectionPlan.Kind.values:
        rows = rows.filter(kind=kind)
    query = str(params.get("q") or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(number__icontains=query))
    return rows.order_by("-starts_on", "-pk")


# --- publication (SUP-1, SUP-2: "double random, one public") ----------------------------------------------


def public_selections() -> QuerySet:
    """Published double-random draws (void ones included, with their reasons), newest first."""
    return (TargetSelection.objects.filter(method=TargetSelection.Method.RANDOM, published=True)
            .select_related("plan__department").order_by("-drawn_at", "-pk"))


RECTIFICATION_NONE = "none"
RECTIFICATION_IN_PROGRESS = "in_progress"
RECTIFICATION_COMPLETED = "completed"
RECTIFICATION_OVERDUE = "overdue"


def rectification_status_by_inspection(inspection_ids) -> dict[int, str]:
    """{inspection id: none | in_progress | completed | overdue} from its orders, in one grouped query.

    Cancelled orders (referred to a case) do not count; any open order past its deadline makes it overdue,
    any other open order in progress; all accepted = completed."""
    open_statuses = [RectificationOrder.Status.ISSUED, RectificationOrder.Status.SUBMITTED,
                     RectificationOrder.Status.RETURNED]
    today = timezone.localdate()
    rows = (RectificationOrder.objects.filter(inspection_id__in=list(inspection_ids))
            .exclude(status=RectificationOrder.Status.CANCELLED).order_by().values("inspection_id")
            .annotate(total=Count("pk"), open=Count("pk", filter=Q(status__in=open_statuses)),
                      overdue=Count("pk", filter=Q(status__in=open_statuses, deadline__lt=today))))
    statuses = {}
    for row in rows:
        if row["overdue"]:
            statuses[row["inspection_id"]] = RECTIFICATION_OVERDUE
        elif row["open"]:
            statuses[row["inspection_id"]] = RECTIFICATION_IN_PROGRESS
        else:
            statuses[row["inspection_id"]] = RECTIFICATION_COMPLETED
    return statuses


def public_inspections(selection_ids) -> dict[int, list[Inspection]]:
    """{selection id: its inspections} with the institution and the rectification status (`rectification`),
    in two queries whatever the number of selections."""
    inspections = list(Inspection.objects.filter(selection_id__in=list(selection_ids))
                       .select_related("institution").order_by("selection_id", "pk")
                       .only("pk", "selection_id", "number", "status", "outcome", "scheduled_on", "closed_at", "institution",
                             "institution__name", "institution__organisation_id"))
    statuses = rectification_status_by_inspection([inspection.pk for inspection in inspections])
    grouped: dict[int, list[Inspection]] = {}
    for inspection in inspections:
        inspection.rectification = statuses.get(inspection.pk, RECTIFICATION_NONE)
        grouped.setdefault(inspection.selection_id, []).append(inspection)
    return grouped
