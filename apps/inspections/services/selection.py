"""Target selections (SUP-1, SUP-2): a risk-based choice or a "double random" draw, recorded so that anyone can
replay it, and the inspections they create.

Both methods read the same inputs: the candidates (admitted institutions in the plan's scope, ascending id,
minus the targets of the plan's in-force selection of the other method), the pool (active members, ascending
user id) and, per target, the inspectors excluded for a conflict of interest (a declaration in force, the
inspector belonging to the target, or a member of the team of the target's last closed inspection). The
algorithm is in `apps/inspections/draw.py` (pure). A plan has at most one selection of each method in force;
a new one replaces it only with a reason, which voids the old one (kept, and shown publicly for draws) and
cancels its inspections not yet started. Every refusal leaves nothing saved."""

from __future__ import annotations

import secrets
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.institutions.models import Institution

from .. import draw
from ..models import ConflictOfInterest, Inspection, InspectionPlan, TargetSelection, TeamMember
from ..selectors_plans import plan_candidates
from ..workflows import INSPECTION_FLOW, MANAGE_PLAN
from . import numbering, risk
from .inspections import inspection_create, revoke_team_grants
from .plans import conflicts_in_force

MAX_TEAM_SIZE = 10


def _check_counts(target_count, team_size) -> tuple[int, int]:
    field_errors = {}
    try:
        target_count = int(target_count)
    except (TypeError, ValueError):
        target_count = 0
    try:
        team_size = int(team_size)
    except (TypeError, ValueError):
        team_size = 0
    if target_count < 1:
        field_errors["target_count"] = [_("Draw at least one target.")]
    if not 1 <= team_size <= MAX_TEAM_SIZE:
        field_errors["team_size"] = [_("A team has between 1 and %(max)s inspectors.") % {"max": MAX_TEAM_SIZE}]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return target_count, team_size


def _previous(plan: InspectionPlan, method: str, void_reason: str) -> TargetSelection | None:
    """The in-force selection of `method` that a new one would replace; refuse a silent repeat."""
    previous = (TargetSelection.objects.select_for_update()
                .filter(plan=plan, method=method, status=TargetSelection.Status.IN_FORCE).first())
    if previous is None:
        return None
    if not (void_reason or "").strip():
        raise errors.ValidationFailed(
            _("Selection no. %(number)s of this plan is in force: a new one replaces it only with a recorded reason.")
            % {"number": previous.number},
            field_errors={"void_reason": [_("Say why the selection in force is replaced; the reason is published.")]})
    started = previous.inspections.exclude(status__in=[Inspection.Status.PLANNED, Inspection.Status.CANCELLED])
    if started.exists():
        raise errors.TransitionNotAllowed(
            _("Inspections of selection no. %(number)s have already started (%(inspections)s): it can no longer be "
              "replaced.") % {"number": previous.number,
                              "inspections": ", ".join(started.values_list("number", flat=True)[:5])})
    return previous


def _void(previous: TargetSelection, reason: str, by) -> None:
    reason = reason.strip()
    for inspection in previous.inspections.select_for_update().filter(status=Inspection.Status.PLANNED):
        INSPECTION_FLOW.check(by, inspection, inspection.status, Inspection.Status.CANCELLED)
        inspection.status = Inspection.Status.CANCELLED
        inspection.cancel_reason = reason
        save_tracked(inspection, by=by, reason="selection replaced")
        revoke_team_grants(inspection)
    previous.status = TargetSelection.Status.VOID
    previous.void_reason = reason
    save_tracked(previous, by=by, reason="replaced by a new selection")


def _pool(plan: InspectionPlan) -> list[int]:
    return sorted(plan.pool.filter(user__is_active=True).values_list("user_id", flat=True))


