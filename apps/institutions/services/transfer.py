"""Change of responsible entity (INS-6, M.34): merger, split or closure hands everything over.

The department prepares a transfer record for the old entity (the source): the list of what moves is a
snapshot from every registered transferable kind (apps.institutions.transfers: documents, entrustments,
and the catalog's data resources and grants once it registers them), to a successor or, without one, to
the department itself. Both sides confirm the list; the department then closes the record, which moves
every item in one transaction and proves the result: afterwards the source owns nothing.

The source is closed in all three cases (merger, split, closure). M.34 speaks of a change of the
responsible entity: the entity that held the data stops being responsible for them, and INS-6 says the
old entity owns nothing afterwards. A split in which the old legal person carries on (a derivative split)
is not a change of responsible entity for its data; it keeps its profile and shares data through the
catalog instead. Closing also deactivates the source's organisation, so its accounts act on nothing.
One record hands everything to one successor; where a split dissolves the old entity into several, the
department names the successor that takes over data management.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import errors, policy
from apps.core.history import save_tracked

from .. import transfers
from ..models import Institution, ProfileChange, ResponsibilityTransfer, TransferItem
from ..workflows import INSTITUTION_FLOW, PROFILE_CHANGE_FLOW, TRANSFER_FLOW
from .messages import portal_notify
from .registry import institution_set_status

T = ResponsibilityTransfer
OPEN_STATUSES = (T.Status.DRAFT, T.Status.AWAITING_CONFIRMATION, T.Status.CONFIRMED)


# --- helpers -----------------------------------------------------------------------------------------


def _number() -> str:
    today = timezone.localdate()
    count = T.objects.filter(created_at__date=today).count() + 1
    number = f"BG{today:%Y%m%d}{count:04d}"
    while T.objects.filter(number=number).exists():
        count += 1
        number = f"BG{today:%Y%m%d}{count:04d}"
    return number


def _holders(organisation_id, codename: str):
    """Active people of an organisation whose roles carry `institutions.<codename>`."""
    return list(User.objects.filter(
        organisation_id=organisation_id, is_active=True, is_machine=False,
        groups__permissions__codename=codename, groups__permissions__content_type__app_label="institutions",
    ).distinct())


def _side_people(transfer: T) -> list:
    people = _holders(transfer.source_id, "confirm_transfer")
    if transfer.successor_id:
        people += _holders(transfer.successor_id, "confirm_transfer")
    return people


def _notify(transfer: T, recipients, title, body="", **params) -> None:
    portal_notify(recipients=recipients, title=title, body=body, url=reverse(
        "institutions:transfer_detail", args=[transfer.pk]), params={
        "number": transfer.number, "source": transfer.source.name,
        "successor": transfer.successor.name if transfer.successor_id else _("the health department"),
        **params})


def _locked(transfer: T) -> T:
    return T.objects.select_for_update(of=("self",)).select_related("source", "successor").get(pk=transfer.pk)


def _snapshot(transfer: T) -> list[TransferItem]:
    """Replace the item list with what the source holds now, from every registered kind.

    Labels are part of the record both sides confirm, so they are written in the portal's language."""
    transfer.items.all().delete()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for kind in transfers.transferable_kinds():
            for object_id, label in kind.list_for(transfer.source):
                rows.append(TransferItem(transfer=transfer, kind=kind.kind, object_id=str(object_id),
                                         label=str(label)[:300]))
    return TransferItem.objects.bulk_create(rows)


def transfer_left_behind(source: Institution) -> list[tuple[str, str, str]]:
    """(kind, object id, label) of everything the source still holds, across every registered kind."""
    return [(kind.kind, str(object_id), str(label))
            for kind in transfers.transferable_kinds() for object_id, label in kind.list_for(source)]


def _check_successor(*, source: Institution, successor: Institution | None, by) -> dict:
    if successor is None:
        return {}
    if successor.pk == source.pk:
        return {"successor": [_("The successor cannot be the institution that hands over.")]}
    visible = policy.visible(by, Institution.objects.filter(pk=successor.pk), "institutions.view_institution")
    if not visible.exists():
        return {"successor": [_("Choose a successor in your jurisdiction.")]}
    if successor.status != Institution.Status.ADMITTED:
        return {"successor": [_("The successor must be an admitted institution; “%(name)s” is %(status)s.")
                              % {"name": successor.name, "status": successor.get_status_display()}]}
    if T.objects.filter(source=successor, status__in=OPEN_STATUSES).exists():
        return {"successor": [_("“%(name)s” is itself handing over its responsibilities.")
                              % {"name": successor.name}]}
    return {}


# --- services ----------------------------------------------------------------------------------------


