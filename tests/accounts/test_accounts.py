"""Real-name accounts (SEC-5): validation, duplicates, masking, permissions; nothing half-saved."""

import pytest
from django.db import connection
from django.urls import reverse
from stdnum.cn import ric

from apps.accounts import services
from apps.accounts.models import User
from apps.core import errors
from tests.conftest import login_verified, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def _component_error(number: str) -> bool:
    """True for the check digit that makes Feb 30 the only thing wrong with the number."""
    from stdnum.exceptions import InvalidComponent

    try:
        ric.validate(number)
    except InvalidComponent:
        return True
    except Exception:
        return False
    return False


def create(by, organisation, **overrides):
    data = {"organisation": organisation, "username": "zhangwei", "full_name": "张伟",
            "email": "zhangwei@example.cn", "mobile": "13912345678", "identity_number": VALID_ID,
            "roles": ["reviewer"], "password": "Strong-Pass-2026!", "by": by}
    data.update(overrides)
    return services.user_create(**data)


@pytest.fixture
def admin(fujian):
    return make_user(fujian, "department_admin")


def test_creates_account_with_encrypted_masked_identity(admin, fujian):
    user = create(admin, fujian)
    assert user.identity_number_masked == "110105********002X"
    assert user.get_identity_number() == VALID_ID
    assert user.role_codes == {"reviewer"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [user.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert VALID_ID not in row and "19491231" not in row


@pytest.mark.parametrize(("number", "message"), [
    ("110105194912310021", "check digit"),
    ("11010519491231", "18 characters"),
    (next(f"11010519990230001{c}" for c in "0123456789X" if _component_error(f"11010519990230001{c}")),
     "impossible"),
    ("not-a-number", "18 characters"),
])
def test_refuses_invalid_identity_numbers_and_saves_nothing(admin, fujian, number, message):
    before = User.objects.count()
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, identity_number=number)
    assert message in str(failure.value.field_errors["identity_number"][0])
    assert User.objects.count() == before


def test_refuses_duplicate_identity_number(admin, fujian):
    create(admin, fujian)
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, username="other", email="other@example.cn")
    assert "identity number already exists" in failure.value.field_errors["identity_number"][0]
    assert User.objects.filter(username="other").count() == 0


def test_refuses_duplicate_user_name_whatever_the_case(admin, fujian):
    create(admin, fujian)
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, username="ZhangWei", email="x@example.cn", identity_number="")
    assert "already taken" in failure.value.field_errors["username"][0]


def test_refuses_duplicate_email(admin, fujian):
    create(admin, fujian)
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, username="other", email="ZHANGWEI@example.cn", identity_number="")
    assert "e-mail" in failure.value.field_errors["email"][0]


def test_refuses_bad_mobile_weak_password_and_foreign_roles(admin, fujian):
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, mobile="12345")
    assert "mobile" in failure.value.field_errors["mobile"][0]
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, password="password")
    assert failure.value.field_errors["password"]
    with pytest.raises(errors.ValidationFailed) as failure:
        create(admin, fujian, roles=["submitter"])  # an institution role in a department
    assert "submitter" in failure.value.field_errors["roles"][0]
    assert not User.objects.filter(username="zhangwei").exists()


def test_institution_admin_cannot_create_accounts_elsewhere(fujian):
    hospital = OrganisationFactory()
    other = OrganisationFactory()
    inst_admin = make_user(hospital, "institution_admin")
    with pytest.raises(errors.NotFound):
        create(inst_admin, other, roles=["submitter"])
    assert create(inst_admin, hospital, roles=["submitter"]).organisation == hospital


def test_refuses_an_account_without_an_organisation(admin):
    with pytest.raises(errors.ValidationFailed):
        create(admin, None)


def test_reviewer_cannot_create_accounts(fujian):
    reviewer = make_user(fujian, "reviewer")
    with pytest.raises(errors.PermissionDenied):
        create(reviewer, fujian)


def test_form_shows_translated_field_errors_and_keeps_nothing(client, admin, fujian):
    login_verified(client, admin)
    response = client.post(reverse("accounts:member_create"), {
        "username": "lisi", "full_name": "李四", "email": "lisi@example.cn", "mobile": "139",
        "identity_number": "110105194912310021", "roles": ["reviewer"], "password": "Strong-Pass-2026!",
    }, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "check digit" in body and "mobile number" in body and 'data-testid="form-errors"' in body
    assert not User.objects.filter(username="lisi").exists()


def test_member_list_shows_identity_masked(client, admin, fujian):
    create(admin, fujian)
    login_verified(client, admin)
    body = client.get(reverse("accounts:member_list")).content.decode()
    assert "110105********002X" in body and VALID_ID not in body


def test_update_changes_roles_and_refuses_self_deactivation(admin, fujian):
    user = create(admin, fujian)
    services.user_update(user=user, full_name="张伟", email="zhangwei@example.cn", mobile="",
                         identity_number=None, roles=["inspector", "auditor"], is_active=True, by=admin)
    user = User.objects.get(pk=user.pk)
    assert user.role_codes == {"inspector", "auditor"} and user.get_identity_number() == VALID_ID
    with pytest.raises(errors.ValidationFailed):
        services.user_update(user=admin, full_name="x", email=admin.email, mobile="", identity_number=None,
                             roles=["department_admin"], is_active=False, by=admin)


def test_roles_are_synced_from_code():
    from django.contrib.auth.models import Group

    from apps.accounts.roles import ROLES

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    reviewer = Group.objects.get(name="reviewer")
    assert reviewer.permissions.filter(codename="supervise_organisation").exists()
