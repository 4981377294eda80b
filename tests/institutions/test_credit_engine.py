"""The credit engine (INS-3): defaults, scores and grades, expiry, idempotent events, the nightly run."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.services import system_account
from apps.core.history import save_tracked
from apps.institutions.models import (
    CreditEvent,
    CreditGrade,
    CreditRule,
    CreditScheme,
    CreditSnapshot,
    CreditTrigger,
    Institution,
    StatusDecision,
)
from apps.institutions.services import credit_event_record
from apps.institutions.services.credit import credit_recompute, credit_recompute_all, grade_for
from apps.institutions.services.credit_defaults import credit_defaults, credit_defaults_ensure
from tests.conftest import make_user
from tests.institutions.credit_helpers import _no_broker, add_event, rated  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED)


# --- defaults ------------------------------------------------------------------------------------------


def test_ins3_defaults_are_loaded_after_migrate():
    """The test database was migrated: the post_migrate receiver loaded scheme, grades and one rule per trigger."""
    scheme = CreditScheme.objects.get()
    assert (scheme.base_score, scheme.min_score, scheme.max_score, scheme.readmission_wait_days) == (100, 0, 110, 365)
    grades = {g.code: g for g in CreditGrade.objects.all()}
    assert [(c, grades[c].min_score) for c in "ABCD"] == [("A", 90), ("B", 75), ("C", 60), ("D", 0)]
    assert grades["A"].inspection_interval_months == 36 and grades["D"].inspection_interval_months == 6
    assert not grades["D"].may_apply_for_data and grades["D"].on_blacklist and grades["D"].proposes_suspension
    assert grades["C"].may_apply_for_data and not grades["C"].on_blacklist
    assert all(g.label and g.label_en for g in grades.values())
    active = set(CreditRule.objects.filter(is_active=True).values_list("trigger", flat=True))
    assert active == set(CreditTrigger.values)
    critical = CreditRule.objects.get(trigger=CreditTrigger.FINDING_CRITICAL)
    assert (critical.points, critical.duration_days) == (-20, 730)
    assert CreditRule.objects.get(trigger=CreditTrigger.MANUAL).points == 0
    assert CreditRule.objects.get(trigger=CreditTrigger.CONFORMANCE_PASSED).points > 0
    assert all(r.description and r.description_en for r in CreditRule.objects.all())


def test_defaults_ensure_never_overwrites_a_departments_edits():
    actor = system_account()
    grade = CreditGrade.objects.get(code="B")
    grade.min_score = 80
    save_tracked(grade, by=actor, reason="edited")
    major = CreditRule.objects.get(trigger=CreditTrigger.FINDING_MAJOR)
    major.points = -12
    save_tracked(major, by=actor, reason="edited")
    assert credit_defaults_ensure() == {"scheme": 0, "grades": 0, "rules": 0}
    assert CreditGrade.objects.get(code="B").min_score == 80
    assert CreditRule.objects.get(pk=major.pk).points == -12


def test_defaults_ensure_restores_what_is_missing_and_respects_a_replacement_rule():
    """A default rule whose trigger already has a department's own active rule comes back inactive."""
    actor = system_account()
    minor = CreditRule.objects.get(code="FINDING-MINOR")
    minor.code = "OWN-MINOR"  # the department's own rule for the same trigger
    save_tracked(minor, by=actor, reason="renamed")
    CreditRule.objects.filter(code="DRILL-FAILED").delete()
    created = credit_defaults_ensure()
    assert created["rules"] == 2
    restored = CreditRule.objects.get(code="FINDING-MINOR")
    assert not restored.is_active and CreditRule.objects.get(code="OWN-MINOR").is_active
    assert CreditRule.objects.get(code="DRILL-FAILED").is_active
    assert restored.history.first().history_user == actor


def test_fixture_has_one_rule_per_trigger():
    triggers = [row["trigger"] for row in credit_defaults()["rules"]]
    assert sorted(triggers) == sorted(CreditTrigger.values)


