"""Credit rating engine (INS-3): events in, scores and grades out, in set-based SQL.

Other apps raise events only through `credit_event_record`; the rating of the institution concerned
is recomputed at once, and everyone's nightly (effects expire, which is how credit is repaired)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core import errors
from apps.core.history import save_tracked

from ..models import (
    CreditEvent,
    CreditGrade,
    CreditRule,
    CreditScheme,
    CreditSnapshot,
    Institution,
    StatusDecision,
)

logger = logging.getLogger(__name__)


def credit_scheme() -> CreditScheme:
    scheme = CreditScheme.objects.order_by("pk").first()
    if scheme is None:
        scheme = CreditScheme.objects.create()
    return scheme


def _source_label(source) -> tuple[str, str]:
    return source._meta.label_lower, str(source.pk)


def effective_until_for(occurred_on: datetime.date, duration_days: int) -> datetime.date:
    """The last day an effect of `duration_days` days counts: the day it occurred is day one."""
    return occurred_on + datetime.timedelta(days=max(duration_days, 1) - 1)


@transaction.atomic
def credit_event_record(*, institution_id, trigger: str, source, description: str, by,
                        occurred_on: datetime.date | None = None, source_url: str = "") -> CreditEvent | None:
    """Raise the credit effect of `source` (any saved model instance) under the active rule for `trigger` (INS-3).

    Idempotent: the same source raises the same rule once; calling again returns the existing event
    (even a withdrawn one: an upheld objection is not undone by a repeated call). Returns None when no
    active rule reacts to the trigger (a department switched it off). The rule's points and duration
    are copied onto the event, so a later change of the rule affects future events only."""
    rule = CreditRule.objects.filter(trigger=trigger, is_active=True).first()
    if rule is None:
        return None
    if not Institution.objects.filter(pk=institution_id).exists():
        raise errors.NotFound()
    source_type, source_id = _source_label(source)
    existing = CreditEvent.objects.filter(institution_id=institution_id, rule=rule, source_type=source_type,
                                          source_id=source_id).first()
    if existing is not None:
        return existing
    occurred_on = occurred_on or timezone.localdate()
    event = CreditEvent(
        institution_id=institution_id, rule=rule, points=rule.points, occurred_on=occurred_on,
        effective_until=effective_until_for(occurred_on, rule.duration_days),
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


@transaction.atomic
def credit_events_withdraw_for(*, source, reason: str, by) -> int:
    """Withdraw every credit event in force that `source` raised (a sanction quashed on appeal, SUP-3) and
    recompute the institution's rating; return how many were withdrawn. The reason is kept in history."""
    source_type, source_id = _source_label(source)
    events = list(CreditEvent.objects.select_for_update().filter(
        source_type=source_type, source_id=source_id, status=CreditEvent.Status.IN_FORCE))
    for event in events:
        event.status = CreditEvent.Status.WITHDRAWN
        save_tracked(event, by=by, reason=f"withdrawn: {reason}"[:100])
    if events:
        credit_recompute(institution_ids=sorted({event.institution_id for event in events}))
    return len(events)


def grade_for(score: int, grades: list[CreditGrade] | None = None) -> str:
    """The grade a score earns: the highest band whose minimum it reaches, else the lowest band."""
    bands = sorted(grades if grades is not None else CreditGrade.objects.all(), key=lambda g: -g.min_score)
    if not bands:
        raise errors.ValidationFailed(_("No credit grades are configured."))
    for band in bands:
        if score >= band.min_score:
            return band.code
    return bands[-1].code


# One statement for any number of institutions. The grade is a CASE built from the (few) configured
# bands, so no per-row subquery runs; only ratings that changed are written, each with a snapshot row.
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
    SELECT s.organisation_id, s.score, ({grade_case})::varchar(1) AS grade
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


def _grade_case(grades: list[CreditGrade], params: dict) -> str:
    """`CASE WHEN s.score >= %(g0_min)s THEN %(g0_code)s ... ELSE <lowest> END`, highest band first."""
    branches = []
    for index, grade in enumerate(sorted(grades, key=lambda g: -g.min_score)):
        params[f"g{index}_min"], params[f"g{index}_code"] = grade.min_score, grade.code
        branches.append(f"WHEN s.score >= %(g{index}_min)s THEN %(g{index}_code)s")
    return f"CASE {' '.join(branches)} ELSE %(lowest)s END"


