"""Notifications from this app, written in the portal's default language whatever the actor's language."""

from django.conf import settings
from django.utils import translation

from apps.notifications.services import notify


def portal_notify(*, recipients, title, body="", url: str = "", params: dict | None = None,
                  email: bool = True) -> None:
    """`title` and `body` are lazy translatable strings (with %(name)s placeholders filled from params)."""
    params = params or {}
    with translation.override(settings.LANGUAGE_CODE):
        notify(recipients=recipients, title=str(title) % params if params else str(title),
               body=(str(body) % params if params else str(body)), url=url, email=email)
