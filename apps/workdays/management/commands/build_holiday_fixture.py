"""Build `fixtures/calendar_days.json` from China's published holiday arrangements.

Source: the `chinesecalendar` package (PyPI `chinesecalendar`, https://github.com/LKI/chinese-calendar,
MIT licence), which transcribes the State Council General Office's yearly notice on the holiday
arrangements (国务院办公厅关于××年部分节假日安排的通知). It is a development dependency only: this
command imports it when run, and nothing else in the portal does. The fixture it writes is committed
and loaded by the `0002_load_calendar_days` migration and the `load_calendar_days` command.

What is emitted, for every year from --from-year up to the last year the package knows:
- each weekday the package marks as a rest day, as `holiday` (rest days that fall on a weekend need no
  row: the day of the week already makes them rest days);
- each Saturday or Sunday the package marks as a working day, as `workday` (调休上班).
Each row carries the English name of the holiday it belongs to (for a make-up day, the holiday it
makes up for); the portal translates the official names for display.

When the State Council publishes next year's arrangement (usually in November): upgrade the package in
the development environment, run this command, review the diff, run `load_calendar_days`.
"""

import json
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.workdays.models import OFFICIAL_HOLIDAY_NAMES

# chinese_calendar.Holiday member -> our English source name. Spelled out rather than trusting the
# package's display strings, so that a renamed or new holiday stops the build instead of slipping in.
HOLIDAY_NAMES = {
    "new_years_day": "New Year's Day",
    "spring_festival": "Spring Festival",
    "tomb_sweeping_day": "Tomb-sweeping Day",
    "labour_day": "Labour Day",
    "dragon_boat_festival": "Dragon Boat Festival",
    "national_day": "National Day",
    "mid_autumn_festival": "Mid-autumn Festival",
}


class Command(BaseCommand):
    help = "Build fixtures/calendar_days.json from the chinesecalendar package (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=2024)
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "fixtures" / "calendar_days.json"))

    def handle(self, *args, from_year, output, **options):
        try:
            import chinese_calendar
        except ImportError as exc:
            raise CommandError("Install the development dependencies: pip install chinesecalendar") from exc

        if not set(HOLIDAY_NAMES.values()) <= set(OFFICIAL_HOLIDAY_NAMES):
            raise CommandError("every holiday name needs a translatable entry in models.OFFICIAL_HOLIDAY_NAMES")
        last_year = max(day.year for day in chinese_calendar.holidays)
        if from_year > last_year:
            raise CommandError(f"chinesecalendar {chinese_calendar.__version__} knows years up to {last_year} only")
        by_value = {member.value: key for key, member in chinese_calendar.Holiday.__members__.items()}

        records = []
        day, end = date(from_year, 1, 1), date(last_year, 12, 31)
        while day <= end:
            weekend = day.weekday() >= 5
            on_holiday, label = chinese_calendar.get_holiday_detail(day)
            if weekend and not on_holiday:
                kind = "workday"
            elif not weekend and on_holiday:
                kind = "holiday"
            else:
                kind = None
            if kind:
                key = by_value.get(label)
                if key not in HOLIDAY_NAMES:
                    raise CommandError(f"{day}: no name for the package's holiday {label!r}; add it to HOLIDAY_NAMES")
                records.append({
                    "model": "workdays.calendarday",
                    "fields": {"date": day.isoformat(), "kind": kind, "name": HOLIDAY_NAMES[key], "note": ""},
                })
            day += timedelta(days=1)

        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        holidays = sum(record["fields"]["kind"] == "holiday" for record in records)
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {len(records)} days ({holidays} holidays, {len(records) - holidays} make-up working days) "
            f"for {from_year}-{last_year} from chinesecalendar {chinese_calendar.__version__} to {path}"
        ))
