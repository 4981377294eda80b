"""The public register of approved data uses (SVC-5, SVC-2): every grant with its grantee institution,
the resources, the purpose, the period and the grant's state, for anyone, without sign-in.

Nothing about people: no recipients, no reviewers, no one who filed or released anything. The
columns read are listed once (`PUBLIC_COLUMNS`) and the rows are read through them only."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone

from ..models import ApplicationItem, DataGrant

# What the register reads of a grant and its application: nothing else leaves the database.
PUBLIC_COLUMNS = ("pk", "number", "status", "starts_on", "ends_on", "created_at", "applicant_id", "application_id",
                  "applicant__name", "applicant__name_en", "applicant__credit_code", "application__number",
                  "application__title", "application__purpose")
_ITEM_COLUMNS = ("pk", "application_id", "resource_id", "version_id", "provider_id", "resource__code",
                 "version__title", "version__title_en", "provider__name")
QUERY_MAX = 100


def _items_prefetch() -> Prefetch:
    items = ApplicationItem.objects.select_related("resource", "version", "provider").only(*_ITEM_COLUMNS)
    return Prefetch("application__items", items.order_by("pk"))


def register_rows() -> QuerySet[DataGrant]:
    """Every grant, newest first, with only the public columns and the requested resources prefetched."""
    return (DataGrant.objects.select_related("applicant", "application").only(*PUBLIC_COLUMNS)
            .prefetch_related(_items_prefetch()).order_by("-created_at", "-pk"))


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_default_timezone()
    return (datetime.datetime(year, 1, 1, tzinfo=zone), datetime.datetime(year + 1, 1, 1, tzinfo=zone))


def register_search(params) -> QuerySet[DataGrant]:
    """Filter the register by `q` (institution name or credit code, resource code or title), `year`
    (year of approval, China time) and `status`; unknown values are ignored, not errors."""
    rows = register_rows()
    query = str(params.get("q") or "").replace("\x00", "").strip()[:QUERY_MAX]  # PostgreSQL refuses NUL
    if query:
        items = ApplicationItem.objects.filter(
            Q(resource__code__iexact=query) | Q(version__title__icontains=query) | Q(version__title_en__icontains=query)
        ).values("application_id")
        rows = rows.filter(Q(applicant__name__icontains=query) | Q(applicant__credit_code__iexact=query)
                           | Q(application_id__in=items))
    year = (params.get("year") or "").strip()
    if year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100:
        start, end = _year_bounds(int(year))
        rows = rows.filter(created_at__gte=start, created_at__lt=end)
    status = (params.get("status") or "").strip()
    if status in DataGrant.Status.values:
        rows = rows.filter(status=status)
    return rows


def register_years() -> list[int]:
    """Years from the first grant to this one, newest first (for the year filter; cached for an hour)."""
    def first_year():
        first = DataGrant.objects.aggregate(first=Min("created_at"))["first"]
        return timezone.localtime(first).year if first else None

    first = cache.get_or_set("catalog:register:first-year", first_year, 3600)
    this_year = timezone.localdate().year
    return list(range(this_year, (first or this_year) - 1, -1))


def resources_of(grant: DataGrant) -> list[dict]:
    """The requested resources of a grant as public facts (code, title, provider)."""
    return [{"code": item.resource.code, "title": item.version.title, "title_en": item.version.title_en,
             "provider": item.provider.name} for item in grant.application.items.all()]


# A cell a spreadsheet would run as a formula is written as text (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


CSV_HEADER = ("grant_number", "status", "institution", "credit_code", "project", "purpose", "resources",
              "providers", "valid_from", "valid_until", "approved_on")


def register_csv_rows(rows: QuerySet[DataGrant]):
    """The register as CSV rows (header first), read in chunks so a large export never sits in memory."""
    yield CSV_HEADER
    for grant in rows.iterator(chunk_size=500):
        resources = resources_of(grant)
        yield tuple(csv_cell(value) for value in (
            grant.number, grant.status, grant.applicant.name, grant.applicant.credit_code or "",
            grant.application.title, grant.application.purpose,
            "; ".join(f"{r['code']} {r['title']}" for r in resources),
            "; ".join(sorted({r["provider"] for r in resources})),
            grant.starts_on.isoformat(), grant.ends_on.isoformat(), timezone.localdate(grant.created_at).isoformat()))
