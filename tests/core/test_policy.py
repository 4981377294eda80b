"""The one policy layer: jurisdiction prefixes (SUP-4, M.28), own-organisation scope, object grants (SEC-4)."""

import pytest

from apps.accounts.models import Organisation
from apps.core import errors, policy
from tests.conftest import make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospitals():
    return {
        "gulou": OrganisationFactory(name="鼓楼医院", region_id="350102"),
        "cangshan": OrganisationFactory(name="仓山医院", region_id="350104"),
        "xiamen": OrganisationFactory(name="思明医院", region_id="350203"),
        "beijing": OrganisationFactory(name="东城医院", region_id="110101"),
    }


def names(queryset):
    return set(queryset.filter(kind="institution").values_list("name", flat=True))


def test_provincial_department_sees_every_institution_in_the_province(fujian, hospitals):
    reviewer = make_user(fujian, "reviewer")
    assert names(policy.visible(reviewer, Organisation, "accounts.view_organisation")) == {
        "鼓楼医院", "仓山医院", "思明医院"}


def test_county_department_sees_only_its_county(gulou, hospitals):
    reviewer = make_user(gulou, "reviewer")
    assert names(policy.visible(reviewer, Organisation, "accounts.view_organisation")) == {"鼓楼医院"}


def test_municipal_department_does_not_see_another_city(xiamen, hospitals):
    reviewer = make_user(xiamen, "reviewer")
    assert names(policy.visible(reviewer, Organisation, "accounts.view_organisation")) == {"思明医院"}


def test_national_department_sees_the_whole_country(national, hospitals):
    head = make_user(national, "department_head")
    assert names(policy.visible(head, Organisation, "accounts.view_organisation")) == {
        h.name for h in hospitals.values()}


def test_institution_user_sees_only_its_own_organisation(hospitals):
    admin = make_user(hospitals["gulou"], "institution_admin")
    assert list(policy.visible(admin, Organisation, "accounts.view_organisation")) == [hospitals["gulou"]]


def test_scope_without_the_role_permission_grants_nothing(gulou, hospitals):
    nobody = make_user(gulou)  # a department member with no role
    assert not policy.visible(nobody, Organisation, "accounts.view_organisation").exists()


def test_out_of_jurisdiction_object_is_not_found_rather_than_forbidden(gulou, hospitals):
    reviewer = make_user(gulou, "reviewer")
    with pytest.raises(errors.NotFound):
        policy.require(reviewer, "accounts.view_organisation", hospitals["xiamen"])
    with pytest.raises(errors.NotFound):
        policy.get_object(reviewer, Organisation, "accounts.view_organisation", pk=hospitals["xiamen"].pk)


def test_visible_object_without_the_permission_is_forbidden(gulou, hospitals):
    inspector = make_user(gulou, "inspector")
    with pytest.raises(errors.PermissionDenied):
        policy.require(inspector, "accounts.manage_members", hospitals["gulou"])


def test_object_grant_opens_one_record_outside_the_jurisdiction(gulou, hospitals):
    """A named assignment (django-guardian, direct FK table) reaches exactly the granted record."""
    reviewer = make_user(gulou, "reviewer")
    policy.grant(reviewer, "accounts.view_organisation", hospitals["beijing"])
    assert policy.can(reviewer, "accounts.view_organisation", hospitals["beijing"])
    assert not policy.can(reviewer, "accounts.view_organisation", hospitals["xiamen"])
    assert names(policy.visible(reviewer, Organisation, "accounts.view_organisation")) == {"鼓楼医院", "东城医院"}
    policy.revoke(reviewer, "accounts.view_organisation", hospitals["beijing"])
    assert not policy.can(reviewer, "accounts.view_organisation", hospitals["beijing"])


def test_object_grants_use_the_direct_foreign_key_table(gulou, hospitals):
    from guardian.models import UserObjectPermission

    from apps.accounts.models import OrganisationUserObjectPermission

    reviewer = make_user(gulou, "reviewer")
    policy.grant(reviewer, "accounts.view_organisation", hospitals["beijing"])
    assert OrganisationUserObjectPermission.objects.filter(user=reviewer).count() == 1
    assert UserObjectPermission.objects.count() == 0


def test_anonymous_sees_nothing_without_a_public_filter(hospitals):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.visible(AnonymousUser(), Organisation).exists()


def test_inactive_department_loses_its_jurisdiction(fujian, hospitals):
    reviewer = make_user(fujian, "reviewer")
    fujian.is_active = False
    fujian.save()
    reviewer.refresh_from_db()
    assert not policy.visible(reviewer, Organisation, "accounts.view_organisation").exists()


def test_jurisdiction_filter_uses_the_prefix_index(fujian, hospitals, django_assert_max_num_queries):
    reviewer = make_user(fujian, "reviewer")
    query = str(policy.visible(reviewer, Organisation, "accounts.view_organisation").query)
    assert "LIKE" in query and '"region_id"' in query
