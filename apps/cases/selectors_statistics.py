"""Department statistics of accountability cases (SUP-3, SUP-4): within the user's jurisdiction (the policy
layer), for one year, cases by measure, by article, by region one level below the jurisdiction and by month.

The figures count what the case list (`cases:list`, views/listing.py) lists with the same parameters: cases
opened in the year (`?year=`), by the measure of their decision in force (`?measure=`), by article violated
(`?article=`), by the region-code prefix of the institution (`?region=`) and by month opened (`?month=`);
by month also gives the decisions in force taken in each month. One grouped query per figure, whatever the
amount of data."""

from __future__ import annotations

from django.db.models import CharField, Count, F, Func, Q
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone

from apps.core import errors, policy
from apps.regions.models import Region

from .ladder import ARTICLES, Measure
from .models import Appeal, Case, CaseMeasure, Decision
from .services.common import cases_visible

SUPERVISE = "cases.supervise_case"
CLOSED = (Case.Status.CLOSED, Case.Status.DROPPED)
# Digits of the region code that make "one level below" a jurisdiction prefix of this many digits.
REGION_DIGITS_BELOW = {0: 2, 2: 4, 4: 6, 6: 6}


def require_department(user) -> None:
    """Statistics are for health departments (supervise_case); an institution sees only its own cases."""
    policy.require(user, SUPERVISE)
    if policy.jurisdiction_prefix(user) is None and not user.is_superuser:
        raise errors.PermissionDenied()


def _by_region(cases, prefix: str) -> list[dict]:
    digits = REGION_DIGITS_BELOW[len(prefix)]
    counts = dict(cases.annotate(area=Substr("region_id", 1, digits)).values_list("area")
                  .annotate(n=Count("pk")).order_by())
    names = dict(Region.objects.filter(code__in=[area.ljust(6, "0") for area in counts])
                 .values_list("code", "name"))
    return [{"region": area, "code": area.ljust(6, "0"), "name": names.get(area.ljust(6, "0"), area), "count": n}
            for area, n in sorted(counts.items())]


def statistics(user, *, year=None) -> dict:
    """{"year", "by_measure", "by_article", "by_region", "by_month", "totals"} for the user's jurisdiction."""
    require_department(user)
    text = str(year or "")
    year = int(text) if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100 else timezone.localdate().year
    visible = cases_visible(user)
    cases = visible.filter(opened_at__year=year).order_by()

    found = dict(CaseMeasure.objects.filter(case__in=cases.values("pk"), decision__status=Decision.Status.IN_FORCE)
                 .values_list("kind").annotate(n=Count("case_id", distinct=True)).order_by())
    by_measure = [{"measure": kind, "label": str(label), "count": found.get(kind, 0)} for kind, label in Measure.choices]

    # jsonb_array_elements_text unnests the list of articles: one row per article of each case.
    unnested = Func(F("articles"), function="jsonb_array_elements_text", output_field=CharField())
    found = dict(cases.annotate(article=unnested).values_list("article").annotate(n=Count("pk")).order_by())
    by_article = [{"article": code, "label": str(ARTICLES.get(code, code)), "count": n}
                  for code, n in sorted(found.items(), key=lambda pair: (-pair[1], pair[0]))]

    opened = dict(cases.annotate(month=ExtractMonth("opened_at")).values_list("month").annotate(n=Count("pk"))
                  .order_by())
    decided = dict(Decision.objects.filter(case__in=visible.values("pk"), status=Decision.Status.IN_FORCE,
                                           decided_at__year=year)
                   .annotate(month=ExtractMonth("decided_at")).values_list("month").annotate(n=Count("pk")).order_by())
    by_month = [{"month": month, "opened": opened.get(month, 0), "decided": decided.get(month, 0)}
                for month in range(1, 13)]

    totals = visible.order_by().aggregate(
        opened=Count("pk", filter=Q(opened_at__year=year)),
        open=Count("pk", filter=~Q(status__in=CLOSED)),
        dropped=Count("pk", filter=Q(opened_at__year=year, status=Case.Status.DROPPED)))
    totals["decisions"] = sum(row["decided"] for row in by_month)
    totals["appeals"] = Appeal.objects.filter(case__in=visible.values("pk"), lodged_at__year=year).count()
    return {"year": year, "by_measure": by_measure, "by_article": by_article,
            "by_region": _by_region(cases, policy.jurisdiction_prefix(user) or ""), "by_month": by_month,
            "totals": totals}
