"""Selections (SUP-1, SUP-2): the double-random draw and the risk-based choice, their refusals, re-draws with a
reason, and replays that give the same result."""

import datetime

import pytest
from django.utils import timezone

from apps.core import errors
from apps.inspections import draw
from apps.inspections.models import ConflictOfInterest, Inspection, TargetSelection, TeamMember
from apps.inspections.services import selection as services
from apps.inspections.workflows import CONDUCT
from tests.conftest import make_user
from tests.inspections.factories import make_inspection, make_inspector, make_plan
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(fuzhou):
    return make_user(fuzhou, "department_head")


@pytest.fixture
def pool(fuzhou):
    return [make_inspector(fuzhou) for _ in range(4)]


@pytest.fixture
def plan(fuzhou, head, pool):
    return make_plan(fuzhou, by=head, pool=pool)


@pytest.fixture
def institutions(db):
    return [make_institution("350102") for _ in range(6)]


def _counts():
    return TargetSelection.objects.count(), Inspection.objects.count()


def test_draw_creates_one_inspection_per_target_with_a_team_sup1(plan, head, pool, institutions):
    selection = services.selection_draw(plan=plan, target_count=3, team_size=2, by=head)
    assert selection.published and selection.algorithm == "sha256-rank-v1" and len(selection.seed) == 64
    assert selection.candidates == sorted(institution.pk for institution in institutions)
    assert selection.inspectors == sorted(user.pk for user in pool)
    inspections = list(selection.inspections.order_by("pk"))
    assert [i.institution_id for i in inspections] == [row["institution"] for row in selection.result]
    for inspection, row in zip(inspections, selection.result, strict=True):
        team = list(inspection.team.order_by("role"))
        lead = inspection.team.get(role=TeamMember.Role.LEAD)
        assert lead.user_id == row["inspectors"][0]
        assert {member.user_id for member in team} == set(row["inspectors"])
        assert lead.user.has_perm(CONDUCT, inspection)


def test_draw_replays_with_the_same_result(plan, head, institutions):
    selection = services.selection_draw(plan=plan, target_count=3, team_size=2, by=head)
    outcome = services.selection_replay(selection)
    assert outcome == {"matches": True, "result": selection.result, "digest_matches": True}


def test_a_changed_stored_input_makes_the_replay_not_match(plan, head, institutions):
    selection = services.selection_draw(plan=plan, target_count=3, team_size=2, by=head)
    TargetSelection.objects.filter(pk=selection.pk).update(seed="0" * 64)
    assert not services.selection_replay(TargetSelection.objects.get(pk=selection.pk))["matches"]
    TargetSelection.objects.filter(pk=selection.pk).update(seed=selection.seed, candidates=selection.candidates[:-1])
    outcome = services.selection_replay(TargetSelection.objects.get(pk=selection.pk))
    assert not outcome["digest_matches"]


