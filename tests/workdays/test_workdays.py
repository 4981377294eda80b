"""Working-day calendar: deadlines counted in working days (SVC-2, SEC-6).

The database holds the published calendar loaded by migration 0002 from fixtures/calendar_days.json,
so these tests use China's real 2025 and 2026 arrangements.
"""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command

from apps.core import errors
from apps.workdays import services
from apps.workdays.admin import CalendarDayAdmin, CalendarDayForm
from apps.workdays.models import CalendarDay
from apps.workdays.services import (
    add_working_days,
    calendar_day_remove,
    calendar_day_set,
    calendar_days_load,
    deadline_after,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db

HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """The cache outlives each test's rolled-back transaction: start and end every test with a new
    cache version so no test sees calendar data another test wrote."""
    services._bump_cache_version()
    yield
    services._bump_cache_version()


@pytest.fixture
def calendar_admin():
    user = get_user_model().objects.create_user(username="calendar-admin", password="unused-Passw0rd!")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="workdays",
        codename__in=["add_calendarday", "change_calendarday", "delete_calendarday"],
    ))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def outsider():
    return get_user_model().objects.create_user(username="outsider", password="unused-Passw0rd!")


def days(start: date, end: date):
    while start <= end:
        yield start
        start += timedelta(days=1)


# ---- the real 2025 and 2026 arrangements ---------------------------------------------------------
def test_national_day_and_mid_autumn_2025_are_rest_days():
    assert all(not is_working_day(day) for day in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert is_working_day(date(2025, 9, 30))
    assert is_working_day(date(2025, 10, 9))
    assert CalendarDay.objects.get(date=date(2025, 10, 6)).name == "Mid-autumn Festival"


def test_make_up_weekend_days_2025_are_working_days():
    assert date(2025, 9, 28).weekday() == 6 and is_working_day(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and is_working_day(date(2025, 10, 11))
    assert not is_working_day(date(2025, 9, 27))  # an ordinary Saturday
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday


def test_spring_festival_2026():
    assert is_working_day(date(2026, 2, 14))  # Saturday, make-up day
    assert all(not is_working_day(day) for day in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))  # Saturday, make-up day
    assert not is_working_day(date(2026, 3, 1))


def test_fixture_agrees_with_the_published_package_every_day():
    chinese_calendar = pytest.importorskip("chinese_calendar")
    last = max(CalendarDay.objects.values_list("date", flat=True))
    for day in days(date(2024, 1, 1), date(last.year, 12, 31)):
        assert is_working_day(day) == chinese_calendar.is_workday(day), day


# ---- arithmetic -----------------------------------------------------------------------------------
def test_add_working_days_skips_the_national_day_holiday():
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)  # Saturday make-up day counts
    assert add_working_days(date(2025, 9, 30), 4) == date(2025, 10, 13)


def test_add_zero_working_days_is_start_or_next_working_day():
    assert add_working_days(date(2025, 9, 30), 0) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 27), 0) == date(2025, 9, 28)  # Saturday -> Sunday make-up day


def test_negative_working_days_count_backwards():
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 9), -3) == date(2025, 9, 28)  # Sunday make-up day counts
    assert add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)


def test_working_days_between_counts_the_half_open_interval():
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 9, 30), date(2025, 9, 30)) == 0
    for n in (1, 5, 20, 60):
        start = date(2026, 1, 30)
        assert working_days_between(start, add_working_days(start, n)) == n
        assert working_days_between(start, add_working_days(start, -n)) == -n


def test_deadline_of_twenty_working_days_spans_the_october_holiday():
    # SVC-2 / SEC-6: a request received on 30 September 2025 must be reviewed within 20 working days.
    assert deadline_after(date(2025, 9, 30), 20) == date(2025, 11, 4)


def test_deadline_counts_from_the_day_in_china_not_in_utc():
    late_thursday_utc = datetime(2025, 9, 25, 16, 30, tzinfo=UTC)  # Friday 00:30 in Beijing
    early_thursday_utc = datetime(2025, 9, 25, 15, 30, tzinfo=UTC)  # Thursday 23:30 in Beijing
    assert deadline_after(late_thursday_utc, 1) == date(2025, 9, 28)
    assert deadline_after(early_thursday_utc, 1) == date(2025, 9, 26)


