"""Every write to accounts, organisations, second factors and API tokens goes through these functions.

Each runs in one transaction, checks access through apps.core.policy, records history with the
acting user (`by=`), and raises apps.core.errors on bad input so that nothing is half-saved."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from apps.core import errors, policy
from apps.core.history import save_tracked

from .identity import clean_identity_number, clean_mobile
from .models import ApiToken, BackupCodeDevice, Organisation, SecureTOTPDevice, User
from .roles import ROLES

TOKEN_PREFIX = "hdsp"  # noqa: S105 - a public marker, not a secret


# --- organisations --------------------------------------------------------------------------------


def organisation_jurisdiction(organisation: Organisation) -> str:
    if organisation.kind != Organisation.Kind.DEPARTMENT or organisation.region_id is None:
        return ""
    return organisation.region.prefix


@transaction.atomic
def organisation_save(*, organisation: Organisation, by, reason: str = "") -> Organisation:
    """Create or update an organisation; a department's jurisdiction follows its region (SUP-4)."""
    if organisation.kind == Organisation.Kind.DEPARTMENT:
        if not organisation.level:
            raise errors.ValidationFailed(field_errors={"level": [_("A department needs a level.")]})
        if organisation.level != Organisation.Level.NATIONAL and organisation.region_id is None:
            raise errors.ValidationFailed(field_errors={"region": [_("A local department needs a region.")]})
    else:
        organisation.level = ""
    organisation.jurisdiction_prefix = organisation_jurisdiction(organisation)
    if organisation.credit_code:
        from stdnum.cn import uscc
        from stdnum.exceptions import ValidationError as StdnumError

        try:
            organisation.credit_code = uscc.validate(organisation.credit_code)
        except StdnumError:
            raise errors.ValidationFailed(
                field_errors={"credit_code": [_("This is not a valid unified social credit code.")]}) from None
    else:
        organisation.credit_code = None
    try:
        with transaction.atomic():
            save_tracked(organisation, by=by, reason=reason or "saved")
    except IntegrityError:
        raise errors.ValidationFailed(
            field_errors={"credit_code": [_("An organisation with this credit code is already registered.")]}
        ) from None
    return organisation


# --- people -----------------------------------------------------------------------------------------


def _clean_person(*, username: str | None, email: str, mobile: str, identity_number: str,
                  exclude_pk: int | None = None) -> dict:
    field_errors: dict[str, list[str]] = {}
    cleaned = {"email": (email or "").strip().lower()}
    if username is not None:
        username = (username or "").strip()
        if not username:
            field_errors["username"] = [_("Choose a user name.")]
        elif User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists():
            field_errors["username"] = [_("This user name is already taken.")]
        cleaned["username"] = username
    if not cleaned["email"]:
        field_errors["email"] = [_("An e-mail address is required for notifications.")]
    elif User.objects.filter(email__iexact=cleaned["email"], is_machine=False).exclude(pk=exclude_pk).exists():
        field_errors["email"] = [_("An account with this e-mail address already exists.")]
    try:
        cleaned["mobile"] = clean_mobile(mobile) if mobile else ""
    except ValidationError as error:
        field_errors["mobile"] = error.messages
    if identity_number:
        try:
            cleaned["identity_number"] = clean_identity_number(identity_number)
        except ValidationError as error:
            field_errors["identity_number"] = error.messages
        else:
            probe = User()
            probe.set_identity_number(cleaned["identity_number"])
            if User.objects.filter(identity_number_digest=probe.identity_number_digest).exclude(
                    pk=exclude_pk).exists():
                field_errors["identity_number"] = [
                    _("An account with this resident identity number already exists.")]
    else:
        cleaned["identity_number"] = ""
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return cleaned


def _check_roles(organisation: Organisation, roles: list[str]) -> list[str]:
    if not roles:
        raise errors.ValidationFailed(field_errors={"roles": [_("Choose at least one role.")]})
    unknown = [code for code in roles if code not in ROLES]
    wrong_kind = [code for code in roles if code in ROLES and organisation.kind not in ROLES[code].organisation_kinds]
    if unknown or wrong_kind:
        raise errors.ValidationFailed(field_errors={"roles": [
            _("These roles do not exist for this kind of organisation: %(roles)s")
            % {"roles": ", ".join(unknown + wrong_kind)}]})
    return sorted(set(roles))


