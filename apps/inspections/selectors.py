"""Reads that span the inspections app's models (SUP-1, SUP-2, SUP-4): the inspector's work list, the lists
of inspections, findings and orders with their filters, and the department dashboard's figures.

Every figure is one set-based query (GROUP BY or conditional aggregates) over what the policy layer lets the
user see, so the number of queries does not grow with the data."""

from __future__ import annotations

import re

from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core import errors, policy

from .models import (
    ChecklistItem,
    Finding,
    Inspection,
    ItemResult,
    RectificationOrder,
    Severity,
    TeamMember,
)
from .services.inspections import inspections_visible
from .services.rectification import orders_visible

OPEN_INSPECTION = [Inspection.Status.PLANNED, Inspection.Status.IN_PROGRESS]
AWAITING_INSTITUTION = [RectificationOrder.Status.ISSUED, RectificationOrder.Status.RETURNED]
OPEN_ORDER = [RectificationOrder.Status.ISSUED, RectificationOrder.Status.SUBMITTED,
              RectificationOrder.Status.RETURNED]
VIEW_INSPECTION = "inspections.view_inspection"
VIEW_FINDING = "inspections.view_finding"
REQUIREMENT_ID = re.compile(r"^[A-Z]{2,5}-\d{1,3}$")


def text_param(params, name: str) -> str:
    """A free-text filter as PostgreSQL can take it: NUL characters (which it refuses in text) dropped."""
    return str(params.get(name) or "").replace("\x00", "").strip()