def test_draw_with_an_empty_pool_is_refused(fuzhou, head, institutions):
    plan = make_plan(fuzhou, by=head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.selection_draw(plan=plan, target_count=1, team_size=1, by=head)
    assert "pool is empty" in str(caught.value.message)
    assert _counts() == (0, 0)


def test_pool_smaller_than_the_team_is_refused(plan, head, institutions):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.selection_draw(plan=plan, target_count=1, team_size=5, by=head)
    assert "team_size" in caught.value.field_errors
    assert _counts() == (0, 0)


def test_conflicts_leaving_nobody_name_the_target(fuzhou, head, institutions):
    inspectors = [make_inspector(fuzhou) for _ in range(2)]
    plan = make_plan(fuzhou, by=head, pool=inspectors, scope_regions=["350102"])
    target = institutions[0]
    for other in institutions[1:]:
        other.status = "suspended"
        other.save()
    ConflictOfInterest.objects.create(user=inspectors[0], institution=target, reason="前雇员", region_id="350100")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.selection_draw(plan=plan, target_count=1, team_size=2, by=head)
    assert target.name in str(caught.value.message)
    assert _counts() == (0, 0)


def test_expired_conflicts_do_not_exclude(fuzhou, head, institutions):
    inspectors = [make_inspector(fuzhou) for _ in range(2)]
    plan = make_plan(fuzhou, by=head, pool=inspectors)
    for institution in institutions:
        ConflictOfInterest.objects.create(user=inspectors[0], institution=institution, reason="旧合同",
                                          region_id="350100",
                                          ends_on=timezone.localdate() - datetime.timedelta(days=1))
    selection = services.selection_draw(plan=plan, target_count=2, team_size=2, by=head)
    assert selection.exclusions == {}


def test_last_inspection_team_and_declared_conflicts_are_excluded(plan, head, pool, institutions):
    closed = make_inspection(plan, institutions[0], team=[pool[0]], status=Inspection.Status.CLOSED,
                             closed_at=timezone.now())
    assert closed.pk
    ConflictOfInterest.objects.create(user=pool[1], institution=institutions[0], reason="亲属", region_id="350100")
    exclusions = services.exclusions_for([institutions[0].pk, institutions[1].pk], [u.pk for u in pool])
    assert exclusions == {str(institutions[0].pk): sorted([[pool[0].pk, draw.EXCLUDED_LAST_TEAM],
                                                           [pool[1].pk, draw.EXCLUDED_CONFLICT]])}


def test_no_candidates_is_refused(fuzhou, head, pool):
    plan = make_plan(fuzhou, by=head, pool=pool)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.selection_draw(plan=plan, target_count=1, team_size=1, by=head)
    assert "No admitted institution" in str(caught.value.message)


@pytest.mark.parametrize("count", [0, -1, 7, "x"])
def test_bad_target_counts_are_refused(plan, head, institutions, count):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.selection_draw(plan=plan, target_count=count, team_size=1, by=head)
    assert "target_count" in caught.value.field_errors
    assert _counts() == (0, 0)


def test_a_draft_plan_cannot_draw(fuzhou, head, pool, institutions):
    plan = make_plan(fuzhou, by=head, pool=pool, status="draft")
    with pytest.raises(errors.TransitionNotAllowed):
        services.selection_draw(plan=plan, target_count=1, team_size=1, by=head)


def test_an_inspector_may_not_draw(plan, pool, institutions):
    with pytest.raises(errors.PermissionDenied):
        services.selection_draw(plan=plan, target_count=1, team_size=1, by=pool[0])


def test_another_province_does_not_see_the_plan(plan, institutions, db):
    from tests.factories import department

    other = make_user(department("440000", "provincial"), "department_head")
    with pytest.raises(errors.NotFound):
        services.selection_draw(plan=plan, target_count=1, team_size=1, by=other)


def test_a_second_draw_needs_a_reason_and_voids_the_first(plan, head, institutions):
    first = services.selection_draw(plan=plan, target_count=2, team_size=2, by=head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.selection_draw(plan=plan, target_count=2, team_size=2, by=head)
    assert "void_reason" in caught.value.field_errors
    second = services.selection_draw(plan=plan, target_count=2, team_size=2, by=head, void_reason="计划范围调整")
    first.refresh_from_db()
    assert first.status == TargetSelection.Status.VOID and first.void_reason == "计划范围调整"
    assert set(first.inspections.values_list("status", flat=True)) == {Inspection.Status.CANCELLED}
    assert second.number == first.number + 1 and second.status == TargetSelection.Status.IN_FORCE


def test_a_started_inspection_blocks_the_redraw(plan, head, institutions):
    first = services.selection_draw(plan=plan, target_count=2, team_size=2, by=head)
    Inspection.objects.filter(selection=first).update(status=Inspection.Status.IN_PROGRESS)
    with pytest.raises(errors.TransitionNotAllowed):
        services.selection_draw(plan=plan, target_count=2, team_size=2, by=head, void_reason="重抽")
    first.refresh_from_db()
    assert first.status == TargetSelection.Status.IN_FORCE


def test_risk_selection_takes_the_top_scores_and_replays(plan, head, institutions):
    institutions[2].credit_grade = "D"
    institutions[2].save()
    selection = services.selection_risk_create(plan=plan, target_count=2, team_size=2, by=head)
    assert not selection.published and selection.algorithm == "risk-score-v1"
    assert selection.result[0]["institution"] == institutions[2].pk
    assert len(selection.ranking) == 2 and selection.ranking[0]["score"] >= selection.ranking[1]["score"]
    assert {part["code"] for part in selection.ranking[0]["parts"]} == {"grade", "incidents", "drills",
                                                                        "overdue_orders", "due"}
    assert services.selection_replay(selection)["matches"]


def test_a_draw_excludes_the_risk_selection_targets(plan, head, institutions):
    risk = services.selection_risk_create(plan=plan, target_count=2, team_size=1, by=head)
    drawn = services.selection_draw(plan=plan, target_count=4, team_size=1, by=head)
    risk_targets = {row["institution"] for row in risk.result}
    assert not risk_targets & set(drawn.candidates)
    with pytest.raises(errors.ValidationFailed):
        services.selection_draw(plan=plan, target_count=5, team_size=1, by=head, void_reason="再抽")
