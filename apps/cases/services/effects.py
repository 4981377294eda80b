"""What a decision sets in motion elsewhere, and undoes when it falls on appeal (SUP-3, INS-3, INS-4).

Each decided measure raises its credit event (`sanction.<measure>`, ladder.CREDIT_TRIGGER); an ordered
rectification issues its order (rectification service); a transfer to judicial organs, or repeated serious
violations, propose the suspension of the institution's admission to the exit mechanism. A decision quashed
or set aside revokes its measures, withdraws their credit events and cancels their open orders."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..ladder import (
    ALLOWED_BY_SEVERITY,
    CREDIT_TRIGGER,
    LADDER,
    PROPOSES_SUSPENSION,
    REPEAT_SERIOUS_COUNT,
    REPEAT_SERIOUS_WINDOW_DAYS,
    Measure,
    Severity,
)
from ..models import CaseMeasure, CaseRectification, Decision
from .common import case_url, in_portal_language

logger = logging.getLogger(__name__)
PROPOSE = "institutions.propose_status_decision"


def _labels(kinds) -> str:
    return ", ".join(f"“{Measure(kind).label}”" for kind in kinds)


def measures_check(severity: str, suspected_illegal: bool, kinds, *, field: str = "measures") -> None:
    """Refuse a set of measures Article 40 does not allow (SUP-3): none at all, one not on the ladder (a fine
    is not), one chosen twice, one above what the severity allows, a judicial transfer of an act not
    suspected to be illegal. All problems are reported together on `field`."""
    kinds = [str(kind or "").strip() for kind in (kinds or [])]
    if not kinds:
        raise errors.ValidationFailed(field_errors={field: [_("Choose at least one measure.")]})
    problems: list[str] = []
    seen: set[str] = set()
    allowed = ALLOWED_BY_SEVERITY.get(severity, ())
    for kind in kinds:
        if kind not in LADDER:
            problems.append(_("“%(measure)s” is not a measure of Article 40; choose from the ladder: %(ladder)s.")
                            % {"measure": kind, "ladder": _labels(LADDER)})
            continue
        if kind in seen:
            problems.append(_("“%(measure)s” is chosen more than once; each measure is decided once.")
                            % {"measure": Measure(kind).label})
            continue
        seen.add(kind)
        if severity in Severity.values and kind not in allowed:
            problems.append(_("“%(measure)s” goes beyond what a %(severity)s violation allows (at most %(allowed)s).")
                            % {"measure": Measure(kind).label, "severity": str(Severity(severity).label).lower(),
                               "allowed": _labels(allowed)})
        elif kind == Measure.JUDICIAL and not suspected_illegal:
            problems.append(_("A transfer to judicial organs needs the finding that the act is suspected to be "
                              "illegal."))
    if problems:
        raise errors.ValidationFailed(field_errors={field: problems})


def _label_in_portal_language(kind: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(Measure(kind).label)


def decision_effects_apply(decision: Decision, by) -> None:
    """Inside the decision's transaction (the decision service has authorised `by`): credit events, the
    rectification order, the suspension proposal."""
    from apps.institutions.services.credit import credit_event_record

    from .rectification import rectification_issue  # helper H3's service

    case = decision.case
    url = case_url(case)
    measures = list(decision.measures.all())
    for measure in measures:
        event = credit_event_record(
            institution_id=case.institution_id, trigger=CREDIT_TRIGGER[measure.kind], source=measure,
            description=f"{decision.number}: {_label_in_portal_language(measure.kind)}", by=by,
            occurred_on=timezone.localdate(decision.decided_at), source_url=url)
        if event is not None:  # None: the department switched the rule off
            measure.credit_event_id = event.pk
            save_tracked(measure, by=by, reason=f"credit item {event.pk}")
        if measure.kind == Measure.RECTIFICATION:
            rectification_issue(measure=measure, by=by)
    _propose_suspension(decision, [measure.kind for measure in measures], by)


def _serious_decisions(decision: Decision) -> int:
    since = decision.decided_at - datetime.timedelta(days=REPEAT_SERIOUS_WINDOW_DAYS)
    return Decision.objects.filter(case__institution_id=decision.case.institution_id,
                                   status=Decision.Status.IN_FORCE, decided_at__gte=since,
                                   severity__in=[Severity.SERIOUS, Severity.GRAVE]).count()


def _propose_suspension(decision: Decision, kinds: list[str], by) -> None:
    """Propose suspension (INS-4) after a judicial transfer or the REPEAT_SERIOUS_COUNT-th serious or grave
    decision within the window. An institution not admitted, or with a proposal already open, gets none: the
    decision stands, the fact is logged and `suspension_proposal` stays empty."""
    from apps.accounts.services import system_account
    from apps.institutions.models import Institution, StatusDecision
    from apps.institutions.services.exit import status_decision_propose

    judicial = any(kind in PROPOSES_SUSPENSION for kind in kinds)
    repeated = _serious_decisions(decision) if decision.severity in (Severity.SERIOUS, Severity.GRAVE) else 0
    if not judicial and repeated < REPEAT_SERIOUS_COUNT:
        return
    institution = Institution.objects.get(pk=decision.case.institution_id)
    if institution.status != Institution.Status.ADMITTED:
        logger.info("cases: no suspension proposed after %s: institution %s is %s", decision.number,
                    institution.pk, institution.status)
        return
    if StatusDecision.objects.filter(institution=institution, status=StatusDecision.Status.PROPOSED).exists():
        logger.info("cases: no suspension proposed after %s: institution %s has an open proposal",
                    decision.number, institution.pk)
        return
    if judicial:
        facts = in_portal_language(gettext_noop(
            "Decision %(decision)s on case %(case)s transfers the case to judicial organs as a suspected illegal "
            "act (Art. 40)."), decision=decision.number, case=decision.case.number)
    else:
        facts = in_portal_language(gettext_noop(
            "Decision %(decision)s on case %(case)s is the %(count)d-th decision on a serious or grave violation "
            "within %(days)d days (repeated serious violations, Art. 40)."), decision=decision.number,
            case=decision.case.number, count=repeated, days=REPEAT_SERIOUS_WINDOW_DAYS)
    # Department heads hold propose_status_decision (apps/accounts/roles.py); should a deciding head lack it
    # (a department that withdrew it from the role), the decision still proposes: as the system account,
    # which exit._authorize_proposal lets through by name, never by role. The proposal decides nothing: a
    # head of the responsible department decides or dismisses it.
    proposer = by if policy.can(by, PROPOSE, institution) else system_account()
    try:
        proposal = status_decision_propose(institution=institution, measure="suspend",
                                           ground=StatusDecision.Ground.SERIOUS_VIOLATION, facts=facts,
                                           by=proposer, source=decision, source_url=case_url(decision.case))
    except (errors.TransitionNotAllowed, errors.ValidationFailed) as error:
        logger.warning("cases: suspension after %s not proposed: %s", decision.number, error.message)
        return
    decision.suspension_proposal = proposal.number
    save_tracked(decision, by=by, reason=f"suspension proposed: {proposal.number}")


def decision_effects_revoke(decision: Decision, reason: str, by) -> None:
    """The decision was quashed or set aside on appeal (`by`: the reviewing head): every measure not yet
    revoked is revoked, its credit events are withdrawn (the rating recomputed) and its open order cancelled.
    A suspension proposal it made stays with the head who decides it (it may rest on other facts too)."""
    from apps.institutions.services.credit import credit_events_withdraw_for

    from .rectification import rectification_cancel  # helper H3's service

    for measure in (CaseMeasure.objects.select_for_update().filter(decision=decision)
                    .exclude(execution=CaseMeasure.Execution.REVOKED).order_by("pk")):
        measure.execution = CaseMeasure.Execution.REVOKED
        save_tracked(measure, by=by, reason=f"revoked on appeal: {reason}"[:100])
        credit_events_withdraw_for(source=measure, reason=f"{decision.number} {reason}"[:80], by=by)
        rectification = CaseRectification.objects.filter(measure=measure).first()
        if rectification is not None and rectification.is_open:
            rectification_cancel(rectification=rectification, reason=reason, by=by)
