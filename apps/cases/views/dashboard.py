"""The department's case statistics (SUP-3, SUP-4): for a year, cases by measure, by article, by region and
by month as server-rendered SVG bar charts (apps.catalog.charts geometry, no script), each with the same
figures as a table; every number links to the case list filtered to exactly the cases it counts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from apps.catalog.charts import count_chart

from .. import selectors
from ..selectors_statistics import require_department


def list_url(**params) -> str:
    """The case list with these filters (empty values left out)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("cases:list") + (f"?{query}" if query else "")


def chosen_year(params) -> int:
    value = str(params.get("year") or "")
    this_year = timezone.localdate().year
    return int(value) if value.isascii() and value.isdigit() and 2000 <= int(value) <= this_year + 1 else this_year


def year_choices(user, year: int) -> list[int]:
    """From the year of the earliest case the user may read to this year (and the year shown)."""
    first = selectors.cases_visible(user).order_by().aggregate(first=Min("opened_at"))["first"]
    this_year = timezone.localdate().year
    start = min(timezone.localtime(first).year if first else this_year, year)
    return list(range(max(this_year, year), start - 1, -1))


def figures_with_links(figures: dict) -> dict:
    """Each row of the statistics gets the list url of exactly the cases it counts (same parameters)."""
    year = figures["year"]
    for row in figures["by_measure"]:
        row["url"] = list_url(measure=row["measure"], year=year)
    for row in figures["by_article"]:
        row["url"] = list_url(article=row["article"], year=year)
    for row in figures["by_region"]:
        row["url"] = list_url(region=row["region"], year=year)
    for row in figures["by_month"]:
        row["label"] = str(MONTHS[row["month"]])
        row["opened_url"] = list_url(year=year, month=row["month"])
        row["decided_url"] = list_url(decided_year=year, decided_month=row["month"])
    figures["links"] = {
        "opened": list_url(year=year), "open": list_url(status="open"),
        "dropped": list_url(year=year, status="dropped"), "decisions": list_url(decided_year=year),
    }
    return figures


@login_required
def dashboard(request):
    require_department(request.user)
    year = chosen_year(request.GET)
    figures = figures_with_links(selectors.statistics(request.user, year=year))
    charts = {
        "measure": count_chart([(row["label"], row["count"], row["url"]) for row in figures["by_measure"]],
                               summary=_("Cases opened in %(year)s by the measures of their decision in force.")
                               % {"year": year}),
        "article": count_chart([(row["article"], row["count"], row["url"]) for row in figures["by_article"]],
                               summary=_("Cases opened in %(year)s by article violated; a case citing several "
                                         "articles counts under each.") % {"year": year}),
        "region": count_chart([(row["name"], row["count"], row["url"]) for row in figures["by_region"]],
                              summary=_("Cases opened in %(year)s by the region of the institution.") % {"year": year}),
        "month": count_chart([(row["label"], row["opened"], row["opened_url"]) for row in figures["by_month"]],
                             summary=_("Cases opened in each month of %(year)s.") % {"year": year}),
    }
    return render(request, "cases/dashboard.html", {
        "figures": figures, "charts": charts, "year": year, "years": year_choices(request.user, year),
        "jurisdiction": request.user.organisation})


urlpatterns = [
    path("statistics/", dashboard, name="dashboard"),
]
