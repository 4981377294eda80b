"""Default credit scheme, grades and rules (INS-3), loaded from `fixtures/credit_defaults.json`.

They are loaded after every `migrate` (and every test-database flush) so that a fresh portal can rate
institutions at once; what a department has since edited is never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from apps.core.history import save_tracked

from ..models import CreditGrade, CreditRule, CreditScheme

FIXTURE_PATH = Path(settings.BASE_DIR) / "fixtures" / "credit_defaults.json"
_SCHEME_FIELDS = ("base_score", "min_score", "max_score", "readmission_wait_days")
_GRADE_FIELDS = ("label", "label_en", "min_score", "inspection_interval_months", "may_apply_for_data",
                 "on_blacklist", "proposes_suspension")
_RULE_FIELDS = ("trigger", "description", "description_en", "points", "duration_days")


def credit_defaults() -> dict:
    with open(FIXTURE_PATH, encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def credit_defaults_ensure(by=None) -> dict[str, int]:
    """Create whatever default scheme, grade or rule is missing; return how many of each were created.

    A rule is matched by its code. A default rule whose trigger already has another active rule (a
    department's own replacement) is created inactive, so the department's choice stands."""
    from apps.accounts.services import system_account

    defaults = credit_defaults()
    created = {"scheme": 0, "grades": 0, "rules": 0}
    actor = None

    def actor_():
        nonlocal actor
        actor = actor or by or system_account()
        return actor

    if not CreditScheme.objects.exists():
        scheme = CreditScheme(**{f: defaults["scheme"][f] for f in _SCHEME_FIELDS})
        save_tracked(scheme, by=actor_(), reason="default credit scheme")
        created["scheme"] = 1
    existing_grades = set(CreditGrade.objects.values_list("code", flat=True))
    for row in defaults["grades"]:
        if row["code"] not in existing_grades:
            save_tracked(CreditGrade(code=row["code"], **{f: row[f] for f in _GRADE_FIELDS}),
                         by=actor_(), reason="default credit grade")
            created["grades"] += 1
    existing_rules = set(CreditRule.objects.values_list("code", flat=True))
    active_triggers = set(CreditRule.objects.filter(is_active=True).values_list("trigger", flat=True))
    for row in defaults["rules"]:
        if row["code"] in existing_rules:
            continue
        rule = CreditRule(code=row["code"], is_active=row["trigger"] not in active_triggers,
                          **{f: row[f] for f in _RULE_FIELDS})
        save_tracked(rule, by=actor_(), reason="default credit rule")
        active_triggers.add(rule.trigger)
        created["rules"] += 1
    return created


def load_credit_defaults_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: skip quietly while the institutions tables do not exist (migrating to zero)."""
    if using != "default" or CreditScheme._meta.db_table not in connection.introspection.table_names():
        return
    credit_defaults_ensure()
