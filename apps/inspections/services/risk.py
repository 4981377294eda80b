"""Risk-based ranking of a plan's candidates (SUP-1, SUP-2, INS-3): who should be inspected first, and why.

Score = the sum of five parts, each explainable on its own (weights below, documented for the department):

| part | points |
|---|---|
| credit grade | A 0, B 10, C 25, D 40 (unknown grade: 0) |
| security incidents in the last 12 months (credit events "incident.*", not withdrawn) | 10 each, at most 30 |
| failed or overdue backup drills in the last 12 months (credit events "drill.*") | 5 each, at most 15 |
| overdue rectification orders (issued or returned, deadline passed) | 10 each, at most 30 |
| time since the last closed inspection, against the grade's inspection interval | never inspected 25; interval passed 20; more than half of it passed 10; else 0 |

The interval is the grade's `CreditGrade.inspection_interval_months` (institutions app, read only; 12 when
the grade row is missing). The ranking is ONE SQL statement over the scoped candidates: every part is a
correlated subquery on an indexed column, ordered by score (ties: smaller id) and limited, so it works the
same with a million institutions; nothing loops over candidates in Python.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.institutions.models import CreditGrade
from apps.institutions.selectors import recent_credit_event_count

from ..models import Inspection, InspectionPlan, RectificationOrder
from ..selectors_plans import plan_candidates

GRADE_POINTS = {"A": 0, "B": 10, "C": 25, "D": 40}
INCIDENT_POINTS, INCIDENT_CAP = 10, 30
DRILL_POINTS, DRILL_CAP = 5, 15
OVERDUE_ORDER_POINTS, OVERDUE_ORDER_CAP = 10, 30
NEVER_INSPECTED_POINTS = 25
INTERVAL_PASSED_POINTS = 20
HALF_INTERVAL_POINTS = 10
DEFAULT_INTERVAL_MONTHS = 12
LOOKBACK_DAYS = 365

PART_CODES = ("grade", "incidents", "drills", "overdue_orders", "due")


class _MonthsAfter(Func):
    """`<timestamp> + make_interval(months => <integer>)` (PostgreSQL)."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        moment_sql, moment_params = compiler.compile(self.source_expressions[0])
        months_sql, months_params = compiler.compile(self.source_expressions[1])
        return f"({moment_sql} + make_interval(months => {months_sql}))", [*moment_params, *months_params]


class _HalfMonthsAfter(_MonthsAfter):
    """`<timestamp> + <months> * 15 days`: half an interval of whole months, without integer division (half of a
    one-month interval is 15 days, not zero)."""

    def as_sql(self, compiler, connection, **extra_context):
        moment_sql, moment_params = compiler.compile(self.source_expressions[0])
        months_sql, months_params = compiler.compile(self.source_expressions[1])
        return f"({moment_sql} + make_interval(days => ({months_sql}) * 15))", [*moment_params, *months_params]