@transaction.atomic
def transfer_open(*, source: Institution, successor: Institution | None, reason: str, description: str,
                  by) -> T:
    """Prepare the hand-over of `source` (INS-6): a draft with the current list of what it holds.

    Needs institutions.manage_transfer for a department covering the source; without a successor the
    data go to the department. One open transfer per source (the source row is locked while checking)."""
    source = Institution.objects.select_for_update().select_related("organisation").get(pk=source.pk)
    policy.require(by, "institutions.manage_transfer", source)
    if not getattr(by, "is_regulator", False):
        raise errors.PermissionDenied(_("Only a health department opens a change of responsible entity."))
    field_errors: dict = {}
    if reason not in T.Reason.values:
        field_errors["reason"] = [_("Choose merger, split or closure.")]
    if not (description or "").strip():
        field_errors["description"] = [_("Describe the change: the decision or agreement behind it.")]
    if Institution.Status.CLOSED not in INSTITUTION_FLOW.targets_from(source.status):
        field_errors["source"] = [_("“%(name)s” is %(status)s and cannot hand over its responsibilities.")
                                  % {"name": source.name, "status": source.get_status_display()}]
    elif open_one := T.objects.filter(source=source, status__in=OPEN_STATUSES).first():
        field_errors["source"] = [_("A change of responsible entity is already open for this institution: "
                                    "%(number)s.") % {"number": open_one.number}]
    field_errors.update(_check_successor(source=source, successor=successor, by=by))
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    transfer = T(number=_number(), source=source, successor=successor, department=by.organisation,
                 reason=reason, description=description.strip(), created_by=by)
    save_tracked(transfer, by=by, reason="opened")
    _snapshot(transfer)
    return transfer


@transaction.atomic
def transfer_refresh_items(*, transfer: T, by) -> list[TransferItem]:
    """Re-list what the source holds while the record is being prepared."""
    transfer = _locked(transfer)
    policy.require(by, "institutions.manage_transfer", transfer)
    if transfer.status != T.Status.DRAFT:
        raise errors.TransitionNotAllowed(_("The list of items can only change while the transfer is prepared."))
    items = _snapshot(transfer)
    save_tracked(transfer, by=by, reason="items refreshed")
    return items


@transaction.atomic
def transfer_submit(*, transfer: T, by) -> T:
    """Send the list to both sides for confirmation; the list is taken afresh at this moment."""
    transfer = _locked(transfer)
    TRANSFER_FLOW.check(by, transfer, transfer.status, T.Status.AWAITING_CONFIRMATION)
    if transfer.successor_id and transfer.successor.status != Institution.Status.ADMITTED:
        raise errors.ValidationFailed(field_errors={"successor": [
            _("The successor is no longer admitted; cancel this transfer and open a new one.")]})
    _snapshot(transfer)
    transfer.status = T.Status.AWAITING_CONFIRMATION
    save_tracked(transfer, by=by, reason="submitted for confirmation")
    transaction.on_commit(lambda: _notify(
        transfer, _side_people(transfer), gettext_lazy("Change of responsible entity %(number)s: please confirm"),
        gettext_lazy("%(source)s hands over its data and responsibilities to %(successor)s. Check the list of "
                     "items and confirm for your institution.")))
    return transfer


@transaction.atomic
def transfer_confirm(*, transfer: T, by) -> T:
    """One side (the source or the successor) confirms the list (INS-6 "recorded and confirmed").

    The confirming person needs institutions.confirm_transfer and belongs to that side; when every side
    has confirmed (only the source when the department takes the data) the record is confirmed."""
    transfer = _locked(transfer)
    policy.require(by, "institutions.confirm_transfer", transfer)
    if transfer.status != T.Status.AWAITING_CONFIRMATION:
        raise errors.TransitionNotAllowed(_("This transfer is not awaiting confirmation."))
    now = timezone.now()
    if by.organisation_id == transfer.source_id:
        if transfer.source_confirmed_at:
            raise errors.TransitionNotAllowed(_("The handing-over institution has already confirmed."))
        transfer.source_confirmed_by, transfer.source_confirmed_at, side = by, now, "source"
    elif transfer.successor_id and by.organisation_id == transfer.successor_id:
        if transfer.successor_confirmed_at:
            raise errors.TransitionNotAllowed(_("The successor has already confirmed."))
        transfer.successor_confirmed_by, transfer.successor_confirmed_at, side = by, now, "successor"
    else:
        raise errors.PermissionDenied(_("Only the handing-over institution or the successor confirms."))
    complete = transfer.source_confirmed_at and (transfer.successor_confirmed_at or not transfer.successor_id)
    if complete:
        TRANSFER_FLOW.check(by, transfer, transfer.status, T.Status.CONFIRMED)
        transfer.status = T.Status.CONFIRMED
    save_tracked(transfer, by=by, reason=f"confirmed for the {side}")
    side_label = transfer.source.name if side == "source" else transfer.successor.name
    others = [p for p in _side_people(transfer) if p.organisation_id != by.organisation_id]
    transaction.on_commit(lambda: _notify(
        transfer, [*_holders(transfer.department_id, "manage_transfer"), *others],
        gettext_lazy("Change of responsible entity %(number)s confirmed by %(side)s"),
        gettext_lazy("Every side has confirmed; the department can carry out the transfer.") if complete
        else gettext_lazy("Waiting for the other side's confirmation."), side=side_label))
    return transfer


