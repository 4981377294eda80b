"""`seed_demo` includes institutions in every status and grade, made through the services (issue done-when)."""

import pytest
from django.core.management import call_command

from apps.institutions.models import (
    AdmissionApplication,
    CreditGrade,
    Entrustment,
    Institution,
    ResponsibilityTransfer,
    StatusDecision,
)

pytestmark = pytest.mark.django_db


def test_demo_has_every_status_and_grade_and_is_idempotent():
    call_command("seed_demo")
    counts = (Institution.objects.count(), AdmissionApplication.objects.count(), StatusDecision.objects.count())
    call_command("seed_demo")
    assert (Institution.objects.count(), AdmissionApplication.objects.count(),
            StatusDecision.objects.count()) == counts
    assert set(Institution.objects.values_list("status", flat=True)) == set(Institution.Status.values)
    assert set(Institution.objects.values_list("credit_grade", flat=True)) == set(
        CreditGrade.objects.values_list("code", flat=True))
    assert set(AdmissionApplication.objects.values_list("status", flat=True)) == set(
        AdmissionApplication.Status.values)
    assert StatusDecision.objects.filter(status="proposed", ground="credit_grade").exists()
    assert ResponsibilityTransfer.objects.filter(status="closed").exists()
    assert Entrustment.objects.filter(status="active").exists()
    # Every profile has its responsible people (INS-5) and a valid region.
    assert not Institution.objects.filter(top_leader_name="").exists()
    assert not Institution.objects.filter(data_department="").exists()
