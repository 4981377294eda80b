"""The pure draw algorithm (SUP-1, SUP-2): reproducible from its inputs, spreads work, honours exclusions."""

import hashlib
import json

import pytest

from apps.inspections import draw

SEED = "ab" * 32


def test_targets_are_the_smallest_sha256_ranks_sup1():
    candidates = list(range(1, 200))
    expected = sorted(candidates, key=lambda c: hashlib.sha256(f"{SEED}:target:{c}".encode()).hexdigest())[:5]
    assert draw.pick_targets(SEED, candidates, 5) == expected


def test_same_inputs_give_the_same_result_and_another_seed_another_one():
    inputs = {"candidates": list(range(1, 50)), "inspectors": [3, 5, 8, 13], "exclusions": {}, "target_count": 6,
              "team_size": 2}
    first = draw.run(algorithm=draw.ALGORITHM, seed=SEED, **inputs)
    assert first == draw.run(algorithm=draw.ALGORITHM, seed=SEED, **inputs)
    assert first != draw.run(algorithm=draw.ALGORITHM, seed="cd" * 32, **inputs)


def test_teams_spread_the_work_evenly_and_the_first_leads():
    result = draw.assign_teams(SEED, [1, 2, 3, 4], [10, 11, 12, 13], {}, 2)
    counts = {}
    for row in result:
        assert len(row["inspectors"]) == 2 and len(set(row["inspectors"])) == 2
        for user in row["inspectors"]:
            counts[user] = counts.get(user, 0) + 1
    assert sorted(counts.values()) == [2, 2, 2, 2]


def test_tie_break_is_the_inspector_hash():
    result = draw.assign_teams(SEED, [7], [1, 2, 3], {}, 3)
    expected = sorted([1, 2, 3], key=lambda u: hashlib.sha256(f"{SEED}:inspector:7:{u}".encode()).hexdigest())
    assert result == [{"institution": 7, "inspectors": expected}]


def test_excluded_inspectors_are_never_on_the_target_team():
    exclusions = {"7": [[1, draw.EXCLUDED_CONFLICT], [2, draw.EXCLUDED_LAST_TEAM]]}
    result = draw.assign_teams(SEED, [7, 8], [1, 2, 3, 4], exclusions, 2)
    assert set(result[0]["inspectors"]) == {3, 4}


def test_conflicts_leaving_too_few_inspectors_name_the_target():
    with pytest.raises(draw.DrawError) as caught:
        draw.assign_teams(SEED, [7, 8], [1, 2, 3], {"8": [[1, "affiliated"], [2, "last_team"]]}, 2)
    assert caught.value.target == 8 and caught.value.eligible == 1


def test_risk_targets_are_the_highest_scores_ties_by_smaller_id():
    ranking = [{"institution": 5, "score": 10}, {"institution": 3, "score": 40}, {"institution": 9, "score": 40},
               {"institution": 1, "score": 0}]
    assert draw.rank_risk_targets(ranking, 3) == [3, 9, 5]


def _protocol():
    inputs = {"algorithm": draw.ALGORITHM, "seed": SEED, "target_count": 3, "team_size": 2,
              "candidates": list(range(1, 30)), "inspectors": [4, 6, 9], "exclusions": {"2": [[4, "affiliated"]]}}
    result = draw.run(**inputs)
    return {**inputs, "result": result, "digest": draw.digest(draw.digest_payload(**inputs, result=result))}


def test_replay_of_a_protocol_matches():
    outcome = draw.replay(_protocol())
    assert outcome["matches"] and outcome["digest_matches"]


def test_digest_is_sha256_of_the_canonical_json():
    protocol = _protocol()
    payload = {key: protocol[key] for key in ("algorithm", "seed", "target_count", "team_size", "candidates",
                                               "inspectors", "exclusions", "result")}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    assert protocol["digest"] == hashlib.sha256(text.encode()).hexdigest()


def test_a_changed_input_does_not_replay():
    protocol = _protocol()
    protocol["candidates"] = [*protocol["candidates"][:-1], 999]
    outcome = draw.replay(protocol)
    assert not outcome["digest_matches"]
    protocol = _protocol()
    protocol["seed"] = "ef" * 32
    assert not draw.replay(protocol)["matches"]
