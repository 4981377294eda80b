"""`manage.py seed_demo`: Fujian with departments at each level, a few hundred institutions, every role."""

import pytest
from django.core.management import call_command

from apps.accounts.models import Organisation, User
from apps.accounts.roles import ROLES
from apps.core import policy

pytestmark = pytest.mark.django_db


def test_seed_demo_is_complete_and_idempotent():
    call_command("seed_demo")
    counts = (Organisation.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), User.objects.count()) == counts
    levels = set(Organisation.objects.filter(kind="department").values_list("level", flat=True))
    assert levels == {"national", "provincial", "municipal", "county"}
    assert Organisation.objects.filter(kind="institution", region__code__startswith="35").count() >= 200
    held = set(User.objects.filter(groups__isnull=False).values_list("groups__name", flat=True))
    assert held == set(ROLES)
    reviewer = User.objects.get(username="demo_county_reviewer")
    seen = policy.visible(reviewer, Organisation, "accounts.view_organisation")
    assert seen.exists() and all(o.region_id.startswith(reviewer.organisation.jurisdiction_prefix) for o in seen)
