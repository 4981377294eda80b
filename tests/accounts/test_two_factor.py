"""Two-factor authentication with django-otp: enrolment, enforcement, backup codes, secrets at rest."""

import time

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.oath import totp

from apps.accounts.models import BackupCode, SecureTOTPDevice
from tests.conftest import login_verified, make_user
from tests.factories import PASSWORD, OrganisationFactory

pytestmark = pytest.mark.django_db


def current_code(device: SecureTOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, t0=-offset * 30):06d}"


def test_regulator_without_device_is_sent_to_enrolment_everywhere(client, fujian):
    reviewer = make_user(fujian, "reviewer")
    client.post(reverse("accounts:login"), {"username": reviewer.username, "password": PASSWORD})
    for path in ["/", "/accounts/organisations/", "/notifications/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/enrol/"), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"


def test_enrolment_confirms_device_issues_backup_codes_and_opens_the_portal(client, fujian):
    reviewer = make_user(fujian, "reviewer")
    client.post(reverse("accounts:login"), {"username": reviewer.username, "password": PASSWORD})
    page = client.get(reverse("accounts:two_factor_enrol"))
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    device = SecureTOTPDevice.objects.get(user=reviewer, confirmed=False)
    wrong = client.post(reverse("accounts:two_factor_enrol"), {"token": "000000"})
    assert wrong.status_code == 200 and b"form-errors" in wrong.content
    done = client.post(reverse("accounts:two_factor_enrol"), {"token": current_code(device), "next": "/"})
    assert done.status_code == 200 and b"backup-codes" in done.content
    assert SecureTOTPDevice.objects.get(pk=device.pk).confirmed
    assert BackupCode.objects.filter(device__user=reviewer).count() == 10
    assert client.get("/").status_code == 200


def test_second_sign_in_asks_for_a_code_and_accepts_a_backup_code_once(client, fujian):
    reviewer = make_user(fujian, "reviewer")
    from apps.accounts import services

    device = SecureTOTPDevice.new_for(reviewer)
    device.confirmed = True
    device.save()
    codes = services.backup_codes_regenerate(user=reviewer)
    client.post(reverse("accounts:login"), {"username": reviewer.username, "password": PASSWORD})
    assert client.get("/").url.startswith("/accounts/two-factor/verify/")
    response = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0], "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    client.logout()
    client.post(reverse("accounts:login"), {"username": reviewer.username, "password": PASSWORD})
    reused = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert reused.status_code == 200 and b"form-errors" in reused.content
    time.sleep(1.1)  # each failure throttles the devices (django-otp): 1 s after the first
    fresh = client.post(reverse("accounts:two_factor_verify"), {"token": current_code(device), "next": "/"})
    assert fresh.status_code == 302


def test_a_totp_code_is_not_accepted_twice(fujian):
    reviewer = make_user(fujian, "reviewer")
    device = SecureTOTPDevice.new_for(reviewer)
    device.confirmed = True
    device.save()
    code = current_code(device)
    assert device.verify_token(code)
    assert not SecureTOTPDevice.objects.get(pk=device.pk).verify_token(code)


def test_secrets_are_not_readable_from_a_database_dump(fujian):
    from apps.accounts import services

    reviewer = make_user(fujian, "reviewer")
    device = SecureTOTPDevice.new_for(reviewer)
    device.save()
    codes = services.backup_codes_regenerate(user=reviewer)
    hex_key = device.bin_key.hex()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_encrypted FROM accounts_securetotpdevice")
        stored_key = cursor.fetchone()[0]
        cursor.execute("SELECT string_agg(code_hash, ' ') FROM accounts_backupcode")
        stored_codes = cursor.fetchone()[0]
    assert hex_key not in stored_key and device.base32_key not in stored_key
    for code in codes:
        assert code.replace("-", "") not in stored_codes and code not in stored_codes


def test_institution_submitter_needs_no_second_factor(client):
    submitter = make_user(OrganisationFactory(), "submitter")
    client.force_login(submitter)
    assert client.get("/").status_code == 200


def test_institution_administrator_needs_a_second_factor(client):
    admin = make_user(OrganisationFactory(), "institution_admin")
    client.force_login(admin)
    assert client.get("/").status_code == 302


def test_django_admin_requires_a_verified_staff_session(client, fujian):
    staff = make_user(fujian, "department_admin", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302
    client.logout()
    login_verified(client, staff)
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_lost_phone_reset_by_organisation_admin(client, fujian):
    admin = make_user(fujian, "department_admin")
    reviewer = make_user(fujian, "reviewer")
    SecureTOTPDevice.new_for(reviewer).save()
    login_verified(client, admin)
    client.post(reverse("accounts:member_reset_two_factor", args=[reviewer.pk]))
    assert not SecureTOTPDevice.objects.filter(user=reviewer).exists()


def test_throttling_slows_guessing(fujian):
    reviewer = make_user(fujian, "reviewer")
    device = SecureTOTPDevice.new_for(reviewer)
    device.confirmed = True
    device.save()
    assert not device.verify_token("000001")
    assert not device.verify_token(current_code(device))  # throttled right after a failure
