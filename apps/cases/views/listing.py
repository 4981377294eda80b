"""The filters of the case list, shared by the page (`cases:list`), the API (`/api/v1/cases/cases/`) and the
statistics' links (SUP-3, SUP-4): a figure of the dashboard links to the list with the same parameters, so
both must count the same rows. Every filter is a plain condition on what `selectors.cases_visible` returns."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import selectors
from ..ladder import ARTICLES, Measure, Severity
from ..models import Case, CaseMeasure, Decision

CLOSED_STATUSES = (Case.Status.CLOSED, Case.Status.DROPPED)
FILTERS = ("status", "source", "measure", "severity", "article", "region", "year", "month", "decided_year",
           "decided_month", "q", "overdue")


def text_param(params, name: str) -> str:
    """A free-text filter as PostgreSQL can take it: NUL characters (which it refuses in text) dropped."""
    return str(params.get(name) or "").replace("\x00", "").strip()


def _int_param(params, name: str, low: int, high: int) -> int | None:
    value = text_param(params, name)
    if value.isascii() and value.isdigit() and low <= int(value) <= high:
        return int(value)
    return None


def case_rows(user, params):
    """Cases the user may read, newest first, filtered by
    ?status= (a status, or `open`), ?source=, ?severity=, ?measure= (a measure of the decision in force),
    ?article= (one of the articles violated), ?region= (region-code prefix of the institution),
    ?year= and ?month= (when the case was opened), ?decided_year= and ?decided_month= (when its decision in
    force was taken), ?q= (case number or part of the institution's name),
    ?overdue=1 (an open case whose next deadline has passed)."""
    rows = selectors.cases_visible(user)
    status = text_param(params, "status")
    if status == "open":
        rows = rows.exclude(status__in=CLOSED_STATUSES)
    elif status in Case.Status.values:
        rows = rows.filter(status=status)
    source = text_param(params, "source")
    if source in Case.Source.values:
        rows = rows.filter(source=source)
    severity = text_param(params, "severity")
    if severity in Severity.values:
        rows = rows.filter(severity=severity)
    measure = text_param(params, "measure")
    if measure in Measure.values:
        rows = rows.filter(Exists(CaseMeasure.objects.filter(
            case=OuterRef("pk"), kind=measure, decision__status=Decision.Status.IN_FORCE)))
    article = text_param(params, "article")
    if article in ARTICLES:
        rows = rows.filter(articles__contains=[article])
    region = text_param(params, "region")
    if region and region.isascii() and region.isdigit():
        rows = rows.filter(region__code__startswith=region)
    year = _int_param(params, "year", 2000, 2100)
    if year is not None:
        rows = rows.filter(opened_at__year=year)
        month = _int_param(params, "month", 1, 12)
        if month is not None:
            rows = rows.filter(opened_at__month=month)
    decided_year = _int_param(params, "decided_year", 2000, 2100)
    if decided_year is not None:
        decided = Decision.objects.filter(case=OuterRef("pk"), status=Decision.Status.IN_FORCE,
                                          decided_at__year=decided_year)
        decided_month = _int_param(params, "decided_month", 1, 12)
        if decided_month is not None:
            decided = decided.filter(decided_at__month=decided_month)
        rows = rows.filter(Exists(decided))
    text = text_param(params, "q")
    if text:
        rows = rows.filter(Q(number__icontains=text) | Q(institution__name__icontains=text))
    if text_param(params, "overdue") == "1":
        rows = overdue(rows)
    return rows.select_related("institution", "department").order_by("-opened_at", "-pk")


def overdue(rows):
    """Open cases whose next deadline (defence, hearing, rectification, appeal review) is before today."""
    return selectors.with_next_deadline(rows.exclude(status__in=CLOSED_STATUSES)).filter(
        next_deadline__lt=timezone.localdate())
