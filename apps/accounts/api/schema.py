"""Tells drf-spectacular how API tokens authenticate, so the OpenAPI schema documents it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "hdsp_<prefix>_<secret>",
            "description": "Per-organisation API token issued in the portal (regulatory access port, INS-8).",
        }
