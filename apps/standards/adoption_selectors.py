"""Adoption figures for departments (STD-5, M.15: monitor adoption dynamically, by jurisdiction).

Every figure is set-based: one GROUP BY per table, never a query per standard, region or institution, so
the pages cost the same at a million institutions. The population is the admitted institutions of the
jurisdiction (read through `apps.institutions.selectors`); a declaration counts when it is active, its
region snapshot lies in the jurisdiction and its institution is admitted there now, so a rate never
exceeds 100 %."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from apps.core import errors, policy
from apps.institutions.selectors import admitted_count_by_region, admitted_institutions_in
from apps.regions.models import Region

from .models import ADOPTABLE_STATUSES, AdoptionDeclaration, Standard

ACTIVE = AdoptionDeclaration.Status.ACTIVE


def rate_of(declared: int, population: int) -> Decimal | None:
    """Percentage with one decimal; None when there is nobody to apply it."""
    if not population:
        return None
    return (Decimal(100 * declared) / Decimal(population)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def monitor_prefix(user) -> str:
    """The jurisdiction prefix of a department user allowed to monitor adoption, else PermissionDenied."""
    if not (getattr(user, "is_authenticated", False) and user.has_perm("standards.monitor_adoption")):
        raise errors.PermissionDenied()
    prefix = policy.jurisdiction_prefix(user)
    if prefix is None:
        if user.is_superuser:
            return ""
        raise errors.PermissionDenied()
    if not user.organisation.is_active:
        raise errors.PermissionDenied()
    return prefix


def _declarations_in(prefix: str) -> QuerySet:
    rows = AdoptionDeclaration.objects.filter(
        status=ACTIVE, organisation_id__in=admitted_institutions_in(prefix).values("pk"))
    return rows.filter(region__code__startswith=prefix) if prefix else rows


@dataclass
class StandardAdoption:
    standard: Standard
    declared: int
    population: int

    @property
    def rate(self) -> Decimal | None:
        return rate_of(self.declared, self.population)

    @property
    def missing(self) -> int:
        return self.population - self.declared


def adoption_by_standard(user, *, mandatory_only: bool = True, category=None) -> list[StandardAdoption]:
    """For each adoptable standard, the institutions of the user's jurisdiction declaring it and the rate
    against its admitted institutions. Three queries whatever the number of standards or institutions."""
    prefix = monitor_prefix(user)
    population = admitted_institutions_in(prefix).count()
    declared = dict(_declarations_in(prefix).order_by().values("standard_id").annotate(n=Count("pk"))
                    .values_list("standard_id", "n"))
    standards = Standard.objects.filter(status__in=ADOPTABLE_STATUSES).select_related("category").order_by("code")
    if mandatory_only:
        standards = standards.filter(nature=Standard.Nature.MANDATORY)
    if category is not None:
        standards = standards.filter(category=category)
    return [StandardAdoption(standard, declared.get(standard.pk, 0), population) for standard in standards]


@dataclass
class RegionAdoption:
    code: str
    name: str
    declared: int
    population: int

    @property
    def rate(self) -> Decimal | None:
        return rate_of(self.declared, self.population)


def child_digits(prefix: str) -> int:
    """Nation -> provinces (2 digits), province -> cities (4), city -> counties (6), county -> itself (6)."""
    return min(len(prefix) + 2, 6)


def _child_regions(prefix: str) -> list[Region]:
    if len(prefix) >= 6:
        return list(Region.objects.filter(code=prefix))
    level = {0: Region.Level.PROVINCE, 2: Region.Level.PREFECTURE, 4: Region.Level.COUNTY}[len(prefix)]
    return list(Region.objects.filter(level=level, code__startswith=prefix).order_by("code"))


def adoption_by_region(user, standard: Standard) -> list[RegionAdoption]:
    """Per child region of the jurisdiction: institutions declaring `standard` against admitted ones."""
    prefix = monitor_prefix(user)
    digits = child_digits(prefix)
    population = admitted_count_by_region(prefix, digits)
    declared = dict(_declarations_in(prefix).filter(standard=standard).order_by()
                    .annotate(area=Substr("region_id", 1, digits)).values("area").annotate(n=Count("pk"))
                    .values_list("area", "n"))
    rows = []
    seen = set()
    for region in _child_regions(prefix):
        area = region.code[:digits]
        seen.add(area)
        rows.append(RegionAdoption(region.code, region.name, declared.get(area, 0), population.get(area, 0)))
    for area in sorted(set(population) - seen):  # institutions filed under a code missing from the table
        rows.append(RegionAdoption(area, area, declared.get(area, 0), population[area]))
    return rows


def institutions_missing(user, standard: Standard) -> QuerySet:
    """Admitted institutions of the jurisdiction with no active declaration of `standard`, by name.

    A queryset for `paginate` (no COUNT): the anti-join runs in the database."""
    prefix = monitor_prefix(user)
    declaring = AdoptionDeclaration.objects.filter(standard=standard, status=ACTIVE).values("organisation_id")
    return (admitted_institutions_in(prefix).exclude(pk__in=declaring).select_related("region")
            .order_by("name", "pk"))
