"""Exit and restoration (INS-4): every service path and every refusal."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import system_account
from apps.core import errors
from apps.institutions import signals
from apps.institutions.models import CreditScheme, Institution, StatusDecision
from apps.institutions.services import admission as admission_services
from apps.institutions.services import exit as exit_services
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.institutions.exit_helpers import FACTS, _no_broker, decide, propose  # noqa: F401
from tests.institutions.factories import make_institution
from tests.institutions.uploads import required_documents

pytestmark = pytest.mark.django_db

Measure = StatusDecision.Measure
Status = Institution.Status


@pytest.fixture
def inspector(gulou):
    return make_user(gulou, "inspector")


@pytest.fixture
def head(gulou):
    return make_user(gulou, "department_head")


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Status.ADMITTED)


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- proposing -----------------------------------------------------------------------------------------


def test_inspector_proposes_suspension_INS_4(hospital, inspector, gulou):
    decision = propose(hospital, inspector)
    year = timezone.localdate().year
    assert decision.status == StatusDecision.Status.PROPOSED
    assert decision.number == f"350102-{year}-0001"
    assert decision.department == gulou and decision.proposed_by == inspector
    assert decision.history.get().history_user == inspector
    assert reload(hospital).status == Status.ADMITTED  # a proposal moves nothing


def test_numbers_count_per_deciding_department_and_year(gulou, fuzhou, inspector):
    first = propose(make_institution("350102"), inspector)
    second = propose(make_institution("350102"), inspector)
    other_department = propose(make_institution("350103"), make_user(fuzhou, "inspector"))
    year = timezone.localdate().year
    assert [first.number, second.number] == [f"350102-{year}-0001", f"350102-{year}-0002"]
    assert other_department.department == fuzhou and other_department.number == f"350100-{year}-0001"


def test_proposal_records_its_source(hospital, inspector):
    decision = propose(hospital, inspector, source=hospital.organisation, source_url="/cases/3/")
    assert (decision.source_type, decision.source_id, decision.source_url) == (
        "accounts.organisation", str(hospital.pk), "/cases/3/")


def test_proposal_tells_the_heads_of_the_deciding_department(hospital, inspector, head, xiamen,
                                                             django_capture_on_commit_callbacks):
    other_head = make_user(xiamen, "department_head")
    with django_capture_on_commit_callbacks(execute=True):
        decision = propose(hospital, inspector)
    told = set(Notification.objects.filter(body__contains=decision.number).values_list("recipient", flat=True))
    assert head.pk in told and other_head.pk not in told and inspector.pk not in told


@pytest.mark.parametrize("status, measure", [
    (Status.SUSPENDED, Measure.SUSPEND), (Status.ADMITTED, Measure.RESTORE), (Status.REVOKED, Measure.REVOKE),
    (Status.APPLICANT, Measure.SUSPEND), (Status.CLOSED, Measure.RESTORE),
])
def test_refuses_a_measure_that_does_not_fit_the_status(gulou, inspector, status, measure):
    institution = make_institution("350102", status)
    with pytest.raises(errors.TransitionNotAllowed):
        propose(institution, inspector, measure=measure)
    assert StatusDecision.objects.count() == 0


def test_refuses_a_second_open_proposal(hospital, inspector):
    first = propose(hospital, inspector)
    with pytest.raises(errors.TransitionNotAllowed, match=first.number):
        propose(hospital, inspector, measure=Measure.REVOKE)
    assert StatusDecision.objects.count() == 1


def test_refuses_a_proposal_without_facts(hospital, inspector):
    with pytest.raises(errors.ValidationFailed) as caught:
        propose(hospital, inspector, facts="   ")
    assert "facts" in caught.value.field_errors
    assert StatusDecision.objects.count() == 0


def test_refuses_a_ground_that_does_not_fit_the_measure(hospital, inspector):
    with pytest.raises(errors.ValidationFailed) as caught:
        propose(hospital, inspector, ground=StatusDecision.Ground.RECTIFIED)
    assert "ground" in caught.value.field_errors
    assert StatusDecision.objects.count() == 0


def test_refuses_a_script_link_as_source(hospital, inspector):
    with pytest.raises(errors.ValidationFailed) as caught:
        propose(hospital, inspector, source_url="javascript:alert(1)")
    assert "source_url" in caught.value.field_errors


def test_refuses_a_proposal_outside_the_jurisdiction(hospital, xiamen):
    with pytest.raises(errors.NotFound):
        propose(hospital, make_user(xiamen, "inspector"))
    assert StatusDecision.objects.count() == 0


def test_refuses_a_department_user_without_the_role(hospital, gulou):
    with pytest.raises(errors.PermissionDenied):
        propose(hospital, make_user(gulou, "auditor"))
    assert StatusDecision.objects.count() == 0


def test_institution_user_cannot_propose_even_for_itself(hospital):
    admin = make_user(hospital.organisation, "institution_admin", "top_leader")
    with pytest.raises(errors.PermissionDenied):
        propose(hospital, admin, measure=Measure.REVOKE)
    assert StatusDecision.objects.count() == 0


def test_system_account_proposes_for_the_nightly_credit_job(hospital, gulou):
    """The machine account without organisation may propose (grade D proposes suspension, INS-3 -> INS-4)."""
    decision = propose(hospital, system_account(), ground=StatusDecision.Ground.CREDIT_GRADE)
    assert decision.proposed_by.username == "system" and decision.department == gulou


def test_other_machine_accounts_cannot_use_the_system_path(hospital, gulou):
    robot = User.objects.create(username="robot", is_machine=True, organisation=gulou)
    with pytest.raises(errors.PermissionDenied):
        propose(hospital, robot)


def test_restoration_needs_the_rectified_ground(gulou, inspector):
    suspended = make_institution("350102", Status.SUSPENDED)
    with pytest.raises(errors.ValidationFailed) as caught:
        propose(suspended, inspector, measure=Measure.RESTORE, ground=StatusDecision.Ground.OTHER)
    assert "ground" in caught.value.field_errors
    assert StatusDecision.objects.count() == 0


def test_restoration_needs_a_reference_to_the_rectification(gulou, inspector):
    suspended = make_institution("350102", Status.SUSPENDED)
    with pytest.raises(errors.ValidationFailed) as caught:
        propose(suspended, inspector, measure=Measure.RESTORE, source_url="")
    assert "source_url" in caught.value.field_errors
    assert StatusDecision.objects.count() == 0


# --- deciding ------------------------------------------------------------------------------------------


def test_head_decides_suspension_INS_4(hospital, inspector, head, _no_broker,  # noqa: F811
                                       django_capture_on_commit_callbacks):
    moves = []

    def listener(sender, institution, status, by, **kwargs):
        moves.append((institution.pk, status, by))

    signals.institution_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            decision = decide(propose(hospital, inspector), head)
    finally:
        signals.institution_status_changed.disconnect(listener)
    assert decision.status == StatusDecision.Status.DECIDED and decision.decided_by == head
    hospital = reload(hospital)
    assert hospital.status == Status.SUSPENDED and hospital.readmission_allowed_from is None
    assert moves == [(hospital.pk, Status.SUSPENDED, head)]  # the catalog suspends grants from this
    assert hospital.history.first().history_user == head
    assert [args[0] for args in _no_broker] == [(decision.pk,)]  # the letter is generated after commit on the pdf queue


def test_decision_tells_the_institution(hospital, inspector, head, django_capture_on_commit_callbacks):
    member = make_user(hospital.organisation, "submitter")
    with django_capture_on_commit_callbacks(execute=True):
        decision = decide(propose(hospital, inspector), head)
    assert Notification.objects.filter(recipient=member, title__contains=decision.number).exists()


def test_revocation_sets_the_configured_waiting_period(hospital, inspector, head):
    CreditScheme.objects.update(readmission_wait_days=30)
    decide(propose(hospital, inspector, measure=Measure.REVOKE), head, text="撤销准入资格。")
    hospital = reload(hospital)
    assert hospital.status == Status.REVOKED
    assert hospital.readmission_allowed_from == timezone.localdate() + datetime.timedelta(days=30)


def test_revoked_institution_cannot_reapply_before_the_waiting_period(hospital, inspector, head):
    decide(propose(hospital, inspector, measure=Measure.REVOKE), head, text="撤销准入资格。")
    admin = make_user(hospital.organisation, "institution_admin")
    with pytest.raises(errors.ValidationFailed, match="waiting period"):
        admission_services.admission_reapply(institution=hospital, purpose="重新申请", by=admin,
                                             documents=required_documents())
    assert reload(hospital).status == Status.REVOKED


def test_suspended_institution_can_be_revoked(gulou, inspector, head):
    suspended = make_institution("350102", Status.SUSPENDED)
    decide(propose(suspended, inspector, measure=Measure.REVOKE), head, text="撤销准入资格。")
    assert reload(suspended).status == Status.REVOKED


def test_restoration_after_rectification_readmits(gulou, inspector, head):
    suspended = make_institution("350102", Status.SUSPENDED)
    decision = decide(propose(suspended, inspector, measure=Measure.RESTORE), head, text="恢复准入资格。")
    assert decision.ground == StatusDecision.Ground.RECTIFIED
    assert reload(suspended).status == Status.ADMITTED


def test_full_exit_and_restoration_is_in_history(hospital, inspector, head):
    decide(propose(hospital, inspector), head)
    decide(propose(hospital, inspector, measure=Measure.RESTORE), head, text="恢复准入资格。")
    statuses = list(reload(hospital).history.order_by("history_id").values_list("status", "history_user"))
    assert statuses[-2:] == [(Status.SUSPENDED, head.pk), (Status.ADMITTED, head.pk)]


def test_inspector_cannot_decide(hospital, inspector):
    decision = propose(hospital, inspector)
    with pytest.raises(errors.PermissionDenied):
        decide(decision, inspector)
    assert reload(hospital).status == Status.ADMITTED


def test_head_of_another_jurisdiction_cannot_see_the_proposal(hospital, inspector, xiamen):
    decision = propose(hospital, inspector)
    with pytest.raises(errors.NotFound):
        decide(decision, make_user(xiamen, "department_head"))
    assert reload(decision).status == StatusDecision.Status.PROPOSED


def test_refuses_a_decision_without_text(hospital, inspector, head):
    decision = propose(hospital, inspector)
    with pytest.raises(errors.ValidationFailed) as caught:
        decide(decision, head, text=" ")
    assert "decision_text" in caught.value.field_errors
    assert reload(decision).status == StatusDecision.Status.PROPOSED
    assert reload(hospital).status == Status.ADMITTED


def test_refuses_to_decide_twice(hospital, inspector, head):
    decision = decide(propose(hospital, inspector), head)
    with pytest.raises(errors.TransitionNotAllowed):
        decide(decision, head)


def test_refuses_a_decision_whose_institution_changed_status_meanwhile(hospital, inspector, head):
    decision = propose(hospital, inspector)
    Institution.objects.filter(pk=hospital.pk).update(status=Status.CLOSED)
    with pytest.raises(errors.TransitionNotAllowed):
        decide(decision, head)
    assert reload(decision).status == StatusDecision.Status.PROPOSED


# --- dismissing ----------------------------------------------------------------------------------------


def test_head_dismisses_a_proposal(hospital, inspector, head, django_capture_on_commit_callbacks):
    decision = propose(hospital, inspector)
    with django_capture_on_commit_callbacks(execute=True):
        decision = exit_services.status_decision_dismiss(decision=decision, reason="证据不足。", by=head)
    assert decision.status == StatusDecision.Status.DISMISSED and decision.decision_text == "证据不足。"
    assert not decision.disclosed and reload(hospital).status == Status.ADMITTED
    assert Notification.objects.filter(recipient=inspector, title__contains=decision.number).exists()
    propose(hospital, inspector, facts=FACTS)  # a new proposal is possible again


def test_refuses_a_dismissal_without_reasons(hospital, inspector, head):
    decision = propose(hospital, inspector)
    with pytest.raises(errors.ValidationFailed):
        exit_services.status_decision_dismiss(decision=decision, reason="", by=head)
    assert reload(decision).status == StatusDecision.Status.PROPOSED


def test_inspector_cannot_dismiss(hospital, inspector):
    decision = propose(hospital, inspector)
    with pytest.raises(errors.PermissionDenied):
        exit_services.status_decision_dismiss(decision=decision, reason="撤回", by=inspector)
