"""Replay a selection protocol offline (SUP-1, SUP-2): `manage.py inspections_replay_draw protocol.json`.

Reads the JSON downloaded from the selection page or the public results, recomputes the result with the
recorded seed and inputs (apps/inspections/draw.py, no database) and says whether it matches the recorded
result and digest. Exit status 0 when both match, 1 otherwise."""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.inspections import draw

REQUIRED = ("algorithm", "seed", "target_count", "team_size", "candidates", "inspectors", "exclusions", "result",
            "digest")


class Command(BaseCommand):
    help = "Replay a downloaded selection protocol and check that it gives the recorded result and digest."

    def add_arguments(self, parser):
        parser.add_argument("protocol", help="Path of the protocol JSON file.")

    def handle(self, *args, **options):
        try:
            with open(options["protocol"], encoding="utf-8") as handle:
                protocol = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the protocol: {error}") from None
        missing = [key for key in REQUIRED if key not in protocol] if isinstance(protocol, dict) else list(REQUIRED)
        if missing:
            raise CommandError(f"Not a selection protocol; missing: {', '.join(missing)}")
        outcome = draw.replay(protocol)
        self.stdout.write(f"algorithm: {protocol['algorithm']}  seed: {protocol['seed']}")
        self.stdout.write(f"candidates: {len(protocol['candidates'])}  inspectors: {len(protocol['inspectors'])}  "
                          f"targets: {protocol['target_count']}  team size: {protocol['team_size']}")
        for row in outcome["result"]:
            self.stdout.write(f"  institution {row['institution']}: inspectors {', '.join(map(str, row['inspectors']))}")
        self.stdout.write(f"result matches: {'yes' if outcome['matches'] else 'NO'}")
        self.stdout.write(f"digest matches: {'yes' if outcome['digest_matches'] else 'NO'} ({outcome['digest']})")
        if outcome["matches"] and outcome["digest_matches"]:
            self.stdout.write(self.style.SUCCESS("Same result: the selection is reproduced."))
            return
        raise CommandError("The protocol does not reproduce the recorded result.", returncode=1)
