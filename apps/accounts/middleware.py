"""Two-factor enforcement: a user who must use a second factor reaches nothing else until verified.

Without a confirmed device the user is sent to enrolment; with one, to the verification step. API
calls made with the browser session get a 403 error body instead of a redirect."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/", "/accounts/login/", "/accounts/logout/",
                   "/accounts/two-factor/", "/favicon.ico")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.requires_two_factor
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return self._deny(request, user)
        return self.get_response(request)

    def _deny(self, request, user):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": {"code": "two_factor_required",
                           "message": _("Complete two-factor authentication in the portal first.")}},
                status=403,
            )
        target = "accounts:two_factor_verify" if user_has_device(user) else "accounts:two_factor_enrol"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(target)}?{query}")