def test_days_outside_the_calendar_follow_the_day_of_the_week():
    assert is_working_day(date(2031, 6, 2))  # a Monday
    assert not is_working_day(date(2031, 6, 1))  # a Sunday


# ---- efficiency -----------------------------------------------------------------------------------
def test_counting_250_working_days_costs_one_query_per_year_then_none(
    django_assert_max_num_queries, django_assert_num_queries
):
    start = date(2025, 1, 2)
    with django_assert_max_num_queries(2):  # 2025 and 2026, each loaded once
        end = add_working_days(start, 250)
    assert end.year == 2026
    with django_assert_num_queries(0):  # both years now come from the cache
        assert working_days_between(start, end) == 250
        assert add_working_days(start, 250) == end


# ---- maintaining the calendar --------------------------------------------------------------------
def test_calendar_day_set_invalidates_the_cached_calendar(
    calendar_admin, django_capture_on_commit_callbacks, django_assert_num_queries
):
    monday = date(2025, 12, 1)
    assert is_working_day(monday)
    with django_assert_num_queries(0):
        assert is_working_day(monday)  # cached
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(day=monday, kind=HOLIDAY, name="Extra rest day", by=calendar_admin)
    assert not is_working_day(monday)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_remove(day=monday, by=calendar_admin)
    assert is_working_day(monday)


def test_edits_outside_the_services_invalidate_too(django_capture_on_commit_callbacks):
    # The admin saves through ModelAdmin, not the services: the model's signals must invalidate.
    assert not is_working_day(date(2025, 10, 8))
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.get(date=date(2025, 10, 8)).delete()
    assert is_working_day(date(2025, 10, 8))


def test_calendar_day_set_records_history_with_the_acting_user(calendar_admin):
    entry = calendar_day_set(day=date(2025, 12, 1), kind=HOLIDAY, name="Extra rest day", by=calendar_admin)
    calendar_day_set(day=date(2025, 12, 1), kind=HOLIDAY, name="Extra rest day", note="Notice 2025/99",
                     by=calendar_admin)
    rows = list(entry.history.order_by("history_id"))
    assert [(row.history_type, row.history_user, row.history_change_reason) for row in rows] == [
        ("+", calendar_admin, "added"), ("~", calendar_admin, "changed"),
    ]
    assert rows[-1].note == "Notice 2025/99"


def test_unchanged_calendar_day_set_writes_no_history(calendar_admin):
    calendar_day_set(day=date(2025, 12, 1), kind=HOLIDAY, name="Extra rest day", by=calendar_admin)
    calendar_day_set(day=date(2025, 12, 1), kind=HOLIDAY, name="Extra rest day", by=calendar_admin)
    assert CalendarDay.history.filter(date=date(2025, 12, 1)).count() == 1


def test_calendar_day_remove_records_history_with_the_acting_user(calendar_admin):
    calendar_day_remove(day=date(2025, 10, 8), by=calendar_admin)
    assert not CalendarDay.objects.filter(date=date(2025, 10, 8)).exists()
    row = CalendarDay.history.filter(date=date(2025, 10, 8)).latest("history_id")
    assert (row.history_type, row.history_user, row.history_change_reason) == ("-", calendar_admin, "removed")


def test_calendar_day_remove_of_an_ordinary_day_is_not_found(calendar_admin):
    with pytest.raises(errors.NotFound):
        calendar_day_remove(day=date(2025, 12, 2), by=calendar_admin)


