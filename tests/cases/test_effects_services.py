"""What a decision sets in motion (SUP-3, INS-3, INS-4): the ladder check, a credit event per measure, the
suspension proposed after a judicial transfer or repeated serious violations (and not when the institution is
not admitted or already has an open proposal), and the revocation when the decision falls on appeal."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.accounts.models import User
from apps.cases.models import CaseMeasure
from apps.cases.services import effects
from apps.core import errors
from apps.institutions.models import CreditEvent, CreditRule, Institution, StatusDecision
from tests.cases.factories import make_case

from .test_opening_helpers import decide, letters, pass_deadline, s, score

pytestmark = pytest.mark.django_db
__all__ = ["letters", "s"]  # fixtures


def _heard(s, **fields):
    case = make_case(s, status="notified", **fields)
    pass_deadline(case)
    return case


def test_sup3_the_ladder_check_reports_every_problem_at_once():
    with pytest.raises(errors.ValidationFailed) as caught:
        effects.measures_check("serious", False, [])
    assert caught.value.field_errors == {"measures": ["Choose at least one measure."]}
    with pytest.raises(errors.ValidationFailed) as caught:
        effects.measures_check("serious", False, ["interview", "interview", "judicial", "licence"])
    problems = caught.value.field_errors["measures"]
    assert problems[0] == "“Regulatory interview” is chosen more than once; each measure is decided once."
    assert problems[1].startswith("“Transfer to judicial organs” goes beyond what a serious violation allows")
    assert problems[2].startswith("“licence” is not a measure of Article 40")
    for severity, kinds in (("minor", ["interview", "rectification", "admonition"]),
                            ("serious", ["criticism", "disciplinary"]), ("grave", ["judicial"])):
        effects.measures_check(severity, True, kinds)  # allowed: no error


def test_ins3_each_measure_raises_its_credit_event_once(s, letters):
    case = _heard(s)
    before = score(s.institution)
    decision = decide(s, case, measures=[{"kind": "interview"}, {"kind": "admonition"}])
    events = CreditEvent.objects.filter(institution=s.institution).select_related("rule")
    assert sorted((event.rule.trigger, event.points) for event in events) == [
        ("sanction.admonition", -10), ("sanction.interview", -5)]
    measure = decision.measures.get(kind="interview")
    event = events.get(rule__trigger="sanction.interview")
    assert (event.source_type, event.source_id, measure.credit_event_id) == ("cases.casemeasure", str(measure.pk),
                                                                            event.pk)
    assert event.description.startswith(f"{decision.number}: ") and event.source_url == f"/cases/{case.pk}/"
    assert score(s.institution) == before - 15
    effects.decision_effects_apply(decision, s.head)  # again: nothing new
    assert CreditEvent.objects.filter(institution=s.institution).count() == 2


def test_ins3_a_rule_switched_off_raises_nothing(s, letters):
    CreditRule.objects.filter(trigger="sanction.interview").update(is_active=False)
    decision = decide(s, _heard(s))
    assert decision.measures.get().credit_event_id is None
    assert not CreditEvent.objects.filter(institution=s.institution).exists()


def test_ins4_a_judicial_transfer_proposes_suspension(s, letters):
    case = _heard(s, severity="grave", suspected_illegal=True)
    decision = decide(s, case, measures=[{"kind": "judicial", "judicial_organ": "福州市公安局鼓楼分局"}])
    proposal = StatusDecision.objects.get(institution=s.institution)
    assert (proposal.measure, proposal.ground, proposal.status, proposal.proposed_by) == (
        "suspend", "serious_violation", "proposed", s.head)
    assert (proposal.source_type, proposal.source_id) == ("cases.decision", str(decision.pk))
    assert decision.number in proposal.facts
    decision.refresh_from_db()
    assert decision.suspension_proposal == proposal.number


def test_ins4_the_second_serious_decision_within_the_window_proposes_suspension(s, letters):
    first = decide(s, _heard(s, severity="serious"))
    assert first.suspension_proposal == "" and not StatusDecision.objects.exists()
    decide(s, _heard(s, severity="minor"))  # a minor one does not count
    assert not StatusDecision.objects.exists()
    second = decide(s, _heard(s, severity="grave"))
    assert StatusDecision.objects.get().number == second.suspension_proposal != ""


def test_ins4_an_old_serious_decision_is_outside_the_window(s, letters):
    first = decide(s, _heard(s, severity="serious"))
    type(first).objects.filter(pk=first.pk).update(decided_at=timezone.now() - datetime.timedelta(days=731))
    assert decide(s, _heard(s, severity="serious")).suspension_proposal == ""


def test_ins4_no_proposal_for_an_institution_not_admitted_or_with_one_open(s, letters):
    Institution.objects.filter(pk=s.institution.pk).update(status=Institution.Status.SUSPENDED)
    decision = decide(s, _heard(s, severity="grave", suspected_illegal=True), measures=[
        {"kind": "judicial", "judicial_organ": "公安机关"}])
    assert decision.status == "in_force" and decision.suspension_proposal == ""
    assert not StatusDecision.objects.exists()
    Institution.objects.filter(pk=s.institution.pk).update(status=Institution.Status.ADMITTED)
    open_one = StatusDecision.objects.create(
        number="350100-TEST-0001", institution=s.institution, measure="suspend", ground="other", facts="另案",
        proposed_by=s.head, department=s.city)
    decision = decide(s, _heard(s, severity="grave", suspected_illegal=True), measures=[
        {"kind": "judicial", "judicial_organ": "公安机关"}])
    assert decision.suspension_proposal == ""
    assert list(StatusDecision.objects.values_list("pk", flat=True)) == [open_one.pk]


def test_ins4_a_head_without_the_proposal_permission_proposes_as_the_system_account(s, letters):
    permission = Permission.objects.get(codename="propose_status_decision")
    permission.group_set.filter(name="department_head").get().permissions.remove(permission)
    head = User.objects.get(pk=s.head.pk)  # no cached permissions
    decide(s, _heard(s, severity="grave", suspected_illegal=True), by=head,
           measures=[{"kind": "judicial", "judicial_organ": "公安机关"}])
    proposer = StatusDecision.objects.get().proposed_by
    assert (proposer.username, proposer.is_machine) == ("system", True)


def test_sup3_revoking_withdraws_credit_of_every_measure_even_an_executed_one(s, letters):
    base = score(s.institution)
    decision = decide(s, _heard(s), measures=[{"kind": "interview"}, {"kind": "admonition"}])
    CaseMeasure.objects.filter(decision=decision, kind="interview").update(execution="executed")
    effects.decision_effects_revoke(decision, "撤销", s.province_head)
    assert set(decision.measures.values_list("execution", flat=True)) == {"revoked"}
    assert not CreditEvent.objects.filter(institution=s.institution, status="in_force").exists()
    assert score(s.institution) == base
    effects.decision_effects_revoke(decision, "撤销", s.province_head)  # nothing left to revoke
    assert CreditEvent.objects.filter(institution=s.institution).count() == 2