def exclusions_for(targets: list[int], inspectors: list[int]) -> dict[str, list[list]]:
    """{str(institution id): [[user id, reason code], ...]} for the given targets, in three set-based reads."""
    found: dict[int, set[tuple[int, str]]] = defaultdict(set)
    if not targets or not inspectors:
        return {}
    for user_id, institution_id in conflicts_in_force(ConflictOfInterest.objects.filter(
            institution_id__in=targets, user_id__in=inspectors)).values_list("user_id", "institution_id"):
        found[institution_id].add((user_id, draw.EXCLUDED_CONFLICT))
    for user_id, organisation_id in get_user_model().objects.filter(
            pk__in=inspectors, organisation_id__in=targets).values_list("pk", "organisation_id"):
        found[organisation_id].add((user_id, draw.EXCLUDED_AFFILIATED))
    last = (Inspection.objects.filter(institution_id__in=targets, status=Inspection.Status.CLOSED)
            .order_by("institution_id", "-closed_at", "-pk").distinct("institution_id").values("pk"))
    for user_id, institution_id in TeamMember.objects.filter(inspection_id__in=last, user_id__in=inspectors) \
            .values_list("user_id", "inspection__institution_id"):
        found[institution_id].add((user_id, draw.EXCLUDED_LAST_TEAM))
    return {str(key): [list(pair) for pair in sorted(value)] for key, value in sorted(found.items())}


def _prepare(plan: InspectionPlan, by, *, method: str, target_count, team_size, void_reason: str):
    plan = InspectionPlan.objects.select_for_update().select_related("department").get(pk=plan.pk)
    policy.require(by, MANAGE_PLAN, plan)
    if plan.status != InspectionPlan.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("Targets are selected only for a plan in progress."))
    target_count, team_size = _check_counts(target_count, team_size)
    previous = _previous(plan, method, void_reason)
    inspectors = _pool(plan)
    if not inspectors:
        raise errors.ValidationFailed(_("The plan's inspector pool is empty: add inspectors first."),
                                      field_errors={"pool": [_("The inspector pool is empty.")]})
    if len(inspectors) < team_size:
        raise errors.ValidationFailed(
            _("The pool has %(pool)s inspector(s), fewer than a team of %(size)s.")
            % {"pool": len(inspectors), "size": team_size},
            field_errors={"team_size": [_("Larger than the inspector pool (%(pool)s).") % {"pool": len(inspectors)}]})
    return plan, target_count, team_size, previous, inspectors


def _check_candidates(candidates: list[int], target_count: int) -> None:
    if not candidates:
        raise errors.ValidationFailed(_("No admitted institution is in the plan's scope."),
                                      field_errors={"target_count": [_("There are no candidates.")]})
    if target_count > len(candidates):
        raise errors.ValidationFailed(field_errors={"target_count": [
            _("Only %(count)s candidate(s) are in the plan's scope.") % {"count": len(candidates)}]})


def _teams(seed, targets, inspectors, exclusions, team_size) -> list[dict]:
    try:
        return draw.assign_teams(seed, targets, inspectors, exclusions, team_size)
    except draw.DrawError as error:
        name = Institution.objects.filter(pk=error.target).values_list("name", flat=True).first() or error.target
        raise errors.ValidationFailed(
            _("Conflicts of interest leave %(eligible)s eligible inspector(s) for %(institution)s, fewer than a team "
              "of %(size)s: enlarge the pool or make the team smaller.")
            % {"eligible": error.eligible, "institution": name, "size": team_size},
            field_errors={"pool": [_("Not enough inspectors without a conflict for %(institution)s.")
                                   % {"institution": name}]}) from None


def _record(plan, by, *, method, algorithm, seed, target_count, team_size, candidates, inspectors, exclusions,
            ranking, result, previous, void_reason) -> TargetSelection:
    if previous is not None:
        _void(previous, void_reason, by)
    numbering.lock("selection")
    number = (TargetSelection.objects.filter(plan=plan).aggregate(last=Max("number"))["last"] or 0) + 1
    digest = draw.digest(draw.digest_payload(
        algorithm=algorithm, seed=seed, target_count=target_count, team_size=team_size, candidates=candidates,
        inspectors=inspectors, exclusions=exclusions, result=result, ranking=ranking))
    selection = save_tracked(TargetSelection(
        plan=plan, number=number, method=method, algorithm=algorithm, seed=seed, target_count=target_count,
        team_size=team_size, candidates=candidates, inspectors=inspectors, exclusions=exclusions, ranking=ranking,
        result=result, digest=digest, published=method == TargetSelection.Method.RANDOM, drawn_by=by),
        by=by, reason="targets selected")
    institutions = Institution.objects.in_bulk([row["institution"] for row in result])
    users = get_user_model().objects.select_related("organisation").in_bulk(
        {user for row in result for user in row["inspectors"]})
    for row in result:
        team = [users[user] for user in row["inspectors"]]
        inspection_create(plan=plan, institution=institutions[row["institution"]], team=team, lead=team[0], by=by,
                          selection=selection, notify=True)
    return selection


