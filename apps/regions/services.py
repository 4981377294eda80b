"""Loading the administrative divisions (reference data for INS-1, an entity's jurisdiction, and SUP-4,
the hierarchy of departments).

The divisions are not edited in the portal: they come from the Ministry of Civil Affairs' published
code table through `fixtures/regions.json` (built by `manage.py build_regions_fixture`), which the
`0002_load_regions` migration and `manage.py load_regions` upsert with `regions_load`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Region

FIXTURE_PATH = Path(settings.BASE_DIR) / "fixtures" / "regions.json"

_CODE = re.compile(r"[1-9]\d{5}")
_UPDATE_FIELDS = ["prefix", "name", "name_en", "level", "parent"]


def _level_for(code: str) -> int:
    """GB/T 2260: xx0000 is a province, xxxx00 a prefecture, anything else county level."""
    if code.endswith("0000"):
        return Region.Level.PROVINCE
    if code.endswith("00"):
        return Region.Level.PREFECTURE
    return Region.Level.COUNTY


def regions_load(path: str | Path | None = None, model=None) -> int:
    """Upsert every division of the fixture (default `fixtures/regions.json`) by code and return how
    many the fixture holds. Idempotent, and one `INSERT ... ON CONFLICT DO UPDATE` per batch.

    The fixture wins for the divisions it lists (names, level, prefix and parent are overwritten).
    A division that has left the published table is not deleted: departments and records may still
    point at it (the foreign keys protect it), and its code stays meaningful for old records.
    `model` lets the data migration pass its historical model.
    """
    model = model or Region
    with open(path or FIXTURE_PATH, encoding="utf-8") as handle:
        records = json.load(handle)
    if not isinstance(records, list):
        raise ValueError("the regions fixture must be a JSON list of records")

    rows = []
    codes = set()
    for record in records:
        if not isinstance(record, dict) or record.get("model") != "regions.region":
            raise ValueError(f"unexpected record in the regions fixture: {record!r}")
        code, fields = str(record.get("pk", "")), record.get("fields") or {}
        level = fields.get("level")
        if not _CODE.fullmatch(code) or code in codes:
            raise ValueError(f"bad or duplicate region code {code!r}")
        if level != _level_for(code):
            raise ValueError(f"{code}: level {level!r} does not match the code")
        if fields.get("prefix") != Region.prefix_for(code, level):
            raise ValueError(f"{code}: prefix {fields.get('prefix')!r} does not match the code")
        parent = fields.get("parent")
        if (parent is None) != (level == Region.Level.PROVINCE) or (parent and not code.startswith(parent[:2])):
            raise ValueError(f"{code}: parent {parent!r} is not a possible parent")
        name, name_en = str(fields.get("name", "")).strip(), str(fields.get("name_en", "")).strip()
        if not name or not name_en:
            raise ValueError(f"{code}: a name and an English name are required")
        codes.add(code)
        rows.append(model(code=code, prefix=fields["prefix"], name=name, name_en=name_en, level=level,
                          parent_id=parent))

    missing = {row.parent_id for row in rows if row.parent_id} - codes
    if missing and model.objects.filter(code__in=missing).count() != len(missing):
        raise ValueError(f"parents missing from the fixture and the database: {sorted(missing)[:10]}")

    # Parents first, so that the parent of every row already exists when the row is written (the
    # foreign key is deferred on PostgreSQL anyway, but this keeps the load order-independent).
    rows.sort(key=lambda row: (row.level, row.code))
    with transaction.atomic():
        model.objects.bulk_create(rows, batch_size=1000, update_conflicts=True, unique_fields=["code"],
                                  update_fields=_UPDATE_FIELDS)
    return len(rows)