@pytest.mark.parametrize(
    ("day", "kind", "name", "field"),
    [
        (date(2025, 12, 1), WORKDAY, "Spring Festival", "kind"),  # a Monday cannot be a make-up day
        (date(2025, 12, 6), HOLIDAY, "Spring Festival", "kind"),  # a Saturday is a rest day anyway
        (date(2025, 12, 1), HOLIDAY, "   ", "name"),
        (date(2025, 12, 1), "closure", "Spring Festival", "kind"),
        (date(2025, 12, 1), HOLIDAY, "x" * 65, "name"),
    ],
)
def test_refuses_bad_calendar_day_and_saves_nothing(calendar_admin, day, kind, name, field):
    before = (CalendarDay.objects.count(), CalendarDay.history.count())
    with pytest.raises(errors.ValidationFailed) as refused:
        calendar_day_set(day=day, kind=kind, name=name, by=calendar_admin)
    assert field in refused.value.field_errors
    assert str(refused.value.message)
    assert (CalendarDay.objects.count(), CalendarDay.history.count()) == before


def test_refuses_turning_a_make_up_saturday_into_a_holiday(calendar_admin):
    # Cancelling a make-up day means removing it; a "holiday" on a Saturday would change nothing.
    with pytest.raises(errors.ValidationFailed):
        calendar_day_set(day=date(2025, 10, 11), kind=HOLIDAY, name="National Day", by=calendar_admin)
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).kind == WORKDAY


def test_refuses_calendar_changes_without_permission(outsider):
    before = CalendarDay.objects.count()
    with pytest.raises(errors.PermissionDenied):
        calendar_day_set(day=date(2025, 12, 1), kind=HOLIDAY, name="Extra rest day", by=outsider)
    with pytest.raises(errors.PermissionDenied):
        calendar_day_remove(day=date(2025, 10, 8), by=outsider)
    assert CalendarDay.objects.count() == before


# ---- admin form uses the same rule ---------------------------------------------------------------
def test_admin_form_refuses_a_weekday_make_up_day():
    form = CalendarDayForm(data={"date": "2025-12-01", "kind": WORKDAY, "name": "Spring Festival"})
    assert not form.is_valid()
    assert "kind" in form.errors


def test_admin_form_accepts_a_weekday_holiday():
    form = CalendarDayForm(data={"date": "2025-12-01", "kind": HOLIDAY, "name": "Extra rest day"})
    assert form.is_valid(), form.errors


# ---- loading the published calendar --------------------------------------------------------------
def test_loading_the_fixture_again_is_idempotent_and_restores_official_days(calendar_admin):
    total = CalendarDay.objects.count()
    official = CalendarDay.objects.get(date=date(2025, 10, 8))
    official.name, official.note = "Renamed", "kept by the loader"
    official.save()
    loaded = calendar_days_load()
    assert loaded == total  # the database holds exactly what migration 0002 loaded
    assert calendar_days_load() == loaded
    assert CalendarDay.objects.count() == total
    official.refresh_from_db()
    assert (official.kind, official.name, official.note) == (HOLIDAY, "National Day", "kept by the loader")


def test_admin_changelist_filters_by_year_and_searches_names(rf, admin_user):
    request = rf.get("/admin/workdays/calendarday/", {"year": "2026", "q": "spring"})
    request.user = admin_user
    admin_user.is_verified = lambda: True  # the admin site requires a verified second factor
    response = CalendarDayAdmin(CalendarDay, admin.site).changelist_view(request)
    shown = list(response.context_data["cl"].result_list)
    assert shown and all(row.date.year == 2026 and row.name == "Spring Festival" for row in shown)
    assert len(shown) == CalendarDay.objects.filter(date__year=2026, name="Spring Festival").count()
    response.render()


# ---- management commands -------------------------------------------------------------------------
def test_committed_fixture_is_what_the_builder_produces(tmp_path):
    pytest.importorskip("chinese_calendar")
    output = tmp_path / "calendar_days.json"
    call_command("build_holiday_fixture", output=str(output), stdout=StringIO())
    assert output.read_text(encoding="utf-8") == services.FIXTURE_PATH.read_text(encoding="utf-8")


def test_load_calendar_days_command_reports_the_count():
    out = StringIO()
    call_command("load_calendar_days", stdout=out)
    assert f"Loaded {CalendarDay.objects.count()} calendar days" in out.getvalue()
