"""PolicyScope paths through to-many relations (an application's items' providers): seen by each party once,
by departments of either party's jurisdiction, by nobody else (SEC-4, SUP-4)."""

import pytest

from apps.catalog.models import SharingApplication
from apps.core import policy
from tests.catalog.factories import make_application, make_resource, provider_institution
from tests.conftest import make_user
from tests.factories import department

VIEW = "catalog.view_sharingapplication"


@pytest.fixture
def two_provider_application(db):
    provider_a, admin_a = provider_institution("350102")
    provider_b, admin_b = provider_institution("350102")
    applicant, applicant_admin = provider_institution("350203")
    application = make_application(applicant.organisation, [
        (make_resource(provider_a.organisation), ["性别"]), (make_resource(provider_b.organisation), ["诊断编码"])])
    return application, admin_a, admin_b, applicant_admin


def test_each_party_sees_the_application_once(two_provider_application):
    application, admin_a, admin_b, applicant_admin = two_provider_application
    for user in (admin_a, admin_b, applicant_admin):
        rows = list(policy.visible(user, SharingApplication, VIEW))
        assert rows == [application]  # not repeated by the join over two items


def test_other_institution_sees_nothing(two_provider_application):
    _other, other_admin = provider_institution("350102")
    assert not policy.visible(other_admin, SharingApplication, VIEW).exists()


@pytest.mark.parametrize(("code", "level", "sees"), [
    ("350100", "municipal", True),   # the providers' city
    ("350200", "municipal", True),   # the applicant's city
    ("350000", "provincial", True),
    ("440100", "municipal", False),  # elsewhere
])
def test_departments_of_either_party_see_it(two_provider_application, code, level, sees):
    user = make_user(department(code, level), "reviewer")
    assert policy.visible(user, SharingApplication, VIEW).exists() is sees


def test_object_level_check_uses_the_same_rule(two_provider_application):
    application, admin_a, _admin_b, _applicant_admin = two_provider_application
    assert policy.can(admin_a, VIEW, application)
    elsewhere = make_user(department("440100", "municipal"), "reviewer")
    assert not policy.can(elsewhere, VIEW, application)
