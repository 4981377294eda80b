"""Appeals (SUP-3, SUP-4): only the institution the decision is addressed to, within the appeal period, once per
decision; a head of the nearest department above reviews: upheld (the case returns), quashed (measures revoked,
credit restored, the order cancelled, the case closed) or sent back (the same, and a new notice round).
Refusals give their message and save nothing."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Appeal, Case, CaseMeasure, CaseRectification, Decision, Notice
from apps.cases.services import appeals as services
from apps.cases.services import notice
from apps.core import errors
from apps.institutions.models import CreditEvent
from apps.notifications.models import Notification
from tests.cases.factories import make_case
from tests.conftest import make_user
from tests.factories import department

from .test_opening_helpers import decide, letters, media, pass_deadline, pdf, s, score, snapshot, stored_files

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures

THIRD_PARTY = "Only the institution the decision is addressed to may appeal."


def _lodge(s, case, by=None, **overrides):
    values = {"grounds": "事实认定有误，请求撤销。"}
    values.update(overrides)
    return services.appeal_lodge(case=case, by=by or s.admin, **values)


def test_sup4_the_reviewing_department_is_the_nearest_above(s):
    case = make_case(s)
    assert services.reviewing_department_for(case) == s.province
    Case.objects.filter(pk=case.pk).update(department=s.province)
    case.refresh_from_db()
    assert services.reviewing_department_for(case) == s.national
    Case.objects.filter(pk=case.pk).update(department=s.national)
    case.refresh_from_db()
    assert services.reviewing_department_for(case) == s.national  # nothing above: it reviews its own
    county = department("350102", "county", "福州市鼓楼区卫生健康局")
    Case.objects.filter(pk=case.pk).update(department=county)
    case.refresh_from_db()
    assert services.reviewing_department_for(case) == s.city


def test_sup3_the_institution_appeals_and_the_case_reopens(s, media, django_capture_on_commit_callbacks):
    case = make_case(s, status="decided")
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _lodge(s, case, files=[pdf()])
    case.refresh_from_db()
    assert (appeal.status, appeal.reviewing_department, appeal.case_status_before, appeal.lodged_by) == (
        "lodged", s.province, "decided", s.admin)
    assert case.status == Case.Status.UNDER_REVIEW
    assert list(appeal.documents.values_list("kind", flat=True)) == ["appeal"] and len(stored_files(media)) == 1
    assert Notification.objects.filter(recipient=s.province_head, title__contains="Appeal against").exists()


def test_sup3_a_third_party_cannot_appeal_a_disclosed_decision(s):
    case = make_case(s, status="decided", disclosed=True)
    before = snapshot()
    with pytest.raises(errors.PermissionDenied) as caught:
        _lodge(s, case, by=s.other_admin)
    assert str(caught.value) == THIRD_PARTY
    with pytest.raises(errors.PermissionDenied) as caught:
        _lodge(s, case, by=s.officer)  # a department sees the case but does not appeal
    assert str(caught.value) == THIRD_PARTY
    with pytest.raises(errors.PermissionDenied) as caught:
        _lodge(s, case, by=s.security_officer)  # its own people without defend_case
    assert str(caught.value) == THIRD_PARTY
    assert snapshot() == before


def test_sup3_a_third_party_does_not_even_see_an_undisclosed_decision(s):
    case = make_case(s, status="decided")
    before = snapshot()
    with pytest.raises(errors.NotFound):
        _lodge(s, case, by=s.other_admin)
    assert snapshot() == before


def test_sup3_an_appeal_after_the_appeal_period_is_refused(s):
    case = make_case(s, status="decided")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Decision.objects.filter(case=case).update(appeal_until=yesterday)
    decision = case.decisions.get()
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        _lodge(s, case)
    assert str(caught.value) == f"The appeal period of decision {decision.number} ended on {yesterday.isoformat()}."
    assert snapshot() == before


def test_sup3_a_decision_is_appealed_once_and_again_after_a_withdrawal(s):
    case = make_case(s, status="decided")
    with pytest.raises(errors.ValidationFailed) as caught:
        _lodge(s, case, grounds=" ")
    assert caught.value.field_errors == {"grounds": ["State the grounds of the appeal."]}
    appeal = _lodge(s, case)
    with pytest.raises(errors.PermissionDenied) as caught:
        services.appeal_withdraw(appeal=appeal, by=s.officer)
    assert str(caught.value) == "Only the institution that appealed may withdraw the appeal."
    services.appeal_withdraw(appeal=appeal, by=s.admin)
    case.refresh_from_db()
    assert case.status == Case.Status.DECIDED
    second = _lodge(s, case)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        _lodge(s, case)  # the case is under review
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DECIDED)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        _lodge(s, case)
    assert str(caught.value) == f"Decision {case.decisions.get().number} has already been appealed."
    assert Appeal.objects.filter(case=case).count() == 2 and second.status == "lodged"


def test_sup4_only_a_head_of_the_reviewing_department_decides_the_appeal(s):
    case = make_case(s, status="decided")
    appeal = _lodge(s, case)
    before = snapshot()
    with pytest.raises(errors.PermissionDenied) as caught:
        services.appeal_decide(appeal=appeal, outcome="quashed", reasons="理由", by=s.head)
    assert str(caught.value) == ("Only a head of 福建省卫生健康委员会, the reviewing department, may decide this "
                                 "appeal.")
    with pytest.raises(errors.PermissionDenied):
        services.appeal_decide(appeal=appeal, outcome="quashed", reasons="理由", by=s.admin)
    with pytest.raises(errors.PermissionDenied):
        services.appeal_decide(appeal=appeal, outcome="quashed", reasons="理由", by=s.province_officer)
    with pytest.raises(errors.NotFound):
        services.appeal_decide(appeal=appeal, outcome="quashed", reasons="理由", by=s.other_city_head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.appeal_decide(appeal=appeal, outcome="annulled", reasons="", by=s.province_head)
    assert caught.value.field_errors == {"outcome": ["Choose the outcome: upheld, quashed or sent back."],
                                         "reasons": ["Give the reasons of the review."]}
    assert snapshot() == before


def test_sup4_an_upheld_decision_returns_the_case_where_it_was(s):
    case = make_case(s, status="decided")
    appeal = services.appeal_decide(appeal=_lodge(s, case), outcome="upheld", reasons="事实清楚。", by=s.province_head)
    case.refresh_from_db()
    assert (appeal.status, appeal.decided_by, case.status) == ("upheld", s.province_head, "decided")
    assert case.decisions.get().status == "in_force" and case.measures.get().execution == "pending"
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.appeal_decide(appeal=appeal, outcome="quashed", reasons="再审", by=s.province_head)
    assert str(caught.value) == "This appeal has already been dealt with (decision upheld)."
    closed = make_case(s, status="decided")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    services.appeal_decide(appeal=_lodge(s, closed), outcome="upheld", reasons="维持。", by=s.province_head)
    closed.refresh_from_db()
    assert closed.status == Case.Status.CLOSED


def _decided_through_services(s, *, measures=None):
    case = make_case(s, status="notified")
    pass_deadline(case)
    decision = decide(s, case, measures=measures or [
        {"kind": "interview"},
        {"kind": "rectification", "deadline": timezone.localdate() + datetime.timedelta(days=30)}])
    return case, decision


def test_ins3_a_quashed_decision_restores_credit_and_cancels_the_order(s, letters):
    base = score(s.institution)
    case, decision = _decided_through_services(s)
    assert score(s.institution) == base - 5 - 8
    services.appeal_decide(appeal=_lodge(s, case), outcome="quashed", reasons="证据不足，撤销原决定。",
                           by=s.province_head)
    case.refresh_from_db()
    decision.refresh_from_db()
    assert (case.status, decision.status, case.closing_note) == ("closed", "quashed", "证据不足，撤销原决定。")
    assert set(CaseMeasure.objects.filter(decision=decision).values_list("execution", flat=True)) == {"revoked"}
    assert set(CreditEvent.objects.filter(institution=s.institution).values_list("status", flat=True)) == {
        "withdrawn"}
    assert score(s.institution) == base
    assert CaseRectification.objects.get(case=case).status == "cancelled"


def test_sup3_a_remitted_case_goes_back_for_a_second_notice_round(s, letters):
    base = score(s.institution)
    case, decision = _decided_through_services(s, measures=[{"kind": "admonition"}])
    services.appeal_decide(appeal=_lodge(s, case), outcome="remitted", reasons="程序瑕疵，发回重新告知。",
                           by=s.province_head)
    case.refresh_from_db()
    decision.refresh_from_db()
    assert (case.status, decision.status, case.decided_at) == ("investigating", "remitted", None)
    assert notice.defence_period_state(case).notice is None  # the first round is over
    assert score(s.institution) == base
    second = notice.notice_issue(case=case, facts="重新认定的事实。", articles=["M.18"], severity="serious",
                                 proposed_measures=[{"measure": "interview"}], by=s.officer)
    assert second.round == 2
    assert list(Notice.objects.filter(case=case).order_by("round").values_list("round", "is_current")) == [
        (1, False), (2, True)]
    notice.defence_submit(case=case, statement="", waives_period=True, by=s.admin)
    again = decide(s, case)
    assert (again.notice, again.status) == (second, "in_force")
    assert case.decisions.filter(status="in_force").get() == again
    assert score(s.institution) == base - 5  # only the new interview counts


def test_sup4_the_city_reviews_the_decisions_of_a_county_department(s):
    county = department("350102", "county", "福州市鼓楼区卫生健康局")
    case = make_case(s, status="decided")
    Case.objects.filter(pk=case.pk).update(department=county)
    appeal = _lodge(s, case)
    assert appeal.reviewing_department == s.city
    city_head = make_user(s.city, "department_head")
    assert services.appeal_decide(appeal=appeal, outcome="upheld", reasons="维持", by=city_head).status == "upheld"
