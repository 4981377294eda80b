"""Effectiveness assessment of a standard (STD-7, M.14): figures gathered by the portal, a conclusion by
the standards officer, and a decision by the department head that keeps, revises or abolishes it.

A revision or abolition goes through the lifecycle services (services/lifecycle.py), which alone change
`Standard.status`; the assessment records the decision and links the revision project."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import (
    AdoptionDeclaration,
    ConformanceEvaluation,
    EffectivenessAssessment,
    PublicComment,
    Standard,
)

A = EffectivenessAssessment
ASSESSABLE_STATUSES = (Standard.Status.PUBLISHED, Standard.Status.IN_FORCE)


def national_adoption(standard: Standard) -> tuple[int, int]:
    """(admitted institutions declaring `standard`, admitted institutions in the country): two queries."""
    from apps.institutions.selectors import admitted_institutions_in

    admitted = admitted_institutions_in("")
    declaring = AdoptionDeclaration.objects.filter(
        standard=standard, status=AdoptionDeclaration.Status.ACTIVE,
        organisation_id__in=admitted.values("pk")).count()
    return declaring, admitted.count()


def conformance_summary(standard: Standard) -> dict:
    """Counts of evaluated results and levels, and of evaluations still open, for `standard`."""
    rows = (ConformanceEvaluation.objects.filter(standard=standard).order_by()
            .values("status", "result", "level").annotate(n=Count("pk")))
    summary = {"evaluated": 0, "open": 0, "results": {}, "levels": {}}
    for row in rows:
        if row["status"] != ConformanceEvaluation.Status.EVALUATED:
            summary["open"] += row["n"]
            continue
        summary["evaluated"] += row["n"]
        summary["results"][row["result"]] = summary["results"].get(row["result"], 0) + row["n"]
        summary["levels"][row["level"]] = summary["levels"].get(row["level"], 0) + row["n"]
    return summary


def comments_seed(standard: Standard) -> str:
    """A first paragraph for "comments and problems reported": the public comments on the series and their
    answers; the officer completes it with the problems institutions and users reported."""
    rows = dict(PublicComment.objects.filter(standard__series=standard.series).order_by()
                .values("answer").annotate(n=Count("pk")).values_list("answer", "n"))
    total = sum(rows.values())
    if not total:
        return _("No public comments were received on the %(series)s series.") % {"series": standard.series}
    parts = ", ".join(f"{PublicComment.Answer(answer).label}: {count}"
                      for answer, count in sorted(rows.items()) if answer in PublicComment.Answer.values)
    return _("%(total)d public comments on the %(series)s series (%(parts)s).") % {
        "total": total, "series": standard.series, "parts": parts}


@transaction.atomic
def assessment_prepare(*, standard: Standard, by) -> EffectivenessAssessment:
    """Start an assessment of a published or in-force standard (STD-7) with the figures of today: national
    adoption rate, conformance results, the public comments on its series. One draft per standard."""
    policy.require(by, "standards.assess_effectiveness", standard)
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.status not in ASSESSABLE_STATUSES:
        raise errors.ValidationFailed(_(
            "Only a published or in-force standard is assessed; %(code)s is %(status)s.") % {
            "code": standard.code, "status": standard.get_status_display()})
    if A.objects.filter(standard=standard, status=A.Status.DRAFT).exists():
        raise errors.ValidationFailed(_("An assessment of %(code)s is already being prepared; complete it.") % {
            "code": standard.code})
    from ..adoption_selectors import rate_of

    adopters, population = national_adoption(standard)
    assessment = A(standard=standard, adopters=adopters, population=population,
                   adoption_rate=rate_of(adopters, population), conformance_summary=conformance_summary(standard),
                   comments_summary=comments_seed(standard), created_by=by, created_at=timezone.now())
    return save_tracked(assessment, by=by, reason="prepared")


def _draft_for_update(assessment: A, by) -> A:
    assessment = A.objects.select_for_update().select_related("standard").get(pk=assessment.pk)
    if assessment.status != A.Status.DRAFT:
        raise errors.TransitionNotAllowed(_("This assessment is already decided."))
    return assessment


@transaction.atomic
def assessment_update(*, assessment: EffectivenessAssessment, comments_summary: str, conclusion: str,
                      by) -> EffectivenessAssessment:
    """The officer completes the draft: problems reported and the conclusion (STD-7)."""
    assessment = _draft_for_update(assessment, by)
    policy.require(by, "standards.assess_effectiveness", assessment.standard)
    assessment.comments_summary = (comments_summary or "").strip()
    assessment.conclusion = (conclusion or "").strip()
    return save_tracked(assessment, by=by, reason="completed")


@transaction.atomic
def assessment_decide(*, assessment: EffectivenessAssessment, conclusion: str, decision: str,
                      by) -> EffectivenessAssessment:
    """The department head decides (STD-7, M.14): keep changes nothing; revise starts the revision through
    `standard_revision_start` and links the project; abolish calls `standard_abolish`. All in one
    transaction: if the lifecycle refuses, the assessment stays a draft."""
    assessment = _draft_for_update(assessment, by)
    standard = assessment.standard
    policy.require(by, "standards.approve_standard", standard)
    if decision not in A.Decision.values:
        raise errors.ValidationFailed(field_errors={"decision": [_("Choose keep, revise or abolish.")]})
    conclusion = (conclusion or assessment.conclusion or "").strip()
    if not conclusion:
        raise errors.ValidationFailed(field_errors={"conclusion": [
            _("Write the conclusion the decision rests on.")]})
    reason = _("Effectiveness assessment of %(date)s: %(conclusion)s") % {
        "date": timezone.localdate(assessment.created_at).isoformat(), "conclusion": conclusion}
    if decision == A.Decision.REVISE:
        from .lifecycle import standard_revision_start

        revision = standard_revision_start(standard=standard, reason=reason, by=by)
        assessment.revision = revision
    elif decision == A.Decision.ABOLISH:
        from .lifecycle import standard_abolish

        standard_abolish(standard=standard, reason=reason, abolished_on=timezone.localdate(), by=by)
    assessment.conclusion, assessment.decision = conclusion, decision
    assessment.status, assessment.decided_by, assessment.decided_at = A.Status.DECIDED, by, timezone.now()
    return save_tracked(assessment, by=by, reason=f"decided: {decision}")
