"""Recording who read what (document downloads and other protected reads, SUP-5)."""

from __future__ import annotations

from .models import AccessRecord


def client_address(request) -> str | None:
    """The client's address resolved the way sign-in protection resolves it (django-axes), so a forged
    X-Forwarded-For header cannot put another address into the record."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def access_record(*, request=None, user=None, obj, action: str = "download", label: str = "") -> AccessRecord:
    """Write one access record for `obj` (any saved model instance) read by the request's user or `user`."""
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AccessRecord.objects.create(
        user=user, organisation_id=getattr(user, "organisation_id", None), action=action,
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}", object_id=str(obj.pk),
        label=(label or str(obj))[:300], ip_address=client_address(request) if request is not None else None,
    )
