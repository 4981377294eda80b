"""The department's inspection dashboard (SUP-1, SUP-2, SUP-4): inspections by status, findings by severity,
by article and by requirement, overdue orders by escalation level. Every number links to the list it counts,
filtered; the charts are server-rendered SVG (apps.catalog.charts, generic) with the same figures as tables."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from apps.catalog.charts import count_chart

from .. import selectors


def _url(name: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


@login_required
def dashboard(request):
    figures = selectors.dashboard_figures(request.user)
    for row in figures["by_status"]:
        row["url"] = _url("inspections:inspection_list", status=row["status"])
    for row in figures["by_severity"]:
        row["url"] = _url("inspections:finding_list", severity=row["severity"])
    for row in figures["by_article"]:
        row["url"] = _url("inspections:finding_list", article=row["article"])
    for row in figures["by_requirement"]:
        row["url"] = _url("inspections:finding_list", requirement=row["requirement"])
    orders = figures["orders"]
    links = {
        "open": _url("inspections:order_list", open=1),
        "submitted": _url("inspections:order_list", status="submitted"),
        "overdue": _url("inspections:order_list", overdue=1),
        **{f"level_{level}": _url("inspections:order_list", overdue=1, level=level) for level in (1, 2, 3)},
        "inspections": _url("inspections:inspection_list"),
        "findings": _url("inspections:finding_list"),
    }
    charts = {
        "status": count_chart([(row["label"], row["count"], row["url"]) for row in figures["by_status"]],
                              summary=_("Inspections in the jurisdiction by status.")),
        "severity": count_chart([(row["label"], row["count"], row["url"]) for row in figures["by_severity"]],
                                summary=_("Findings (not withdrawn) by severity.")),
        "article": count_chart([(row["article"], row["count"], row["url"]) for row in figures["by_article"]],
                               summary=_("Findings by the article they are against (the most frequent first).")),
        "requirement": count_chart(
            [(row["requirement"], row["count"], row["url"]) for row in figures["by_requirement"]],
            summary=_("Findings by requirement ID; a finding citing several counts in each.")),
    }
    return render(request, "inspections/dashboard/dashboard.html", {
        "figures": figures, "orders": orders, "links": links, "charts": charts,
        "jurisdiction": request.user.organisation})


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]
