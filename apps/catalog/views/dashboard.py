"""The department's sharing dashboard and the providers' work list of incoming applications (SVC-2, SVC-3,
SUP-4). Figures come from services/dashboard.py; every number links to the list it counts, filtered."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.pagination import paginate

from ..charts import count_chart
from ..models import DataCategory, StepKind
from ..services import dashboard as dashboard_services

# Pages of other areas the lists link to: (URL name, path if the name is not (yet) routed).
STEP_DETAIL = ("catalog:step_detail", "/catalog/review/steps/{pk}/")
GRANT_DETAIL = ("catalog:grant_detail", "/catalog/grants/{pk}/")
APPLICATION_DETAIL = ("catalog:application_detail", "/catalog/applications/{pk}/")


def catalog_url(target: tuple[str, str], *, pk: int | None = None, **params) -> str:
    """The URL of another page of the catalog by name, else by its agreed path, with query parameters."""
    name, fallback = target
    try:
        url = reverse(name, args=[pk] if pk is not None else [])
    except NoReverseMatch:
        url = fallback.format(pk=pk)
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")}, doseq=True)
    return f"{url}?{query}" if query else url


def _url(name: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _links(figures: dict) -> dict:
    for row in figures["steps"]:
        row["pending_url"] = _url("catalog:dashboard_steps", kind=row["kind"])
        row["overdue_url"] = _url("catalog:dashboard_steps", kind=row["kind"], overdue=1)
    for row in figures["by_level"]:
        row["url"] = _url("catalog:dashboard_applications", level=row["level"])
    for row in figures["by_category"]:
        row["url"] = _url("catalog:dashboard_applications", category=row["category"])
    return {
        "pending": _url("catalog:dashboard_steps"),
        "overdue": _url("catalog:dashboard_steps", overdue=1),
        "expiring": _url("catalog:dashboard_grants", filter="expiring"),
        "certificates_overdue": _url("catalog:dashboard_grants", filter="certificates_overdue"),
        "reports_overdue": _url("catalog:dashboard_reports"),
        "decided": _url("catalog:dashboard_applications", decided=1),
    }


@login_required
def dashboard(request):
    """Pending and overdue steps, expiring grants, overdue obligations, applications by level and by
    category (SVG charts with tables), average working days to a decision, for the jurisdiction."""
    figures = dashboard_services.dashboard_figures(request.user)
    links = _links(figures)
    level_chart = count_chart(
        [(_("Level %(level)s") % {"level": row["level"]}, row["count"], row["url"]) for row in figures["by_level"]],
        summary=_("Submitted applications by their highest sensitivity level."))
    category_chart = count_chart(
        [(row["label"], row["count"], row["url"]) for row in figures["by_category"]],
        summary=_("Submitted applications by the data category of the resources they request; an application "
                  "requesting several categories counts in each."))
    return render(request, "catalog/dashboard/dashboard.html", {
        "figures": figures, "links": links, "level_chart": level_chart, "category_chart": category_chart,
        "jurisdiction": request.user.organisation})


def _filter_label(request) -> str:
    """What the drill-down list is filtered by, in words."""
    parts = []
    kind = request.GET.get("kind", "")
    if kind in StepKind.values:
        parts.append(StepKind(kind).label)
    if request.GET.get("overdue") == "1":
        parts.append(_("past their due date"))
    level = request.GET.get("level", "")
    if level in {"1", "2", "3", "4", "5"}:
        parts.append(_("Level %(level)s") % {"level": level})
    category = request.GET.get("category", "")
    if category in DataCategory.values:
        parts.append(DataCategory(category).label)
    if request.GET.get("decided") == "1":
        parts.append(_("decided in the last 12 months"))
    return " · ".join(str(part) for part in parts)


@login_required
def dashboard_steps(request):
    page = paginate(request, dashboard_services.dashboard_steps(request.user, request.GET))
    for step in page:
        step.url = catalog_url(STEP_DETAIL, pk=step.pk)
    return render(request, "catalog/dashboard/steps.html", {
        "page": page, "filter_label": _filter_label(request), "today": timezone.localdate()})


@login_required
def dashboard_applications(request):
    page = paginate(request, dashboard_services.dashboard_applications(request.user, request.GET))
    for application in page:
        application.url = catalog_url(APPLICATION_DETAIL, pk=application.pk)
    return render(request, "catalog/dashboard/applications.html", {"page": page, "filter_label": _filter_label(request)})


@login_required
def dashboard_grants(request):
    which = request.GET.get("filter", "")
    page = paginate(request, dashboard_services.dashboard_grants(request.user, request.GET))
    for grant in page:
        grant.url = catalog_url(GRANT_DETAIL, pk=grant.pk)
    return render(request, "catalog/dashboard/grants.html", {"page": page, "which": which,
                                                              "today": timezone.localdate()})


@login_required
def dashboard_reports(request):
    page = paginate(request, dashboard_services.dashboard_reports(request.user))
    for report in page:
        report.url = catalog_url(GRANT_DETAIL, pk=report.grant_id)
    return render(request, "catalog/dashboard/reports.html", {"page": page, "today": timezone.localdate()})


@login_required
def incoming_list(request):
    """Applications for the institution's data: status, current step, whether it is our turn, due dates."""
    counts = dashboard_services.incoming_counts(request.user)
    rows = dashboard_services.incoming_applications(request.user, request.GET)
    page = paginate(request, rows)
    for application in page:
        application.url = catalog_url(APPLICATION_DETAIL, pk=application.pk)
        application.current_kind_label = StepKind(application.current_kind).label if application.current_kind else ""
    status = request.GET.get("status", "")
    for row in counts["statuses"]:
        row["url"] = "?" + urlencode({"status": row["status"]})
        row["active"] = status == row["status"]
    template = "catalog/dashboard/_incoming_rows.html" if request.htmx else "catalog/dashboard/incoming.html"
    return render(request, template, {"page": page, "counts": counts, "status": status,
                                      "turn": request.GET.get("turn", ""), "today": timezone.localdate()})


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/steps/", dashboard_steps, name="dashboard_steps"),
    path("dashboard/applications/", dashboard_applications, name="dashboard_applications"),
    path("dashboard/grants/", dashboard_grants, name="dashboard_grants"),
    path("dashboard/reports/", dashboard_reports, name="dashboard_reports"),
    path("incoming/", incoming_list, name="incoming_list"),
]
