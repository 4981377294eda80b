"""Load (or reload) the administrative divisions into the database.

Run after `build_regions_fixture` has rebuilt fixtures/regions.json; the `0002_load_regions`
migration runs the same loader once on a new database. Rows are upserted by code in a few bulk
statements, so running it again (on every deployment, `make run`, ...) is harmless and fast; see
`services.regions_load`.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.regions.services import FIXTURE_PATH, regions_load


class Command(BaseCommand):
    help = "Upsert the administrative divisions from fixtures/regions.json (or --path)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(FIXTURE_PATH))

    def handle(self, *args, path, **options):
        try:
            count = regions_load(path)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} regions from {path}"))
