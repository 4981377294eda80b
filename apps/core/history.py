"""Change history for every regulatory model, with the acting user however the change is made.

- In a request, the middleware records the signed-in user (or the API token's account).
- In a service, task or management command, `save_tracked(obj, by=user)` or `with acting_as(user):`
  names the actor explicitly. A change with no actor at all is recorded with an empty user, which
  tests treat as a bug for regulatory models.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db import models
from simple_history.models import HistoricalRecords

_actor: contextvars.ContextVar = contextvars.ContextVar("history_actor", default=None)
_request_user: contextvars.ContextVar = contextvars.ContextVar("history_request_user", default=None)


@contextlib.contextmanager
def acting_as(user):
    """Attribute every history row written inside the block to `user` (tasks, commands, services)."""
    token = _actor.set(user)
    try:
        yield user
    finally:
        _actor.reset(token)


def current_actor():
    actor = _actor.get()
    if actor is not None:
        return actor
    user = _request_user.get()
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def _history_user(instance=None, request=None, **kwargs):
    return current_actor()


def tracked_history(**options) -> HistoricalRecords:
    """HistoricalRecords configured the portal's way; for models that cannot inherit TrackedModel."""
    return HistoricalRecords(get_user=_history_user, **options)


class TrackedModel(models.Model):
    """Base of every regulatory model: its history table knows who changed what, when and why."""

    history = tracked_history(inherit=True)

    class Meta:
        abstract = True


def save_tracked(obj: models.Model, *, by, reason: str = "", **save_kwargs) -> models.Model:
    """Save `obj` so its history row names `by` and the reason for the change."""
    obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    try:
        obj.save(**save_kwargs)
    finally:
        for attribute in ("_history_user", "_change_reason"):
            if attribute in obj.__dict__:
                delattr(obj, attribute)
    return obj


class HistoryUserMiddleware:
    """Make the request's user available to history rows written during the request.

    Runs after authentication; DRF authenticates token clients inside the view, so the API's
    authentication class calls `remember_request_user` too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_user.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _request_user.reset(token)


def remember_request_user(user) -> None:
    _request_user.set(user)
