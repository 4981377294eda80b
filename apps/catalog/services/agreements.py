"""The data use agreement (SVC-2, SEC-4): one version is current; every recipient of an application accepts it.

The national department publishes new versions (`catalog.manage_agreement`). Publishing makes the new version
current and the previous one stops being current; recipients of applications not yet submitted (or returned
for correction) then have to accept the new version again before submission (`application_validate`)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import DataUseAgreement, Recipient, SharingApplication

MANAGE = "catalog.manage_agreement"
# Applications whose recipients must (re-)accept a newly published agreement.
OPEN_STATUSES = (SharingApplication.Status.DRAFT, SharingApplication.Status.RETURNED)


def agreement_current() -> DataUseAgreement | None:
    """The agreement in force, or None before the first one is published."""
    return DataUseAgreement.objects.filter(is_current=True).first()


def agreement_text(agreement: DataUseAgreement, language: str | None = None) -> str:
    """The agreement's text in `language` (the current one by default); Chinese when there is no English text."""
    from django.utils import translation

    language = language or translation.get_language() or ""
    if language.startswith("en") and agreement.text_en.strip():
        return agreement.text_en
    return agreement.text


def _check_publisher(by) -> None:
    policy.require(by, MANAGE)
    # One agreement binds every recipient in the country: only the national department publishes it.
    if policy.jurisdiction_prefix(by) != "" and not by.is_superuser:
        raise errors.PermissionDenied(_("Only the national department publishes the data use agreement."))


def agreement_publish(*, version: str, text: str, text_en: str = "", effective_from: datetime.date | None = None,
                      by) -> DataUseAgreement:
    """Publish a new version of the data use agreement; it becomes current at once (SVC-2).

    Refuses: a user without `catalog.manage_agreement` or outside the national department, an empty or already
    used version label, an empty Chinese text, an effective date in the future or before the current version's.
    Recipients of open applications who accepted the previous version are told to accept the new one."""
    _check_publisher(by)
    version = (version or "").strip()
    text = (text or "").strip()
    text_en = (text_en or "").strip()
    effective_from = effective_from or timezone.localdate()
    problems: dict[str, list[str]] = {}
    if not version:
        problems["version"] = [_("Give the version label, for example 2025-1.")]
    elif len(version) > DataUseAgreement._meta.get_field("version").max_length:
        problems["version"] = [_("The version label is too long (at most 20 characters).")]
    elif DataUseAgreement.objects.filter(version__iexact=version).exists():
        problems["version"] = [_("Version %(version)s was already published; give a new label.") % {
            "version": version}]
    if not text:
        problems["text"] = [_("Enter the text of the agreement.")]
    if effective_from > timezone.localdate():
        problems["effective_from"] = [_("A published agreement is in effect at once; the date cannot be in the "
                                        "future.")]
    with transaction.atomic():
        previous = DataUseAgreement.objects.select_for_update().filter(is_current=True).first()
        if previous is not None and effective_from < previous.effective_from:
            problems.setdefault("effective_from", []).append(
                _("The current version %(version)s is in effect from %(date)s; the new one cannot start earlier.")
                % {"version": previous.version, "date": previous.effective_from.isoformat()})
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        if previous is not None:
            previous.is_current = False
            save_tracked(previous, by=by, reason=f"replaced by {version}")
        agreement = DataUseAgreement(version=version, text=text, text_en=text_en, effective_from=effective_from,
                                     is_current=True, created_by=by)
        try:
            with transaction.atomic():
                save_tracked(agreement, by=by, reason="published")
        except IntegrityError:  # a concurrent publication of the same label
            raise errors.ValidationFailed(field_errors={"version": [
                _("Version %(version)s was already published; give a new label.") % {"version": version}]}) from None
        _ask_to_accept_again(agreement)
    return agreement


RENEW_TITLE = gettext_lazy("A new data use agreement (%(version)s) is in force")
RENEW_BODY = gettext_lazy("You are a named recipient of application %(number)s. Accept the new version of the "
                          "data use agreement before the application is submitted.")


def _ask_to_accept_again(agreement: DataUseAgreement) -> None:
    """After commit: each recipient of an open application who accepted an older version is told once per
    application (SVC-2: acceptance must be renewed)."""
    from django.urls import reverse

    from apps.institutions.services.messages import portal_notify

    rows = list(Recipient.objects.filter(application__status__in=OPEN_STATUSES, agreement__isnull=False)
                .exclude(agreement=agreement).select_related("user", "application")
                .filter(user__is_active=True))
    if not rows:
        return

    def send():
        for row in rows:
            portal_notify(recipients=[row.user], title=RENEW_TITLE, body=RENEW_BODY,
                          params={"version": agreement.version, "number": row.application.number},
                          url=reverse("catalog:application_agreement", args=[row.application_id]))

    transaction.on_commit(send)
