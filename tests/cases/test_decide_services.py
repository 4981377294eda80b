"""The decision (SUP-3, SUP-5, INS-3): a head of the handling department decides once the institution has been
heard; measures from the Article 40 ladder within the severity; number, verification code, appeal period;
credit events and the rectification order at once; the letter asked for. Each refusal gives its message and
saves nothing."""

import datetime
import re

import pytest
from django.utils import timezone

from apps.cases.models import Case, CaseMeasure, CaseParty, CaseRectification, Decision
from apps.cases.services import decisions as services
from apps.cases.services import notice
from apps.core import errors
from apps.institutions.models import CreditEvent
from apps.notifications.models import Notification
from tests.cases.factories import make_case

from .test_opening_helpers import REASONING, decide, letters, media, pass_deadline, pdf, s, score, snapshot

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures


@pytest.fixture
def heard(s):
    """A notified serious case whose defence period has passed without a defence."""
    case = make_case(s, status="notified")
    pass_deadline(case)
    return case


def _tomorrow_plus(days=30):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_sup3_the_head_decides_with_number_code_appeal_period_credit_and_letter(
        s, heard, letters, django_capture_on_commit_callbacks):
    before_score = score(s.institution)
    with django_capture_on_commit_callbacks(execute=True):
        decision = decide(s, heard, measures=[
            {"kind": "rectification", "details": "三十日内完成异地备份", "deadline": _tomorrow_plus()},
            {"kind": "interview", "details": "约谈院长"}])
    heard.refresh_from_db()
    today = timezone.localdate()
    assert re.fullmatch(rf"JD{today.year}-350100-\d{{4}}", decision.number)
    assert len(decision.verification_code) == 16 and decision.appeal_until == today + datetime.timedelta(days=60)
    assert (decision.department, decision.decided_by, decision.notice) == (s.city, s.head, heard.notices.get())
    assert (heard.status, heard.decided_at is not None) == (Case.Status.DECIDED, True)
    measures = {m.kind: m for m in decision.measures.all()}
    assert set(measures) == {"interview", "rectification"}
    events = {event.rule.trigger: event for event in CreditEvent.objects.filter(institution=s.institution)}
    assert set(events) == {"sanction.interview", "sanction.rectification"}
    assert {measures[kind].credit_event_id for kind in measures} == {events[f"sanction.{k}"].pk for k in measures}
    assert score(s.institution) == before_score - 5 - 8  # the default rules' points
    order = CaseRectification.objects.get(measure=measures["rectification"])
    assert (order.deadline, order.institution_id) == (_tomorrow_plus(), s.institution.pk)
    assert letters == [decision.pk]
    assert Notification.objects.filter(recipient=s.admin, title__contains=decision.number).exists()
    assert decision.suspension_proposal == ""


def test_sup3_a_decision_before_the_defence_period_passed_is_refused(s, letters):
    case = make_case(s, status="notified", deadline_days=3)
    deadline = case.notices.get().defence_deadline
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        decide(s, case)
    assert str(caught.value) == (
        f"The defence period runs until {deadline.isoformat()}: decide after it has passed, or earlier only if the "
        "institution waives the rest of it in writing.")
    assert snapshot() == before and letters == []


def test_sup3_a_waiver_in_the_portal_lets_the_head_decide_before_the_deadline(s, letters):
    case = make_case(s, status="notified", deadline_days=5)
    notice.defence_submit(case=case, statement="", waives_period=True, by=s.admin)
    assert decide(s, case).status == Decision.Status.IN_FORCE


def test_sup3_a_waiver_on_paper_lets_the_head_decide_before_the_deadline(s, letters, media):
    case = make_case(s, status="notified", deadline_days=5)
    notice.waiver_record(case=case, files=[pdf()], note="书面放弃申辩期", by=s.officer)
    assert decide(s, case).status == Decision.Status.IN_FORCE


def test_sup3_a_measure_not_on_the_ladder_is_refused(s, heard, letters):
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        decide(s, heard, measures=[{"kind": "fine", "details": "罚款五万元"}, {"kind": "interview"}])
    assert caught.value.field_errors == {"measures": [
        "“fine” is not a measure of Article 40; choose from the ladder: “Regulatory interview”, “Ordered "
        "rectification with a deadline”, “Admonition”, “Circulated notice of criticism”, “Disciplinary sanction or "
        "its proposal”, “Transfer to judicial organs”."]}
    assert snapshot() == before and letters == []


