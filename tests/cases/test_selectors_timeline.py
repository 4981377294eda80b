"""The case's timeline (SUP-3, SUP-5, SEC-7): every step in date order with its label, the person who acted and
a link; the investigation, officers and evidence are marked for departments only."""

import datetime

import pytest
from django.urls import reverse

from apps.cases import selectors
from apps.cases.models import Hearing
from apps.cases.services import appeals, decisions, hearing, notice, opening

from .test_opening_helpers import decide, letters, media, pass_deadline, pdf, s

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures


def test_sec7_the_timeline_tells_the_whole_procedure_in_order(s, letters, media, django_assert_max_num_queries):
    case = opening.case_open(institution=s.institution, source="complaint", title="数据未备份", facts="举报。",
                             articles=["M.18"], severity="serious", files=[pdf()], by=s.officer2)
    opening.officer_assign(case=case, user=s.officer, by=s.head)
    opening.officer_release(case=case, user=s.officer, by=s.head, reason="回避")
    opening.investigation_start(case=case, by=s.officer2)
    notice.notice_issue(case=case, facts="未备份。", articles=["M.18"], severity="serious",
                        proposed_measures=[{"measure": "interview"}], by=s.officer2)
    notice.defence_submit(case=case, statement="请求听证。", hearing_requested=True, by=s.admin)
    hearing.hearing_withdraw(hearing=Hearing.objects.get(case=case), by=s.admin)
    pass_deadline(case)
    decision = decide(s, case, defence_answer="不予采纳。")
    decisions.measure_execute(measure=decision.measures.get(), note="已约谈。", by=s.officer2)
    decisions.case_close(case=case, by=s.officer2)
    appeal = appeals.appeal_lodge(case=case, grounds="不服。", by=s.admin)
    appeals.appeal_decide(appeal=appeal, outcome="upheld", reasons="维持。", by=s.province_head)

    with django_assert_max_num_queries(13):
        entries = selectors.case_timeline(case)
    assert [entry["kind"] for entry in entries] == [
        "opened", "evidence", "officer_assigned", "officer_assigned", "officer_released", "investigation",
        "notice", "defence", "hearing_requested", "hearing_withdrawn", "decision", "measure_executed", "closed",
        "appeal_lodged", "appeal_decided"]
    assert [entry["at"] for entry in entries] == sorted(entry["at"] for entry in entries)
    internal = {entry["kind"] for entry in entries if entry["department_only"]}
    assert internal == {"evidence", "officer_assigned", "officer_released", "investigation"}
    by_kind = {entry["kind"]: entry for entry in entries}
    assert (by_kind["opened"]["label"], by_kind["opened"]["actor"], by_kind["opened"]["detail"]) == (
        "Case opened", str(s.officer2), "Complaint or report")
    assert entries[2]["label"] == f"Lead officer assigned: {s.officer2}"
    assert by_kind["officer_released"]["label"] == f"Officer released: {s.officer}"
    assert by_kind["investigation"]["actor"] == str(s.officer2)
    assert by_kind["evidence"]["url"] == reverse("cases:document_download", args=[case.documents.get().pk])
    assert by_kind["notice"]["label"] == "Notice of proposed measures (round 1)"
    assert by_kind["hearing_withdrawn"]["actor"] == str(s.admin)
    assert (by_kind["decision"]["label"], by_kind["decision"]["actor"], by_kind["decision"]["detail"]) == (
        f"Decision {decision.number}", str(s.head), "Regulatory interview")
    assert by_kind["decision"]["url"] == reverse("cases:decision_detail", args=[decision.pk])
    assert by_kind["measure_executed"]["label"] == "Measure executed: Regulatory interview"
    assert by_kind["closed"]["actor"] == str(s.officer2)
    assert by_kind["appeal_lodged"]["label"] == f"Appeal against {decision.number} lodged with 福建省卫生健康委员会"
    assert (by_kind["appeal_decided"]["label"], by_kind["appeal_decided"]["actor"]) == (
        "Appeal decided: Decision upheld", str(s.province_head))


def test_sec7_paper_waivers_dropped_cases_and_rectification_appear(s, media):
    from apps.cases.models import CaseRectification
    from tests.cases.factories import make_case

    case = make_case(s, status="notified")
    notice.waiver_record(case=case, files=[pdf()], note="纸质放弃。", by=s.officer)
    decisions.case_drop(case=case, reason="不构成违法。", by=s.head)
    kinds = {entry["kind"]: entry for entry in selectors.case_timeline(case)}
    assert kinds["waiver"]["label"] == "Written waiver received on paper"
    assert (kinds["dropped"]["label"], kinds["dropped"]["detail"]) == ("Case closed without measures", "不构成违法。")

    decided = make_case(s, status="decided", measures=("rectification",))
    CaseRectification.objects.create(
        measure=decided.measures.get(), case=decided, institution=s.institution, region_id="350102",
        number="Z-TEST-9", requirement="整改", deadline=datetime.date.today() + datetime.timedelta(days=9))
    entry = next(e for e in selectors.case_timeline(decided) if e["kind"] == "rectification")
    assert entry["label"] == "Rectification ordered: Z-TEST-9" and entry["url"].startswith("/cases/rectifications/")
