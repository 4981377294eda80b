"""Reads (SUP-3, SUP-4): who sees which case, the officer's work list by next deadline, the institution's own
cases from the notice on, the appeals a head reviews, and the steps each person is offered on a case."""

import datetime

import pytest
from django.utils import timezone

from apps.cases import selectors
from apps.cases.models import Appeal, Case, CaseRectification, Hearing
from apps.cases.services import appeals, opening
from apps.core import errors
from tests.cases.factories import make_case

from .test_opening_helpers import pass_deadline, s

pytestmark = pytest.mark.django_db
__all__ = ["s"]  # fixture


def _ids(rows) -> list:
    return [row.pk for row in rows]


def test_sup4_who_sees_a_case(s):
    registered = make_case(s)
    notified = make_case(s, status="notified")
    for user in (s.head, s.officer, s.officer2, s.province_head, s.national_head):
        assert set(_ids(selectors.cases_visible(user))) == {registered.pk, notified.pk}
    assert _ids(selectors.cases_visible(s.admin)) == [notified.pk]  # from the notice on
    for user in (s.other_city_head, s.other_admin, s.steward):
        assert _ids(selectors.cases_visible(user)) == []
    assert selectors.case_get(s.admin, notified.pk) == notified
    for user, pk in ((s.admin, registered.pk), (s.other_city_head, notified.pk), (s.head, "1e3"), (s.head, "²")):
        with pytest.raises(errors.NotFound):
            selectors.case_get(user, pk)


def test_sup3_the_work_list_puts_the_next_deadline_first(s, django_assert_max_num_queries):
    today = timezone.localdate()
    late = make_case(s, status="notified", deadline_days=10)
    soon = make_case(s, status="notified", deadline_days=3)
    registered = make_case(s)
    decided = make_case(s, status="decided", measures=("rectification",))
    CaseRectification.objects.create(
        measure=decided.measures.get(), case=decided, institution=s.institution, region_id="350102",
        number="Z-TEST-1", requirement="整改", deadline=today + datetime.timedelta(days=1))
    heard = make_case(s, status="notified", deadline_days=-5)
    Hearing.objects.create(case=heard, notice=heard.notices.get(), requested_by=s.admin, status="scheduled",
                           scheduled_for=timezone.now() + datetime.timedelta(days=2), place="会议室")
    closed = make_case(s, status="decided")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    opening.officer_release(case=late, user=s.officer, by=s.head, reason="调岗")
    opening.officer_assign(case=late, user=s.officer, by=s.head)  # assigned again: still one entry
    with django_assert_max_num_queries(1):
        rows = list(selectors.work_list(s.officer).select_related("institution"))
    assert _ids(rows) == [heard.pk, decided.pk, soon.pk, late.pk, registered.pk]
    assert [row.next_deadline for row in rows] == [
        heard.notices.get().defence_deadline, today + datetime.timedelta(days=1),
        today + datetime.timedelta(days=3), today + datetime.timedelta(days=10), None]
    assert _ids(selectors.work_list(s.officer2)) == []


def test_sup3_the_institution_lists_its_notified_cases_only(s):
    make_case(s)
    notified = make_case(s, status="notified")
    decided = make_case(s, status="decided")
    assert _ids(selectors.institution_cases(s.admin)) == [decided.pk, notified.pk]  # the latest notified first
    assert _ids(selectors.institution_cases(s.other_admin)) == []
    assert _ids(selectors.institution_cases(s.head)) == []  # a department has no cases of its own


def test_sup4_appeals_wait_for_the_reviewing_department(s):
    case = make_case(s, status="decided")
    appeal = appeals.appeal_lodge(case=case, grounds="不服。", by=s.admin)
    assert _ids(selectors.appeals_to_review(s.province_head)) == [appeal.pk]
    for user in (s.head, s.national_head, s.province_officer, s.admin):
        assert _ids(selectors.appeals_to_review(user)) == []
    Appeal.objects.filter(pk=appeal.pk).update(status="withdrawn")
    assert _ids(selectors.appeals_to_review(s.province_head)) == []


def _offered(user, case) -> set:
    return {key for key, allowed in selectors.case_actions(user, case).items() if allowed}


def test_sup3_the_steps_offered_follow_the_stage_and_the_person(s):
    registered = make_case(s)
    assert _offered(s.officer, registered) == {"investigate", "add_party", "add_evidence"}
    assert _offered(s.head, registered) == {"assign", "drop"}
    assert _offered(s.province_head, registered) == {"assign"}
    assert _offered(s.officer2, registered) == set()

    notified = make_case(s, status="notified")
    assert _offered(s.admin, notified) == {"defend"}
    assert _offered(s.officer, notified) == {"add_party", "add_evidence", "record_waiver"}
    assert _offered(s.head, notified) == {"assign", "drop"}
    pass_deadline(notified)
    assert _offered(s.admin, notified) == set()
    assert _offered(s.head, notified) == {"assign", "drop", "decide"}

    decided = make_case(s, status="decided", measures=("interview", "rectification"))
    assert _offered(s.officer, decided) == {"add_evidence", "execute"}
    assert _offered(s.admin, decided) == {"appeal"}
    assert _offered(s.other_admin, decided) == set()
    appeals.appeal_lodge(case=decided, grounds="不服。", by=s.admin)
    decided.refresh_from_db()
    assert "review" in _offered(s.province_head, decided) and "review" not in _offered(s.head, decided)
    assert _offered(s.admin, decided) == set()

    done = make_case(s, status="decided", measures=())
    assert "close" in _offered(s.officer, done)
