"""Grants in a change of responsible entity (INS-6, M.34, SVC-3): what a closing grantee holds and where it goes.

Registered with the institutions app's transfer registry by services/transfer.py under `GRANT_KIND`
(contract in apps/institutions/transfers.py):

- `grants_held_by(institution)`: grants whose grantee is the institution and that still carry duties —
  in force (active, suspended) or ended with the certificate of destruction still due (expired, revoked).
  Closed grants are history and stay with the old entity.
- `grants_move(object_ids, source, successor, by)`:
  * to a successor: the successor becomes the grantee (and its region the grantee's region), with
    everything attached (releases, reports due, the certificate due); the recipients stay named;
  * with no successor (the department takes custody): a grant in force is revoked ("responsible entity
    closed") and its certificate falls due; ended grants keep their due certificate. These grants are then
    in the department's custody and no longer listed for the source (the transfer's moved items record the
    hand-over), just as the institutions app does for documents.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.core.history import save_tracked

GRANT_KIND = "catalog.datagrant"
HELD_STATUSES = ("active", "suspended", "expired", "revoked")


def _in_department_custody(institution) -> Q:
    from apps.institutions.models import ResponsibilityTransfer, TransferItem

    handed_over = TransferItem.objects.filter(
        kind=GRANT_KIND, moved_at__isnull=False, transfer__source_id=institution.pk,
        transfer__successor__isnull=True, transfer__status__in=[
            ResponsibilityTransfer.Status.CONFIRMED, ResponsibilityTransfer.Status.CLOSED],
    ).values_list("object_id", flat=True)
    return Q(pk__in=[int(pk) for pk in handed_over if str(pk).isdigit()])


def grants_held_by(institution) -> list[tuple[int, str]]:
    """(id, label) of the grants the institution answers for now (see the module docstring)."""
    from ..models import DataGrant

    rows = (DataGrant.objects.filter(applicant_id=institution.pk, status__in=HELD_STATUSES)
            .exclude(_in_department_custody(institution)).select_related("application").order_by("created_at", "pk"))
    return [(grant.pk, f"{grant.number} {grant.application.title} ({grant.get_status_display()}, "
                       f"{grant.starts_on:%Y-%m-%d} – {grant.ends_on:%Y-%m-%d})") for grant in rows]


def grants_move(object_ids, source, successor, by) -> None:
    """Move the listed grants of `source` to `successor`, or end them for the department's custody.

    Runs inside the transfer's transaction (the transfer is the authority); history names `by`."""
    from ..models import DataGrant
    from .grants import grant_end_for_custody, grantee_admins, notify_about, provider_people, stored_text

    ids = [int(pk) for pk in object_ids if str(pk).isdigit()]
    grants = list(DataGrant.objects.select_for_update().filter(pk__in=ids, applicant_id=source.pk,
                                                               status__in=HELD_STATUSES).order_by("pk"))
    for grant in grants:
        if successor is None:
            reason = stored_text(gettext_lazy("The responsible entity %(name)s closed without a successor; its data "
                                          "are in the health department's custody."), {"name": source.name})
            grant_end_for_custody(grant, reason=reason, by=by)
            continue
        grant.applicant_id = successor.pk
        grant.applicant_region_id = successor.region_id
        save_tracked(grant, by=by, reason=f"transferred from {source.credit_code} to {successor.credit_code}")
        notify_about([*grant.recipients.all(), *grantee_admins(grant), *provider_people(grant)], grant,
                gettext_lazy("Data grant %(number)s transferred"),
                gettext_lazy("%(successor)s took over from %(source)s and is now the grantee, with every duty "
                             "under the grant."), {"successor": successor.name, "source": source.name})
