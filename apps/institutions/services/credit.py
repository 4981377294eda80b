"""Credit rating engine (INS-3): events in, scores and grades out, in set-based SQL.

Other apps raise events only through `credit_event_record`; the rating of the institution concerned
is recomputed at once, and everyone's nightly (effects expire, which is how credit is repaired)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors
from apps.core.history import save_tracked

from ..models import CreditEvent, CreditGrade, CreditRule, CreditScheme, Institution


def credit_scheme() -> CreditScheme:
    scheme = CreditScheme.objects.order_by("pk").first()
    if scheme is None:
        scheme = CreditScheme.objects.create()
    return scheme


def _source_label(source) -> tuple[str, str]:
    return source._meta.label_lower, str(source.pk)


@transaction.atomic
def credit_event_record(*, institution_id, trigger: str, source, description: str, by,
                        occurred_on: datetime.date | None = None, source_url: str = "") -> CreditEvent | None:
    """Raise the credit effect of `source` (any saved model instance) under the active rule for `trigger`.

    Idempotent: the same source raises the same rule once; calling again returns the existing event.
    Returns None when no active rule reacts to the trigger (a department switched it off)."""
    rule = CreditRule.objects.filter(trigger=trigger, is_active=True).first()
    if rule is None:
        return None
    source_type, source_id = _source_label(source)
    existing = CreditEvent.objects.filter(institution_id=institution_id, rule=rule, source_type=source_type,
                                          source_id=source_id).first()
    if existing is not None:
        return existing
    occurred_on = occurred_on or timezone.localdate()
    event = CreditEvent(
        institution_id=institution_id, rule=rule, points=rule.points, occurred_on=occurred_on,
        effective_until=occurred_on + datetime.timedelta(days=rule.duration_days),
        description=description[:300], source_type=source_type, source_id=source_id,
        source_url=source_url[:300], recorded_by=by,
    )
    try:
        with transaction.atomic():
            save_tracked(event, by=by, reason=f"credit event {rule.code}")
    except IntegrityError:  # a concurrent call recorded it first
        return CreditEvent.objects.get(institution_id=institution_id, rule=rule, source_type=source_type,
                                       source_id=source_id)
    credit_recompute(institution_ids=[institution_id])
    return event


def grade_for(score: int) -> str:
    """The grade a score earns: the highest band whose minimum it reaches, else the lowest band."""
    bands = list(CreditGrade.objects.order_by("-min_score"))
    for band in bands:
        if score >= band.min_score:
            return band.code
    return bands[-1].code


_RECOMPUTE_SQL = """
WITH live AS (
    SELECT e.institution_id, SUM(e.points) AS points
    FROM institutions_creditevent e
    WHERE e.status = 'in_force' AND e.occurred_on <= %(today)s AND e.effective_until >= %(today)s
      {event_filter}
    GROUP BY e.institution_id
), scored AS (
    SELECT i.organisation_id,
           LEAST(%(max)s, GREATEST(%(min)s, %(base)s + COALESCE(live.points, 0)))::int AS score
    FROM institutions_institution i
    LEFT JOIN live ON live.institution_id = i.organisation_id
    {institution_filter}
), graded AS (
    SELECT s.organisation_id, s.score,
           COALESCE((SELECT g.code FROM institutions_creditgrade g WHERE s.score >= g.min_score
                     ORDER BY g.min_score DESC LIMIT 1), %(lowest)s) AS grade
    FROM scored s
), changed AS (
    UPDATE institutions_institution i
    SET credit_score = g.score, credit_grade = g.grade, credit_computed_at = %(now)s
    FROM graded g
    WHERE i.organisation_id = g.organisation_id
      AND (i.credit_score <> g.score OR i.credit_grade <> g.grade OR i.credit_computed_at IS NULL)
    RETURNING i.organisation_id, i.credit_score, i.credit_grade
), snapshots AS (
    INSERT INTO institutions_creditsnapshot (institution_id, computed_at, score, grade)
    SELECT organisation_id, %(now)s, credit_score, credit_grade FROM changed
    RETURNING 1
)
SELECT count(*) FROM snapshots
"""


def credit_recompute(*, institution_ids=None, today: datetime.date | None = None) -> int:
    """Recompute ratings (all, or the given institutions) in one statement; return how many changed.

    Only changed ratings are written, each with a snapshot row for the trend."""
    scheme = credit_scheme()
    grades = list(CreditGrade.objects.order_by("min_score"))
    if not grades:
        raise errors.ValidationFailed(_("No credit grades are configured."))
    params = {"today": today or timezone.localdate(), "now": timezone.now(), "base": scheme.base_score,
              "min": scheme.min_score, "max": scheme.max_score, "lowest": grades[0].code}
    event_filter = institution_filter = ""
    if institution_ids is not None:
        ids = list(institution_ids)
        if not ids:
            return 0
        params["ids"] = ids
        event_filter = "AND e.institution_id = ANY(%(ids)s)"
        institution_filter = "WHERE i.organisation_id = ANY(%(ids)s)"
    sql = _RECOMPUTE_SQL.format(event_filter=event_filter, institution_filter=institution_filter)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def credit_may_apply_for_data(institution: Institution) -> bool:
    grade = CreditGrade.objects.filter(code=institution.credit_grade).first()
    return grade is None or grade.may_apply_for_data
