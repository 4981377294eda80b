"""The whole procedure through the services, as the people do it (SUP-1 -> SUP-3 -> INS-3, SUP-4, SEC-7):
an inspection finding is referred, the case is opened, an officer is assigned, investigates and notifies, the
institution defends itself, the head decides, the credit score drops by the rules' points; on appeal the
decision is quashed (the score comes back) or sent back (a second notice round, a new decision)."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Case, CaseOfficer, Decision
from apps.cases.selectors import case_timeline, cases_visible
from apps.cases.services import appeals, decisions, notice, opening
from apps.cases.workflows import HANDLE
from apps.core import policy
from apps.inspections.services import referral
from apps.institutions.models import CreditEvent, Institution
from tests.conftest import make_user
from tests.factories import department
from tests.inspections.factories import make_finding, make_order
from tests.inspections.record_helpers import scene

pytestmark = pytest.mark.django_db
__all__ = ["scene"]  # fixture


def _score(institution) -> int:
    return Institution.objects.values_list("credit_score", flat=True).get(pk=institution.pk)


@pytest.fixture
def people(scene, monkeypatch):
    from apps.cases.services import letters

    monkeypatch.setattr(letters, "letter_enqueue", lambda decision: None)
    scene.fujian_head = make_user(department("350000", "provincial", "福建省卫生健康委员会"), "department_head")
    scene.city_head = make_user(scene.fuzhou, "department_head")
    return scene


def _to_decision(people):
    """finding -> case -> officer -> investigation -> notice -> defence -> decision; returns (case, decision)."""
    finding = make_finding(people.inspection, severity="major")
    make_order(finding)
    referral.finding_refer(finding=finding, note="整改不到位，建议立案。", by=people.lead)
    case = Case.objects.get(source_id=str(finding.pk))
    opening.officer_assign(case=case, user=people.case_officer, by=people.city_head)
    assert policy.can(people.case_officer, HANDLE, case)
    opening.investigation_start(case=case, by=people.case_officer)
    assert not cases_visible(people.admin).filter(pk=case.pk).exists()
    notice.notice_issue(case=case, facts=case.facts, articles=case.articles, severity=case.severity,
                        proposed_measures=[{"measure": "admonition", "details": "告诫"}], by=people.case_officer)
    assert cases_visible(people.admin).filter(pk=case.pk).exists()
    notice.defence_submit(case=case, statement="已完成整改，请求从轻。", waives_period=True, by=people.admin)
    decision = decisions.case_decide(
        case=case, measures=[{"kind": "admonition", "details": "予以告诫"}, {
            "kind": "rectification", "deadline": timezone.localdate() + datetime.timedelta(days=30)}],
        facts=case.facts, reasoning="违反办法第十八条。", severity="serious", articles=case.articles,
        defence_answer="整改晚于发现，不足以免责。", by=people.city_head)
    return case, decision


def test_sup3_finding_to_decision_to_quashed_appeal_moves_the_credit_score_and_back(people):
    before = _score(people.institution)
    case, _decision = _to_decision(people)
    events = set(CreditEvent.objects.filter(institution=people.institution, status="in_force")
                 .values_list("rule__trigger", flat=True))
    assert {"sanction.admonition", "sanction.rectification"} <= events
    sanction_points = -10 - 8  # the default rules SANCTION-ADMONITION and SANCTION-RECTIFY
    after_decision = _score(people.institution)
    assert after_decision == before + sanction_points
    appeal = appeals.appeal_lodge(case=case, grounds="处理过重。", by=people.admin)
    assert appeal.reviewing_department.jurisdiction_prefix == "35"
    appeals.appeal_decide(appeal=appeal, outcome="quashed", reasons="处理畸重，撤销。", by=people.fujian_head)
    assert _score(people.institution) == after_decision - sanction_points
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    kinds = [entry["kind"] for entry in case_timeline(case)]
    for kind in ("opened", "officer_assigned", "investigation", "notice", "defence", "decision", "rectification",
                 "appeal_lodged", "appeal_decided"):
        assert kind in kinds


def test_sup3_a_remitted_case_is_notified_again_and_decided_anew(people):
    case, _decision = _to_decision(people)
    after_decision = _score(people.institution)
    appeal = appeals.appeal_lodge(case=case, grounds="程序违法。", by=people.admin)
    appeals.appeal_decide(appeal=appeal, outcome="remitted", reasons="未告知听证权利，发回。", by=people.fujian_head)
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    assert _score(people.institution) == after_decision + 18
    second = notice.notice_issue(case=case, facts=case.facts, articles=case.articles, severity="serious",
                                 proposed_measures=[{"measure": "interview"}], by=people.case_officer)
    assert second.round == 2
    notice.defence_submit(case=case, statement="", waives_period=True, by=people.admin)
    again = decisions.case_decide(case=case, measures=[{"kind": "interview"}], facts=case.facts, reasoning="重新认定。",
                                  severity="serious", articles=case.articles, by=people.city_head)
    assert Decision.objects.get(case=case, status="in_force") == again
    assert _score(people.institution) == after_decision + 18 - 5
    assert CaseOfficer.objects.filter(case=case, is_active=True).count() == 1
