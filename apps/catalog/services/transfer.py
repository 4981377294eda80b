"""Data resources and grants move with a change of responsible entity (INS-6, M.34).

Registered with `apps.institutions.transfers` (see its contract): for each kind, what the old entity is
responsible for now, and how it moves to the successor, or into the health department's custody when
there is none.

- "catalog.dataresource": the active resources the institution provides. With a successor they become
  the successor's (provider and region; code, versions and history unchanged, grants already made stay as
  they are). Without one they are retired with the reason, since no one can provide them any more.
- "catalog.datagrant": the grants held, through `apps.catalog.services.grants_transfer` (the grants area);
  imported when called, so the app starts whatever order the modules are written in.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

RESOURCE_KIND = "catalog.dataresource"
GRANT_KIND = "catalog.datagrant"


def _stored_text(text, params: dict) -> str:
    """Text written into records is in the portal's default language, whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params


def resources_held_by(institution) -> list[tuple[int, str]]:
    """The institution's active resources, as (id, "code title")."""
    from ..models import DataResource

    rows = (DataResource.objects.filter(provider_id=institution.pk, status=DataResource.Status.ACTIVE)
            .select_related("published_version").order_by("code"))
    result = []
    for resource in rows:
        version = resource.published_version or resource.versions.order_by("-number").first()
        result.append((resource.pk, f"{resource.code} {version.title if version else ''}".strip()))
    return result


def resources_move(object_ids, source, successor, by) -> None:
    """Give the resources to `successor` (an Institution), or retire them when the department takes custody."""
    from apps.core.history import save_tracked

    from ..models import DataResource
    from .resources import _retire

    ids = [int(pk) for pk in object_ids]
    rows = DataResource.objects.select_for_update().filter(pk__in=ids, provider_id=source.pk,
                                                          status=DataResource.Status.ACTIVE)
    with transaction.atomic():
        for resource in rows:
            if successor is None:
                reason = _stored_text(
                    _("Retired with the change of responsible entity of %(name)s (%(code)s): no successor "
                      "provides it; the health department holds the records."),
                    {"name": source.name, "code": source.credit_code})
                _retire(resource, reason, by)
                continue
            resource.provider_id = successor.pk
            resource.region_id = successor.region_id
            save_tracked(resource, by=by, reason=f"transferred from {source.credit_code} to {successor.credit_code}")


def _grants_held_by(institution):
    from .grants_transfer import grants_held_by

    return grants_held_by(institution)


def _grants_move(object_ids, source, successor, by) -> None:
    from .grants_transfer import grants_move

    grants_move(object_ids, source, successor, by)


def register() -> None:
    """Register the catalog's transferable kinds with the institutions app."""
    from apps.institutions.transfers import register_transferable

    register_transferable(RESOURCE_KIND, label=_("Data resources"), list_for=resources_held_by,
                          move=resources_move)
    register_transferable(GRANT_KIND, label=_("Data grants"), list_for=_grants_held_by, move=_grants_move)