def credit_recompute(*, institution_ids=None, today: datetime.date | None = None) -> int:
    """Recompute ratings (all, or the given institutions) in one statement; return how many changed (INS-3).

    Only changed ratings are written, each with a snapshot row for the trend, so a nightly run over a
    million institutions writes as many rows as ratings changed. `today` lets tests (and a catch-up
    run) see which effects have expired by a given day."""
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
    sql = _RECOMPUTE_SQL.format(event_filter=event_filter, institution_filter=institution_filter,
                                grade_case=_grade_case(grades, params))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def credit_recompute_all(*, today: datetime.date | None = None) -> dict[str, int]:
    """Nightly (INS-3, INS-4): recompute everyone, then propose suspension for admitted institutions
    whose grade calls for it.

    The recompute is one statement whatever the number of institutions. A proposal is made once per
    fall into such a grade: not again while one is open, and not again after a department decided or
    dismissed one, until the institution has left the grade and fallen into it again."""
    from apps.accounts.services import system_account

    changed = credit_recompute(today=today)
    candidates = _suspension_candidates()
    proposed = 0
    if candidates:
        grades = {grade.code: grade for grade in CreditGrade.objects.all()}
        actor = system_account()
        refused: list[tuple[int, str]] = []
        for institution in candidates:
            proposed += _propose_suspension(institution, grades.get(institution.credit_grade), actor, refused)
        if refused:
            logger.warning("credit: %d suspension proposals could not be made, e.g. %s", len(refused), refused[:5])
    return {"changed": changed, "proposed": proposed}


def _suspension_candidates():
    """Admitted institutions in a suspending grade with no open proposal and none since they fell into it."""
    suspending = list(CreditGrade.objects.filter(proposes_suspension=True).values_list("code", flat=True))
    if not suspending:
        return []
    last_outside = (CreditSnapshot.objects.filter(institution=OuterRef("institution_id"))
                    .exclude(grade__in=suspending).order_by("-computed_at").values("computed_at")[:1])
    fell_in_at = Coalesce(Subquery(last_outside), Value(datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)),
                          output_field=DateTimeField())
    already = StatusDecision.objects.filter(institution=OuterRef("pk")).filter(
        Q(status=StatusDecision.Status.PROPOSED)
        | Q(ground=StatusDecision.Ground.CREDIT_GRADE, measure=StatusDecision.Measure.SUSPEND,
            proposed_at__gt=fell_in_at))
    return list(Institution.objects.filter(status=Institution.Status.ADMITTED, credit_grade__in=suspending)
                .exclude(Exists(already)).order_by("pk"))


def _propose_suspension(institution: Institution, grade: CreditGrade | None, actor, refused: list) -> bool:
    """Ask the exit mechanism (INS-4) for a suspension proposal; False when one is already open."""
    from .exit import status_decision_propose

    with translation.override(settings.LANGUAGE_CODE):
        facts = _(
            "Credit score %(score)d, grade %(grade)s (%(label)s): this grade calls for the suspension of "
            "admission (INS-3, INS-4)."
        ) % {"score": institution.credit_score, "grade": institution.credit_grade,
             "label": grade.label if grade else ""}
    try:
        with transaction.atomic():
            status_decision_propose(institution=institution, measure="suspend", ground="credit_grade",
                                    facts=facts, by=actor, source=None,
                                    source_url=reverse("institutions:credit", args=[institution.pk]))
    except errors.TransitionNotAllowed:
        return False
    except errors.DomainError as error:  # e.g. no department covers the region: report, go on with the rest
        refused.append((institution.pk, str(error.message)))
        return False
    return True


def credit_may_apply_for_data(institution: Institution) -> bool:
    grade = CreditGrade.objects.filter(code=institution.credit_grade).first()
    return grade is None or grade.may_apply_for_data
