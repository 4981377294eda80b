"""History on every regulatory model knows its user, whatever made the change (SEC-7, SUP-5)."""

import pytest
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.core.history import acting_as, save_tracked
from tests.conftest import login_verified, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_save_tracked_records_user_and_reason(fujian):
    actor = make_user(fujian, "department_admin")
    org = OrganisationFactory(name="鼓楼医院")
    org.name = "福州市鼓楼医院"
    save_tracked(org, by=actor, reason="renamed after merger")
    latest = org.history.first()
    assert latest.history_user == actor
    assert latest.history_change_reason == "renamed after merger"
    assert latest.name == "福州市鼓楼医院"


def test_acting_as_attributes_task_and_command_changes(fujian):
    actor = make_user(fujian, "department_admin")
    with acting_as(actor):
        org = OrganisationFactory(name="仓山医院")
    assert org.history.first().history_user == actor


def test_change_made_through_a_view_knows_the_signed_in_user(client, fujian):
    from apps.accounts.models import User

    admin = make_user(fujian, "department_admin")
    login_verified(client, admin)
    response = client.post(reverse("accounts:member_create"), {
        "username": "newreviewer", "full_name": "李娜", "email": "lina@example.cn", "mobile": "13800000001",
        "identity_number": "11010519491231002X", "roles": ["reviewer"], "password": "Strong-Pass-2026!",
    })
    assert response.status_code == 302, response.content.decode()
    created = User.objects.get(username="newreviewer")
    assert created.history.first().history_user == admin


def test_history_page_shows_field_changes_and_who(client, fujian):
    admin = make_user(fujian, "department_admin", full_name="林晓东")
    org = OrganisationFactory(name="旧名称医院")
    org.name = "新名称医院"
    save_tracked(org, by=admin, reason="corrected")
    login_verified(client, admin)
    response = client.get(reverse("core:history", args=["accounts", "organisation", org.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "旧名称医院" in body and "新名称医院" in body and "林晓东" in body and "corrected" in body


def test_history_page_of_an_out_of_jurisdiction_record_is_not_found(client, xiamen):
    reviewer = make_user(xiamen, "reviewer")
    org = OrganisationFactory(name="鼓楼医院", region_id="350102")
    login_verified(client, reviewer)
    response = client.get(reverse("core:history", args=["accounts", "organisation", org.pk]))
    assert response.status_code == 404


def test_history_page_refuses_models_without_policy(client, fujian):
    admin = make_user(fujian, "department_admin")
    login_verified(client, admin)
    assert client.get(reverse("core:history", args=["auth", "group", 1])).status_code == 404
    assert client.get(reverse("core:history", args=["nope", "nothing", 1])).status_code == 404


def test_every_tracked_model_has_history():
    """Regulatory models inherit TrackedModel; this lists them so a new one cannot forget."""
    from django.apps import apps

    from apps.core.history import TrackedModel

    tracked = [m for m in apps.get_models() if issubclass(m, TrackedModel)]
    assert Organisation in tracked
    for model in tracked:
        assert hasattr(model, "history"), model
