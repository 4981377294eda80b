"""Adoption declarations (STD-5, M.12, M.15): an institution says which standards, in which version, it
applies, since when and in which systems; departments monitor adoption in their jurisdiction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import AdoptionDeclaration, Standard
from .evidence import evidence_attach

ACTIVE = AdoptionDeclaration.Status.ACTIVE
WITHDRAWN = AdoptionDeclaration.Status.WITHDRAWN


def _newer_version_of(standard: Standard) -> Standard | None:
    """What to declare instead of a superseded standard: the version that superseded it, else the newest
    adoptable version of its series."""
    newer = standard.superseded_by.order_by("-published_on", "-code").first()
    while newer is not None and not newer.is_adoptable:
        following = newer.superseded_by.order_by("-published_on", "-code").first()
        if following is None:
            break
        newer = following
    if newer is not None and newer.is_adoptable:
        return newer
    return (Standard.objects.filter(series=standard.series, status__in=("published", "in_force", "under_revision"))
            .exclude(pk=standard.pk).order_by("-published_on", "-code").first())


def adoptability_error(standard: Standard) -> str | None:
    """Why `standard` cannot be declared, naming its status (and for a superseded one, what replaces it)."""
    if standard.is_adoptable:
        return None
    status = standard.get_status_display()
    if standard.status == Standard.Status.ABOLISHED:
        if standard.abolished_on:
            return _("%(code)s was abolished on %(date)s and can no longer be declared.") % {
                "code": standard.code, "date": standard.abolished_on.isoformat()}
        return _("%(code)s is abolished and can no longer be declared.") % {"code": standard.code}
    if standard.status == Standard.Status.SUPERSEDED:
        newer = _newer_version_of(standard)
        if newer is not None:
            return _("%(code)s is superseded; declare the current version %(newer)s instead.") % {
                "code": standard.code, "newer": newer.code}
        return _("%(code)s is superseded and can no longer be declared.") % {"code": standard.code}
    return _("%(code)s is not published (status: %(status)s); only published standards can be declared.") % {
        "code": standard.code, "status": status}


def _version_key(standard: Standard) -> tuple:
    return (standard.published_on or datetime.date.min, standard.code)


def _check_declarer(organisation, by) -> None:
    from apps.institutions.selectors import institution_is_admitted

    if not (getattr(by, "is_authenticated", False) and by.has_perm("standards.declare_adoption")):
        raise errors.PermissionDenied()
    if by.organisation_id != organisation.pk or not organisation.is_active:
        raise errors.PermissionDenied(_("You may declare the standards of your own institution only."))
    if not institution_is_admitted(organisation.pk):
        raise errors.ValidationFailed(_(
            "Only admitted institutions declare the standards they apply; your institution is not admitted."))


def _check_since(since: datetime.date | None, standard: Standard) -> None:
    if since is None:
        raise errors.ValidationFailed(field_errors={"since": [_("Give the date since which you apply it.")]})
    if since > timezone.localdate():
        raise errors.ValidationFailed(field_errors={"since": [_("The date cannot be in the future.")]})
    if standard.published_on and since < standard.published_on:
        raise errors.ValidationFailed(field_errors={"since": [
            _("%(code)s was published on %(date)s; you cannot apply it from an earlier date.") % {
                "code": standard.code, "date": standard.published_on.isoformat()}]})


@transaction.atomic
def adoption_declare(*, organisation, standard: Standard, since: datetime.date, systems: str,
                     evidence_upload=None, by) -> AdoptionDeclaration:
    """Record that `organisation` applies `standard` (STD-5).

    Refuses: another institution's declaration, a non-admitted institution, a standard that is not
    published / in force / under revision (the message names its status, and for a superseded one the
    version to declare instead), a date in the future or before publication, a second active declaration
    of the same standard, an older version while a newer one of the series is declared. Declaring a newer
    version withdraws the older version's active declaration in the same transaction; the withdrawn
    declarations are on `declaration.replaced` so the caller can say so."""
    _check_declarer(organisation, by)
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    problem = adoptability_error(standard)
    if problem:
        raise errors.ValidationFailed(problem, field_errors={"standard": [problem]})
    _check_since(since, standard)
    systems = (systems or "").strip()
    if not systems:
        raise errors.ValidationFailed(field_errors={"systems": [_("Name the systems that apply the standard.")]})
    if organisation.region_id is None:
        raise errors.ValidationFailed(_("Your institution has no region; correct its profile first."))
    same_series = list(AdoptionDeclaration.objects.select_for_update().select_related("standard").filter(
        organisation=organisation, status=ACTIVE, standard__series=standard.series))
    for existing in same_series:
        if existing.standard_id == standard.pk:
            message = _("Your institution already declares %(code)s (since %(date)s).") % {
                "code": standard.code, "date": existing.since.isoformat()}
            raise errors.ValidationFailed(message, field_errors={"standard": [message]})
        if _version_key(existing.standard) > _version_key(standard):
            message = _("Your institution already declares the newer version %(newer)s of this standard.") % {
                "newer": existing.standard.code}
            raise errors.ValidationFailed(message, field_errors={"standard": [message]})
    now = timezone.now()
    replaced = []
    for older in same_series:
        older.status, older.withdrawn_at = WITHDRAWN, now
        save_tracked(older, by=by, reason=f"replaced by {standard.code}")
        replaced.append(older)
    declaration = AdoptionDeclaration(organisation=organisation, region_id=organisation.region_id,
                                      standard=standard, since=since, systems=systems, declared_by=by,
                                      declared_at=now)
    if evidence_upload is not None:
        declaration.evidence_name = evidence_attach(declaration.evidence, evidence_upload, field="evidence")
    try:
        with transaction.atomic():
            save_tracked(declaration, by=by, reason="declared")
    except IntegrityError:  # a concurrent request declared it first
        message = _("Your institution already declares %(code)s.") % {"code": standard.code}
        raise errors.ValidationFailed(message, field_errors={"standard": [message]}) from None
    declaration.replaced = replaced
    return declaration


@transaction.atomic
def adoption_withdraw(*, declaration: AdoptionDeclaration, reason: str, by) -> AdoptionDeclaration:
    """The institution no longer applies the standard (STD-5); the declaration stays on record."""
    declaration = AdoptionDeclaration.objects.select_for_update().get(pk=declaration.pk)
    policy.require(by, "standards.declare_adoption", declaration)
    if declaration.status != ACTIVE:
        raise errors.TransitionNotAllowed(_("This declaration is already withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the standard is no longer applied.")]})
    declaration.status, declaration.withdrawn_at = WITHDRAWN, timezone.now()
    return save_tracked(declaration, by=by, reason=f"withdrawn: {reason}")


# --- changes for monitors (STD-5: "monitor adoption dynamically") ---------------------------------------


@dataclass(frozen=True)
class AdoptionChange:
    kind: str  # "declared" or "withdrawn"
    at: datetime.datetime
    declaration: AdoptionDeclaration

    @property
    def label(self) -> str:
        return _("declared") if self.kind == "declared" else _("withdrawn")


def adoption_changes_since(prefix: str, since: datetime.datetime, *, limit: int | None = None) -> list[AdoptionChange]:
    """Declarations made or withdrawn since `since` in the regions under `prefix`, newest first, in one query.

    A declaration made and withdrawn in the window appears twice. Used by the nightly digest and the
    recent-changes page."""
    rows = AdoptionDeclaration.objects.filter(Q(declared_at__gte=since) | Q(withdrawn_at__gte=since))
    if prefix:
        rows = rows.filter(region__code__startswith=prefix)
    rows = rows.select_related("organisation", "standard", "region").order_by("-declared_at", "-pk")
    changes = []
    for row in rows:
        if row.declared_at >= since:
            changes.append(AdoptionChange("declared", row.declared_at, row))
        if row.withdrawn_at is not None and row.withdrawn_at >= since:
            changes.append(AdoptionChange("withdrawn", row.withdrawn_at, row))
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes[:limit] if limit else changes


DIGEST_LINES = 40  # the notification lists this many changes; the page has them all


def _monitors():
    """Active people of active departments who hold standards.monitor_adoption through a role or directly."""
    from django.contrib.auth.models import Permission

    from apps.accounts.models import User

    permission = Permission.objects.filter(content_type__app_label="standards", codename="monitor_adoption")
    return (User.objects.filter(is_active=True, is_machine=False, organisation__kind="department",
                                organisation__is_active=True)
            .filter(Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
            .select_related("organisation").distinct())


def adoption_digest_send(*, now: datetime.datetime | None = None, hours: int = 24) -> int:
    """Nightly (STD-5): each monitor gets one notification listing the declarations made or withdrawn in
    the department's jurisdiction during the last `hours`; nobody gets an empty one. Returns the number of
    people notified. Written in the portal's language, like every stored notification.

    The changes are read once for the whole country and split by jurisdiction prefix in memory, so the
    number of queries does not grow with the number of departments."""
    now = now or timezone.now()
    changes = adoption_changes_since("", now - datetime.timedelta(hours=hours))
    if not changes:
        return 0
    by_department: dict[int, list] = {}
    for person in _monitors():
        by_department.setdefault(person.organisation_id, []).append(person)
    notified = 0
    with translation.override(settings.LANGUAGE_CODE):
        for people in by_department.values():
            notified += _digest_to(people, changes)
    return notified


def _digest_to(people: list, changes: list) -> int:
    from django.urls import reverse

    from apps.institutions.services.messages import portal_notify

    prefix = people[0].organisation.jurisdiction_prefix
    mine = [c for c in changes if c.declaration.region_id.startswith(prefix)]
    if not mine:
        return 0
    declared = sum(1 for c in mine if c.kind == "declared")
    lines = [f"{c.at:%Y-%m-%d %H:%M} {c.declaration.organisation.name} · {c.declaration.standard.code} · "
             f"{c.label}" for c in mine[:DIGEST_LINES]]
    if len(mine) > DIGEST_LINES:
        lines.append(_("… and %(more)d more on the recent-changes page.") % {"more": len(mine) - DIGEST_LINES})
    portal_notify(
        recipients=people,
        title=gettext_lazy("Standards adoption: %(declared)d declared, %(withdrawn)d withdrawn in the last day"),
        params={"declared": declared, "withdrawn": len(mine) - declared},
        body="\n".join(lines).replace("%", "%%"), url=reverse("standards:adoption_changes"))
    return len(people)
