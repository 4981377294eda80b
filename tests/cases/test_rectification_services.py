"""Rectification ordered by a case decision (SUP-3, INS-3): issued with the decision, answered by the
institution's own people with a report and checked files, accepted (the measure executed, credit once) or
returned by an officer of the case or a head of the handling department, cancelled when the decision falls
on appeal. Every refusal saves nothing."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation

from apps.cases.ladder import ARTICLES
from apps.cases.models import (
    Case,
    CaseDocument,
    CaseMeasure,
    CaseOfficer,
    CaseRectification,
    RectificationReport,
)
from apps.cases.services import rectification as services
from apps.core import errors
from apps.institutions.models import CreditEvent
from apps.notifications.models import Notification
from apps.workdays.services import add_working_days
from tests.cases.factories import make_case, scene
from tests.conftest import make_user
from tests.inspections import record_helpers
from tests.inspections.record_helpers import exe_as_png, no_broker, pdf, png, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture


@pytest.fixture
def s(db, monkeypatch):
    no_broker(monkeypatch)
    return scene()


def issue(s, *, deadline_days: int = 20, details: str = "", case=None) -> CaseRectification:
    """A decided case of `s` with an interview and an ordered rectification, and the order issued."""
    case = case or make_case(s, status="decided", measures=("interview", "rectification"))
    measure = case.measures.get(kind="rectification")
    CaseMeasure.objects.filter(pk=measure.pk).update(
        deadline=timezone.localdate() + datetime.timedelta(days=deadline_days), details=details)
    measure.refresh_from_db()
    return services.rectification_issue(measure=measure, by=s.head)


def issue_for_other_institution(s) -> CaseRectification:
    case = make_case(s, status="decided", measures=("rectification",))
    Case.objects.filter(pk=case.pk).update(institution=s.other_institution)
    case.refresh_from_db()
    return issue(s, case=case)


@pytest.fixture
def order(s):
    return issue(s)


def reload(row):
    row.refresh_from_db()
    return row


def triggers(s) -> list:
    return sorted(CreditEvent.objects.filter(institution=s.institution).values_list("rule__trigger", flat=True))


def told(order) -> set:
    return set(Notification.objects.filter(title__contains=order.number).values_list("recipient_id", flat=True))


# --- issue ----------------------------------------------------------------------------------------------------


def test_sup3_issue_numbers_the_order_after_the_decision_and_tells_the_institution(
        s, django_capture_on_commit_callbacks):
    case = make_case(s, status="decided", measures=("interview", "rectification"))
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(s, case=case, details="三十日内完成数据备份恢复演练。")
    decision = case.decisions.get()
    measure = case.measures.get(kind="rectification")
    assert order.number == f"{decision.number}-Z" and order.measure == measure
    assert order.requirement == "三十日内完成数据备份恢复演练。" and order.deadline == measure.deadline
    assert (order.status, order.institution, order.region_id) == ("issued", s.institution, s.institution.region_id)
    assert {s.admin.pk, s.security_officer.pk, s.top_leader.pk} <= told(order)
    assert s.steward.pk not in told(order) and s.other_admin.pk not in told(order)
    assert order.history.first().history_user == s.head


def test_sup3_default_requirement_names_the_articles_in_the_portal_language(s):
    order = issue(s)
    with translation.override(settings.LANGUAGE_CODE):
        article = str(ARTICLES["M.18"])
    assert article in order.requirement and order.measure.decision.number in order.requirement


def test_sup3_only_an_ordered_rectification_with_a_deadline_is_issued(s):
    case = make_case(s, status="decided", measures=("interview", "rectification"))
    with pytest.raises(errors.ValidationFailed):
        services.rectification_issue(measure=case.measures.get(kind="interview"), by=s.head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.rectification_issue(measure=case.measures.get(kind="rectification"), by=s.head)
    assert caught.value.field_errors["deadline"] == ["Set the deadline of the rectification."]
    assert not CaseRectification.objects.exists()


# --- respond --------------------------------------------------------------------------------------------------


def test_sup3_institution_reports_with_files_and_the_officers_are_told(
        s, order, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.rectification_respond(rectification=order, report="已完成备份恢复演练。",
                                                files=[pdf(), png()], by=s.security_officer)
    assert reload(order).status == "submitted" and report.round == 1 and report.verdict == "pending"
    documents = CaseDocument.objects.filter(rectification_report=report)
    assert sorted(documents.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    assert set(documents.values_list("kind", "case_id")) == {("rectification", order.case_id)}
    assert len(stored_files(media)) == 2
    assert s.officer.pk in told(order) and s.officer2.pk not in told(order)


@pytest.mark.parametrize("who, refusal", [
    ("other_admin", errors.NotFound),  # a third-party institution does not even see the order
    ("steward", errors.NotFound),  # a data steward of the institution reads no case rectification
    ("top_leader", errors.PermissionDenied),  # reads it, does not answer it
    ("officer", errors.PermissionDenied),  # the department verifies, it does not report
    ("other_city_head", errors.NotFound),
])
def test_sup3_only_the_institutions_answering_people_report(s, order, who, refusal):
    with pytest.raises(refusal) as caught:
        services.rectification_respond(rectification=order, report="已整改", by=getattr(s, who))
    if refusal is errors.PermissionDenied and who == "top_leader":
        assert str(caught.value.message) == ("Only the institution's people who answer rectification orders may "
                                             "report on this order.")
    assert not RectificationReport.objects.exists() and reload(order).status == "issued"


def test_sup3_report_text_is_required_and_nothing_is_saved(s, order, media):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.rectification_respond(rectification=order, report="  ", files=[pdf()], by=s.admin)
    assert caught.value.field_errors["report"] == ["Describe the rectification done and how it was checked."]
    assert not RectificationReport.objects.exists() and not CaseDocument.objects.exists()
    assert stored_files(media) == []


def test_sup3_a_file_of_a_forbidden_type_refuses_the_whole_report(s, order, media):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.rectification_respond(rectification=order, report="已整改", files=[pdf(), exe_as_png()], by=s.admin)
    assert any("virus.png" in message for message in caught.value.field_errors["files"])
    assert not RectificationReport.objects.exists() and not CaseDocument.objects.exists()
    assert stored_files(media) == [] and reload(order).status == "issued"


def test_sup3_a_submitted_or_accepted_order_is_not_answered_again(s, order):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    with pytest.raises(errors.TransitionNotAllowed):
        services.rectification_respond(rectification=order, report="再次", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.officer)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.rectification_respond(rectification=order, report="再次", by=s.admin)
    assert "cannot go from “accepted” to “submitted”" in str(caught.value.message)
    assert RectificationReport.objects.count() == 1


# --- verify ---------------------------------------------------------------------------------------------------


def test_ins3_accepting_a_timely_report_executes_the_measure_and_raises_timely(s, order):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, comment="演练记录完整。", by=s.officer)
    order = reload(order)
    assert order.status == "accepted" and order.accepted_at is not None
    measure = CaseMeasure.objects.get(pk=order.measure_id)
    assert (measure.execution, measure.executed_by) == ("executed", s.officer) and measure.executed_at
    assert order.number in measure.execution_note and "演练记录完整。" in measure.execution_note
    assert RectificationReport.objects.get().verdict == "accepted"
    assert triggers(s) == ["rectification.timely"]
    event = CreditEvent.objects.get()
    assert (event.source_type, event.source_id) == ("cases.caserectification", str(order.pk))
    # The interview of the same decision is untouched.
    assert CaseMeasure.objects.get(decision=measure.decision, kind="interview").execution == "pending"


def test_ins3_accepting_twice_is_refused_and_credit_is_raised_once(s, order):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.officer)
    with pytest.raises(errors.TransitionNotAllowed):
        services.rectification_verify(rectification=order, accept=True, by=s.head)
    assert triggers(s) == ["rectification.timely"]
    assert CaseMeasure.objects.get(pk=order.measure_id).executed_by == s.officer


def test_ins3_accepting_a_late_report_raises_late(s):
    order = issue(s, deadline_days=-2)
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.officer)
    assert triggers(s) == ["rectification.late"]


def test_ins3_an_escalated_order_raises_no_second_event_on_acceptance(s):
    order = issue(s, deadline_days=-3)
    assert services.rectifications_escalate_overdue() == 1
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.officer)
    assert triggers(s) == ["rectification.missing"]
    assert CaseMeasure.objects.get(pk=order.measure_id).execution == "executed"


def test_sup3_returning_needs_a_comment_and_the_institution_answers_again(s, order):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.rectification_verify(rectification=order, accept=False, comment=" ", by=s.officer)
    assert caught.value.field_errors["comment"] == ["Say what is still missing before returning the report."]
    assert reload(order).status == "submitted" and RectificationReport.objects.get().verdict == "pending"
    services.rectification_verify(rectification=order, accept=False, comment="缺少演练记录", by=s.officer)
    assert reload(order).status == "returned"
    assert CaseMeasure.objects.get(pk=order.measure_id).execution == "pending"
    services.rectification_respond(rectification=order, report="补充演练记录", by=s.admin)
    assert list(order.reports.values_list("round", "verdict")) == [(1, "returned"), (2, "pending")]
    assert not CreditEvent.objects.exists()


@pytest.mark.parametrize("who, refusal", [
    ("officer2", errors.PermissionDenied),  # a case officer of the department not assigned to the case
    ("admin", errors.PermissionDenied),  # the institution itself
    ("province_head", errors.PermissionDenied),  # a head above, not of the handling department
    ("other_city_head", errors.NotFound),  # outside the jurisdiction
    ("inspector", errors.PermissionDenied),
])
def test_sup3_verifiers_are_the_case_officers_or_a_head_of_the_handling_department(s, order, who, refusal):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    with pytest.raises(refusal) as caught:
        services.rectification_verify(rectification=order, accept=True, by=getattr(s, who))
    if refusal is errors.PermissionDenied:
        assert str(caught.value.message) == ("Only an officer of the case or a head of the handling department "
                                             "may verify this rectification.")
    assert reload(order).status == "submitted" and not CreditEvent.objects.exists()
    assert CaseMeasure.objects.get(pk=order.measure_id).execution == "pending"


def test_sup3_a_head_of_the_handling_department_verifies(s, order):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.head)
    assert reload(order).status == "accepted"


def test_sup3_only_a_submitted_order_is_verified(s, order):
    with pytest.raises(errors.TransitionNotAllowed):
        services.rectification_verify(rectification=order, accept=True, by=s.officer)
    assert reload(order).status == "issued"


def test_sup3_a_report_sent_in_time_and_returned_close_to_the_deadline_gets_ten_working_days(s):
    order = issue(s, deadline_days=2)
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=False, comment="缺少演练记录", by=s.officer)
    floor = add_working_days(timezone.localdate(), services.RETURN_WORKING_DAYS)
    assert reload(order).deadline == floor
    assert "deadline" in order.history.first().history_change_reason


def test_sup3_a_late_report_returned_keeps_its_deadline(s):
    order = issue(s, deadline_days=-3)
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=False, comment="缺少演练记录", by=s.officer)
    assert reload(order).deadline == timezone.localdate() - datetime.timedelta(days=3)


def test_sup3_a_return_well_before_the_deadline_keeps_it(s):
    order = issue(s, deadline_days=60)
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=False, comment="缺少演练记录", by=s.officer)
    assert reload(order).deadline == timezone.localdate() + datetime.timedelta(days=60)


# --- cancel ---------------------------------------------------------------------------------------------------


def test_sup4_the_reviewing_head_cancels_an_open_order_and_its_credit_is_withdrawn(
        s, django_capture_on_commit_callbacks):
    order = issue(s, deadline_days=-3)
    services.rectifications_escalate_overdue()
    assert triggers(s) == ["rectification.missing"]
    with django_capture_on_commit_callbacks(execute=True):
        services.rectification_cancel(rectification=order, reason="复议撤销原决定", by=s.province_head)
    assert reload(order).status == "cancelled"
    assert list(CreditEvent.objects.values_list("status", flat=True)) == ["withdrawn"]
    assert {s.admin.pk, s.officer.pk} <= told(order)
    assert services.rectifications_escalate_overdue(timezone.localdate() + datetime.timedelta(days=40)) == 0


def test_sup4_cancel_needs_review_permission_a_reason_and_an_open_order(s, order):
    with pytest.raises(errors.PermissionDenied):
        services.rectification_cancel(rectification=order, reason="x", by=s.officer)
    with pytest.raises(errors.NotFound):
        services.rectification_cancel(rectification=order, reason="x", by=s.other_city_head)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.rectification_cancel(rectification=order, reason=" ", by=s.province_head)
    assert caught.value.field_errors["reason"] == ["Give the reason for cancelling the order."]
    assert reload(order).status == "issued"
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.officer)
    with pytest.raises(errors.TransitionNotAllowed):
        services.rectification_cancel(rectification=order, reason="复议撤销", by=s.province_head)
    assert reload(order).status == "accepted" and triggers(s) == ["rectification.timely"]


# --- who reads ------------------------------------------------------------------------------------------------


def test_sup3_visibility_jurisdiction_institution_and_the_cases_officers(s, order):
    outside_officer = make_user(s.other_city, "case_officer")
    assert not services.rectifications_visible(outside_officer).exists()
    CaseOfficer.objects.create(case=order.case, user=outside_officer, assigned_by=s.head)
    assert list(services.rectifications_visible(outside_officer)) == [order]
    for user in (s.officer2, s.head, s.province_head, s.national_head, s.admin, s.top_leader):
        assert list(services.rectifications_visible(user)) == [order], user
    for user in (s.other_admin, s.steward, s.other_city_head):
        assert not services.rectifications_visible(user).exists(), user
    other = issue_for_other_institution(s)
    assert list(services.rectifications_visible(s.other_admin)) == [other]
    assert list(services.rectifications_visible(s.admin)) == [order]


def test_sup3_rows_filter_open_overdue_level_and_search(s, order):
    late = issue(s, deadline_days=-8)
    services.rectifications_escalate_overdue()
    rows = services.rectification_rows
    assert list(rows(s.head, {})) == [late, order]
    assert list(rows(s.head, {"overdue": "1"})) == [late]
    assert list(rows(s.head, {"level": "2"})) == [late]
    assert list(rows(s.head, {"status": "submitted"})) == []
    assert list(rows(s.head, {"q": order.case.number})) == [order]
    assert list(rows(s.head, {"q": s.institution.name[:4], "open": "1"})) == [late, order]
    assert list(rows(s.admin, {}, institution_id=s.other_institution.pk)) == []
