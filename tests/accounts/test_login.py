"""Brute-force protection (django-axes): keyed on user name and address, a cool-off, logged."""

import pytest
from django.urls import reverse

from tests.conftest import make_user
from tests.factories import PASSWORD, OrganisationFactory

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_lockout_after_repeated_failures_for_that_user_and_address(client):
    user = make_user(OrganisationFactory(), "submitter")
    for _ in range(4):
        assert attempt(client, user.username, "wrong").status_code == 200
    locked = attempt(client, user.username, "wrong")
    assert locked.status_code == 429 and b"15" in locked.content
    assert attempt(client, user.username, PASSWORD).status_code == 429  # even the right password waits


def test_lockout_is_not_a_denial_of_service_on_other_addresses_or_users(client):
    user = make_user(OrganisationFactory(), "submitter")
    other = make_user(OrganisationFactory(), "submitter")
    for _ in range(5):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert attempt(client, other.username, PASSWORD).status_code == 302


def test_failures_are_logged():
    from axes.models import AccessFailureLog
    from django.test import Client

    user = make_user(OrganisationFactory(), "submitter")
    attempt(Client(), user.username, "wrong")
    assert AccessFailureLog.objects.filter(username=user.username).exists()


def test_machine_accounts_cannot_sign_in(client):
    from apps.accounts.models import User

    machine = User.objects.create_user(username="api-x", password=PASSWORD, is_machine=True)
    response = attempt(client, machine.username, PASSWORD)
    assert response.status_code == 200 and b"API" in response.content


def test_session_expires_when_idle(settings):
    assert settings.SESSION_COOKIE_AGE <= 60 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
