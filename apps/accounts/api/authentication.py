"""Per-organisation API tokens for the regulatory access port (INS-8): `Authorization: Bearer hdsp_…`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.accounts import services
from apps.accounts.api import schema  # noqa: F401  (registers the OpenAPI security scheme)
from apps.core.errors import DomainError
from apps.core.history import remember_request_user


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected “Bearer <token>”."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API token.")) from None
        try:
            token = services.api_token_authenticate(raw=raw)
        except DomainError as error:
            raise exceptions.AuthenticationFailed(error.message) from None
        remember_request_user(token.account)
        return token.account, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
