"""Adjustments by a department and objections by an institution (INS-3).

A department may move a rating only with a written reason, recorded as an item of its own (so the
breakdown still explains the score) and in the history. An institution may object to an item in
force; a department of its jurisdiction upholds the objection (the item is withdrawn and the rating
recomputed) or rejects it, with reasons, and the institution is told."""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.accounts.models import User
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import CreditEvent, CreditObjection, CreditRule, CreditTrigger, Institution
from ..workflows import CREDIT_OBJECTION_FLOW
from .credit import credit_recompute, effective_until_for
from .messages import portal_notify
from .registry import responsible_department

ADJUSTMENT_SOURCE = "institutions.adjustment"
MIN_REASON = 10
ADJUSTMENT_LIMIT = 50
MAX_ADJUSTMENT_DAYS = 3 * 365

Objection = CreditObjection.Status


def _in_portal_language(message, **params) -> str:
    """Stored descriptions are records: written in the portal's language, whatever the actor's language."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(translation.gettext(message)) % params


def _users_with(organisation_id, codename: str):
    return (User.objects.filter(organisation_id=organisation_id, is_active=True, is_machine=False,
                                groups__permissions__codename=codename,
                                groups__permissions__content_type__app_label="institutions")
            .distinct())


def _credit_url(institution_id) -> str:
    return reverse("institutions:credit", args=[institution_id])


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise errors.ValidationFailed(field_errors={field: [
            _("Give a written reason of at least %(n)d characters.") % {"n": MIN_REASON}]})
    return reason


def is_in_force(event: CreditEvent, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (event.status == CreditEvent.Status.IN_FORCE and event.occurred_on <= today
            and event.effective_until >= today)


# --- adjustments ------------------------------------------------------------------------------------


def _adjustment_rule() -> CreditRule:
    rule = (CreditRule.objects.filter(trigger=CreditTrigger.MANUAL).order_by("-is_active", "pk").first())
    if rule is None:
        raise errors.ValidationFailed(_("No rule for department adjustments exists; ask the national "
                                        "department to create one for the trigger “Adjustment by a department”."))
    return rule


@transaction.atomic
def credit_adjust(*, institution, points, reason: str, by, until: datetime.date | None = None) -> CreditEvent:
    """Adjust a rating with a written reason (INS-3): an item of its own under the adjustment rule,
    in force until `until` (default: the rule's duration), audited in the history with the reason."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    policy.require(by, "institutions.adjust_credit", institution)
    field_errors: dict[str, list[str]] = {}
    try:
        points = int(points)
    except (TypeError, ValueError):
        points = None
    if points is None or points == 0 or abs(points) > ADJUSTMENT_LIMIT:
        field_errors["points"] = [_("Enter a non-zero number of points from -%(n)d to +%(n)d.")
                                  % {"n": ADJUSTMENT_LIMIT}]
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        field_errors["reason"] = [_("Give a written reason of at least %(n)d characters.") % {"n": MIN_REASON}]
    today = timezone.localdate()
    if until is not None and not today <= until <= today + datetime.timedelta(days=MAX_ADJUSTMENT_DAYS):
        field_errors["until"] = [_("Choose a date from today to three years ahead.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    rule = _adjustment_rule()
    department = by.organisation.name if by.organisation_id else _("the department")
    event = CreditEvent(
        institution=institution, rule=rule, points=points, occurred_on=today,
        effective_until=until or effective_until_for(today, rule.duration_days),
        description=_in_portal_language(gettext_noop("Adjustment by %(department)s"), department=department)[:300],
        source_type=ADJUSTMENT_SOURCE, source_id=uuid.uuid4().hex, source_url=_credit_url(institution.pk),
        reason=reason, recorded_by=by,
    )
    save_tracked(event, by=by, reason=f"adjusted {points:+d}: {reason}")
    credit_recompute(institution_ids=[institution.pk])
    recipients = list(_users_with(institution.pk, "view_creditevent"))
    transaction.on_commit(lambda: portal_notify(
        recipients=recipients, title=gettext_lazy("Your credit rating was adjusted by %(points)s points"),
        body=gettext_lazy("Reason: %(reason)s"), url=_credit_url(institution.pk),
        params={"points": f"{points:+d}", "reason": reason}))
    return event


# --- objections -------------------------------------------------------------------------------------


@transaction.atomic
def credit_objection_submit(*, event, reason: str, by) -> CreditObjection:
    """An institution contests one item of its rating that is in force (INS-3); its department's
    reviewers are notified. One open objection per item."""
    event = (CreditEvent.objects.select_for_update(of=("self",)).select_related("institution", "rule")
             .get(pk=event.pk))
    policy.require(by, "institutions.add_creditobjection", event)
    if by.organisation_id != event.institution_id:
        raise errors.PermissionDenied(_("Only the institution concerned may object to its credit items."))
    if not is_in_force(event):
        raise errors.TransitionNotAllowed(_("Only an item in force can be objected to."))
    if CreditObjection.objects.filter(event=event, status=Objection.SUBMITTED).exists():
        raise errors.TransitionNotAllowed(_("An objection to this item is already waiting for a decision."))
    reason = _require_reason(reason)
    objection = CreditObjection(event=event, institution=event.institution, reason=reason, submitted_by=by)
    try:
        with transaction.atomic():
            save_tracked(objection, by=by, reason="objection submitted")
    except IntegrityError:  # submitted twice at the same moment
        raise errors.TransitionNotAllowed(
            _("An objection to this item is already waiting for a decision.")) from None
    department = responsible_department(event.institution)
    recipients = list(_users_with(department.pk, "decide_credit_objection")) if department else []
    url = reverse("institutions:credit_objection", args=[objection.pk])
    transaction.on_commit(lambda: portal_notify(
        recipients=recipients, title=gettext_lazy("Objection to a credit item of %(name)s"),
        body=gettext_lazy("Item %(code)s (%(points)s points): %(reason)s"), url=url,
        params={"name": event.institution.name, "code": event.rule.code, "points": f"{event.points:+d}",
                "reason": reason}))
    return objection


@transaction.atomic
def credit_objection_decide(*, objection, uphold: bool, reason: str, by) -> CreditObjection:
    """Decide an objection (INS-3): upheld withdraws the item and recomputes the rating; either way the
    institution is told the reasons."""
    objection = (CreditObjection.objects.select_for_update(of=("self",))
                 .select_related("event__rule", "institution").get(pk=objection.pk))
    policy.require(by, "institutions.decide_credit_objection", objection)  # 404 before 409 for outsiders
    target = Objection.UPHELD if uphold else Objection.REJECTED
    CREDIT_OBJECTION_FLOW.check(by, objection, objection.status, target)
    reason = _require_reason(reason)
    objection.status, objection.decided_by, objection.decided_at = target, by, timezone.now()
    objection.decision_reason = reason
    save_tracked(objection, by=by, reason=f"objection {target}")
    if uphold:
        event = CreditEvent.objects.select_for_update().get(pk=objection.event_id)
        event.status = CreditEvent.Status.WITHDRAWN
        save_tracked(event, by=by, reason=f"withdrawn: objection upheld ({reason})")
        credit_recompute(institution_ids=[objection.institution_id])
    recipients = list(_users_with(objection.institution_id, "view_creditobjection"))
    title = (gettext_lazy("Your objection to credit item %(code)s was upheld") if uphold
             else gettext_lazy("Your objection to credit item %(code)s was rejected"))
    transaction.on_commit(lambda: portal_notify(
        recipients=recipients, title=title, body=gettext_lazy("Reasons: %(reason)s"),
        url=_credit_url(objection.institution_id),
        params={"code": objection.event.rule.code, "reason": reason}))
    return objection