@transaction.atomic
def user_create(*, organisation: Organisation, username: str, full_name: str, email: str,
                mobile: str = "", identity_number: str = "", roles: list[str], password: str, by) -> User:
    """Open a real-name account (SEC-5) in an organisation the acting user manages."""
    if organisation is None:
        raise errors.ValidationFailed(_("An account must belong to an organisation."))
    policy.require(by, "accounts.manage_members", organisation)
    return _user_create(organisation=organisation, username=username, full_name=full_name, email=email,
                        mobile=mobile, identity_number=identity_number, roles=roles, password=password, by=by)


@transaction.atomic
def applicant_account_create(*, organisation: Organisation, username: str, full_name: str, email: str,
                             mobile: str, identity_number: str, password: str) -> User:
    """The first account of an organisation that registers itself (INS-2 public sign-up).

    Only for an organisation created in the same transaction with no members yet; the applicant
    becomes its institution administrator and is the acting user of its own creation."""
    if organisation.members.exists():
        raise errors.PermissionDenied()
    return _user_create(organisation=organisation, username=username, full_name=full_name, email=email,
                        mobile=mobile, identity_number=identity_number, roles=["institution_admin"],
                        password=password, by=None)


def _user_create(*, organisation, username, full_name, email, mobile, identity_number, roles, password, by):
    cleaned = _clean_person(username=username, email=email, mobile=mobile, identity_number=identity_number)
    roles = _check_roles(organisation, roles)
    if not (full_name or "").strip():
        raise errors.ValidationFailed(field_errors={"full_name": [_("Enter the person's real name.")]})
    user = User(username=cleaned["username"], full_name=full_name.strip(), email=cleaned["email"],
                mobile=cleaned["mobile"], organisation=organisation)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise errors.ValidationFailed(field_errors={"password": error.messages}) from None
    user.set_password(password)
    user.set_identity_number(cleaned["identity_number"])
    try:
        with transaction.atomic():
            save_tracked(user, by=by or user, reason="account created")
    except IntegrityError:  # a concurrent request took the name or identity between check and insert
        raise errors.ValidationFailed(
            field_errors={"username": [_("This user name or identity number is already registered.")]}
        ) from None
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


@transaction.atomic
def user_update(*, user: User, full_name: str, email: str, mobile: str, identity_number: str | None,
                roles: list[str], is_active: bool, by) -> User:
    """Change an account's real-name data, roles or activity (an inactive account cannot sign in)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    policy.require(by, "accounts.manage_members", user.organisation)
    cleaned = _clean_person(username=None, email=email, mobile=mobile,
                            identity_number=identity_number or "", exclude_pk=user.pk)
    roles = _check_roles(user.organisation, roles)
    if user.pk == by.pk and not is_active:
        raise errors.ValidationFailed(field_errors={"is_active": [_("You cannot deactivate your own account.")]})
    user.full_name = full_name.strip()
    user.email = cleaned["email"]
    user.mobile = cleaned["mobile"]
    if identity_number is not None and cleaned["identity_number"]:
        user.set_identity_number(cleaned["identity_number"])
    user.is_active = is_active
    save_tracked(user, by=by, reason="account updated")
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


# --- second factor (django-otp) -------------------------------------------------------------------


def totp_pending_device(*, user: User) -> SecureTOTPDevice:
    """The unconfirmed authenticator being enrolled (created once, reused until confirmed)."""
    device = SecureTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = SecureTOTPDevice.new_for(user, name=_("Authenticator app"))
        device.save()
    return device


@transaction.atomic
def totp_confirm(*, request, user: User, token: str) -> list[str]:
    """Confirm the pending authenticator with a code from it; return fresh backup codes (shown once)."""
    device = SecureTOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise errors.ValidationFailed(_("Start the enrolment again: no authenticator is waiting to be confirmed."))
    if not device.verify_token(token):
        raise errors.ValidationFailed(field_errors={"token": [
            _("That code is not correct. Check the time on your phone and enter the current 6-digit code.")]})
    SecureTOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one authenticator per person
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_regenerate(user=user)
    otp_login(request, device)
    return codes


def backup_codes_regenerate(*, user: User) -> list[str]:
    device, _created = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "backup", "confirmed": True})
    return device.regenerate()


def two_factor_verify(*, request, user: User, token: str) -> None:
    """Second step of signing in: an authenticator code or an unused backup code."""
    from django_otp import match_token

    device = match_token(user, (token or "").strip())
    if device is None:
        raise errors.ValidationFailed(field_errors={"token": [_("That code is not correct or was already used.")]})
    otp_login(request, device)


@transaction.atomic
def two_factor_reset(*, user: User, by) -> None:
    """Remove a person's devices (lost phone); they enrol again at their next sign-in."""
    policy.require(by, "accounts.manage_members", user.organisation)
    SecureTOTPDevice.objects.filter(user=user).delete()
    BackupCodeDevice.objects.filter(user=user).delete()


