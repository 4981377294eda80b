"""Working-day arithmetic for deadlines (SVC-2, SEC-6) and the services that maintain the calendar.

China's calendar is "Monday to Friday, except public holidays, plus make-up working days (调休) on
some weekends". Only the exceptions are stored (`CalendarDay`). Calculations read them a year at a
time: one query per year, kept in the shared cache under a versioned key, so that counting 250
working days costs at most one query per calendar year touched and none once the cache is warm.

Cache invalidation: every save or delete of a `CalendarDay` (services, the admin, a shell) replaces
the version token once the transaction commits, so other processes never cache a change that might
still be rolled back. The bulk loader, which sends no signals, does the same explicitly. A
calculation made inside the very transaction that edits the calendar still sees the old calendar;
nothing in the portal does both in one transaction.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from .models import CalendarDay

logger = logging.getLogger(__name__)

# The calendar is mainland China's, whatever time zone a user has chosen to view the portal in.
CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)
FIXTURE_PATH = Path(settings.BASE_DIR) / "fixtures" / "calendar_days.json"

_VERSION_KEY = "workdays:calendar:version"
_YEAR_KEY = "workdays:calendar:{version}:{year}"
# Versioning keeps the cache correct; the timeout only bounds how long a copy survives a failed
# invalidation (for example Redis unreachable at the moment of the change).
_YEAR_TIMEOUT = 60 * 60

_NAME_MAX = CalendarDay._meta.get_field("name").max_length
_NOTE_MAX = CalendarDay._meta.get_field("note").max_length


# ==============================================================================================
# Reading the calendar
# ==============================================================================================
def _calendar_date(value: date | datetime) -> date:
    """The day in China that `value` falls on; datetimes are converted, never silently compared.

    (A datetime is a date subclass but never equal to one, so it must not reach the set look-ups.)
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CALENDAR_TZ)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def _load_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(rest days on weekdays, working days on weekends) of `year`, in one query."""
    holidays, workdays = set(), set()
    rows = CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    for day, kind in rows.values_list("date", "kind"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
    return frozenset(holidays), frozenset(workdays)


class _Calendar:
    """The exceptions for the years one calculation touches, each fetched at most once.

    Lives for one public call only, so a long-running process never holds a stale copy.
    """

    def __init__(self):
        self._version: str | None = None
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}

    def is_working_day(self, day: date) -> bool:
        holidays, workdays = self._year(day.year)
        if day.weekday() < 5:
            return day not in holidays
        return day in workdays

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        data = self._years.get(year)
        if data is None:
            data = self._years[year] = self._cached_year(year)
        return data

    def _cached_year(self, year: int):
        # A cache outage must not stop deadlines from being computed: fall back to the database.
        key, data = None, None
        try:
            key = _YEAR_KEY.format(version=self._cache_version(), year=year)
            data = cache.get(key)
        except Exception:
            logger.warning("working-day cache unavailable; reading the calendar from the database",
                           exc_info=True)
        if data is None:
            data = _load_year(year)
            if key is not None:
                try:
                    cache.set(key, data, _YEAR_TIMEOUT)
                except Exception:
                    logger.warning("could not cache the working-day calendar", exc_info=True)
        return data

    def _cache_version(self) -> str:
        if self._version is None:
            version = cache.get(_VERSION_KEY)
            if version is None:
                # First reader after a cache flush: agree on one token (add() is atomic in Redis).
                cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
                version = cache.get(_VERSION_KEY)
            self._version = version
        return self._version


def _bump_cache_version() -> None:
    try:
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.exception("could not invalidate the working-day cache; stale copies expire within %ss",
                         _YEAR_TIMEOUT)


def calendar_cache_invalidate() -> None:
    """Make every process re-read the calendar once the current transaction commits (at once in
    autocommit). Called by the CalendarDay save/delete signals and by the bulk loader."""
    transaction.on_commit(_bump_cache_version)


def is_working_day(day: date | datetime) -> bool:
    """Is `day` a working day in mainland China? Weekdays unless a public holiday; Saturdays and
    Sundays only when they are make-up working days (SVC-2, SEC-6)."""
    return _Calendar().is_working_day(_calendar_date(day))


def add_working_days(start: date | datetime, n: int) -> date:
    """The date `n` working days after `start`, not counting `start` itself (SVC-2, SEC-6).

    n = 0 gives `start` when it is a working day, else the next working day; a negative n counts
    backwards (the working day |n| working days before `start`).
    """
    calendar = _Calendar()
    day = _calendar_date(start)
    if n == 0:
        while not calendar.is_working_day(day):
            day += ONE_DAY
        return day
    step = ONE_DAY if n > 0 else -ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """The number of working days in (start, end]; negative when `end` is before `start`.

    So `working_days_between(d, add_working_days(d, n)) == n` for every n > 0 (SVC-2, SEC-6).
    """
    start, end = _calendar_date(start), _calendar_date(end)
    if end < start:
        return -working_days_between(end, start)
    calendar = _Calendar()
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += calendar.is_working_day(day)
    return count


def deadline_after(start: date | datetime, working_days: int) -> date:
    """The last day of a period of `working_days` working days that begins the day after `start`
    (SVC-2, SEC-6: "within 20 working days of receipt").

    A datetime is first placed on its day in China (Asia/Shanghai), so a submission at 23:30 UTC
    counts from the following Chinese date. A submission on a rest day counts from the next working
    day onwards, because `start` itself is never counted.
    """
    return add_working_days(_calendar_date(start), working_days)


# ==============================================================================================
# Maintaining the calendar
# ==============================================================================================
def calendar_day_validate(*, day: date, kind: str, name: str, note: str = "") -> None:
    """Refuse a calendar entry that would be wrong or have no effect; shared by the services, the
    admin form and the fixture loader.

    Decision on weekend "holidays": a Saturday or Sunday is already a rest day, so marking it a
    holiday changes nothing. It is refused rather than stored, because the usual intent behind it
    (cancelling a make-up working day) is done by removing that day, and a silently ineffective
    entry would mislead whoever maintains the calendar. Likewise a weekday cannot be a make-up
    working day: it already is a working day.
    """
    field_errors: dict[str, list[str]] = {}
    if not isinstance(day, date) or isinstance(day, datetime):
        field_errors["date"] = [_("Enter a date.")]
    if kind not in CalendarDay.Kind.values:
        field_errors["kind"] = [_("Choose whether the day is a public holiday or a make-up working day.")]
    if not (name or "").strip():
        field_errors["name"] = [_("Enter the name of the holiday, for example Spring Festival.")]
    elif len(name.strip()) > _NAME_MAX:
        field_errors["name"] = [_("The name may have at most %(max)d characters.") % {"max": _NAME_MAX}]
    if len(note or "") > _NOTE_MAX:
        field_errors["note"] = [_("The note may have at most %(max)d characters.") % {"max": _NOTE_MAX}]
    if "date" not in field_errors and "kind" not in field_errors:
        weekend = day.weekday() >= 5
        if kind == CalendarDay.Kind.HOLIDAY and weekend:
            field_errors["kind"] = [_(
                "%(date)s is a Saturday or Sunday, which is a rest day anyway. Only a weekday can be "
                "marked as a public holiday; to cancel a make-up working day, remove that day instead."
            ) % {"date": day.isoformat()}]
        elif kind == CalendarDay.Kind.WORKDAY and not weekend:
            field_errors["kind"] = [_(
                "%(date)s is a weekday, which is a working day anyway. Only a Saturday or Sunday can "
                "be a make-up working day; to undo a public holiday, remove that day instead."
            ) % {"date": day.isoformat()}]
    if field_errors:
        first = next(iter(field_errors.values()))[0]
        raise errors.ValidationFailed(first, field_errors=field_errors)


@transaction.atomic
def calendar_day_set(*, day: date, kind: str, name: str, note: str = "", by) -> CalendarDay:
    """Record that `day` is a public holiday or a make-up working day, replacing what was recorded
    for that date. The history row names `by`; deadlines computed after commit use the change.

    Needs the add permission for a new date and the change permission for an existing one.
    """
    calendar_day_validate(day=day, kind=kind, name=name, note=note)  # nothing secret to protect
    name, note = name.strip(), (note or "").strip()
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    policy.require(by, "workdays.add_calendarday" if existing is None else "workdays.change_calendarday")
    if existing is None:
        entry = CalendarDay(date=day)
        reason = "added"
    else:
        entry = existing
        if (entry.kind, entry.name, entry.note) == (kind, name, note):
            return entry  # nothing changed: no history row, no invalidation
        reason = "changed"
    entry.kind, entry.name, entry.note = kind, name, note
    return save_tracked(entry, by=by, reason=reason)  # post_save invalidates the cache on commit


@transaction.atomic
def calendar_day_remove(*, day: date, by) -> None:
    """Forget the entry for `day`, which then follows its day of the week again. The deletion's
    history row names `by`. Raises NotFound when nothing is recorded for `day`."""
    policy.require(by, "workdays.delete_calendarday")
    entry = CalendarDay.objects.select_for_update().filter(date=day).first()
    if entry is None:
        raise errors.NotFound(_("Nothing is recorded in the calendar for %(date)s.") % {"date": day})
    entry._history_user = by
    entry._change_reason = "removed"
    entry.delete()  # post_delete invalidates the cache on commit


# ==============================================================================================
# Loading the published calendar
# ==============================================================================================
@transaction.atomic
def calendar_days_load(path: str | Path | None = None, model=None) -> int:
    """Upsert every day of the fixture (default `fixtures/calendar_days.json`, built by
    `build_holiday_fixture`) by date and return how many rows it holds. Idempotent.

    For the dates it lists, the fixture wins over the database (kind and name are overwritten, a
    note an administrator added is kept); other dates are left alone. `model` lets the data
    migration pass its historical model. Bulk rows get no history entries: the fixture file under
    version control is their history.
    """
    model = model or CalendarDay
    with open(path or FIXTURE_PATH, encoding="utf-8") as handle:
        records = json.load(handle)
    rows = []
    for record in records:
        if record.get("model") != "workdays.calendarday":
            raise ValueError(f"unexpected record in the calendar fixture: {record!r}")
        fields = record["fields"]
        day = date.fromisoformat(fields["date"])
        calendar_day_validate(day=day, kind=fields["kind"], name=fields["name"], note=fields.get("note", ""))
        rows.append(model(date=day, kind=fields["kind"], name=fields["name"].strip(),
                          note=fields.get("note", "")))
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=["date"],
                                  update_fields=["kind", "name"])
    calendar_cache_invalidate()
    return len(rows)
