"""Numbers of plans, inspections and orders: readable, unique, serialised by an advisory lock."""

from __future__ import annotations

import zlib

from django.db import connection

# Transaction-level advisory lock keys, one per kind of number (race safe without a sequence table).
_LOCKS = {kind: zlib.crc32(f"inspections:{kind}".encode()) for kind in ("plan", "inspection", "selection")}


def lock(kind: str) -> None:
    """Serialise number assignment of `kind` until the end of the transaction (call inside atomic)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCKS[kind]])


def plan_number(department, year: int) -> str:
    """JC<year>-<department region code or 000000>-<3-digit serial of the department's plans that year>."""
    from ..models import InspectionPlan

    lock("plan")
    prefix = f"JC{year}-{department.region_id or '000000'}-"
    taken = InspectionPlan.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def inspection_number(plan) -> str:
    """<plan number>-<3-digit serial within the plan>."""
    from ..models import Inspection

    lock("inspection")
    taken = Inspection.objects.filter(plan=plan).count()
    return f"{plan.number}-{taken + 1:03d}"


def order_number(finding) -> str:
    """<inspection number>-Z<finding number>: one order per finding."""
    return f"{finding.inspection.number}-Z{finding.number}"