# --- API tokens (regulatory access port, INS-8) --------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, organisation: Organisation, name: str, roles: list[str], expires_in_days: int | None,
                    by) -> tuple[ApiToken, str]:
    """Issue a token acting as a new machine account with the given roles; return it and its secret."""
    policy.require(by, "accounts.manage_api_tokens", organisation)
    name = (name or "").strip()
    if not name:
        raise errors.ValidationFailed(field_errors={"name": [_("Give the token a name (what uses it).")]})
    if ApiToken.objects.filter(organisation=organisation, name=name).exists():
        raise errors.ValidationFailed(field_errors={"name": [_("A token with this name already exists.")]})
    roles = _check_roles(organisation, roles)
    if not by.is_superuser and not set(roles) <= by.role_codes:
        raise errors.ValidationFailed(field_errors={"roles": [_("A token cannot hold a role you do not hold.")]})
    if expires_in_days is not None and not 1 <= expires_in_days <= 730:
        raise errors.ValidationFailed(field_errors={"expires_in_days": [_("Choose between 1 and 730 days.")]})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    account = User(username=f"api-{prefix}", full_name=f"API: {name}", organisation=organisation,
                   is_machine=True)
    account.set_unusable_password()
    save_tracked(account, by=by, reason="machine account for API token")
    account.groups.set(Group.objects.filter(name__in=roles))
    token = ApiToken(
        organisation=organisation, name=name, account=account, prefix=prefix, key_hash=_hash_secret(secret),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    save_tracked(token, by=by, reason="issued")
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    policy.require(by, "accounts.manage_api_tokens", token.organisation)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        save_tracked(token, by=by, reason="revoked")
        account = token.account
        account.is_active = False
        save_tracked(account, by=by, reason="API token revoked")
    return token


def api_token_authenticate(*, raw: str) -> ApiToken:
    """Resolve a presented token; raise a translated error that says what is wrong with it."""
    parts = raw.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise errors.PermissionDenied(_("Invalid API token."), code="invalid_token")
    token = ApiToken.objects.select_related("account", "organisation").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash_secret(parts[2])):
        raise errors.PermissionDenied(_("Invalid API token."), code="invalid_token")
    if token.revoked_at is not None:
        raise errors.PermissionDenied(_("This API token has been revoked."), code="token_revoked")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise errors.PermissionDenied(_("This API token has expired."), code="token_expired")
    if not token.organisation.is_active or not token.account.is_active:
        raise errors.PermissionDenied(_("The organisation of this API token is not active."), code="token_inactive")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # not a change worth a history row
        token.last_used_at = now
    return token


# --- the portal itself as an actor ------------------------------------------------------------------


def system_account() -> User:
    """The machine account that scheduled jobs act as, so their history rows name an actor."""
    user = User.objects.filter(username="system", is_machine=True).first()
    if user is None:
        user, _created = User.objects.get_or_create(
            username="system", defaults={"is_machine": True, "full_name": "平台自动任务", "is_active": True})
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
