"""Numbers of cases, decisions and rectification orders: counted per department and year, serialised by a
transaction advisory lock (race safe without a sequence table)."""

from __future__ import annotations

import zlib

from django.db import connection

_LOCKS = {kind: zlib.crc32(f"cases:{kind}".encode()) for kind in ("case", "decision")}


def lock(kind: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCKS[kind]])


def _next(model, field: str, prefix: str) -> str:
    last = (model.objects.filter(**{f"{field}__startswith": prefix}).order_by(f"-{field}")
            .values_list(field, flat=True).first())
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:04d}"


def case_number(department, year: int) -> str:
    """AJ<year>-<department region code or 000000>-<4-digit serial of the department's cases that year>."""
    from ..models import Case

    lock("case")
    return _next(Case, "number", f"AJ{year}-{department.region_id or '000000'}-")


def decision_number(department, year: int) -> str:
    """JD<year>-<department region code or 000000>-<serial>: the decision letters of a department and year."""
    from ..models import Decision

    lock("decision")
    return _next(Decision, "number", f"JD{year}-{department.region_id or '000000'}-")


def rectification_number(measure) -> str:
    """<decision number>-Z: one rectification order per ordered-rectification measure."""
    return f"{measure.decision.number}-Z"