def test_sup3_a_measure_above_the_severity_is_refused(s, letters):
    case = make_case(s, status="notified", severity="minor")
    pass_deadline(case)
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        decide(s, case, measures=[{"kind": "criticism"}])
    assert caught.value.field_errors == {"measures": [
        "“Circulated notice of criticism” goes beyond what a minor violation allows (at most “Regulatory "
        "interview”, “Ordered rectification with a deadline”, “Admonition”)."]}
    assert snapshot() == before


def test_sup3_a_judicial_transfer_needs_a_suspected_illegal_act(s, letters):
    case = make_case(s, status="notified", severity="grave")
    pass_deadline(case)
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        decide(s, case, measures=[{"kind": "judicial", "judicial_organ": "福州市公安局"}])
    assert caught.value.field_errors == {"measures": [
        "A transfer to judicial organs needs the finding that the act is suspected to be illegal."]}
    assert snapshot() == before


def test_sup4_a_head_of_another_department_does_not_decide(s, heard, letters):
    before = snapshot()
    with pytest.raises(errors.PermissionDenied) as caught:
        decide(s, heard, by=s.province_head)
    assert str(caught.value) == (
        f"Only a head of 福州市卫生健康委员会, the department handling case {heard.number}, may decide it; a higher "
        "department reviews the decision on appeal.")
    with pytest.raises(errors.NotFound):
        decide(s, heard, by=s.other_city_head)
    with pytest.raises(errors.PermissionDenied):
        decide(s, heard, by=s.officer)  # an officer handles, a head decides
    with pytest.raises(errors.PermissionDenied):
        decide(s, heard, by=s.admin)
    assert snapshot() == before and letters == []


def test_sup3_a_defence_on_file_must_be_answered(s, letters):
    case = make_case(s, status="notified")
    notice.defence_submit(case=case, statement="我院已整改，请求从轻。", by=s.admin)
    pass_deadline(case)
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        decide(s, case, defence_answer=" ")
    assert caught.value.field_errors == {"defence_answer": [
        "The institution stated a defence: answer it in the decision."]}
    assert snapshot() == before
    assert decide(s, case, defence_answer="整改晚于发现时间，不予采纳。").defence_answer == "整改晚于发现时间，不予采纳。"


def test_sup3_disclosure_needs_a_public_summary_and_measures_their_particulars(s, heard, letters):
    party = CaseParty.objects.create(case=heard, name="王某", position="信息中心主任", added_by=s.officer)
    other_party = CaseParty.objects.create(case=make_case(s), name="外人", position="无关", added_by=s.officer)
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        decide(s, heard, disclosed=True, public_summary="", facts="", reasoning="", measures=[
            {"kind": "rectification", "deadline": timezone.localdate()},
            {"kind": "disciplinary", "party_ids": [other_party.pk]}])
    assert caught.value.field_errors == {
        "facts": ["State the facts established."], "reasoning": ["Give the reasons of the decision."],
        "measures": ["Ordered rectification with a deadline: set a deadline after today.",
                     "Disciplinary sanction or its proposal: choose the responsible persons of this case it concerns.",
                     "Disciplinary sanction or its proposal: name the body competent to sanction them."],
        "public_summary": ["Write the summary the public will read."]}
    assert snapshot() == before
    decision = decide(s, heard, disclosed=True, public_summary="责令整改并建议处分。", disclose_persons=True,
                      measures=[{"kind": "rectification", "deadline": _tomorrow_plus().isoformat()},
                                {"kind": "disciplinary", "party_ids": [str(party.pk)], "competent_body": "市卫健委",
                                 "is_proposal": True}])
    disciplinary = decision.measures.get(kind="disciplinary")
    assert list(disciplinary.parties.all()) == [party] and disciplinary.is_proposal
    assert (decision.disclosed, decision.disclose_persons, decision.reasoning) == (True, True, REASONING)


def test_sup3_drop_closes_a_case_without_measures(s, django_capture_on_commit_callbacks):
    case = make_case(s, status="notified")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.case_drop(case=case, reason="", by=s.head)
    assert caught.value.field_errors == {"reason": ["Say why the case is closed without measures."]}
    with pytest.raises(errors.PermissionDenied):
        services.case_drop(case=case, reason="不构成违法", by=s.officer)
    with django_capture_on_commit_callbacks(execute=True):
        dropped = services.case_drop(case=case, reason="经调查，备份已按规定落实。", by=s.head)
    assert (dropped.status, dropped.closing_note, dropped.closed_at is not None) == (
        "dropped", "经调查，备份已按规定落实。", True)
    assert Notification.objects.filter(recipient=s.admin, body="经调查，备份已按规定落实。").exists()
    with pytest.raises(errors.TransitionNotAllowed):
        services.case_drop(case=make_case(s, status="decided"), reason="x", by=s.head)
    assert not CaseMeasure.objects.filter(case=case).exists()
