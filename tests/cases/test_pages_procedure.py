"""Pages of the procedure (SUP-3, SUP-4, SUP-5): the notice with its default deadline, the institution's defence
(refused after the deadline), the written waiver (in the portal and on paper), the hearing, the decision
(refused before the defence period passed, or above the ladder), closing without measures, execution, closing,
the appeal (only the institution addressed) and its review. Each refusal shows a translated message and
saves nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cases.models import Appeal, Case, CaseMeasure, Decision, Defence, Hearing, Notice
from apps.cases.services import appeals as appeal_services
from apps.cases.services import notice as notice_services
from apps.workdays.services import add_working_days
from tests.cases.factories import make_case
from tests.conftest import login_verified

from .test_opening_helpers import letters, media, pass_deadline, pdf, s, snapshot, stored_files

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures


def url(name, *args):
    return reverse(f"cases:{name}", args=args)


def _as(client, user):
    client.logout()
    return login_verified(client, user)


def _notice_data(**overrides):
    data = {"facts": "未按规定备份重要数据。", "articles": ["M.18"], "severity": "serious",
            "measures": ["interview", "admonition"], "details_interview": "约谈院长", "details_admonition": "",
            "defence_deadline": ""}
    data.update(overrides)
    return data


def _decide_data(**overrides):
    data = {"facts": "经查属实。", "articles": ["M.18"], "severity": "serious", "reasoning": "违反第十八条。",
            "measures": ["interview"], "details_interview": "约谈院长", "defence_answer": ""}
    data.update(overrides)
    return data


# --- notice ------------------------------------------------------------------------------------------------


def test_sup3_notice_page_issues_the_notice_with_ten_working_days_by_default(client, s):
    case = make_case(s, status="investigating")
    _as(client, s.officer)
    page = client.get(url("notice", case.pk)).content.decode()
    default = add_working_days(timezone.localdate(), 10)
    assert f'value="{default.isoformat()}"' in page and 'name="details_judicial"' in page
    response = client.post(url("notice", case.pk), _notice_data())
    assert response.status_code == 302 and response["Location"] == url("detail", case.pk)
    notice = Notice.objects.get(case=case)
    assert notice.defence_deadline == default
    assert notice.proposed_measures == [{"measure": "interview", "details": "约谈院长"},
                                        {"measure": "admonition", "details": ""}]


def test_sup3_notice_page_refuses_a_measure_above_the_severity(client, s):
    case = make_case(s, status="investigating")
    _as(client, s.officer)
    before = snapshot()
    response = client.post(url("notice", case.pk), _notice_data(severity="minor", measures=["criticism"]))
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="measures-error"' in html
    assert "goes beyond what a minor violation allows" in html
    response = client.post(url("notice", case.pk), _notice_data(measures=[]))
    assert response.status_code == 400 and "Choose at least one measure." in response.content.decode()
    assert snapshot() == before


def test_sup3_notice_page_is_for_the_assigned_officers(client, s):
    case = make_case(s, status="investigating")
    _as(client, s.head)
    assert client.get(url("notice", case.pk)).status_code == 403
    assert client.post(url("notice", case.pk), _notice_data()).status_code == 403
    _as(client, s.other_admin)
    assert client.get(url("notice", case.pk)).status_code == 404
    assert not Notice.objects.exists()


# --- defence and waiver ------------------------------------------------------------------------------------


def test_sup3_defence_form_with_documents_and_a_request_to_be_heard(client, s, media):
    case = make_case(s, status="notified", deadline_days=6)
    _as(client, s.admin)
    page = client.get(url("defence", case.pk)).content.decode()
    assert 'data-testid="waiver-explanation"' in page and "6 days left." in page
    response = client.post(url("defence", case.pk), {"statement": "我们已整改完毕。", "hearing_requested": "on",
                                                     "files": [pdf()]})
    assert response.status_code == 302
    defence = Defence.objects.get(case=case)
    assert (defence.statement, defence.hearing_requested, defence.documents.count()) == ("我们已整改完毕。", True, 1)
    assert Hearing.objects.get(case=case).status == Hearing.Status.REQUESTED
    detail = client.get(url("detail", case.pk)).content.decode()
    assert 'data-testid="hearing-withdraw-form"' in detail


def test_sup3_defence_after_the_deadline_is_refused_with_the_reason(client, s, media):
    case = make_case(s, status="notified", deadline_days=-1)
    _as(client, s.admin)
    assert 'data-testid="period-passed"' in client.get(url("defence", case.pk)).content.decode()
    before = snapshot()
    response = client.post(url("defence", case.pk), {"statement": "迟到的陈述", "files": [pdf()]})
    html = response.content.decode()
    assert response.status_code == 400 and "The defence period ended on" in html
    assert snapshot() == before and stored_files(media) == []


def test_sup3_defence_form_is_the_institutions_own(client, s):
    case = make_case(s, status="notified")
    _as(client, s.officer)
    assert client.get(url("defence", case.pk)).status_code == 403
    _as(client, s.other_admin)
    assert client.get(url("defence", case.pk)).status_code == 404
    assert client.post(url("defence", case.pk), {"statement": "第三方"}).status_code == 404
    assert not Defence.objects.exists()


def test_sup3_waiver_in_the_portal_lets_the_head_decide_before_the_deadline(client, s, letters):
    case = make_case(s, status="notified", deadline_days=8)
    _as(client, s.head)
    html = client.get(url("detail", case.pk)).content.decode()
    assert 'data-testid="decide-blocked"' in html and "The defence period runs until" in html
    _as(client, s.admin)
    response = client.post(url("defence", case.pk), {"statement": "", "waives_period": "on"})
    assert response.status_code == 302 and Defence.objects.get(case=case).waives_period
    _as(client, s.head)
    html = client.get(url("detail", case.pk)).content.decode()
    assert 'data-testid="decide-link"' in html and 'data-testid="waived"' in html
    response = client.post(url("decide", case.pk), _decide_data())
    assert response.status_code == 302 and Decision.objects.filter(case=case).exists()


def test_sup3_officer_records_a_paper_waiver_with_the_signed_document(client, s, media):
    case = make_case(s, status="notified")
    _as(client, s.officer)
    before = snapshot()
    response = client.post(url("waiver_record", case.pk), {"note": "书面放弃"})
    assert response.status_code == 400 and "Attach the signed written waiver." in response.content.decode()
    assert snapshot() == before
    response = client.post(url("waiver_record", case.pk), {"note": "书面放弃", "files": [pdf("waiver.pdf")]})
    assert response.status_code == 302
    waiver = Defence.objects.get(case=case)
    assert (waiver.kind, waiver.recorded_on_paper, waiver.waives_period) == ("waiver", True, True)
    assert notice_services.defence_period_state(case).may_decide


# --- hearing -----------------------------------------------------------------------------------------------


def test_sup3_hearing_is_scheduled_and_recorded_by_officers(client, s, media):
    case = make_case(s, status="notified")
    notice_services.defence_submit(case=case, statement="请求听证", hearing_requested=True, by=s.admin)
    hearing = Hearing.objects.get(case=case)
    _as(client, s.officer)
    when = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    response = client.post(url("hearing", hearing.pk), {"action": "schedule", "scheduled_for": when, "place": ""})
    assert response.status_code == 400 and "Say where the hearing takes place." in response.content.decode()
    response = client.post(url("hearing", hearing.pk), {"action": "schedule", "scheduled_for": when,
                                                        "place": "市卫健委三楼会议室"})
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert (hearing.status, hearing.place) == ("scheduled", "市卫健委三楼会议室")
    response = client.post(url("hearing", hearing.pk), {"action": "record", "held": "yes", "minutes": "",
                                                        "files": [pdf()]})
    assert response.status_code == 400 and "Write the minutes of the hearing." in response.content.decode()
    response = client.post(url("hearing", hearing.pk), {"action": "record", "held": "yes", "minutes": "听取陈述"})
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert (hearing.status, hearing.minutes) == ("held", "听取陈述")
    _as(client, s.other_admin)
    assert client.get(url("hearing", hearing.pk)).status_code == 404


def test_sup3_institution_withdraws_its_request_to_be_heard(client, s):
    case = make_case(s, status="notified")
    notice_services.defence_submit(case=case, statement="请求听证", hearing_requested=True, by=s.admin)
    hearing = Hearing.objects.get(case=case)
    _as(client, s.officer)
    assert client.post(url("hearing_withdraw", hearing.pk)).status_code == 403  # only the institution may
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.REQUESTED
    _as(client, s.admin)
    assert 'data-testid="hearing-withdraw-form"' in client.get(url("hearing", hearing.pk)).content.decode()
    assert client.post(url("hearing_withdraw", hearing.pk)).status_code == 302
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.WITHDRAWN


# --- decision ----------------------------------------------------------------------------------------------


def test_sup3_decision_before_the_defence_period_passed_is_refused_and_saves_nothing(client, s, letters):
    case = make_case(s, status="notified", deadline_days=3)
    _as(client, s.head)
    page = client.get(url("decide", case.pk)).content.decode()
    assert 'data-testid="blocking-reason"' in page and "The defence period runs until" in page
    before = snapshot()
    response = client.post(url("decide", case.pk), _decide_data())
    assert response.status_code == 400 and "The defence period runs until" in response.content.decode()
    assert snapshot() == before and letters == []
    case.refresh_from_db()
    assert case.status == Case.Status.NOTIFIED


def test_sup3_decision_page_refuses_a_measure_above_the_severity_and_decides_within_it(client, s, letters):
    case = make_case(s, status="notified")
    pass_deadline(case)
    _as(client, s.head)
    page = client.get(url("decide", case.pk)).content.decode()
    assert 'data-testid="ladder"' in page and 'name="deadline_rectification"' in page
    before = snapshot()
    response = client.post(url("decide", case.pk), _decide_data(severity="minor", measures=["criticism"]))
    assert response.status_code == 400 and "goes beyond what a minor violation allows" in response.content.decode()
    response = client.post(url("decide", case.pk), _decide_data(measures=["rectification"]))
    assert response.status_code == 400 and "set a deadline after today" in response.content.decode()
    assert snapshot() == before
    deadline = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(url("decide", case.pk), _decide_data(
        measures=["interview", "rectification"], details_rectification="完成异地备份", deadline_rectification=deadline,
        disclosed="on", public_summary="未按规定备份重要数据。"))
    decision = Decision.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == url("decision_detail", decision.pk)
    assert sorted(decision.measures.values_list("kind", flat=True)) == ["interview", "rectification"]
    assert decision.disclosed and letters == [decision.pk]
    html = client.get(url("detail", case.pk)).content.decode()
    assert 'data-testid="rectification-link"' in html and 'data-testid="decision-link"' in html


def test_sup3_decision_is_the_handling_departments_head(client, s):
    case = make_case(s, status="notified")
    pass_deadline(case)
    for user, code in ((s.officer, 403), (s.province_head, 403), (s.other_city_head, 404)):
        _as(client, user)
        assert client.get(url("decide", case.pk)).status_code == code
        assert client.post(url("decide", case.pk), _decide_data()).status_code == code
    assert not Decision.objects.exists()


def test_sup3_head_closes_a_case_without_measures_with_reasons(client, s):
    case = make_case(s, status="investigating")
    _as(client, s.head)
    response = client.post(url("drop", case.pk), {"reason": ""})
    assert response.status_code == 400 and "Say why the case is closed without measures." in response.content.decode()
    assert client.post(url("drop", case.pk), {"reason": "证据不足"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.closing_note) == (Case.Status.DROPPED, "证据不足")


# --- execution and closing ---------------------------------------------------------------------------------


def test_sup3_officers_record_execution_then_close(client, s, media):
    case = make_case(s, status="decided", measures=("interview", "admonition"))
    interview, admonition = CaseMeasure.objects.filter(case=case).order_by("kind")[:2]
    _as(client, s.officer)
    assert 'data-testid="execute-interview"' in client.get(url("detail", case.pk)).content.decode()
    response = client.post(url("close", case.pk), {"note": ""})
    assert response.status_code == 400 and "still to be executed" in response.content.decode()
    response = client.post(url("measure_execute", interview.pk), {"note": ""})
    assert response.status_code == 400 and "Record how the measure was executed." in response.content.decode()
    for measure in (interview, admonition):
        response = client.post(url("measure_execute", measure.pk), {"note": "已执行", "files": [pdf()]})
        assert response.status_code == 302
    assert set(CaseMeasure.objects.filter(case=case).values_list("execution", flat=True)) == {"executed"}
    assert client.post(url("close", case.pk), {"note": "措施均已执行"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    _as(client, s.admin)
    assert client.get(url("measure_execute", interview.pk)).status_code == 403


# --- appeal ------------------------------------------------------------------------------------------------


def test_sup4_institution_appeals_to_the_reviewing_department(client, s, media):
    case = make_case(s, status="decided")
    decision = Decision.objects.get(case=case)
    _as(client, s.admin)
    page = client.get(url("appeal", case.pk)).content.decode()
    assert s.province.name in page and decision.appeal_until.isoformat() in page
    before = snapshot()
    response = client.post(url("appeal", case.pk), {"grounds": ""})
    assert response.status_code == 400 and "State the grounds of the appeal." in response.content.decode()
    assert snapshot() == before
    response = client.post(url("appeal", case.pk), {"grounds": "事实认定有误。", "files": [pdf()]})
    assert response.status_code == 302
    appeal = Appeal.objects.get(case=case)
    assert appeal.reviewing_department == s.province
    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_REVIEW


def test_sup4_appeal_by_anyone_else_is_refused_with_a_message(client, s, media):
    case = make_case(s, status="decided")
    _as(client, s.officer)
    assert client.get(url("appeal", case.pk)).status_code == 403
    response = client.post(url("appeal", case.pk), {"grounds": "代为申请复核"})
    assert response.status_code == 403
    assert "Only the institution the decision is addressed to may appeal." in response.content.decode()
    _as(client, s.other_admin)
    assert client.post(url("appeal", case.pk), {"grounds": "第三方"}).status_code == 404
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_sup4_a_reader_of_the_disclosed_decision_is_told_only_the_institution_may_appeal(client, s, media):
    case = make_case(s, status="decided", disclosed=True)
    hidden = make_case(s, status="decided")
    _as(client, s.other_admin)
    for response in (client.get(url("appeal", case.pk)),
                     client.post(url("appeal", case.pk), {"grounds": "第三方代为申请复核。", "files": [pdf()]})):
        html = response.content.decode()
        assert response.status_code == 403 and "Only the institution the decision is addressed to may appeal." in html
        assert case.title not in html and 'data-testid="appeal-form"' not in html
    assert client.post(url("appeal", hidden.pk), {"grounds": "第三方"}).status_code == 404
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_sup4_reviewing_heads_list_and_decide_appeals(client, s):
    case = make_case(s, status="decided")
    appeal = appeal_services.appeal_lodge(case=case, grounds="事实认定有误。", by=s.admin)
    _as(client, s.province_head)
    html = client.get(url("appeal_list")).content.decode()
    assert case.number in html and url("appeal_review", appeal.pk) in html
    assert 'data-testid="review-form"' in client.get(url("appeal_review", appeal.pk)).content.decode()
    before = snapshot()
    response = client.post(url("appeal_review", appeal.pk), {"outcome": "upheld", "reasons": ""})
    assert response.status_code == 400 and "Give the reasons of the review." in response.content.decode()
    assert snapshot() == before
    response = client.post(url("appeal_review", appeal.pk), {"outcome": "upheld", "reasons": "决定并无不当。"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    case.refresh_from_db()
    assert (appeal.status, case.status) == (Appeal.Status.UPHELD, Case.Status.DECIDED)


def test_sup4_only_the_reviewing_department_decides_the_appeal(client, s):
    case = make_case(s, status="decided")
    appeal = appeal_services.appeal_lodge(case=case, grounds="不服", by=s.admin)
    _as(client, s.head)
    assert case.number not in client.get(url("appeal_list")).content.decode()
    page = client.get(url("appeal_review", appeal.pk)).content.decode()
    assert 'data-testid="review-form"' not in page
    assert client.post(url("appeal_review", appeal.pk), {"outcome": "quashed", "reasons": "撤销"}).status_code == 403
    _as(client, s.admin)
    assert client.get(url("appeal_list")).status_code == 404
    assert client.get(url("appeal_review", appeal.pk)).status_code == 200
    _as(client, s.other_admin)
    assert client.get(url("appeal_review", appeal.pk)).status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.LODGED


@pytest.mark.parametrize("name", ["notice", "decide", "appeal_review"])
def test_sup3_procedure_pages_render_in_chinese(client, s, name):
    if name == "notice":
        case, user, arg = make_case(s, status="investigating"), s.officer, None
    elif name == "decide":
        case, user, arg = make_case(s, status="notified"), s.head, None
    else:
        case = make_case(s, status="decided")
        user, arg = s.province_head, appeal_services.appeal_lodge(case=case, grounds="不服", by=s.admin).pk
    _as(client, user)
    response = client.get(url(name, arg or case.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and 'lang="zh-CN"' in response.content.decode()
