"""`seed_demo` shows the catalog at work (SVC-1 to SVC-3): entries of levels 1 to 5 (one awaiting review) and
applications in every state, the approved one with its grant, release and letter."""

import pytest
from django.core.management import call_command

from apps.catalog.models import (
    DataGrant,
    DataRelease,
    DecisionLetter,
    ResourceVersion,
    ReviewComment,
    RouteStep,
    SharingApplication,
)

pytestmark = pytest.mark.django_db


def test_demo_catalog_data_is_complete_and_idempotent():
    call_command("seed_demo")
    counts = (ResourceVersion.objects.count(), SharingApplication.objects.count(), DataGrant.objects.count())
    call_command("seed_demo")
    assert (ResourceVersion.objects.count(), SharingApplication.objects.count(), DataGrant.objects.count()) == counts
    published = ResourceVersion.objects.filter(status="published")
    assert sorted(published.values_list("level", flat=True)) == [1, 3, 4, 5]
    assert published.filter(sharing_type="not_shareable").exists() and published.filter(open_form="public").exists()
    assert ResourceVersion.objects.filter(status="submitted").count() == 1
    statuses = set(SharingApplication.objects.values_list("status", flat=True))
    assert statuses == {"approved", "in_review", "returned", "refused", "draft"}
    approved = SharingApplication.objects.get(status="approved")
    assert [step.status for step in approved.steps.order_by("order")] == ["approved_with_conditions"] * 2
    grant = DataGrant.objects.get(application=approved)
    assert grant.status == "active" and "备案" in grant.conditions
    assert DataRelease.objects.filter(grant=grant, deidentification__isnull=False).exists()
    assert set(DecisionLetter.objects.values_list("kind", flat=True)) == {"approval", "refusal"}
    returned = SharingApplication.objects.get(status="returned")
    assert ReviewComment.objects.filter(application=returned).exclude(field_name="").exists()
    waiting = SharingApplication.objects.get(status="in_review")
    assert RouteStep.objects.get(application=waiting, status="active").kind == "provider"