@transaction.atomic
def selection_draw(*, plan: InspectionPlan, target_count, team_size, by, void_reason: str = "") -> TargetSelection:
    """The "double random" draw (SUP-1, SUP-2): random targets from the scoped candidates and random teams from
    the pool, excluding conflicts; recorded with its seed and inputs, published at once, one inspection per
    target (the team notified after commit)."""
    method = TargetSelection.Method.RANDOM
    plan, target_count, team_size, previous, inspectors = _prepare(
        plan, by, method=method, target_count=target_count, team_size=team_size, void_reason=void_reason)
    candidates = list(plan_candidates(plan, method).values_list("pk", flat=True))
    _check_candidates(candidates, target_count)
    seed = secrets.token_hex(32)
    targets = draw.pick_targets(seed, candidates, target_count)
    exclusions = exclusions_for(targets, inspectors)
    result = _teams(seed, targets, inspectors, exclusions, team_size)
    return _record(plan, by, method=method, algorithm=draw.ALGORITHM, seed=seed, target_count=target_count,
                   team_size=team_size, candidates=candidates, inspectors=inspectors, exclusions=exclusions,
                   ranking=[], result=result, previous=previous, void_reason=void_reason)


@transaction.atomic
def selection_risk_create(*, plan: InspectionPlan, target_count, team_size, by,
                          void_reason: str = "") -> TargetSelection:
    """A risk-based selection (SUP-1, INS-3): the `target_count` highest scores of the ranking (kept with their
    parts in `ranking`), teams assigned from the pool by the draw's team rule with a recorded seed."""
    method = TargetSelection.Method.RISK
    plan, target_count, team_size, previous, inspectors = _prepare(
        plan, by, method=method, target_count=target_count, team_size=team_size, void_reason=void_reason)
    candidates = list(plan_candidates(plan, method).values_list("pk", flat=True))
    _check_candidates(candidates, target_count)
    ranking = risk.risk_ranking(plan, limit=target_count, method=method)
    seed = secrets.token_hex(32)
    targets = draw.rank_risk_targets(ranking, target_count)
    exclusions = exclusions_for(targets, inspectors)
    result = _teams(seed, targets, inspectors, exclusions, team_size)
    return _record(plan, by, method=method, algorithm=draw.RISK_ALGORITHM, seed=seed, target_count=target_count,
                   team_size=team_size, candidates=candidates, inspectors=inspectors, exclusions=exclusions,
                   ranking=ranking, result=result, previous=previous, void_reason=void_reason)


def selection_protocol(selection: TargetSelection) -> dict:
    """Everything needed to replay the selection offline (the downloadable protocol JSON)."""
    protocol = {
        "format": "inspections-selection-protocol/1",
        "plan": selection.plan.number, "selection": selection.number, "method": selection.method,
        "status": selection.status, "void_reason": selection.void_reason,
        "drawn_at": selection.drawn_at.isoformat(),
        "algorithm": selection.algorithm, "seed": selection.seed, "target_count": selection.target_count,
        "team_size": selection.team_size, "candidates": list(selection.candidates),
        "inspectors": list(selection.inspectors), "exclusions": selection.exclusions,
        "result": selection.result, "digest": selection.digest,
        "how_to_replay": draw.REPLAY_HELP,
    }
    if selection.algorithm == draw.RISK_ALGORITHM:
        protocol["ranking"] = selection.ranking
    return protocol


def selection_replay(selection: TargetSelection) -> dict:
    """Recompute the selection from its stored inputs: {"matches", "result", "digest_matches"}."""
    outcome = draw.replay(selection_protocol(selection))
    return {"matches": outcome["matches"], "result": outcome["result"], "digest_matches": outcome["digest_matches"]}
