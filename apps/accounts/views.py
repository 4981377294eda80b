"""Signing in (password, then second factor), enrolment, and an organisation's accounts and API tokens.

Views stay thin: they read through the policy layer and write through apps.accounts.services."""

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from . import services
from .forms import ApiTokenForm, EnrolForm, LoginForm, MemberCreateForm, MemberUpdateForm, TokenForm
from .models import ApiToken, Organisation, User


def _safe_next(request, default="core:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes: too many failures for this user name from this address; a cool-off, not a lock."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@login_required
def two_factor_enrol(request):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code (SEC-5)."""
    device = services.totp_pending_device(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = run_service(request, form, lambda: services.totp_confirm(
            request=request, user=request.user, token=form.cleaned_data["token"]))
        if codes is not None:
            messages.success(request, _("Two-factor authentication is on."))
            return render(request, "accounts/backup_codes.html", {"codes": codes, "next": _safe_next(request)})
    qr = segno.make(device.config_url, error="m")
    return render(request, "accounts/enrol.html", {
        "form": form,
        "qr_svg": qr.svg_data_uri(scale=5, border=2),
        "secret": " ".join(device.base32_key[i:i + 4] for i in range(0, len(device.base32_key), 4)),
        "next": _safe_next(request),
    })


@login_required
def two_factor_verify(request):
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: services.two_factor_verify(
            request=request, user=request.user, token=form.cleaned_data["token"]) or True)
        if done:
            return redirect(_safe_next(request))
    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_POST
def backup_codes_regenerate(request):
    codes = services.backup_codes_regenerate(user=request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("accounts:profile")})


@login_required
def profile(request):
    from .models import BackupCodeDevice, SecureTOTPDevice

    backup = BackupCodeDevice.objects.filter(user=request.user).first()
    return render(request, "accounts/profile.html", {
        "has_totp": SecureTOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        "backup_codes_left": backup.codes.count() if backup else 0,
    })


# --- organisations in the jurisdiction --------------------------------------------------------------


@login_required
def organisation_list(request):
    policy.require(request.user, "accounts.supervise_organisation")
    rows = policy.visible(request.user, Organisation.objects.select_related("region"),
                          "accounts.view_organisation")
    query = (request.GET.get("q") or "").strip()
    kind = request.GET.get("kind") or ""
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(credit_code=query.upper()))
    if kind in Organisation.Kind.values:
        rows = rows.filter(kind=kind)
    page = paginate(request, rows.order_by("name", "pk"))
    template = "accounts/_organisation_rows.html" if request.htmx else "accounts/organisation_list.html"
    return render(request, template, {"page": page, "q": query, "kind": kind, "kinds": Organisation.Kind.choices})


# --- members of one's own organisation ---------------------------------------------------------------


def _managed_organisation(request) -> Organisation:
    organisation = request.user.organisation
    if organisation is None:
        raise Http404
    policy.require(request.user, "accounts.manage_members", organisation)
    return organisation


@login_required
def member_list(request):
    organisation = _managed_organisation(request)
    members = (User.objects.filter(organisation=organisation, is_machine=False)
               .prefetch_related("groups").order_by("username"))
    return render(request, "accounts/member_list.html", {"organisation": organisation,
                                                         "page": paginate(request, members, 50)})


@login_required
def member_create(request):
    organisation = _managed_organisation(request)
    form = MemberCreateForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = run_service(request, form, lambda: services.user_create(
            organisation=organisation, username=data["username"], full_name=data["full_name"],
            email=data["email"], mobile=data["mobile"], identity_number=data["identity_number"],
            roles=data["roles"], password=data["password"], by=request.user,
        ), success_message=_("The account has been created."))
        if user is not None:
            return redirect("accounts:member_list")
    return render(request, "accounts/member_form.html", {"form": form, "organisation": organisation,
                                                         "title": _("New account")})


@login_required
def member_edit(request, pk: int):
    organisation = _managed_organisation(request)
    member = policy.get_object(request.user, User.objects.filter(organisation=organisation, is_machine=False),
                               "accounts.change_user", pk=pk)
    initial = {"full_name": member.full_name, "email": member.email, "mobile": member.mobile,
               "roles": sorted(member.role_codes), "is_active": member.is_active}
    form = MemberUpdateForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated = run_service(request, form, lambda: services.user_update(
            user=member, full_name=data["full_name"], email=data["email"], mobile=data["mobile"],
            identity_number=data["identity_number"] or None, roles=data["roles"],
            is_active=data["is_active"], by=request.user,
        ), success_message=_("The account has been updated."))
        if updated is not None:
            return redirect("accounts:member_list")
    return render(request, "accounts/member_form.html", {"form": form, "organisation": organisation,
                                                         "member": member, "title": member.get_full_name()})


@login_required
@require_POST
def member_reset_two_factor(request, pk: int):
    organisation = _managed_organisation(request)
    member = policy.get_object(request.user, User.objects.filter(organisation=organisation), pk=pk)
    services.two_factor_reset(user=member, by=request.user)
    messages.success(request, _("Two-factor authentication was reset; %(name)s will enrol again at the next "
                                "sign-in.") % {"name": member.get_full_name()})
    return redirect("accounts:member_list")


# --- API tokens ----------------------------------------------------------------------------------------


def _token_organisation(request) -> Organisation:
    organisation = request.user.organisation
    if organisation is None:
        policy.require(request.user, "accounts.manage_api_tokens")
    else:
        policy.require(request.user, "accounts.manage_api_tokens", organisation)
    return organisation


@login_required
def token_list(request):
    organisation = _token_organisation(request)
    tokens = ApiToken.objects.filter(organisation=organisation).select_related("created_by")
    form = ApiTokenForm(organisation=organisation, user=request.user)
    return render(request, "accounts/token_list.html", {"tokens": tokens, "form": form,
                                                        "organisation": organisation})


@login_required
def token_create(request):
    organisation = _token_organisation(request)
    form = ApiTokenForm(request.POST or None, organisation=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = run_service(request, form, lambda: services.api_token_issue(
            organisation=organisation, name=data["name"], roles=data["roles"],
            expires_in_days=data["expires_in_days"], by=request.user))
        if issued is not None:
            token, secret = issued
            return render(request, "accounts/token_issued.html", {"token": token, "secret": secret})
    tokens = ApiToken.objects.filter(organisation=organisation).select_related("created_by")
    return render(request, "accounts/token_list.html", {"tokens": tokens, "form": form,
                                                        "organisation": organisation}, status=400)


@login_required
@require_POST
def token_revoke(request, pk: int):
    organisation = _token_organisation(request)
    token = get_object_or_404(ApiToken, organisation=organisation, pk=pk)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:token_list")
