"""Reactions to other apps' signals.

`institution_status_changed` (apps.institutions.services.registry.institution_set_status, sent inside the
transaction of the decision that moved the status): a grantee whose admission is suspended or revoked
(exit decisions, INS-4) or that closed (change of responsible entity, INS-6) has its grants in force
suspended; when it is admitted again (restoration after rectification) its suspended grants resume, or
expire if their end date passed meanwhile (SVC-3)."""

from django.dispatch import receiver

from apps.institutions.signals import institution_status_changed

SUSPENDING_STATUSES = ("suspended", "revoked", "closed")
RESUMING_STATUS = "admitted"


@receiver(institution_status_changed, dispatch_uid="catalog.grants_follow_grantee_status")
def grants_follow_grantee_status(sender, institution, status, by, **kwargs):
    from .services.grants import (
        grants_resume_for_institution,
        grants_suspend_for_institution,
        suspension_reason_for,
    )

    if status in SUSPENDING_STATUSES:
        grants_suspend_for_institution(institution.pk, reason=suspension_reason_for(institution, status), by=by)
    elif status == RESUMING_STATUS:
        grants_resume_for_institution(institution.pk, by=by)
