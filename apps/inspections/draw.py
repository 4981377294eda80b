"""The "double random" draw (SUP-1, SUP-2): pure functions, no database, so that anyone holding a selection's
protocol can replay it offline (`manage.py inspections_replay_draw protocol.json`) and get the same result.

Algorithm ``sha256-rank-v1``
----------------------------
Inputs: a seed (64 hex digits from ``secrets.token_hex(32)``, recorded before anything is drawn), the candidate
institution ids (ascending), the inspector pool's user ids (ascending), the number of targets ``n``, the team size
``k`` and the exclusions ``{institution id: [[user id, reason code], ...]}`` (conflicts of interest).

1. **Targets.** Every candidate ``c`` gets the rank ``SHA-256("<seed>:target:<c>")`` (hex digest of the UTF-8
   text). The ``n`` candidates with the smallest ranks are the targets, in ascending rank order.
2. **Teams.** For each target ``t`` in that order, the eligible inspectors are the pool minus the users excluded
   for ``t``. They are sorted by (number of teams already given to them in this draw, then
   ``SHA-256("<seed>:inspector:<t>:<u>")``); the first ``k`` form the team and the first of them leads it. So the
   work is spread evenly and the tie-breaks are random but reproducible.
3. **Digest.** SHA-256 of the canonical JSON (keys sorted, separators ``,`` and ``:``, UTF-8, non-ASCII kept) of
   ``{algorithm, seed, target_count, team_size, candidates, inspectors, exclusions, result}`` (plus ``ranking``
   for a risk-based selection), printed on the public page: changing any input or the result changes it.

A risk-based selection (``risk-score-v1``) takes the ``n`` highest scores of its stored ranking (ties: smaller
institution id first) instead of step 1, and assigns teams by step 2 with its own seed.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Sequence

ALGORITHM = "sha256-rank-v1"
RISK_ALGORITHM = "risk-score-v1"

REPLAY_HELP = (
    "seed = the recorded 64 hex digits. Targets: rank every candidate id c by SHA-256('<seed>:target:<c>') (hex, "
    "UTF-8) and take the target_count smallest, in that order (risk-score-v1: the target_count highest scores of "
    "'ranking', ties by smaller id). Teams: for each target t in order, sort the inspectors not excluded for t "
    "by (teams already given in this draw, SHA-256('<seed>:inspector:<t>:<u>')) and take team_size; the first "
    "leads. Digest: SHA-256 of the canonical JSON (sort_keys, separators ',' ':') of algorithm, seed, "
    "target_count, team_size, candidates, inspectors, exclusions, result (and ranking for risk-score-v1). "
    "Offline: python manage.py inspections_replay_draw protocol.json"
)

# Why an inspector is excluded for a target (codes stored in `exclusions`; labels are the pages').
EXCLUDED_CONFLICT = "declared_conflict"
EXCLUDED_AFFILIATED = "affiliated"
EXCLUDED_LAST_TEAM = "last_team"


class DrawError(Exception):
    """The inputs do not allow a draw; `target` names the institution that could not be staffed, if any."""

    def __init__(self, code: str, *, target: int | None = None, eligible: int | None = None):
        self.code = code
        self.target = target
        self.eligible = eligible
        super().__init__(code if target is None else f"{code}: {target}")


def _rank(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def target_rank(seed: str, institution_id: int) -> str:
    return _rank(f"{seed}:target:{institution_id}")


def inspector_rank(seed: str, institution_id: int, user_id: int) -> str:
    return _rank(f"{seed}:inspector:{institution_id}:{user_id}")


def pick_targets(seed: str, candidates: Iterable[int], target_count: int) -> list[int]:
    """The `target_count` candidates with the smallest SHA-256 ranks, smallest first (O(N log n))."""
    return [candidate for _rank_value, candidate in
            heapq.nsmallest(target_count, ((target_rank(seed, c), c) for c in candidates))]


def rank_risk_targets(ranking: Sequence[dict], target_count: int) -> list[int]:
    """The `target_count` institutions with the highest scores of a stored risk ranking (ties: smaller id)."""
    ordered = sorted(ranking, key=lambda row: (-int(row["score"]), int(row["institution"])))
    return [int(row["institution"]) for row in ordered[:target_count]]


def excluded_users(exclusions: dict, institution_id: int) -> set[int]:
    return {int(user) for user, _reason in exclusions.get(str(institution_id), [])}


def assign_teams(seed: str, targets: Sequence[int], inspectors: Sequence[int], exclusions: dict,
                 team_size: int) -> list[dict]:
    """Step 2: a team of `team_size` per target (leader first). Raises DrawError("not_enough_inspectors")
    naming the first target whose eligible inspectors are fewer than `team_size`."""
    load = {int(user): 0 for user in inspectors}
    result = []
    for target in targets:
        excluded = excluded_users(exclusions, target)
        eligible = [user for user in load if user not in excluded]
        if len(eligible) < team_size:
            raise DrawError("not_enough_inspectors", target=target, eligible=len(eligible))
        eligible.sort(key=lambda user: (load[user], inspector_rank(seed, target, user)))
        team = eligible[:team_size]
        for user in team:
            load[user] += 1
        result.append({"institution": int(target), "inspectors": team})
    return result


def digest_payload(*, algorithm: str, seed: str, target_count: int, team_size: int, candidates: Sequence[int],
                   inspectors: Sequence[int], exclusions: dict, result: list, ranking: list | None = None) -> dict:
    payload = {"algorithm": algorithm, "seed": seed, "target_count": int(target_count), "team_size": int(team_size),
               "candidates": [int(c) for c in candidates], "inspectors": [int(u) for u in inspectors],
               "exclusions": {str(key): [[int(user), str(reason)] for user, reason in rows]
                              for key, rows in exclusions.items()},
               "result": result}
    if algorithm == RISK_ALGORITHM:
        payload["ranking"] = ranking or []
    return payload


def canonical_json(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(payload: dict) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def run(*, algorithm: str, seed: str, target_count: int, team_size: int, candidates: Sequence[int],
        inspectors: Sequence[int], exclusions: dict, ranking: list | None = None,
        targets: Sequence[int] | None = None) -> list[dict]:
    """The result of a selection from its inputs (targets may be given when already computed)."""
    if targets is None:
        if algorithm == ALGORITHM:
            targets = pick_targets(seed, candidates, target_count)
        elif algorithm == RISK_ALGORITHM:
            targets = rank_risk_targets(ranking or [], target_count)
        else:
            raise DrawError("unknown_algorithm")
    return assign_teams(seed, targets, inspectors, exclusions, team_size)


def replay(protocol: dict) -> dict:
    """Recompute a protocol (as stored or downloaded): {"matches", "result", "digest", "digest_matches"}.

    `matches` says whether the recomputed result equals the recorded one; `digest_matches` whether the
    recorded digest is the SHA-256 of the recorded inputs with the recomputed result."""
    inputs = {key: protocol[key] for key in ("algorithm", "seed", "target_count", "team_size", "candidates",
                                               "inspectors", "exclusions")}
    ranking = protocol.get("ranking") or []
    try:
        result = run(**inputs, ranking=ranking)
    except DrawError:
        result = []
    recomputed = digest(digest_payload(**inputs, result=result, ranking=ranking))
    return {"matches": result == protocol.get("result"), "result": result, "digest": recomputed,
            "digest_matches": recomputed == protocol.get("digest")}
