"""Home-page panels. Each app registers a function that returns panels for a user; the home page
shows those the user's roles call for. Empty panels are fine until the apps that fill them land."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

PanelProvider = Callable[[object], list[dict]]
_providers: list[PanelProvider] = []


def register_panels(provider: PanelProvider) -> PanelProvider:
    _providers.append(provider)
    return provider


def panels_for(user) -> list[dict]:
    panels = []
    for provider in _providers:
        panels.extend(provider(user))
    return panels


@register_panels
def _identity_panel(user):
    from apps.accounts.roles import ROLES

    return [{
        "title": _("Your account"),
        "template": "core/panels/identity.html",
        "context": {
            "organisation": user.organisation,
            "role_labels": [ROLES[code].label for code in sorted(user.role_codes) if code in ROLES],
        },
    }]