@transaction.atomic
def transfer_close(*, transfer: T, by) -> T:
    """Carry out the confirmed transfer (INS-6): move every item, prove nothing is left, close the source.

    All in one transaction: if a kind's move fails, or the source still holds anything afterwards (a move
    that did not take, or something the source acquired after the list was confirmed), everything is
    rolled back and the record stays confirmed."""
    transfer = _locked(transfer)
    TRANSFER_FLOW.check(by, transfer, transfer.status, T.Status.CLOSED)
    source = Institution.objects.select_for_update().select_related("organisation").get(pk=transfer.source_id)
    successor = (Institution.objects.select_for_update().get(pk=transfer.successor_id)
                 if transfer.successor_id else None)
    INSTITUTION_FLOW.check(by, source, source.status, Institution.Status.CLOSED)
    if successor is not None and successor.status != Institution.Status.ADMITTED:
        raise errors.ValidationFailed(_("The successor is no longer admitted; cancel this transfer."))
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, object_id in transfer.items.values_list("kind", "object_id"):
        by_kind[kind].append(object_id)
    for kind, object_ids in by_kind.items():
        entry = transfers.transferable_kind(kind)
        if entry is None:
            raise errors.ValidationFailed(_("Items of kind “%(kind)s” cannot be moved: nothing handles them.")
                                          % {"kind": kind})
        entry.move(object_ids, source, successor, by)
    now = timezone.now()
    transfer.items.update(moved_at=now)
    left = transfer_left_behind(source)
    if left:
        raise errors.ValidationFailed(
            _("%(name)s would still hold %(count)d item(s) afterwards, for example “%(label)s”. Nothing was "
              "moved. Cancel this transfer and open a new one so both sides confirm the complete list.")
            % {"name": source.name, "count": len(left), "label": left[0][2]})
    _close_open_proposals(source, transfer, by)
    institution_set_status(institution=source, status=Institution.Status.CLOSED, by=by,
                           reason=f"closed: change of responsible entity {transfer.number}")
    transfer.status, transfer.closed_by, transfer.closed_at = T.Status.CLOSED, by, now
    save_tracked(transfer, by=by, reason="closed: items moved")
    people = [*_side_people(transfer), *_holders(transfer.department_id, "manage_transfer")]
    transaction.on_commit(lambda: _notify(
        transfer, people, gettext_lazy("Change of responsible entity %(number)s carried out"),
        gettext_lazy("Everything %(source)s held now rests with %(successor)s; %(source)s is closed.")))
    return transfer


def _close_open_proposals(source: Institution, transfer: T, by) -> None:
    """A proposal to change a closing entity's profile has nothing left to change."""
    for change in ProfileChange.objects.select_for_update().filter(
            institution=source, status=ProfileChange.Status.SUBMITTED):
        PROFILE_CHANGE_FLOW.check(by, change, change.status, ProfileChange.Status.REJECTED)
        change.status, change.decided_by, change.decided_at = ProfileChange.Status.REJECTED, by, timezone.now()
        with translation.override(settings.LANGUAGE_CODE):
            change.decision_comment = _("The institution was closed by the change of responsible entity "
                                        "%(number)s.") % {"number": transfer.number}
        save_tracked(change, by=by, reason=f"rejected: institution closed by {transfer.number}")


@transaction.atomic
def transfer_cancel(*, transfer: T, reason: str, by) -> T:
    """Abandon a transfer before it is carried out; nothing has moved, the reason is recorded."""
    transfer = _locked(transfer)
    was = transfer.status
    TRANSFER_FLOW.check(by, transfer, transfer.status, T.Status.CANCELLED)
    if not (reason or "").strip():
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the transfer is cancelled.")]})
    transfer.status = T.Status.CANCELLED
    save_tracked(transfer, by=by, reason=f"cancelled: {reason.strip()}")
    if was != T.Status.DRAFT:
        transaction.on_commit(lambda: _notify(
            transfer, _side_people(transfer), gettext_lazy("Change of responsible entity %(number)s cancelled"),
            "%(reason)s", reason=reason.strip()))
    return transfer


def transfers_for(user, queryset=None):
    """Transfers the user may see; institutions see them only once submitted (a draft is the department's)."""
    rows = policy.visible(user, queryset if queryset is not None else T.objects.all(),
                          "institutions.view_responsibilitytransfer")
    if not getattr(user, "is_regulator", False) and not user.is_superuser:
        rows = rows.exclude(status=T.Status.DRAFT)
    return rows

