"""Risk-based ranking (SUP-1, INS-3): each part's points, the order, and one SQL statement whatever the number
of candidates."""

import datetime

import pytest
from django.utils import timezone

from apps.inspections.models import Inspection
from apps.inspections.services import risk
from apps.institutions.models import CreditEvent
from apps.institutions.services.credit import credit_event_record
from tests.conftest import make_user
from tests.inspections.factories import make_finding, make_inspection, make_order, make_plan
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(fuzhou):
    return make_user(fuzhou, "department_head")


@pytest.fixture
def plan(fuzhou, head):
    return make_plan(fuzhou, by=head, scope_regions=["350102"])


def _parts(row):
    return {part["code"]: part for part in row["parts"]}


def _events(institution, trigger, count, by, *, days_ago=10):
    for _ in range(count):
        source = make_user(institution.organisation)  # any saved record is a source
        credit_event_record(institution_id=institution.pk, trigger=trigger, source=source, description="测试", by=by,
                            occurred_on=timezone.localdate() - datetime.timedelta(days=days_ago))


def test_each_part_scores_its_documented_points(plan, head):
    institution = make_institution("350102")
    _events(institution, "incident.major", 4, head)  # capped at 30
    _events(institution, "drill.failed", 1, head)
    _events(institution, "incident.general", 1, head, days_ago=400)  # too old
    type(institution).objects.filter(pk=institution.pk).update(credit_grade="C")  # whatever the events made it
    inspection = make_inspection(plan, institution, status=Inspection.Status.CLOSED,
                                 closed_at=timezone.now() - datetime.timedelta(days=500))
    make_order(make_finding(inspection), deadline=timezone.localdate() - datetime.timedelta(days=3))
    make_order(make_finding(inspection), deadline=timezone.localdate() + datetime.timedelta(days=3))
    [row] = risk.risk_ranking(plan)
    parts = _parts(row)
    assert parts["grade"]["points"] == 25 and parts["grade"]["value"] == "C"
    assert parts["incidents"] == {"code": "incidents", "points": 30, "value": 4}
    assert parts["drills"]["points"] == 5
    assert parts["overdue_orders"]["points"] == 10 and parts["overdue_orders"]["value"] == 1
    assert parts["due"]["points"] == 20 and parts["due"]["interval_months"] == 12  # C: every 12 months
    assert row["score"] == 25 + 30 + 5 + 10 + 20


def test_withdrawn_incidents_do_not_count(plan, head):
    institution = make_institution("350102")
    _events(institution, "incident.major", 1, head)
    CreditEvent.objects.update(status=CreditEvent.Status.WITHDRAWN)
    assert _parts(risk.risk_ranking(plan)[0])["incidents"]["points"] == 0


def test_time_since_the_last_inspection_against_the_grade_interval(plan):
    never, recent, half, old = (make_institution("350102") for _ in range(4))
    now = timezone.now()
    for institution, days in ((recent, 30), (half, 600), (old, 1200)):  # grade A: every 36 months
        make_inspection(plan, institution, status=Inspection.Status.CLOSED,
                        closed_at=now - datetime.timedelta(days=days))
    points = {row["institution"]: _parts(row)["due"]["points"] for row in risk.risk_ranking(plan)}
    assert points == {never.pk: 25, recent.pk: 0, half.pk: 10, old.pk: 20}


def test_ranking_is_ordered_by_score_then_id_and_limited(plan):
    low, high, same = (make_institution("350102") for _ in range(3))
    high.credit_grade = "D"
    high.save()
    rows = risk.risk_ranking(plan, limit=2)
    assert [row["institution"] for row in rows] == [high.pk, min(low.pk, same.pk)]


def test_ranking_is_one_query(plan):
    for _ in range(5):
        make_institution("350102")
    plan = type(plan).objects.select_related("department").get(pk=plan.pk)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        rows = risk.risk_ranking(plan)
    ranking_queries = [q for q in queries.captured_queries if "institutions_institution" in q["sql"]]
    assert len(rows) == 5 and len(ranking_queries) == 1
    assert len(queries.captured_queries) <= 3


def test_explanations_say_why(plan):
    make_institution("350102")
    why = risk.explain(risk.risk_ranking(plan)[0])
    assert why[0]["why"] == "Credit grade A"
    assert why[-1]["why"] == "Never inspected"


def test_half_of_a_one_month_interval_is_fifteen_days_not_zero(plan):
    """Review fix: `interval / 2` was integer division, so with a one-month interval an institution inspected
    yesterday already counted as "half the interval passed"."""
    from apps.institutions.models import CreditGrade

    CreditGrade.objects.filter(code="A").update(inspection_interval_months=1)
    yesterday, three_weeks = make_institution("350102"), make_institution("350102")
    now = timezone.now()
    for institution, days in ((yesterday, 1), (three_weeks, 21)):
        make_inspection(plan, institution, status=Inspection.Status.CLOSED, closed_at=now - datetime.timedelta(days=days))
    points = {row["institution"]: _parts(row)["due"]["points"] for row in risk.risk_ranking(plan)}
    assert points == {yesterday.pk: 0, three_weeks.pk: 10}
