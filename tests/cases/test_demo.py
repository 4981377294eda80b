"""`seed_demo` shows accountability cases at work (SUP-3, SUP-5, INS-3), made through the services: a decided,
disclosed case with its signed letter and a rectification report awaiting verification, a case awaiting the
demo hospital's defence, and one under investigation; running it again adds nothing."""

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.cases.models import Case, CaseDocument, CaseOfficer, CaseRectification, Decision, Defence
from apps.cases.services.notice import defence_period_state
from apps.institutions.models import CreditEvent, Institution

pytestmark = pytest.mark.django_db


def test_sup3_demo_cases_are_complete_and_idempotent():
    call_command("seed_demo")
    counts = (Case.objects.count(), Decision.objects.count(), CaseRectification.objects.count(),
              CaseDocument.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Case.objects.count(), Decision.objects.count(), CaseRectification.objects.count(),
            CaseDocument.objects.count(), User.objects.count()) == counts
    assert sorted(Case.objects.values_list("status", flat=True)) == ["decided", "investigating", "notified"]
    head, officer = User.objects.get(username="demo_head"), User.objects.get(username="demo_case_officer")

    decided = Case.objects.get(status="decided")
    decision = decided.decisions.get()
    assert decision.decided_by == head and decision.disclosed and decision.public_summary
    assert decision.letter_status == "ready" and decision.file and decision.sha256
    assert sorted(decision.measures.values_list("kind", flat=True)) == ["interview", "rectification"]
    defence = Defence.objects.get(case=decided)
    assert defence.waives_period and defence.statement and decision.defence_answer
    assert decided.documents.filter(kind="evidence").count() == 2
    order = CaseRectification.objects.get()
    assert order.status == "submitted" and order.case == decided
    report = order.reports.get()
    assert report.submitted_by.username == "demo_case_security"
    assert CaseDocument.objects.filter(rectification_report=report, kind="rectification").count() == 1
    assert set(CreditEvent.objects.filter(institution=decided.institution).values_list("rule__trigger", flat=True)
               ) >= {"sanction.interview", "sanction.rectification"}

    hospital_admin = User.objects.get(username="demo_inst_admin")
    notified = Case.objects.get(status="notified")
    assert notified.institution_id == hospital_admin.organisation_id
    assert not defence_period_state(notified).may_decide and not notified.defences.exists()
    # The demo hospital's credit stays where the credit journey expects it: no sanction against it.
    hospital = Institution.objects.get(pk=hospital_admin.organisation_id)
    assert not CreditEvent.objects.filter(institution=hospital, rule__trigger__startswith="sanction.").exists()
    assert (hospital.credit_score, hospital.credit_grade) == (89, "B")

    investigating = Case.objects.get(status="investigating")
    assert investigating.source == "complaint" and investigating.notified_at is None
    assert CaseOfficer.objects.filter(case=investigating, user=officer, is_active=True, is_lead=True).exists()
    assert CaseOfficer.objects.filter(case=decided, user=officer, is_lead=True).exists()
