"""An institution proposes changes to its own registered data; its department reviews them (INS-1, INS-5).

The registry stays the department's: an institution never edits its profile directly. It proposes new
values for the fields it may change (PROPOSABLE_FIELDS: identity and region stay with the department),
the proposal keeps the values it would replace, and an approval applies it through `institution_update`,
so the profile's history names the reviewer and the proposal. One open proposal per institution keeps
the review simple: a second one would be decided against values the first may already have changed.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Organisation, User
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import Institution, ProfileChange
from ..workflows import PROFILE_CHANGE_FLOW
from .messages import portal_notify
from .registry import PROPOSABLE_FIELDS, institution_clean, institution_update

P = ProfileChange


def _stored(value) -> str:
    return "" if value is None else str(value)


def _with_context(institution: Institution, changes: dict) -> dict:
    """The hospital grade is cleaned against the type, so a grade alone is checked with the current type."""
    if "hospital_grade" in changes and "type" not in changes:
        return {"type": institution.type, **changes}
    return dict(changes)


def _reviewers(institution: Institution) -> list:
    prefixes = [institution.region_id[:n] for n in (6, 4, 2)] + [""]
    return list(User.objects.filter(
        is_active=True, is_machine=False, organisation__kind=Organisation.Kind.DEPARTMENT,
        organisation__jurisdiction_prefix__in=prefixes,
        groups__permissions__codename="review_institution_change").distinct())


def _proposers(change: P) -> list:
    people = User.objects.filter(organisation_id=change.institution_id, is_active=True, is_machine=False,
                                 groups__name="institution_admin").distinct()
    return list({*people, change.submitted_by})


@transaction.atomic
def profile_change_propose(*, institution: Institution, changes: dict, reason: str, by) -> P:
    """Propose new values for some of one's own profile fields (INS-1); nothing changes until approved.

    Only PROPOSABLE_FIELDS; values are validated as the registry validates them; values equal to the
    current ones are dropped, and a proposal that changes nothing is refused."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    policy.require(by, "institutions.propose_institution_change", institution)
    field_errors: dict = {}
    for field in changes:
        if field not in PROPOSABLE_FIELDS:
            field_errors[field] = [_("This item cannot be changed by a proposal; ask your department.")]
    if not (reason or "").strip():
        field_errors["reason"] = [_("Explain the change (and where the new values come from).")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    cleaned = institution_clean(_with_context(institution, changes), exclude_pk=institution.pk)
    new = {field: _stored(value) for field, value in cleaned.items()
           if _stored(value) != _stored(getattr(institution, field))}
    if not new:
        raise errors.ValidationFailed(_("The proposal does not change anything."))
    if open_one := P.objects.filter(institution=institution, status=P.Status.SUBMITTED).first():
        raise errors.ValidationFailed(
            _("Your proposal of %(date)s is still being reviewed; withdraw it before proposing again.")
            % {"date": timezone.localtime(open_one.submitted_at).strftime("%Y-%m-%d")}, code="proposal_open")
    change = P(institution=institution, changes=new, reason=reason.strip(), submitted_by=by,
               previous={field: _stored(getattr(institution, field)) for field in new})
    save_tracked(change, by=by, reason="proposed")
    transaction.on_commit(lambda: portal_notify(
        recipients=_reviewers(institution), title=gettext_lazy("%(name)s proposes changes to its profile"),
        body="%(reason)s", params={"name": institution.name, "reason": change.reason},
        url=reverse("institutions:profile_change_detail", args=[change.pk])))
    return change


@transaction.atomic
def profile_change_decide(*, change: P, approve: bool, comment: str, by) -> P:
    """Approve (apply the values through the registry) or reject with reasons; in the jurisdiction only."""
    change = P.objects.select_for_update(of=("self",)).select_related("institution").get(pk=change.pk)
    target = P.Status.APPROVED if approve else P.Status.REJECTED
    PROFILE_CHANGE_FLOW.check(by, change, change.status, target)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise errors.ValidationFailed(field_errors={"comment": [_("A rejection must state its reasons.")]})
    if approve:
        institution_update(institution=change.institution, data=_with_context(change.institution, change.changes),
                           by=by, reason=f"profile change #{change.pk} approved", check_permission=False)
    change.status, change.decided_by, change.decided_at = target, by, timezone.now()
    change.decision_comment = comment
    save_tracked(change, by=by, reason=target)
    transaction.on_commit(lambda: portal_notify(
        recipients=_proposers(change),
        title=(gettext_lazy("Your profile change was approved") if approve
               else gettext_lazy("Your profile change was rejected")),
        body="%(comment)s", params={"comment": comment},
        url=reverse("institutions:profile_change_detail", args=[change.pk])))
    return change


@transaction.atomic
def profile_change_withdraw(*, change: P, by) -> P:
    """The institution takes back its open proposal; the reviewers' work list no longer shows it."""
    change = P.objects.select_for_update(of=("self",)).select_related("institution").get(pk=change.pk)
    PROFILE_CHANGE_FLOW.check(by, change, change.status, P.Status.WITHDRAWN)
    change.status = P.Status.WITHDRAWN
    save_tracked(change, by=by, reason="withdrawn")
    transaction.on_commit(lambda: portal_notify(
        recipients=_reviewers(change.institution), title=gettext_lazy("%(name)s withdrew its profile change"),
        params={"name": change.institution.name},
        url=reverse("institutions:profile_change_detail", args=[change.pk])))
    return change
