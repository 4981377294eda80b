"""Compile every .po catalogue to .mo with polib, so a build needs no system gettext.

(`manage.py makemessages` still needs GNU gettext; it is only run by developers who edit strings.)"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile .po files under LOCALE_PATHS and apps/*/locale into .mo files."

    def handle(self, *args, **options):
        roots = [Path(path) for path in settings.LOCALE_PATHS]
        roots += sorted((Path(settings.BASE_DIR) / "apps").glob("*/locale"))
        compiled = 0
        for root in dict.fromkeys(roots):
            for po_path in root.glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                catalogue.save_as_mofile(str(mo_path))
                compiled += 1
        self.stdout.write(f"Compiled {compiled} translation catalogue(s).")
