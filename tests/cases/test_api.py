"""The case procedure under /api/v1/cases/ (SUP-3, SUP-4, SUP-5): the same services and scope as the pages, the
one error body with translated messages, multipart uploads, what the institution may read of its case."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cases.models import Appeal, Case, CaseDocument, CaseMeasure, CaseOfficer, Decision, Defence, Hearing
from apps.cases.services import appeals as appeal_services
from apps.cases.services import notice as notice_services
from apps.cases.services import opening
from tests.cases.factories import make_case
from tests.conftest import login_verified
from tests.institutions.factories import make_institution

from .test_opening_helpers import (
    exe_as_png,
    letters,
    media,
    pass_deadline,
    pdf,
    png,
    s,
    snapshot,
    stored_files,
)

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures
JSON = "application/json"


def api(name, *args):
    return reverse(f"api:cases-{name}", args=args)


def _as(client, user):
    client.logout()
    return login_verified(client, user)


def _error(response) -> dict:
    return response.json()["error"]


# --- reading -----------------------------------------------------------------------------------------------


def test_sup3_list_with_filters_and_the_work_list(client, s):
    notified = make_case(s, status="notified", deadline_days=-1)
    registered = make_case(s, status="registered", severity="minor")
    _as(client, s.officer)
    numbers = [row["number"] for row in client.get(api("case-list")).json()["results"]]
    assert set(numbers) == {notified.number, registered.number}
    assert [row["number"] for row in client.get(api("case-list"), {"overdue": "1"}).json()["results"]] == [
        notified.number]
    assert [row["number"] for row in client.get(api("case-list"), {"severity": "minor"}).json()["results"]] == [
        registered.number]
    mine = client.get(api("case-list"), {"mine": "1"}).json()["results"]
    assert [row["number"] for row in mine] == [notified.number, registered.number]
    assert mine[0]["next_deadline"] == (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    _as(client, s.admin)
    assert [row["number"] for row in client.get(api("case-list")).json()["results"]] == [notified.number]


def test_sec7_case_detail_shows_the_institution_only_what_it_may_read(client, s, media):
    case = make_case(s, status="investigating", source_url="/inspections/findings/1/")
    opening.evidence_add(case=case, files=[pdf()], description="现场照片", by=s.officer)
    _as(client, s.admin)
    assert client.get(api("case-detail", case.pk)).status_code == 404  # before the notice
    notice_services.notice_issue(case=case, facts=case.facts, articles=case.articles, severity="serious",
                                 proposed_measures=[{"measure": "interview", "details": ""}], by=s.officer)
    _as(client, s.officer)
    body = client.get(api("case-detail", case.pk)).json()
    kinds = {entry["kind"] for entry in body["timeline"]}
    assert {"evidence", "officer_assigned", "notice"} <= kinds and len(body["officers"]) == 1
    assert len(body["documents"]) == 1 and body["source_url"] == "/inspections/findings/1/"
    assert body["actions"]["record_waiver"] and not body["actions"]["defend"]
    _as(client, s.admin)
    body = client.get(api("case-detail", case.pk)).json()
    kinds = {entry["kind"] for entry in body["timeline"]}
    assert "notice" in kinds and not kinds & {"evidence", "officer_assigned", "investigation"}
    assert body["officers"] == [] and body["documents"] == [] and body["source_url"] == ""
    assert body["actions"]["defend"] and body["defence_period"]["may_decide"] is False
    _as(client, s.other_admin)
    assert client.get(api("case-detail", case.pk)).status_code == 404


# --- opening and the steps before the notice ----------------------------------------------------------------


def _open_body(s, **overrides):
    body = {"institution": s.institution.pk, "source": "incident", "title": "数据泄露事件",
            "facts": "发生数据泄露。", "articles": ["M.25"], "severity": "grave", "suspected_illegal": True,
            "source_reference": "SJ-1", "parties": [{"name": "张三", "position": "主任"}]}
    body.update(overrides)
    return body


def test_sup3_open_a_case_as_json_and_refuse_what_is_not_allowed(client, s):
    _as(client, s.head)
    response = client.post(api("case-list"), _open_body(s), content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["severity"], body["articles"]) == ("incident", "grave", ["M.25"])
    assert [party["name"] for party in body["parties"]] == ["张三"]
    before = snapshot()
    response = client.post(api("case-list"), _open_body(s, institution=make_institution("350203").pk),
                           content_type=JSON)
    assert response.status_code == 400
    assert _error(response)["fields"]["institution"] == ["No institution in your jurisdiction has this id."]
    response = client.post(api("case-list"), _open_body(s, articles=["M.99"]), content_type=JSON)
    assert response.status_code == 400 and "articles" in _error(response)["fields"]
    assert snapshot() == before
    _as(client, s.admin)
    assert client.post(api("case-list"), _open_body(s), content_type=JSON).status_code == 403
    assert snapshot() == before


def test_sup3_open_a_case_with_evidence_files_multipart(client, s, media):
    _as(client, s.officer)
    before = snapshot()
    data = {key: value for key, value in _open_body(s).items() if key != "parties"}
    response = client.post(api("case-list"), {**data, "files": [pdf(), exe_as_png()]})
    assert response.status_code == 400
    assert any("is not a PDF, PNG or JPEG file" in message for message in _error(response)["fields"]["files"])
    assert snapshot() == before and stored_files(media) == []
    response = client.post(api("case-list"), {**data, "files": [pdf(), png()], "parties[0]name": "李四",
                                               "parties[0]position": "信息科科长"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["documents"]) == 2 and [party["name"] for party in body["parties"]] == ["李四"]


def test_sup3_officers_parties_evidence_and_investigation(client, s, media):
    case = make_case(s, status="registered")
    _as(client, s.head)
    response = client.post(api("case-officers", case.pk), {"user": s.officer2.pk}, content_type=JSON)
    assert response.status_code == 201 and response.json()["user"] == s.officer2.pk
    response = client.post(api("case-officer-release", case.pk), {"user": s.officer2.pk, "reason": "调岗"},
                           content_type=JSON)
    assert response.status_code == 200 and response.json()["is_active"] is False
    response = client.post(api("case-officers", case.pk), {"user": 999999}, content_type=JSON)
    assert response.status_code == 400 and _error(response)["fields"]["user"] == ["No person with id 999999."]
    _as(client, s.officer)
    response = client.post(api("case-parties", case.pk), {"name": "王五", "position": "主任"}, content_type=JSON)
    assert response.status_code == 201
    response = client.post(api("case-evidence", case.pk), {"files": [png()], "description": "照片"})
    assert response.status_code == 201 and response.json()[0]["kind"] == "evidence"
    response = client.post(api("case-investigation", case.pk))
    assert response.status_code == 200 and response.json()["status"] == "investigating"
    response = client.post(api("case-investigation", case.pk))
    assert response.status_code == 409 and _error(response)["code"] == "transition_not_allowed"
    _as(client, s.officer2)
    response = client.post(api("case-parties", case.pk), {"name": "赵六", "position": "科员"}, content_type=JSON)
    assert response.status_code == 403 and "Only the officers assigned" in _error(response)["message"]


# --- notice, defence, hearing ------------------------------------------------------------------------------


def test_sup3_notice_through_the_api_and_a_measure_not_on_the_ladder(client, s):
    case = make_case(s, status="investigating")
    _as(client, s.officer)
    before = snapshot()
    body = {"facts": "事实", "articles": ["M.18"], "severity": "serious",
            "proposed_measures": [{"measure": "fine", "details": "罚款"}]}
    response = client.post(api("case-notice", case.pk), body, content_type=JSON)
    assert response.status_code == 400
    assert "“fine” is not a measure of Article 40" in _error(response)["fields"]["proposed_measures"][0]
    assert snapshot() == before
    body["proposed_measures"] = [{"measure": "interview", "details": "约谈"}]
    response = client.post(api("case-notice", case.pk), body, content_type=JSON)
    assert response.status_code == 201, response.json()
    assert response.json()["proposed_measures"] == [{"measure": "interview", "details": "约谈"}]


def test_sup3_defence_multipart_and_refused_after_the_deadline(client, s, media):
    case = make_case(s, status="notified")
    _as(client, s.admin)
    response = client.post(api("case-defence", case.pk), {"statement": "陈述", "hearing_requested": "true",
                                                          "files": [pdf()]})
    assert response.status_code == 201 and response.json()["hearing_requested"] is True
    assert CaseDocument.objects.filter(case=case, kind="defence").count() == 1
    late = make_case(s, status="notified", deadline_days=-1)
    before = snapshot()
    response = client.post(api("case-defence", late.pk), {"statement": "迟到", "files": [pdf()]})
    assert response.status_code == 409 and "The defence period ended on" in _error(response)["message"]
    assert snapshot() == before
    _as(client, s.other_admin)
    assert client.post(api("case-defence", case.pk), {"statement": "第三方"}).status_code == 404


def test_sup3_paper_waiver_and_hearing_through_the_api(client, s, media):
    case = make_case(s, status="notified")
    notice_services.defence_submit(case=case, statement="请求听证", hearing_requested=True, by=s.admin)
    hearing = Hearing.objects.get(case=case)
    _as(client, s.officer)
    assert client.get(api("hearing-detail", hearing.pk)).json()["status"] == "requested"
    when = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = client.post(api("hearing-schedule", hearing.pk), {"scheduled_for": when, "place": "会议室"},
                           content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "scheduled"
    response = client.post(api("hearing-record", hearing.pk), {"held": "false", "minutes": ""})
    assert response.status_code == 200 and response.json()["status"] == "not_attended"
    response = client.post(api("case-waiver", case.pk), {"note": "书面放弃"})
    assert response.status_code == 400 and _error(response)["fields"]["files"] == ["Attach the signed written waiver."]
    response = client.post(api("case-waiver", case.pk), {"note": "书面放弃", "files": [pdf()]})
    assert response.status_code == 201 and response.json()["recorded_on_paper"] is True
    other = make_case(s, status="notified")
    notice_services.defence_submit(case=other, statement="请求听证", hearing_requested=True, by=s.admin)
    _as(client, s.admin)
    response = client.post(api("hearing-withdraw", Hearing.objects.get(case=other).pk))
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


# --- decision and after ------------------------------------------------------------------------------------


def _decision_body(**overrides):
    body = {"measures": [{"kind": "interview", "details": "约谈"}], "facts": "事实清楚", "reasoning": "违反第十八条",
            "severity": "serious", "articles": ["M.18"]}
    body.update(overrides)
    return body


def test_sup3_decision_through_the_api_with_its_refusals(client, s, letters):
    case = make_case(s, status="notified", deadline_days=2)
    _as(client, s.head)
    before = snapshot()
    response = client.post(api("case-decide", case.pk), _decision_body(), content_type=JSON)
    assert response.status_code == 409 and "The defence period runs until" in _error(response)["message"]
    pass_deadline(case)
    response = client.post(api("case-decide", case.pk), _decision_body(measures=[{"kind": "fine"}]),
                           content_type=JSON)
    assert response.status_code == 400
    assert "“fine” is not a measure of Article 40" in _error(response)["fields"]["measures"][0]
    response = client.post(api("case-decide", case.pk), _decision_body(
        severity="minor", measures=[{"kind": "judicial", "judicial_organ": "公安局"}]), content_type=JSON)
    assert response.status_code == 400 and "goes beyond what a minor violation allows" in str(_error(response))
    assert snapshot() == before and letters == []
    deadline = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    response = client.post(api("case-decide", case.pk), _decision_body(measures=[
        {"kind": "interview", "details": "约谈"}, {"kind": "rectification", "details": "整改", "deadline": deadline}]),
        content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [row["kind"] for row in body["measures"]] == ["interview", "rectification"]
    assert body["measures"][1]["rectification"] is not None and letters == [body["id"]]
    _as(client, s.officer)
    assert client.post(api("case-decide", case.pk), _decision_body(), content_type=JSON).status_code == 403


def test_sup3_drop_execute_and_close_through_the_api(client, s, media):
    dropped = make_case(s, status="investigating")
    _as(client, s.head)
    response = client.post(api("case-drop", dropped.pk), {"reason": ""}, content_type=JSON)
    assert response.status_code == 400
    assert _error(response)["fields"]["reason"] == ["Say why the case is closed without measures."]
    response = client.post(api("case-drop", dropped.pk), {"reason": "证据不足"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "dropped"
    case = make_case(s, status="decided", measures=("interview",))
    measure = CaseMeasure.objects.get(case=case)
    _as(client, s.officer)
    response = client.post(api("case-close", case.pk), {}, content_type=JSON)
    assert response.status_code == 409 and "still to be executed" in _error(response)["message"]
    response = client.post(api("measure-execute", measure.pk), {"note": "已约谈", "files": [pdf()]})
    assert response.status_code == 200 and response.json()["execution"] == "executed"
    response = client.post(api("case-close", case.pk), {"note": "结案"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_sup4_appeal_only_by_the_institution_addressed_then_reviewed(client, s, media):
    case = make_case(s, status="decided")
    _as(client, s.officer)
    response = client.post(api("case-appeal", case.pk), {"grounds": "代为申请"})
    assert response.status_code == 403
    assert _error(response)["message"] == "Only the institution the decision is addressed to may appeal."
    _as(client, s.other_admin)
    assert client.post(api("case-appeal", case.pk), {"grounds": "第三方"}).status_code == 404
    assert not Appeal.objects.exists()
    _as(client, s.admin)
    response = client.post(api("case-appeal", case.pk), {"grounds": "事实认定有误", "files": [pdf()]})
    assert response.status_code == 201, response.json()
    appeal_id = response.json()["id"]
    assert response.json()["reviewing_department"] == s.province.pk
    _as(client, s.province_head)
    assert [row["id"] for row in client.get(api("appeal-list")).json()["results"]] == [appeal_id]
    response = client.post(api("appeal-decide", appeal_id), {"outcome": "dismissed", "reasons": "理由"},
                           content_type=JSON)
    assert response.status_code == 400 and "outcome" in _error(response)["fields"]
    response = client.post(api("appeal-decide", appeal_id), {"outcome": "remitted", "reasons": "事实不清"},
                           content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "remitted"
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    assert Decision.objects.get(case=case).status == Decision.Status.REMITTED


def test_sup4_a_reader_of_the_disclosed_decision_may_not_appeal_through_the_api(client, s, media):
    case = make_case(s, status="decided", disclosed=True)
    hidden = make_case(s, status="decided")
    _as(client, s.other_admin)
    response = client.post(api("case-appeal", case.pk), {"grounds": "第三方代为申请复核。", "files": [pdf()]})
    assert response.status_code == 403
    assert _error(response)["message"] == "Only the institution the decision is addressed to may appeal."
    assert client.post(api("case-appeal", hidden.pk), {"grounds": "第三方"}).status_code == 404
    assert client.post(api("case-appeal", 999999), {"grounds": "第三方"}).status_code == 404
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_sup4_appeal_detail_follows_the_policy(client, s):
    case = make_case(s, status="decided")
    appeal = appeal_services.appeal_lodge(case=case, grounds="不服", by=s.admin)
    for user, code in ((s.province_head, 200), (s.head, 200), (s.admin, 200), (s.other_admin, 404),
                       (s.other_city_head, 404)):
        _as(client, user)
        assert client.get(api("appeal-detail", appeal.pk)).status_code == code
    _as(client, s.head)
    response = client.post(api("appeal-decide", appeal.pk), {"outcome": "quashed", "reasons": "撤销"},
                           content_type=JSON)
    assert response.status_code == 403


def test_sup5_document_download_through_the_api(client, s, media):
    case = make_case(s, status="notified")
    opening.evidence_add(case=case, files=[pdf()], description="", by=s.officer)
    notice_services.defence_submit(case=case, statement="陈述", files=[png()], by=s.admin)
    evidence = CaseDocument.objects.get(case=case, kind="evidence")
    defence = CaseDocument.objects.get(case=case, kind="defence")
    _as(client, s.officer)
    response = client.get(api("document-download", evidence.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    _as(client, s.admin)
    assert client.get(api("document-download", evidence.pk)).status_code == 404
    assert client.get(api("document-download", defence.pk)).status_code == 200
    assert Defence.objects.filter(case=case).count() == 1 and CaseOfficer.objects.filter(case=case).count() == 1
