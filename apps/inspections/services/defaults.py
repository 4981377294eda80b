"""The default checklist (SUP-1: SEC-1..SEC-9, SVC-2..SVC-4), loaded from fixtures after every migrate and flush.

A template whose code exists is never touched again: departments revise checklists through new
versions, and a re-load must not undo that.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.history import save_tracked

from ..models import ChecklistItem, ChecklistTemplate, ChecklistVersion

DEFAULT_CHECKLIST_FILE = Path(settings.BASE_DIR) / "fixtures" / "inspection_checklist_default.json"


def default_checklist_data() -> dict:
    with open(DEFAULT_CHECKLIST_FILE, encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def defaults_ensure() -> ChecklistVersion | None:
    """Create the default template with its first, published version unless its code exists; return that
    version (None when the template was already there)."""
    from apps.accounts.services import system_account

    data = default_checklist_data()
    if ChecklistTemplate.objects.filter(code=data["code"]).exists():
        return None
    system = system_account()
    template = save_tracked(ChecklistTemplate(code=data["code"], name=data["name"], name_en=data.get("name_en", ""),
                                              description=data.get("description", "")),
                            by=system, reason="default checklist loaded")
    version = save_tracked(ChecklistVersion(template=template, number=1, status=ChecklistVersion.Status.PUBLISHED,
                                            notes=data.get("version_notes", ""), published_at=timezone.now()),
                           by=system, reason="default checklist loaded")
    for position, item in enumerate(data["items"], start=1):
        save_tracked(ChecklistItem(
            version=version, position=position, code=item["code"], section=item["section"],
            section_en=item.get("section_en", ""), text=item["text"], text_en=item.get("text_en", ""),
            requirement_ids=item.get("requirement_ids", []), article=item.get("article", ""),
            standard_reference=item.get("standard_reference", ""), evidence_expected=item["evidence_expected"],
            evidence_expected_en=item.get("evidence_expected_en", ""), severity=item["severity"]),
            by=system, reason="default checklist loaded")
    return version


def load_defaults_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: skip quietly while the tables do not exist (migrating to zero)."""
    if using != "default":
        return
    tables = connection.introspection.table_names()
    if ChecklistItem._meta.db_table not in tables or not DEFAULT_CHECKLIST_FILE.exists():
        return
    defaults_ensure()
