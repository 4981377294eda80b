"""Read models of the sharing dashboard and the providers' work list (SVC-2, SVC-3, SVC-6, SUP-4).

Every figure is one set-based query (GROUP BY or conditional aggregates) over what the policy layer lets
the user see, so the number of queries does not grow with the data. A department sees its jurisdiction:
steps whose deciding organisation is in it, applications and grants whose applicant or a provider is.
"""

from __future__ import annotations

import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.core import errors, policy

from ..models import (
    STEP_ORDER,
    ApplicationItem,
    DataCategory,
    DataGrant,
    GrantReport,
    RouteStep,
    SharingApplication,
    StepKind,
)

A = SharingApplication.Status
CHINA = ZoneInfo("Asia/Shanghai")
EXPIRY_WINDOW_DAYS = 30
DECISION_WINDOW_DAYS = 365


def require_department(user) -> None:
    """The dashboard is for health administrative departments that see sharing (SUP-4)."""
    policy.require(user, "catalog.view_sharingapplication")
    if policy.jurisdiction_prefix(user) is None and not user.is_superuser:
        raise errors.PermissionDenied()


def _applications(user):
    """Submitted (not draft) applications in the user's scope."""
    return policy.visible(user, SharingApplication.objects.exclude(status=A.DRAFT), "catalog.view_sharingapplication")


def _active_steps(user):
    return policy.visible(user, RouteStep.objects.filter(status=RouteStep.Status.ACTIVE), "catalog.view_routestep")


def _grants(user):
    return policy.visible(user, DataGrant.objects.all(), "catalog.view_datagrant")


def _expiring_q(today) -> Q:
    return Q(status=DataGrant.Status.ACTIVE, ends_on__gte=today,
             ends_on__lte=today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS))


def _certificate_overdue_q(today) -> Q:
    return Q(status__in=[DataGrant.Status.EXPIRED, DataGrant.Status.REVOKED], destruction_due_on__lt=today)


def _overdue_reports(user, today):
    return policy.visible(user, GrantReport.objects.filter(status=GrantReport.Status.DUE, due_on__lt=today),
                          "catalog.view_grantreport")


def _decided_since(today) -> datetime.date:
    return today - datetime.timedelta(days=DECISION_WINDOW_DAYS)


def _decided(applications, today):
    return applications.filter(status__in=[A.APPROVED, A.REFUSED], submitted_at__isnull=False,
                               decided_at__isnull=False, decided_at__date__gte=_decided_since(today))


def _steps_by_kind(user, today) -> list[dict]:
    rows = (_active_steps(user).values("kind")
            .annotate(pending=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))).order_by())
    found = {row["kind"]: row for row in rows}
    return [{"kind": kind.value, "label": kind.label, "pending": found.get(kind.value, {}).get("pending", 0),
             "overdue": found.get(kind.value, {}).get("overdue", 0)} for kind in STEP_ORDER]


def _grant_figures(user, today) -> dict:
    figures = _grants(user).aggregate(expiring=Count("pk", filter=_expiring_q(today)),
                                      certificates_overdue=Count("pk", filter=_certificate_overdue_q(today)))
    figures["reports_overdue"] = _overdue_reports(user, today).order_by().count()
    return figures


def _by_level(applications) -> list[dict]:
    rows = applications.filter(level__isnull=False).values("level").annotate(n=Count("pk")).order_by("level")
    found = {row["level"]: row["n"] for row in rows}
    return [{"level": level, "count": found.get(level, 0)} for level in range(1, 6)]


def _by_category(applications) -> list[dict]:
    """Applications per data category of their requested resources (one application may count in several)."""
    rows = (ApplicationItem.objects.filter(application__in=applications.values("pk"))
            .values("version__category").annotate(n=Count("application", distinct=True)).order_by())
    found = {row["version__category"]: row["n"] for row in rows}
    return [{"category": category.value, "label": category.label, "count": found.get(category.value, 0)}
            for category in DataCategory]


def _average_working_days(applications, today) -> dict:
    """Mean working days from submission to decision of the applications decided in the last 12 months.

    One GROUP BY over (submission day, decision day) in China time; the working days between each pair of
    distinct days come from apps.workdays, counted once along the sorted distinct days."""
    from apps.workdays.services import working_days_between

    since = _decided_since(today)
    pairs = list(_decided(applications, today)
                 .annotate(submitted_day=TruncDate("submitted_at", tzinfo=CHINA),
                           decided_day=TruncDate("decided_at", tzinfo=CHINA))
                 .values("submitted_day", "decided_day").annotate(n=Count("pk")).order_by())
    if not pairs:
        return {"average": None, "decided": 0, "since": since}
    days = sorted({row["submitted_day"] for row in pairs} | {row["decided_day"] for row in pairs})
    position, running = {days[0]: 0}, 0
    for previous, day in pairwise(days):
        running += working_days_between(previous, day)
        position[day] = running
    total = sum(row["n"] for row in pairs)
    working = sum(row["n"] * max(position[row["decided_day"]] - position[row["submitted_day"]], 0) for row in pairs)
    return {"average": round(working / total, 1), "decided": total, "since": since}


def dashboard_figures(user) -> dict:
    """Everything the department dashboard shows, for the user's jurisdiction (a fixed number of queries)."""
    require_department(user)
    today = timezone.localdate()
    applications = _applications(user)
    steps = _steps_by_kind(user, today)
    return {
        "today": today,
        "steps": steps,
        "pending_total": sum(row["pending"] for row in steps),
        "overdue_total": sum(row["overdue"] for row in steps),
        **_grant_figures(user, today),
        "by_level": _by_level(applications),
        "by_category": _by_category(applications),
        "decision_time": _average_working_days(applications, today),
        "expiry_window": EXPIRY_WINDOW_DAYS,
    }


