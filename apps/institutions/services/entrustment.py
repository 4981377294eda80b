"""Entrustment of storage or operation to a service provider (INS-7, M.31, M.32).

The entrusting institution (or its department) records the agreement: scope, systems, security
obligations, term and the signed agreement itself. Both parties carry responsibility, so the provider
sees what it is entrusted with, but only the entrusting side and the department change the record:
the policy's owner scope covers both parties for reading, so the services check the side themselves.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Organisation, User
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import PUBLIC_STATUSES, Document, Entrustment, Institution
from .documents import document_check, document_store
from .messages import portal_notify


def provider_is_eligible(provider: Institution) -> bool:
    """An admitted service provider: a provider organisation's profile or a health data service entity."""
    return provider.status == Institution.Status.ADMITTED and (
        provider.organisation.kind == Organisation.Kind.PROVIDER or provider.type == Institution.Type.DATA_SERVICE)


def require_entrusting_side(by, institution: Institution) -> None:
    """The institution's own managers (manage_entrustment) or a department over it (change_institution).

    NotFound when `by` cannot see the institution at all, PermissionDenied when it can but may not act."""
    if by.organisation_id == institution.pk:
        policy.require(by, "institutions.manage_entrustment", institution)
    elif getattr(by, "is_regulator", False) or by.is_superuser:
        policy.require(by, "institutions.change_institution", institution)
    elif policy.can_see(by, institution):
        raise errors.PermissionDenied()
    else:
        raise errors.NotFound()


def require_may_change(by, entrustment: Entrustment) -> None:
    """Like require_entrusting_side, but the provider, who can read the entrustment, gets 403, not 404."""
    if not policy.can_see(by, entrustment):
        raise errors.NotFound()
    if by.organisation_id == entrustment.provider_id and by.organisation_id != entrustment.institution_id:
        raise errors.PermissionDenied(_("The service provider can read this entrustment but not change it."))
    require_entrusting_side(by, entrustment.institution)


def may_manage(by, institution: Institution) -> bool:
    try:
        require_entrusting_side(by, institution)
    except errors.DomainError:
        return False
    return True


def _admins(organisation_id) -> list:
    return list(User.objects.filter(organisation_id=organisation_id, is_active=True, is_machine=False,
                                    groups__name__in=["institution_admin", "security_officer"]).distinct())


def _tell_both_sides(entrustment: Entrustment, by, title, body, params: dict) -> None:
    """The provider always; the entrusting institution when someone else (its department) acted."""
    portal_notify(recipients=_admins(entrustment.provider_id), title=title, body=body, params=params,
                  url=reverse("institutions:entrusted_to_us"))
    if by.organisation_id != entrustment.institution_id:
        portal_notify(recipients=_admins(entrustment.institution_id), title=title, body=body, params=params,
                      url=reverse("institutions:entrustments", args=[entrustment.institution_id]))


def _clean(*, institution, provider, scope, systems, security_obligations, starts_on, ends_on,
           agreement_upload, by) -> dict:
    field_errors: dict[str, list] = {}
    if institution.status == Institution.Status.CLOSED:
        raise errors.ValidationFailed(_("A closed institution cannot entrust anything."))
    if provider is None:
        field_errors["provider"] = [_("Name the service provider.")]
    elif provider.status not in PUBLIC_STATUSES and not policy.can_see(by, provider):
        # An applicant's or refused institution's profile is not public: never name it to a prober.
        field_errors["provider"] = [_("No such institution.")]
    elif provider.pk == institution.pk:
        field_errors["provider"] = [_("An institution cannot entrust itself.")]
    elif not provider_is_eligible(provider):
        field_errors["provider"] = [_("“%(name)s” is not an admitted service provider.") % {"name": provider.name}]
    if scope not in Entrustment.Scope.values:
        field_errors["scope"] = [_("Choose what is entrusted.")]
    if not (systems or "").strip():
        field_errors["systems"] = [_("Name the systems and data concerned.")]
    if not (security_obligations or "").strip():
        field_errors["security_obligations"] = [_("State the security obligations the provider accepted.")]
    if not isinstance(starts_on, datetime.date):
        field_errors["starts_on"] = [_("Enter the date the term starts.")]
    if not isinstance(ends_on, datetime.date):
        field_errors["ends_on"] = [_("Enter the date the term ends.")]
    elif isinstance(starts_on, datetime.date) and ends_on < starts_on:
        field_errors["ends_on"] = [_("The term cannot end before it starts.")]
    elif ends_on < timezone.localdate():
        field_errors["ends_on"] = [_("This term has already ended; record only agreements in force.")]
    if agreement_upload is None:
        field_errors["agreement"] = [_("Attach the signed agreement (PDF or a scan).")]
    else:
        try:
            document_check(agreement_upload, field="agreement")
        except errors.ValidationFailed as error:
            field_errors.update(error.field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return {"systems": systems.strip(), "security_obligations": security_obligations.strip()}


@transaction.atomic
def entrustment_record(*, institution: Institution, provider: Institution | None, scope: str, systems: str,
                       security_obligations: str, starts_on, ends_on, agreement_upload, by) -> Entrustment:
    """Record an entrustment with its signed agreement (INS-7): all of it, or nothing.

    Everything is checked before the agreement file is stored, so a refusal leaves no document behind."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    require_entrusting_side(by, institution)
    if provider is not None:
        provider = Institution.objects.select_related("organisation").get(pk=provider.pk)
    texts = _clean(institution=institution, provider=provider, scope=scope, systems=systems,
                   security_obligations=security_obligations, starts_on=starts_on, ends_on=ends_on,
                   agreement_upload=agreement_upload, by=by)
    agreement = document_store(institution=institution, kind=Document.Kind.AGREEMENT, upload=agreement_upload,
                               by=by, field="agreement")
    entrustment = Entrustment(institution=institution, provider=provider, scope=scope, starts_on=starts_on,
                              ends_on=ends_on, agreement=agreement, recorded_by=by, **texts)
    save_tracked(entrustment, by=by, reason="recorded")
    transaction.on_commit(lambda: _tell_both_sides(
        entrustment, by, gettext_lazy("%(institution)s entrusted %(scope)s to %(provider)s"),
        gettext_lazy("Term %(starts)s – %(ends)s. Systems and data: %(systems)s"),
        {"institution": institution.name, "provider": provider.name, "scope": entrustment.get_scope_display(),
         "starts": starts_on, "ends": ends_on, "systems": entrustment.systems}))
    return entrustment


@transaction.atomic
def entrustment_end(*, entrustment: Entrustment, reason: str, by) -> Entrustment:
    """End an agreement before or at the end of its term (INS-7); the provider is told."""
    entrustment = (Entrustment.objects.select_for_update(of=("self",)).select_related("institution", "provider")
                   .get(pk=entrustment.pk))
    require_may_change(by, entrustment)
    if entrustment.status != Entrustment.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("This entrustment has already ended."))
    if not (reason or "").strip():
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the entrustment ends.")]})
    entrustment.status = Entrustment.Status.ENDED
    entrustment.ended_reason = reason.strip()
    save_tracked(entrustment, by=by, reason="ended")
    transaction.on_commit(lambda: _tell_both_sides(
        entrustment, by, gettext_lazy("Entrustment by %(institution)s ended"), "%(reason)s",
        {"institution": entrustment.institution.name, "reason": entrustment.ended_reason}))
    return entrustment
