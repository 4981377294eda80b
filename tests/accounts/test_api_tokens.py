"""Per-organisation API tokens for the regulatory access port (INS-8)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import ApiToken
from apps.core import errors
from tests.conftest import login_verified, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital():
    return OrganisationFactory(name="福州市第一医院")


@pytest.fixture
def inst_admin(hospital):
    return make_user(hospital, "institution_admin", "submitter")


@pytest.fixture
def issued(hospital, inst_admin):
    return services.api_token_issue(organisation=hospital, name="HIS 接口", roles=["submitter"],
                                    expires_in_days=30, by=inst_admin)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_authenticates_as_its_machine_account(client, issued, hospital):
    token, secret = issued
    response = client.get("/api/v1/me/", **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["is_machine"] and body["organisation"]["id"] == hospital.pk and body["roles"] == ["submitter"]
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_only_a_hash_of_the_secret_is_stored(issued):
    token, secret = issued
    assert secret.split("_")[2] not in token.key_hash and len(token.key_hash) == 64


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer hdsp_nope", "Bearer hdsp_00000000_wrong",
                                    "Token not-even-close"])
def test_bad_tokens_get_a_clear_401(client, issued, header):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_secret_with_a_real_prefix_is_refused(client, issued):
    token, _secret = issued
    response = client.get("/api/v1/me/", **bearer(f"hdsp_{token.prefix}_forged"))
    assert response.status_code == 401 and "Invalid API token" in response.json()["error"]["message"]


def test_revoked_and_expired_tokens_are_refused_with_the_reason(client, issued, inst_admin):
    token, secret = issued
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "expired" in client.get("/api/v1/me/", **bearer(secret)).json()["error"]["message"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    services.api_token_revoke(token=token, by=inst_admin)
    assert "revoked" in client.get("/api/v1/me/", **bearer(secret)).json()["error"]["message"]


def test_changes_made_with_a_token_are_attributed_to_its_account(client, hospital):
    admin = make_user(hospital, "institution_admin")
    token, secret = services.api_token_issue(organisation=hospital, name="账号同步", roles=["institution_admin"],
                                             expires_in_days=None, by=admin)
    response = client.post("/api/v1/members/", {
        "username": "api-created", "full_name": "王五", "email": "wangwu@example.cn", "roles": ["submitter"],
        "password": "Strong-Pass-2026!"}, content_type="application/json", **bearer(secret))
    assert response.status_code == 201, response.content
    from apps.accounts.models import User

    assert User.objects.get(username="api-created").history.first().history_user == token.account


def test_api_validation_errors_are_field_by_field(client, hospital):
    admin = make_user(hospital, "institution_admin")
    _token, secret = services.api_token_issue(organisation=hospital, name="同步", roles=["institution_admin"],
                                              expires_in_days=None, by=admin)
    response = client.post("/api/v1/members/", {
        "username": "x", "full_name": "王五", "email": "w@example.cn", "roles": ["submitter"],
        "identity_number": "110105194912310021", "password": "Strong-Pass-2026!"},
        content_type="application/json", **bearer(secret))
    assert response.status_code == 400
    assert "check digit" in response.json()["error"]["fields"]["identity_number"][0]


def test_a_token_cannot_hold_a_role_its_issuer_lacks(hospital):
    admin = make_user(hospital, "institution_admin")
    with pytest.raises(errors.ValidationFailed):
        services.api_token_issue(organisation=hospital, name="x", roles=["security_officer"],
                                 expires_in_days=10, by=admin)


def test_duplicate_name_and_bad_duration_are_refused(issued, hospital, inst_admin):
    with pytest.raises(errors.ValidationFailed):
        services.api_token_issue(organisation=hospital, name="HIS 接口", roles=["submitter"],
                                 expires_in_days=30, by=inst_admin)
    with pytest.raises(errors.ValidationFailed):
        services.api_token_issue(organisation=hospital, name="y", roles=["submitter"],
                                 expires_in_days=9999, by=inst_admin)
    assert ApiToken.objects.count() == 1


def test_other_organisations_cannot_manage_these_tokens(issued):
    token, _secret = issued
    stranger = make_user(OrganisationFactory(), "institution_admin")
    with pytest.raises(errors.NotFound):
        services.api_token_revoke(token=token, by=stranger)


def test_token_page_issues_and_shows_the_secret_once(client, hospital, inst_admin):
    login_verified(client, inst_admin)
    response = client.post(reverse("accounts:token_create"), {
        "name": "LIS", "roles": ["submitter"], "expires_in_days": 90})
    assert response.status_code == 200 and b"token-secret" in response.content
    assert b"hdsp_" in response.content
    listing = client.get(reverse("accounts:token_list")).content.decode()
    assert "LIS" in listing and response.content.decode().split('data-testid="token-secret">')[1][:40] not in listing