# --- the lists behind the figures: the same conditions, row by row --------------------------------------------


def dashboard_steps(user, params):
    """Active steps in the jurisdiction; `kind` one step kind, `overdue=1` those past their due date."""
    require_department(user)
    rows = _active_steps(user)
    kind = params.get("kind", "")
    if kind in StepKind.values:
        rows = rows.filter(kind=kind)
    if params.get("overdue") == "1":
        rows = rows.filter(due_on__lt=timezone.localdate())
    return (rows.select_related("application__applicant", "organisation")
            .order_by("due_on", "application__submitted_at", "pk"))


APPLICATION_FILTERS = ("level", "category", "decided")


def dashboard_applications(user, params):
    """Submitted applications in the jurisdiction; `level`, `category` or `decided=1` (decided in the last
    12 months), as counted by the charts and the average."""
    require_department(user)
    today = timezone.localdate()
    rows = _applications(user)
    level = params.get("level", "")
    if level in {"1", "2", "3", "4", "5"}:
        rows = rows.filter(level=int(level))
    category = params.get("category", "")
    if category in DataCategory.values:
        rows = rows.filter(pk__in=ApplicationItem.objects.filter(version__category=category).values("application_id"))
    if params.get("decided") == "1":
        rows = _decided(rows, today)
    return rows.select_related("applicant").order_by("-submitted_at", "-pk")


GRANT_FILTERS = ("expiring", "certificates_overdue")


def dashboard_grants(user, params):
    """Grants in the jurisdiction ending within the window (`filter=expiring`) or whose destruction
    certificate is overdue (`filter=certificates_overdue`)."""
    require_department(user)
    today = timezone.localdate()
    which = params.get("filter", "")
    rows = _grants(user)
    if which == "expiring":
        rows = rows.filter(_expiring_q(today)).order_by("ends_on", "pk")
    elif which == "certificates_overdue":
        rows = rows.filter(_certificate_overdue_q(today)).order_by("destruction_due_on", "pk")
    else:
        raise errors.NotFound()
    return rows.select_related("applicant", "application")


def dashboard_reports(user):
    """Progress and final reports past their due date, in the jurisdiction."""
    require_department(user)
    return (_overdue_reports(user, timezone.localdate()).select_related("grant__applicant")
            .order_by("due_on", "pk"))


# --- the providers' work list (SVC-2) ---------------------------------------------------------------------


def require_institution(user) -> None:
    """The incoming list is for institutions' people who see sharing (providers of data)."""
    policy.require(user, "catalog.view_sharingapplication")
    if policy.jurisdiction_prefix(user) is not None or not user.organisation_id:
        raise errors.PermissionDenied()


INCOMING_FILTERS = ("status", "turn")


def incoming_applications(user, params=None):
    """Submitted applications that request the user's institution's resources, each with its current step
    (kind, organisation, due date) and whether the institution must decide now (`our_turn`, `our_due_on`)."""
    require_institution(user)
    params = params or {}
    organisation_id = user.organisation_id
    requested = ApplicationItem.objects.filter(provider_id=organisation_id).values("application_id")
    rows = policy.visible(user, SharingApplication.objects.filter(pk__in=requested).exclude(status=A.DRAFT),
                          "catalog.view_sharingapplication")
    active = RouteStep.objects.filter(application=OuterRef("pk"), round=OuterRef("round"),
                                      status=RouteStep.Status.ACTIVE).order_by("order", "pk")
    ours = active.filter(organisation_id=organisation_id)
    rows = rows.select_related("applicant").annotate(
        current_kind=Subquery(active.values("kind")[:1]),
        current_organisation=Subquery(active.values("organisation__name")[:1]),
        current_due_on=Subquery(active.values("due_on")[:1]),
        our_turn=Exists(ours),
        our_due_on=Subquery(ours.values("due_on")[:1]),
    )
    status = (params.get("status") or "").strip()
    if status in A.values and status != A.DRAFT:
        rows = rows.filter(status=status)
    if (params.get("turn") or "") == "ours":
        rows = rows.filter(our_turn=True)
    return rows.order_by("-our_turn", "our_due_on", "-submitted_at", "-pk")


def incoming_counts(user) -> dict:
    """How many incoming applications stand in each status, and how many wait for the institution now."""
    require_institution(user)
    organisation_id = user.organisation_id
    requested = ApplicationItem.objects.filter(provider_id=organisation_id).values("application_id")
    rows = policy.visible(user, SharingApplication.objects.filter(pk__in=requested).exclude(status=A.DRAFT),
                          "catalog.view_sharingapplication")
    by_status = {row["status"]: row["n"] for row in rows.values("status").annotate(n=Count("pk")).order_by()}
    waiting = RouteStep.objects.filter(application__in=rows.values("pk"), status=RouteStep.Status.ACTIVE,
                                       organisation_id=organisation_id).aggregate(
        n=Count("application", distinct=True), overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())))
    return {
        "statuses": [{"status": value, "label": label, "count": by_status.get(value, 0)}
                     for value, label in A.choices if value != A.DRAFT],
        "our_turn": waiting["n"] or 0, "our_overdue": waiting["overdue"] or 0,
        "total": sum(by_status.values()),
    }

