"""Referral of a finding to an accountability case (SUP-1, SUP-3 for the case app of the next issue).

One action: the finding is marked referred with the grounds, its open rectification order is cancelled (the
case orders its own measures), the `finding_referred` signal lets the case app open the case, and the case
officers whose jurisdiction covers the institution are told."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import Finding, RectificationOrder
from ..signals import finding_referred
from ..workflows import FINDING_FLOW, ORDER_FLOW, REFER
from .inspections import inspections_visible
from .rectification import department_recipients


@transaction.atomic
def finding_refer(*, finding: Finding, note: str, by) -> Finding:
    """Refer a confirmed or resolved finding (refer_finding in the jurisdiction; the grounds are required)."""
    finding = Finding.objects.select_for_update(of=("self",)).select_related("inspection").get(pk=finding.pk)
    if not inspections_visible(by).filter(pk=finding.inspection_id).exists() and not by.is_superuser:
        raise errors.NotFound()
    if finding.status == Finding.Status.REFERRED:
        raise errors.TransitionNotAllowed(_("Finding F%(number)s is already referred.") % {"number": finding.number})
    if not policy.can(by, REFER, finding):
        # Visible (jurisdiction or team) but not a referrer of this jurisdiction: 403, never the policy's 404
        # for a team member from outside the jurisdiction, who sees the finding through the team grant.
        raise errors.PermissionDenied()
    FINDING_FLOW.check(by, finding, finding.status, Finding.Status.REFERRED)
    note = (note or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if not note:
        raise errors.ValidationFailed(field_errors={"note": [_("Give the grounds for the referral.")]})
    finding.status = Finding.Status.REFERRED
    finding.referred_at = timezone.now()
    finding.referred_by = by
    finding.referral_note = note
    save_tracked(finding, by=by, reason="referred to an accountability case")
    order = RectificationOrder.objects.select_for_update().filter(finding=finding).first()
    if order is not None and order.is_open:
        ORDER_FLOW.check(by, order, order.status, RectificationOrder.Status.CANCELLED)
        order.status = RectificationOrder.Status.CANCELLED
        save_tracked(order, by=by, reason="finding referred to an accountability case")
    finding_referred.send(sender=Finding, finding=finding, note=note, by=by)
    inspection = finding.inspection
    transaction.on_commit(lambda: _notify_case_officers(finding, inspection))
    return finding


def _notify_case_officers(finding: Finding, inspection) -> None:
    from apps.institutions.services.messages import portal_notify

    portal_notify(recipients=department_recipients(inspection.region_id, ("case_officer",)),
                  title=gettext_lazy("Finding referred for an accountability case: %(number)s"),
                  body=gettext_lazy("Finding F%(finding)s of inspection %(number)s at %(institution)s was referred: "
                                    "%(note)s"),
                  params={"number": inspection.number, "finding": finding.number,
                          "institution": inspection.institution.name, "note": finding.referral_note},
                  url=reverse("inspections:finding_detail", args=[finding.pk]))
