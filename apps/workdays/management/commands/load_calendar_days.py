"""Load (or reload) the published holiday calendar into the database.

Run after `build_holiday_fixture` has added a new year; migrations run it once on a new database.
Rows are upserted by date, so running it again is harmless; see `services.calendar_days_load`.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ValidationFailed
from apps.workdays.services import FIXTURE_PATH, calendar_days_load


class Command(BaseCommand):
    help = "Upsert the working-day calendar from fixtures/calendar_days.json (or --path)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(FIXTURE_PATH))

    def handle(self, *args, path, **options):
        try:
            count = calendar_days_load(path)
        except (OSError, ValueError, ValidationFailed) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} calendar days from {path}"))