# --- scores and grades ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("points", "score", "grade"), [
    (-10, 90, "A"), (-11, 89, "B"), (-25, 75, "B"), (-26, 74, "C"), (-40, 60, "C"), (-41, 59, "D"),
    (0, 100, "A"), (+15, 110, "A"), (-150, 0, "D"),
])
def test_ins3_score_is_base_plus_items_in_force_and_grade_boundaries(hospital, points, score, grade):
    if points:
        add_event(hospital, points)
    hospital = rated(hospital)
    assert (hospital.credit_score, hospital.credit_grade) == (score, grade)


def test_grade_for_uses_the_configured_bands():
    assert [grade_for(s) for s in (90, 89, 75, 74, 60, 59, -5)] == ["A", "B", "B", "C", "C", "D", "D"]


def test_grades_are_configurable(hospital):
    CreditGrade.objects.filter(code="A").update(min_score=95)
    add_event(hospital, -6)
    assert rated(hospital).credit_grade == "B"


def test_ins3_expiry_repairs_credit(hospital):
    """An effect counts from the day it occurred for its duration; after that the score is repaired."""
    start = timezone.localdate()
    add_event(hospital, -20, occurred_on=start, days=730)
    assert rated(hospital).credit_score == 80
    last_day = start + datetime.timedelta(days=729)
    assert rated(hospital, today=last_day).credit_score == 80
    repaired = rated(hospital, today=last_day + datetime.timedelta(days=1))
    assert (repaired.credit_score, repaired.credit_grade) == (100, "A")
    assert list(CreditSnapshot.objects.filter(institution=hospital).values_list("score", flat=True)) == [80, 100]


def test_future_and_withdrawn_items_do_not_count(hospital):
    add_event(hospital, -30, occurred_on=timezone.localdate() + datetime.timedelta(days=3))
    add_event(hospital, -30, status=CreditEvent.Status.WITHDRAWN)
    assert rated(hospital).credit_score == 100


def test_recompute_writes_only_changed_ratings_with_a_snapshot_each(hospital, gulou):
    other = make_institution("350102")
    credit_recompute()
    before = CreditSnapshot.objects.count()
    assert credit_recompute() == 0
    add_event(hospital, -5)
    assert credit_recompute() == 1
    assert CreditSnapshot.objects.count() == before + 1
    assert CreditSnapshot.objects.filter(institution=other).count() == 1


# --- credit_event_record ------------------------------------------------------------------------------


def test_ins3_event_record_is_idempotent_and_recomputes(hospital, gulou):
    inspector = make_user(gulou, "inspector")
    source = make_user(gulou)  # any saved record stands for the finding
    first = credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.FINDING_CRITICAL,
                                source=source, description="检查发现严重问题", by=inspector,
                                source_url="/inspections/1/")
    again = credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.FINDING_CRITICAL,
                                source=source, description="检查发现严重问题", by=inspector)
    assert first.pk == again.pk and CreditEvent.objects.count() == 1
    assert (first.points, first.source_type, first.source_id) == (-20, "accounts.user", str(source.pk))
    assert first.effective_until == first.occurred_on + datetime.timedelta(days=729)
    assert Institution.objects.get(pk=hospital.pk).credit_score == 80
    assert first.history.first().history_user == inspector


def test_event_record_after_withdrawal_does_not_raise_it_again(hospital, gulou):
    source = make_user(gulou)
    event = credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.FINDING_MAJOR, source=source,
                                description="x", by=system_account())
    CreditEvent.objects.filter(pk=event.pk).update(status=CreditEvent.Status.WITHDRAWN)
    again = credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.FINDING_MAJOR, source=source,
                                description="x", by=system_account())
    assert again.pk == event.pk and again.status == CreditEvent.Status.WITHDRAWN


def test_event_record_copies_the_rule_so_later_rule_changes_affect_future_events_only(hospital, gulou):
    event = credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.FINDING_MINOR,
                                source=make_user(gulou), description="x", by=system_account())
    CreditRule.objects.filter(trigger=CreditTrigger.FINDING_MINOR).update(points=-9)
    later = credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.FINDING_MINOR,
                                source=make_user(gulou), description="y", by=system_account())
    assert (CreditEvent.objects.get(pk=event.pk).points, later.points) == (-3, -9)


def test_event_record_returns_none_when_the_rule_is_switched_off(hospital, gulou):
    CreditRule.objects.filter(trigger=CreditTrigger.DRILL_OVERDUE).update(is_active=False)
    assert credit_event_record(institution_id=hospital.pk, trigger=CreditTrigger.DRILL_OVERDUE,
                               source=make_user(gulou), description="x", by=system_account()) is None
    assert CreditEvent.objects.count() == 0


