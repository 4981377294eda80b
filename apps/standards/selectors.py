"""Reads other apps may use (the catalog links its resources to standards; STD-8)."""

from .models import ADOPTABLE_STATUSES, Standard


def standards_in_use():
    """Standards an institution may reference or declare: published, in force, or being revised."""
    return Standard.objects.filter(status__in=ADOPTABLE_STATUSES).order_by("code")


def standard_by_code(code: str) -> Standard | None:
    from .models import normalise_code

    return Standard.objects.filter(code=normalise_code(code)).first()
