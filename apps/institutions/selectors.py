"""Reads other apps may use: an institution's standing, without touching this app's tables."""

from .models import CreditGrade, Institution


def institution_status(organisation_id) -> str | None:
    """The admission status of an organisation's institution profile, or None if it has none."""
    return Institution.objects.filter(pk=organisation_id).values_list("status", flat=True).first()


def institution_may_apply_for_data(organisation_id) -> bool:
    """Admitted, not suspended, and a credit grade that allows data applications (INS-2, INS-3, INS-4)."""
    row = Institution.objects.filter(pk=organisation_id).values("status", "credit_grade").first()
    if row is None or row["status"] != Institution.Status.ADMITTED:
        return False
    grade = CreditGrade.objects.filter(code=row["credit_grade"]).values_list("may_apply_for_data", flat=True).first()
    return grade is None or grade


def institution_is_admitted(organisation_id) -> bool:
    return institution_status(organisation_id) == Institution.Status.ADMITTED


def admitted_institutions_in(prefix: str):
    """Admitted institutions whose region code starts with `prefix` ("" = the whole country).

    A queryset, so callers count it, group it or use its primary keys as a subquery in one statement
    (standards adoption rates, STD-5); the region prefix uses `inst_region_prefix_idx`."""
    rows = Institution.objects.filter(status=Institution.Status.ADMITTED)
    return rows.filter(region__code__startswith=prefix) if prefix else rows


def admitted_count_by_region(prefix: str, digits: int) -> dict[str, int]:
    """{first `digits` digits of the region code: admitted institutions} within `prefix`, in one GROUP BY."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    rows = (admitted_institutions_in(prefix).order_by().annotate(area=Substr("region_id", 1, digits))
            .values("area").annotate(total=Count("pk")).values_list("area", "total"))
    return dict(rows)


def institution_search(user, params, queryset=None):
    """The department list's filters, shared by the page, the API and the export (INS-1, SUP-4).

    params: a QueryDict or dict with q (name fragment or exact credit code), region (code prefix
    within the jurisdiction), type, hospital_grade, credit_grade, status, ownership."""
    from django.db.models import Q

    from apps.core import policy

    rows = policy.visible(user, queryset if queryset is not None else Institution.objects.all(),
                          "institutions.view_institution")
    query = (params.get("q") or "").strip()
    if query:
        code = query.upper()
        if len(code) == 18 and code.isalnum():
            rows = rows.filter(credit_code=code)
        else:
            rows = rows.filter(Q(name__icontains=query) | Q(name_en__icontains=query) if query.isascii()
                               else Q(name__icontains=query))
    region = (params.get("region") or "").strip()
    if region.isdigit():
        from apps.regions.models import Region

        prefix = Region.objects.filter(code=region).values_list("prefix", flat=True).first() or region
        rows = rows.filter(region__code__startswith=prefix)
    for field, choices in (("type", Institution.Type), ("hospital_grade", Institution.Grade),
                           ("status", Institution.Status), ("ownership", Institution.Ownership)):
        value = params.get(field) or ""
        if value in choices.values:
            rows = rows.filter(**{field: value})
    grade = params.get("credit_grade") or ""
    if len(grade) == 1 and grade.isalpha():
        rows = rows.filter(credit_grade=grade.upper())
    return rows


def recent_credit_event_count(trigger_prefix: str, since, outer_ref: str = "pk"):
    """Per institution, the number of credit events whose trigger starts with `trigger_prefix` ("incident.",
    "drill.") that occurred on or after `since` and were not withdrawn: a correlated COUNT subquery for
    `.annotate()` over any queryset whose `outer_ref` column is the institution id (0 when none), so a
    ranking of a million institutions stays one statement (risk-based inspection planning, SUP-1).
    Uses `credit_event_live_idx` (institution first)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import CreditEvent

    rows = (CreditEvent.objects.filter(institution_id=OuterRef(outer_ref), rule__trigger__startswith=trigger_prefix,
                                       occurred_on__gte=since)
            .exclude(status=CreditEvent.Status.WITHDRAWN)
            .order_by().values("institution_id").annotate(total=Count("pk")).values("total"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)