def _count(queryset) -> Coalesce:
    rows = queryset.order_by().values("institution_id").annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def risk_annotate(queryset, *, now: datetime.datetime | None = None):
    """Annotate institutions with every part's raw value, its points and `risk_score` (set-based)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = today - datetime.timedelta(days=LOOKBACK_DAYS)
    overdue_orders = RectificationOrder.objects.filter(
        institution_id=OuterRef("pk"), status__in=[RectificationOrder.Status.ISSUED, RectificationOrder.Status.RETURNED],
        deadline__lt=today)
    last_closed = (Inspection.objects.filter(institution_id=OuterRef("pk"), status=Inspection.Status.CLOSED)
                   .order_by("-closed_at").values("closed_at")[:1])
    interval = CreditGrade.objects.filter(code=OuterRef("credit_grade")).values("inspection_interval_months")[:1]
    rows = queryset.annotate(
        incident_count=recent_credit_event_count("incident.", since),
        drill_count=recent_credit_event_count("drill.", since),
        overdue_order_count=_count(overdue_orders),
        last_inspected_at=Subquery(last_closed, output_field=DateTimeField()),
        interval_months=Coalesce(Subquery(interval, output_field=IntegerField()), Value(DEFAULT_INTERVAL_MONTHS)),
    ).annotate(
        due_at=_MonthsAfter(F("last_inspected_at"), F("interval_months")),
        half_due_at=_HalfMonthsAfter(F("last_inspected_at"), F("interval_months")),
    ).annotate(
        grade_points=Case(*(When(credit_grade=code, then=Value(points)) for code, points in GRADE_POINTS.items()),
                          default=Value(0), output_field=IntegerField()),
        incident_points=Least(F("incident_count") * INCIDENT_POINTS, Value(INCIDENT_CAP)),
        drill_points=Least(F("drill_count") * DRILL_POINTS, Value(DRILL_CAP)),
        overdue_order_points=Least(F("overdue_order_count") * OVERDUE_ORDER_POINTS, Value(OVERDUE_ORDER_CAP)),
        due_points=Case(When(last_inspected_at__isnull=True, then=Value(NEVER_INSPECTED_POINTS)),
                        When(due_at__lte=now, then=Value(INTERVAL_PASSED_POINTS)),
                        When(half_due_at__lte=now, then=Value(HALF_INTERVAL_POINTS)),
                        default=Value(0), output_field=IntegerField()),
    )
    return rows.annotate(risk_score=F("grade_points") + F("incident_points") + F("drill_points")
                         + F("overdue_order_points") + F("due_points"))


_FIELDS = ("pk", "name", "region_id", "credit_grade", "incident_count", "drill_count", "overdue_order_count",
           "last_inspected_at", "interval_months", "grade_points", "incident_points", "drill_points",
           "overdue_order_points", "due_points", "risk_score")


def _row(values: dict) -> dict:
    """One ranking row as stored in `TargetSelection.ranking` (JSON): the score and each part with its points."""
    last = values["last_inspected_at"]
    return {
        "institution": values["pk"], "name": values["name"], "region": values["region_id"],
        "score": values["risk_score"],
        "parts": [
            {"code": "grade", "points": values["grade_points"], "value": values["credit_grade"]},
            {"code": "incidents", "points": values["incident_points"], "value": values["incident_count"]},
            {"code": "drills", "points": values["drill_points"], "value": values["drill_count"]},
            {"code": "overdue_orders", "points": values["overdue_order_points"],
             "value": values["overdue_order_count"]},
            {"code": "due", "points": values["due_points"],
             "value": timezone.localdate(last).isoformat() if last else None,
             "interval_months": values["interval_months"]},
        ],
    }


def risk_ranking(plan: InspectionPlan, *, limit: int = 100, method: str = "risk",
                 now: datetime.datetime | None = None) -> list[dict]:
    """The `limit` riskiest candidates of the plan's scope, highest score first (ties: smaller id), each with
    its parts; one SQL statement."""
    rows = risk_annotate(plan_candidates(plan, method), now=now).order_by("-risk_score", "pk")
    return [_row(values) for values in rows.values(*_FIELDS)[:limit]]


def explain_part(part: dict) -> str:
    """A translated sentence saying why a part scores its points."""
    code, value = part["code"], part.get("value")
    if code == "grade":
        return _("Credit grade %(grade)s") % {"grade": value}
    if code == "incidents":
        return _("%(count)s security incident(s) in the last 12 months (%(each)s points each, at most %(cap)s)") % {
            "count": value, "each": INCIDENT_POINTS, "cap": INCIDENT_CAP}
    if code == "drills":
        return _("%(count)s failed or overdue backup drill(s) in the last 12 months (%(each)s points each, "
                 "at most %(cap)s)") % {"count": value, "each": DRILL_POINTS, "cap": DRILL_CAP}
    if code == "overdue_orders":
        return _("%(count)s overdue rectification order(s) (%(each)s points each, at most %(cap)s)") % {
            "count": value, "each": OVERDUE_ORDER_POINTS, "cap": OVERDUE_ORDER_CAP}
    if code == "due":
        if not value:
            return _("Never inspected")
        return _("Last inspected on %(date)s; the grade calls for an inspection every %(months)s months") % {
            "date": value, "months": part.get("interval_months")}
    return code


def explain(row: dict) -> list[dict]:
    """The parts of a ranking row with their sentences, for pages and the API."""
    return [{"code": part["code"], "points": part["points"], "why": explain_part(part)} for part in row["parts"]]
