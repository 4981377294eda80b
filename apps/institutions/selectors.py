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