def _count(model, **lookup):
    """A correlated COUNT subquery (0 when none) for annotations."""
    rows = (model.objects.filter(**lookup).order_by().values(next(iter(lookup))).annotate(n=Count("pk"))
            .values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_progress(rows):
    """Annotate answered items, checklist size, open orders and the earliest deadline of those still awaiting
    the institution."""
    return rows.annotate(
        answered=_count(ItemResult, inspection=OuterRef("pk")),
        total_items=_count(ChecklistItem, version=OuterRef("checklist_id")),
        open_orders=Coalesce(Subquery(
            RectificationOrder.objects.filter(inspection=OuterRef("pk"), status__in=OPEN_ORDER).order_by()
            .values("inspection").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0)),
        next_deadline=Subquery(
            RectificationOrder.objects.filter(inspection=OuterRef("pk"), status__in=AWAITING_INSTITUTION)
            .order_by().values("inspection").annotate(first=Min("deadline")).values("first")),
    )


def my_inspections(user, params=None):
    """The inspector's work list: inspections the user is on the team of, open ones first (soonest first),
    then closed ones (latest first), with progress and the next order deadline."""
    params = params or {}
    rows = Inspection.objects.filter(pk__in=TeamMember.objects.filter(user=user).values("inspection_id"))
    which = params.get("show", "")
    if which == "open":
        rows = rows.filter(status__in=OPEN_INSPECTION)
    elif which == "closed":
        rows = rows.exclude(status__in=OPEN_INSPECTION)
    role = TeamMember.objects.filter(inspection=OuterRef("pk"), user=user).values("role")[:1]
    rows = with_progress(rows.select_related("institution", "plan")).annotate(
        my_role=Subquery(role),
        open_first=Case(When(status__in=OPEN_INSPECTION, then=Value(0)), default=Value(1),
                        output_field=IntegerField()),
        open_date=Case(When(status__in=OPEN_INSPECTION, then=F("scheduled_on")), default=None))
    return rows.order_by("open_first", F("open_date").asc(nulls_last=True), F("closed_at").desc(nulls_last=True),
                         "-pk")


def inspection_rows(user, params):
    """Inspections the user may read, filtered by ?status=, ?outcome=, ?plan=, ?institution= (name part)."""
    rows = inspections_visible(user).select_related("institution", "plan")
    status = params.get("status", "")
    if status == "open":
        rows = rows.filter(status__in=OPEN_INSPECTION)
    elif status in Inspection.Status.values:
        rows = rows.filter(status=status)
    if params.get("outcome", "") in Inspection.Outcome.values:
        rows = rows.filter(outcome=params["outcome"])
    plan = params.get("plan", "")
    if plan.isascii() and plan.isdigit():
        rows = rows.filter(plan_id=int(plan))
    name = text_param(params, "q")
    if name:
        rows = rows.filter(Q(institution__name__icontains=name) | Q(number__icontains=name))
    return with_progress(rows).order_by(F("scheduled_on").desc(nulls_last=True), "-pk")


def finding_rows(user, params):
    """Findings the user may read (jurisdiction, or their own inspections), by ?severity=, ?status=,
    ?article=, ?requirement= (one requirement ID among those the finding cites)."""
    rows = Finding.objects.filter(inspection__in=inspections_visible(user).values("pk"))
    rows = rows.select_related("inspection", "inspection__institution")
    if params.get("severity", "") in Severity.values:
        rows = rows.filter(severity=params["severity"])
    status = params.get("status", "")
    if status in Finding.Status.values:
        rows = rows.filter(status=status)
    elif status != "all":
        rows = rows.exclude(status=Finding.Status.WITHDRAWN)
    if "article" in params:
        rows = rows.filter(article=text_param(params, "article"))
    requirement = (params.get("requirement") or "").strip().upper()
    if REQUIREMENT_ID.match(requirement):
        rows = rows.filter(requirement_ids__iregex=rf"(^|[,\s]){re.escape(requirement)}($|[,\s])")
    return rows.order_by("-inspection__closed_at", "-inspection_id", "number")


def order_rows(user, params, *, institution_id=None):
    """Orders the user may read, the first due first; ?status=, ?overdue=1, ?level=, ?open=1, ?q= (number or
    institution name part); `institution_id` limits them to one institution (its own list)."""
    today = timezone.localdate()
    rows = orders_visible(user).select_related("institution", "inspection", "finding")
    if institution_id is not None:
        rows = rows.filter(institution_id=institution_id)
    status = params.get("status", "")
    if status in RectificationOrder.Status.values:
        rows = rows.filter(status=status)
    if params.get("open") == "1":
        rows = rows.filter(status__in=OPEN_ORDER)
    if params.get("overdue") == "1":
        rows = rows.filter(status__in=AWAITING_INSTITUTION, deadline__lt=today)
    level = params.get("level", "")
    if level in {"1", "2", "3"}:
        rows = rows.filter(escalation_level=int(level))
    name = text_param(params, "q")
    if name:
        rows = rows.filter(Q(institution__name__icontains=name) | Q(number__icontains=name))
    return rows.order_by("deadline", "pk")


# --- the department dashboard ------------------------------------------------------------------------------


def require_department(user) -> None:
    """The dashboard is for health administrative departments that oversee inspections (SUP-4)."""
    policy.require(user, "inspections.supervise_inspection")
    if policy.jurisdiction_prefix(user) is None and not user.is_superuser:
        raise errors.PermissionDenied()


def dashboard_figures(user) -> dict:
    """Inspections by status, findings by severity, by article and by requirement ID, overdue orders by level
    (five grouped queries, whatever the amount of data)."""
    require_department(user)
    today = timezone.localdate()
    inspections = policy.visible(user, Inspection.objects.all(), VIEW_INSPECTION)
    found = dict(inspections.order_by().values_list("status").annotate(n=Count("pk")))
    by_status = [{"status": value, "label": label, "count": found.get(value, 0)}
                 for value, label in Inspection.Status.choices]

    findings = (policy.visible(user, Finding.objects.all(), VIEW_FINDING)
                .exclude(status=Finding.Status.WITHDRAWN).order_by())
    found = dict(findings.values_list("severity").annotate(n=Count("pk")))
    by_severity = [{"severity": value, "label": label, "count": found.get(value, 0)}
                   for value, label in Severity.choices]
    by_article = [{"article": article, "count": n} for article, n in
                  findings.exclude(article="").values_list("article").annotate(n=Count("pk"))
                  .order_by("-n", "article")[:15]]
    requirement_counts: dict[str, int] = {}
    for text, n in findings.exclude(requirement_ids="").values_list("requirement_ids").annotate(n=Count("pk")):
        for code in {part.strip().upper() for part in re.split(r"[,\s;、，]+", text) if part.strip()}:
            requirement_counts[code] = requirement_counts.get(code, 0) + n
    by_requirement = [{"requirement": code, "count": n} for code, n in
                      sorted(requirement_counts.items(), key=lambda pair: (-pair[1], pair[0]))[:15]]

    orders = policy.visible(user, RectificationOrder.objects.all(), "inspections.view_rectificationorder")
    overdue_q = Q(status__in=AWAITING_INSTITUTION, deadline__lt=today)
    order_figures = orders.order_by().aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_ORDER)),
        awaiting_verification=Count("pk", filter=Q(status=RectificationOrder.Status.SUBMITTED)),
        overdue=Count("pk", filter=overdue_q),
        **{f"level_{level}": Count("pk", filter=overdue_q & Q(escalation_level=level)) for level in (1, 2, 3)})
    return {"by_status": by_status, "by_severity": by_severity, "by_article": by_article,
            "by_requirement": by_requirement, "orders": order_figures,
            "inspections_total": sum(row["count"] for row in by_status),
            "findings_total": sum(row["count"] for row in by_severity)}


# --- home panels -------------------------------------------------------------------------------------------


def open_inspections_of(user, limit: int = 5) -> tuple[list, int]:
    rows = my_inspections(user, {"show": "open"})
    found = list(rows[: limit + 1])
    return found[:limit], len(found)


def institution_open_orders(user, limit: int = 5) -> list:
    if not user.organisation_id:
        return []
    return list(order_rows(user, {"open": "1"}, institution_id=user.organisation_id)[: limit + 1])


def overdue_orders_count(user, cap: int = 1000) -> int:
    today = timezone.localdate()
    rows = policy.visible(user, RectificationOrder.objects.filter(status__in=AWAITING_INSTITUTION,
                                                                  deadline__lt=today),
                          "inspections.view_rectificationorder")
    return rows.order_by()[:cap].count()
