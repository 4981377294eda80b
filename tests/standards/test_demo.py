"""`seed_demo` shows the standards app at work: a proposal, a draft open for comment, adoption figures,
a self-assessment awaiting evaluation and a work plan with an overdue task."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.standards.models import (
    AdoptionDeclaration,
    ConformanceEvaluation,
    PublicComment,
    Standard,
    StandardProposal,
    WorkPlanItem,
)

pytestmark = pytest.mark.django_db


def test_demo_standards_data_is_complete_and_idempotent():
    call_command("seed_demo")
    counts = (StandardProposal.objects.count(), AdoptionDeclaration.objects.count(), Standard.objects.count())
    call_command("seed_demo")
    assert (StandardProposal.objects.count(), AdoptionDeclaration.objects.count(),
            Standard.objects.count()) == counts
    draft = Standard.objects.get(status="public_comment")
    assert draft.comment_period_open() and draft.working_group.values("organisation").distinct().count() >= 2
    assert PublicComment.objects.filter(standard=draft).exists()
    assert AdoptionDeclaration.objects.filter(status="active", region__code__startswith="3501").count() > 50
    assert ConformanceEvaluation.objects.filter(status="self_assessed").exists()
    if timezone.localdate() > timezone.localdate().replace(month=1, day=1):
        assert any(item.is_overdue() for item in WorkPlanItem.objects.all())
    assert Standard.objects.filter(status="in_force").count() >= 60
