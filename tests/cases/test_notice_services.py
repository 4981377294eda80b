"""The notice of proposed measures (SUP-3): officers only, from the investigation; measures of the Article 40
ladder within the severity; the defence due in 10 working days by default, never fewer than 5; the
institution sees its case and is told. Every refusal saves nothing."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Case, Notice
from apps.cases.selectors import cases_visible
from apps.cases.services import notice as services
from apps.core import errors
from apps.notifications.models import Notification
from apps.workdays.services import add_working_days
from tests.cases.factories import make_case

from .test_opening_helpers import s, snapshot

pytestmark = pytest.mark.django_db
__all__ = ["s"]  # fixture

LADDER_TEXT = ("“Regulatory interview”, “Ordered rectification with a deadline”, “Admonition”, “Circulated notice of "
               "criticism”, “Disciplinary sanction or its proposal”, “Transfer to judicial organs”")


def _notify(s, case, **overrides):
    values = {"facts": "未按规定备份重要数据。", "articles": ["M.18"], "severity": "serious",
              "proposed_measures": [{"measure": "admonition", "details": "予以告诫"},
                                    {"measure": "interview", "details": "约谈院长"}]}
    values.update(overrides)
    return services.notice_issue(case=case, by=s.officer, **values)


def test_sup3_the_notice_opens_the_case_to_the_institution_with_ten_working_days(
        s, django_capture_on_commit_callbacks):
    case = make_case(s, status="investigating")
    assert not cases_visible(s.admin).filter(pk=case.pk).exists()  # the investigation is not disclosed
    with django_capture_on_commit_callbacks(execute=True):
        notice = _notify(s, case)
    case.refresh_from_db()
    assert (case.status, case.notified_at is not None) == (Case.Status.NOTIFIED, True)
    assert notice.defence_deadline == add_working_days(timezone.localdate(), 10)
    assert (notice.round, notice.is_current, notice.issued_by) == (1, True, s.officer)
    assert [row["measure"] for row in notice.proposed_measures] == ["interview", "admonition"]  # ladder order
    assert cases_visible(s.admin).filter(pk=case.pk).exists()
    assert not cases_visible(s.other_admin).filter(pk=case.pk).exists()
    assert Notification.objects.filter(recipient=s.admin, title__contains=case.number).exists()


def test_sup3_a_deadline_of_fewer_than_five_working_days_is_refused(s):
    case = make_case(s, status="investigating")
    earliest = add_working_days(timezone.localdate(), 5)
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        _notify(s, case, defence_deadline=earliest - datetime.timedelta(days=1))
    assert caught.value.field_errors["defence_deadline"] == [
        f"The institution must have at least 5 working days for its defence: choose {earliest.isoformat()} or later."]
    with pytest.raises(errors.ValidationFailed) as caught:
        _notify(s, case, defence_deadline="31/12")
    assert caught.value.field_errors["defence_deadline"] == ["“31/12” is not a date."]
    assert snapshot() == before
    assert _notify(s, case, defence_deadline=earliest.isoformat()).defence_deadline == earliest


def test_sup3_a_fine_is_not_a_measure_of_article_40(s):
    case = make_case(s, status="investigating")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        _notify(s, case, proposed_measures=[{"measure": "fine", "details": "罚款五万元"}])
    assert caught.value.field_errors["proposed_measures"] == [
        f"“fine” is not a measure of Article 40; choose from the ladder: {LADDER_TEXT}."]
    assert snapshot() == before


def test_sup3_a_measure_above_the_severity_is_refused(s):
    case = make_case(s, status="investigating")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        _notify(s, case, severity="minor", proposed_measures=[{"measure": "criticism"}])
    assert caught.value.field_errors["proposed_measures"] == [
        "“Circulated notice of criticism” goes beyond what a minor violation allows (at most “Regulatory "
        "interview”, “Ordered rectification with a deadline”, “Admonition”)."]
    with pytest.raises(errors.ValidationFailed) as caught:
        _notify(s, case, severity="grave", proposed_measures=[{"measure": "judicial"}])
    assert caught.value.field_errors["proposed_measures"] == [
        "A transfer to judicial organs needs the finding that the act is suspected to be illegal."]
    assert snapshot() == before


def test_sup3_the_notice_needs_facts_articles_and_measures(s):
    case = make_case(s, status="investigating")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        _notify(s, case, facts="\x00", articles=["Art. 99"], proposed_measures=[])
    assert caught.value.field_errors == {
        "facts": ["State the facts as notified to the institution."],
        "articles": ["“Art. 99” is not an article of the Measures a case can hold violated."],
        "proposed_measures": ["Choose at least one measure."]}
    assert snapshot() == before


def test_sup3_only_the_assigned_officers_notify_and_only_from_the_investigation(s):
    registered = make_case(s)
    with pytest.raises(errors.TransitionNotAllowed):
        _notify(s, registered)
    case = make_case(s, status="investigating")
    with pytest.raises(errors.PermissionDenied):
        services.notice_issue(case=case, facts="x", articles=["M.18"], severity="minor",
                              proposed_measures=[{"measure": "interview"}], by=s.head)  # not assigned
    with pytest.raises(errors.NotFound):
        services.notice_issue(case=case, facts="x", articles=["M.18"], severity="minor",
                              proposed_measures=[{"measure": "interview"}], by=s.admin)
    assert not Notice.objects.filter(case__in=[registered, case]).exists()


def test_sup3_the_defence_period_state_reads_the_current_notice(s):
    case = make_case(s, status="investigating")
    state = services.defence_period_state(case)
    assert (state.notice, state.may_decide) == (None, False)
    assert state.blocking_reason == "The institution has not been notified of the proposed measures."
    notice = _notify(s, case)
    state = services.defence_period_state(case)
    assert (state.notice, state.deadline, state.passed, state.waived, state.hearing_pending, state.may_decide) == (
        notice, notice.defence_deadline, False, False, False, False)
    assert state.blocking_reason == (
        f"The defence period runs until {notice.defence_deadline.isoformat()}: decide after it has passed, or "
        "earlier only if the institution waives the rest of it in writing.")
