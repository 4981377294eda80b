"""What a change of responsible entity moves (INS-6, M.34): a registry of transferable kinds.

Every app that keeps data an institution is responsible for registers a *kind* here, so that a
transfer can list and move everything without this app importing the others:

    # apps/catalog/apps.py
    class CatalogConfig(AppConfig):
        def ready(self):
            from apps.institutions.transfers import register_transferable
            from .services import transfer as catalog_transfer

            register_transferable(
                "catalog.dataresource", label=_("Data resources"),
                list_for=catalog_transfer.resources_held_by,   # (institution) -> iterable of (id, label)
                move=catalog_transfer.resources_move,          # (object_ids, source, successor, by) -> None
            )

The contract for the two functions:

- `list_for(institution)` returns what the institution is responsible for *now*: (object_id, label)
  pairs, ids as strings or ints. After a successful `move` it must no longer list those objects for
  the source — the transfer re-lists every kind after moving and rolls everything back otherwise.
- `move(object_ids, source, successor, by)` runs inside the transfer's transaction. `successor` is an
  Institution, or None when the data go to the health department: the kind then decides what custody by
  the department means for it (end a grant, keep a record read-only for the department...). It writes
  through its own app's services, records history naming `by`, and raises a domain error to abort.

This module registers the institutions app's own kinds below: documents and entrustments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

ListFor = Callable[[object], Iterable[tuple[object, str]]]
Move = Callable[[list[str], object, object | None, object], None]


@dataclass(frozen=True)
class TransferableKind:
    kind: str  # "app_label.thing", stored on TransferItem.kind
    label: str
    list_for: ListFor
    move: Move


_KINDS: dict[str, TransferableKind] = {}


def register_transferable(kind: str, *, label, list_for: ListFor, move: Move) -> TransferableKind:
    """Register (or re-register, e.g. after a reload) what `kind` lists and how it moves."""
    entry = TransferableKind(kind=kind, label=label, list_for=list_for, move=move)
    _KINDS[kind] = entry
    return entry


def unregister_transferable(kind: str) -> None:
    """For tests that register a kind of their own."""
    _KINDS.pop(kind, None)


def transferable_kinds() -> list[TransferableKind]:
    return list(_KINDS.values())


def transferable_kind(kind: str) -> TransferableKind | None:
    return _KINDS.get(kind)


def kind_label(kind: str) -> str:
    entry = _KINDS.get(kind)
    return entry.label if entry else kind


def _stored_text(text, params: dict) -> str:
    """Text written into records is in the portal's default language, whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params


# --- documents ------------------------------------------------------------------------------------
# Documents that are the department's file *about* the old entity stay with it for the record: what
# it filed for its own admission (licences, the appointment of its top leader...) and decision letters
# addressed to it. They describe the old legal person, and its admission application still points at
# them; moving them would put another entity's licence into the successor's file. Everything else
# (agreements, security rules, rectification evidence, other papers) is part of what the successor now
# answers for and moves to it.
#
# With no successor, a document cannot belong to the department (a document always belongs to an
# institution), so it stays on the closed institution's record, which only the department can read
# once the entity is closed (its organisation is inactive). The closed transfer's items record that
# hand-over, and that is what takes them off the list.
DOCUMENT_KIND = "institutions.document"
_RECORD_KINDS = ("licence", "practice", "appointment", "decision")


def _documents_in_custody(institution) -> Q:
    from .models import ResponsibilityTransfer, TransferItem

    handed_over = TransferItem.objects.filter(
        kind=DOCUMENT_KIND, moved_at__isnull=False, transfer__source=institution,
        transfer__successor__isnull=True, transfer__status__in=[
            ResponsibilityTransfer.Status.CONFIRMED, ResponsibilityTransfer.Status.CLOSED],
    ).values_list("object_id", flat=True)
    return Q(pk__in=[int(pk) for pk in handed_over])


def documents_held_by(institution) -> list[tuple[int, str]]:
    from .models import Document

    rows = (Document.objects.filter(institution=institution, application__isnull=True)
            .exclude(kind__in=_RECORD_KINDS).exclude(_documents_in_custody(institution))
            .order_by("uploaded_at", "pk"))
    return [(document.pk, f"{document.get_kind_display()}: {document.original_name}") for document in rows]


def documents_move(object_ids, source, successor, by) -> None:
    from apps.core.history import save_tracked

    from .models import Document

    if successor is None:
        return  # kept on the closed record, read by the department only (see above)
    for document in Document.objects.select_for_update().filter(pk__in=object_ids, institution=source):
        document.institution = successor
        save_tracked(document, by=by, reason=f"transferred from {source.credit_code}")


# --- entrustments ---------------------------------------------------------------------------------
# Agreements in force, whichever side of them the old entity is on. The successor takes the old
# entity's place in each (M.34: legal succession carries the contracts); an agreement between the old
# entity and the successor itself ends, since nobody entrusts itself. With no successor every agreement
# ends: the department cannot act as a party, and the other side must arrange a new one (it is told).
# Ended agreements are history of the old entity and stay with it.
ENTRUSTMENT_KIND = "institutions.entrustment"


def entrustments_held_by(institution) -> list[tuple[int, str]]:
    from .models import Entrustment

    rows = (Entrustment.objects.filter(Q(institution=institution) | Q(provider=institution),
                                       status=Entrustment.Status.ACTIVE)
            .select_related("institution", "provider").order_by("starts_on", "pk"))
    return [(row.pk, f"{row.institution.name} → {row.provider.name} ({row.get_scope_display()}, "
                     f"{row.starts_on:%Y-%m-%d} – {row.ends_on:%Y-%m-%d})") for row in rows]


def entrustments_move(object_ids, source, successor, by) -> None:
    from apps.core.history import save_tracked

    from .models import Entrustment

    rows = Entrustment.objects.select_for_update().filter(
        Q(institution=source) | Q(provider=source), pk__in=object_ids, status=Entrustment.Status.ACTIVE)
    for entrustment in rows:
        other = entrustment.provider_id if entrustment.institution_id == source.pk else entrustment.institution_id
        if successor is None or successor.pk == other:
            entrustment.status = Entrustment.Status.ENDED
            entrustment.ended_reason = _stored_text(
                _("Ended by the change of responsible entity of %(name)s (%(code)s)."),
                {"name": source.name, "code": source.credit_code})
            save_tracked(entrustment, by=by, reason="ended by change of responsible entity")
            if successor is None:
                _tell_other_party(entrustment, other)
            continue
        if entrustment.institution_id == source.pk:
            entrustment.institution = successor
        else:
            entrustment.provider = successor
        save_tracked(entrustment, by=by, reason=f"taken over from {source.credit_code}")


def _tell_other_party(entrustment, organisation_id) -> None:
    """The other side of an agreement that ended with the entity must arrange its data anew (M.34)."""
    from django.db import transaction
    from django.urls import reverse

    from apps.accounts.models import User

    from .services.messages import portal_notify

    people = list(User.objects.filter(organisation_id=organisation_id, is_active=True, is_machine=False,
                                      groups__name="institution_admin").distinct())
    transaction.on_commit(lambda: portal_notify(
        recipients=people, title=_("An entrustment ended with a change of responsible entity"),
        body="%(reason)s", params={"reason": entrustment.ended_reason},
        url=reverse("institutions:entrustments", args=[organisation_id])))


register_transferable(DOCUMENT_KIND, label=_("Documents"), list_for=documents_held_by, move=documents_move)
register_transferable(ENTRUSTMENT_KIND, label=_("Entrustment agreements"), list_for=entrustments_held_by,
                      move=entrustments_move)
