"""The standard-system framework and the registry's seed list (STD-1, STD-4, STD-8), loaded from
`fixtures/standards_framework.json` and `fixtures/standards_registry.json`.

Loaded after every `migrate` (and every test-database flush) so that a fresh portal already knows the
health-information standards in force. Idempotent by code: a row that exists is never touched, so what
officers have since edited (titles, dates, texts, a lifecycle move) stands. Bulk inserts with their history
rows, attributed to the system account; when every code is already there it costs two queries."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from ..models import FrameworkCategory, Standard, normalise_code, series_of

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FRAMEWORK_PATH = FIXTURES / "standards_framework.json"
REGISTRY_PATH = FIXTURES / "standards_registry.json"
_REASON = "reference list (fixtures)"


def _read(path: Path, key: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)[key]


def framework_rows() -> list[dict]:
    return _read(FRAMEWORK_PATH, "categories")


def registry_rows() -> list[dict]:
    return _read(REGISTRY_PATH, "standards")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@transaction.atomic
def standards_reference_load() -> dict[str, int]:
    """Create the framework categories and standards that do not exist yet; return how many of each."""
    categories, standards = framework_rows(), registry_rows()
    known_categories = dict(FrameworkCategory.objects.values_list("code", "pk"))
    codes = [normalise_code(row["code"]) for row in standards]
    known_standards = dict(Standard.objects.filter(code__in=codes).values_list("code", "pk"))
    if len(known_standards) == len(set(codes)) and all(row["code"] in known_categories for row in categories):
        return {"categories": 0, "standards": 0}
    from apps.accounts.services import system_account

    actor = system_account()
    created = {"categories": _load_categories(categories, known_categories, actor)}
    created["standards"] = _load_standards(standards, known_categories, known_standards, actor)
    return created


def _load_categories(rows: list[dict], known: dict, actor) -> int:
    """Parents first: one bulk insert per depth of the tree. `known` is completed with the new codes."""
    count = 0
    for depth in sorted({row["code"].count(".") for row in rows}):
        missing = [FrameworkCategory(code=row["code"], name=row["name"], name_en=row.get("name_en", ""),
                                     description=row.get("description", ""), position=row.get("position", 0),
                                     parent_id=known.get(row["parent"]) if row.get("parent") else None)
                   for row in rows if row["code"].count(".") == depth and row["code"] not in known]
        if missing:
            bulk_create_with_history(missing, FrameworkCategory, default_user=actor, default_change_reason=_REASON)
            known.update({row.code: row.pk for row in missing})
            count += len(missing)
    return count


def _load_standards(rows: list[dict], categories: dict, known: dict, actor) -> int:
    """Older versions first, so that `supersedes` can point at a row that exists (one insert per round)."""
    pending = [row for row in rows if normalise_code(row["code"]) not in known]
    count = 0
    while pending:
        ready = [row for row in pending if not row.get("supersedes") or normalise_code(row["supersedes"]) in known]
        if not ready:
            raise ValueError("standards_registry.json: `supersedes` names a code that is not in the list: "
                             + ", ".join(row["code"] for row in pending))
        objects = [_standard(row, categories, known) for row in ready]
        bulk_create_with_history(objects, Standard, default_user=actor, default_change_reason=_REASON)
        known.update({row.code: row.pk for row in objects})
        count += len(objects)
        pending = [row for row in pending if row not in ready]
    return count


def _standard(row: dict, categories: dict, known: dict) -> Standard:
    code = normalise_code(row["code"])  # bulk_create skips save(): normalise and derive the series here
    return Standard(
        code=code, series=series_of(code), title=row["title"], title_en=row.get("title_en", ""),
        nature=row["nature"], level=row["level"], category_id=categories[row["category"]],
        status=row.get("status", Standard.Status.IN_FORCE), published_on=_date(row.get("published_on")),
        in_force_on=_date(row.get("in_force_on")), abolished_on=_date(row.get("abolished_on")),
        supersedes_id=known[normalise_code(row["supersedes"])] if row.get("supersedes") else None,
    )


def load_reference_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: skip quietly while the standards tables do not exist (migrating to zero)."""
    if using != "default" or Standard._meta.db_table not in connection.introspection.table_names():
        return
    standards_reference_load()