# --- nightly ------------------------------------------------------------------------------------------


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_ins3_nightly_recompute_is_one_statement_whatever_the_number_of_institutions(gulou):
    """The query count does not grow with institutions: the recompute is set-based SQL."""
    few = [make_institution("350102") for _ in range(3)]
    for institution in few:
        add_event(institution, -12)
    small = _queries(credit_recompute_all)
    many = [make_institution("350102") for _ in range(40)]
    for institution in many:
        add_event(institution, -12)
    large = _queries(credit_recompute_all)
    assert large == small
    assert set(Institution.objects.values_list("credit_grade", flat=True)) == {"B"}
    assert CreditSnapshot.objects.filter(institution__in=many, score=88).count() == 40


def test_recompute_sql_plan_uses_no_per_row_subquery(gulou):
    """The grade is a CASE over the few bands, not a correlated subquery run once per institution."""
    from apps.institutions.services import credit as engine

    assert "SubPlan" not in _explain(engine)


def _explain(engine) -> str:
    params: dict = {"today": timezone.localdate(), "now": timezone.now(), "base": 100, "min": 0, "max": 110,
                    "lowest": "D"}
    sql = engine._RECOMPUTE_SQL.format(event_filter="", institution_filter="",
                                       grade_case=engine._grade_case(list(CreditGrade.objects.all()), params))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _exit_propose_available() -> bool:
    try:
        from apps.institutions.services import exit as exit_services
    except ImportError:
        return False
    return hasattr(exit_services, "status_decision_propose")


@pytest.fixture
def _exit_service():
    if not _exit_propose_available():
        pytest.skip("services/exit.py has no status_decision_propose yet")


def test_ins4_nightly_proposes_suspension_for_admitted_institutions_in_grade_d(_exit_service, gulou):
    falling = make_institution("350102", Institution.Status.ADMITTED)
    applicant = make_institution("350102", Institution.Status.APPLICANT)
    healthy = make_institution("350102", Institution.Status.ADMITTED)
    add_event(falling, -45)
    add_event(applicant, -45)
    add_event(healthy, -5)
    result = credit_recompute_all()
    assert result["proposed"] == 1
    decision = StatusDecision.objects.get()
    assert decision.institution_id == falling.pk
    assert (decision.measure, decision.ground, decision.status) == ("suspend", "credit_grade", "proposed")
    assert "55" in decision.facts and "D" in decision.facts
    assert decision.proposed_by == system_account()
    assert decision.source_url == f"/institutions/{falling.pk}/credit/"
    # Not again while it is open, nor after a department dismissed it while the grade stays D.
    assert credit_recompute_all()["proposed"] == 0
    StatusDecision.objects.filter(pk=decision.pk).update(status=StatusDecision.Status.DISMISSED)
    assert credit_recompute_all()["proposed"] == 0
    assert StatusDecision.objects.count() == 1


def test_ins4_a_new_fall_into_grade_d_proposes_again(_exit_service, gulou):
    falling = make_institution("350102", Institution.Status.ADMITTED)
    first = add_event(falling, -45)
    credit_recompute_all()
    StatusDecision.objects.update(status=StatusDecision.Status.DISMISSED)
    CreditEvent.objects.filter(pk=first.pk).update(status=CreditEvent.Status.WITHDRAWN)
    credit_recompute_all()  # back to A: the institution left grade D
    add_event(falling, -50)
    assert credit_recompute_all()["proposed"] == 1
    assert StatusDecision.objects.count() == 2


def test_nightly_task_calls_the_service(gulou, monkeypatch):
    from apps.institutions import tasks

    calls = []
    monkeypatch.setattr("apps.institutions.services.credit.credit_recompute_all",
                        lambda **kw: calls.append(kw) or {"changed": 0, "proposed": 0})
    assert tasks.credit_recompute_all() == {"changed": 0, "proposed": 0} and calls == [{}]


def test_nightly_run_is_scheduled_at_half_past_two():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["institutions-credit-recompute-all"]
    assert entry["task"] == "institutions.credit_recompute_all"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
