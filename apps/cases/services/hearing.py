"""The hearing the institution asked for in its defence (SUP-3): the officers schedule it and record it (held,
with minutes, or not attended); the institution may withdraw its request. The decision waits until the hearing
is no longer pending."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors
from apps.core.history import save_tracked

from ..models import CaseDocument, Hearing
from .common import (
    clean,
    institution_people,
    lock_case,
    notify_on_commit,
    officers_of,
    require_handler,
    require_institution,
)
from .documents import documents_store, files_check, files_removed_on_failure

PENDING = (Hearing.Status.REQUESTED, Hearing.Status.SCHEDULED)


def _lock(hearing) -> tuple:
    """The case then the hearing, locked (the case first, as every step of the procedure takes it)."""
    row = Hearing.objects.only("case_id").get(pk=hearing.pk)
    case = lock_case(row.case_id)
    return case, Hearing.objects.select_for_update().get(pk=hearing.pk)


def _require_pending(hearing: Hearing) -> None:
    if hearing.status not in PENDING:
        raise errors.TransitionNotAllowed(_("This hearing is %(status)s; it can no longer be changed.")
                                          % {"status": str(hearing.get_status_display()).lower()})


@transaction.atomic
def hearing_schedule(*, hearing, scheduled_for, place, by) -> Hearing:
    """Fix (or move) the date and place of a requested hearing (officers); the institution is told."""
    case, hearing = _lock(hearing)
    require_handler(by, case)
    _require_pending(hearing)
    place = clean(place)
    problems: dict[str, list] = {}
    if not isinstance(scheduled_for, datetime.datetime) or scheduled_for <= timezone.now():
        problems["scheduled_for"] = [_("Choose a date and time in the future.")]
    if not place:
        problems["place"] = [_("Say where the hearing takes place.")]
    elif len(place) > 200:
        problems["place"] = [_("Keep the place under 200 characters.")]
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    hearing.status, hearing.scheduled_for, hearing.place = Hearing.Status.SCHEDULED, scheduled_for, place
    save_tracked(hearing, by=by, reason="hearing scheduled")
    notify_on_commit(institution_people(case), case, gettext_lazy("Case %(number)s: hearing on %(when)s"),
                     gettext_lazy("The hearing %(institution)s asked for in case %(number)s takes place on "
                                  "%(when)s at %(place)s."),
                     when=timezone.localtime(scheduled_for).strftime("%Y-%m-%d %H:%M"), place=place)
    return hearing


def hearing_record(*, hearing, held, minutes, files=(), by) -> Hearing:
    """Record a scheduled hearing (officers): held, with its minutes, or not attended by the institution.
    Either way the decision no longer waits for it."""
    with files_removed_on_failure(), transaction.atomic():
        case, hearing = _lock(hearing)
        require_handler(by, case)
        _require_pending(hearing)
        if hearing.status != Hearing.Status.SCHEDULED:
            raise errors.TransitionNotAllowed(_("Schedule the hearing before recording it."))
        minutes = clean(minutes)
        problems: dict[str, list] = {}
        if held and not minutes:
            problems["minutes"] = [_("Write the minutes of the hearing.")]
        try:
            files_check(files)
        except errors.ValidationFailed as error:
            problems.update(error.field_errors)
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        hearing.status = Hearing.Status.HELD if held else Hearing.Status.NOT_ATTENDED
        hearing.held_at = timezone.now() if held else None
        hearing.minutes, hearing.recorded_by = minutes, by
        save_tracked(hearing, by=by, reason=f"hearing {hearing.status}")
        documents_store(case=case, kind=CaseDocument.Kind.HEARING, files=files, by=by)
        return hearing


@transaction.atomic
def hearing_withdraw(*, hearing, by) -> Hearing:
    """The institution withdraws its request for a hearing (its own people holding defend_case)."""
    case, hearing = _lock(hearing)
    require_institution(by, case, _("Only the institution that asked for the hearing may withdraw the request."))
    _require_pending(hearing)
    hearing.status = Hearing.Status.WITHDRAWN
    save_tracked(hearing, by=by, reason="hearing request withdrawn")
    notify_on_commit(officers_of(case), case, gettext_lazy("Case %(number)s: hearing request withdrawn"),
                     gettext_lazy("%(institution)s withdrew its request for a hearing in case %(number)s."))
    return hearing
