"""Send stalled decision letters to the pdf queue again (SUP-5): `manage.py cases_letters_requeue`.

For operators after an outage: a letter whose retries ran out is failed, and a letter whose task was lost with
the broker stays pending for ever. This command produces again every failed letter and every letter pending for
longer than `--minutes` (default 30), as the system account; `--dry-run` only lists them."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.cases.services.letters import letters_requeue_stalled


class Command(BaseCommand):
    help = "Produce again the decision letters that failed or have been pending for too long."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=30,
                            help="A pending letter older than this many minutes counts as stalled (default 30).")
        parser.add_argument("--dry-run", action="store_true", help="List the letters without sending them.")

    def handle(self, *args, **options):
        from apps.accounts.services import system_account

        if options["minutes"] < 1:
            raise CommandError("--minutes must be at least 1.")
        numbers = letters_requeue_stalled(older_than=datetime.timedelta(minutes=options["minutes"]),
                                          by=system_account(), dry_run=options["dry_run"])
        for number in numbers:
            self.stdout.write(f"  {number}")
        verb = "would be sent" if options["dry_run"] else "sent"
        self.stdout.write(self.style.SUCCESS(f"{len(numbers)} decision letter(s) {verb} to the pdf queue."))
