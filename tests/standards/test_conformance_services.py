"""Conformance evaluation (STD-6, M.13): self-assessment, evaluation, return and resubmission; the credit
effect of a conforming result, read back through the institutions app's models (test only)."""

import pytest

from apps.core import errors
from apps.institutions.models import CreditEvent, Institution
from apps.notifications.models import Notification
from apps.standards.models import ConformanceEvaluation, Standard
from apps.standards.services.conformance import (
    conformance_evaluate,
    conformance_resubmit,
    conformance_return,
    conformance_self_assess,
)
from tests.conftest import make_user
from tests.institutions.factories import make_institution
from tests.institutions.uploads import fake_pdf, png
from tests.standards import adoption_helpers
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force
C = ConformanceEvaluation
TEXT = "电子病历系统已按该标准完成数据元改造，并通过第三方测评。"


@pytest.fixture
def evaluator(gulou):
    return make_user(gulou, "standards_officer")


def self_assess(hospital, standard, by, **overrides) -> C:
    values = {"organisation": hospital.organisation, "standard": standard, "result": C.Result.CONFORMS,
              "assessment": TEXT, "evidence_upload": None, "by": by}
    values.update(overrides)
    return conformance_self_assess(**values)


def test_std6_institution_submits_a_self_assessment(hospital, hospital_admin, in_force):
    evaluation = self_assess(hospital, in_force, hospital_admin, evidence_upload=png())
    assert (evaluation.status, evaluation.region_id, evaluation.self_result) == ("self_assessed", "350102", "conforms")
    assert evaluation.self_evidence.name.endswith(".png")
    assert evaluation.history.first().history_user == hospital_admin


def test_security_officer_may_self_assess_but_not_the_steward(hospital, in_force):
    assert self_assess(hospital, in_force, make_user(hospital.organisation, "security_officer")).pk
    with pytest.raises(errors.PermissionDenied):
        self_assess(hospital, make_standard("WS 9701-2024"), make_user(hospital.organisation, "data_steward"))


@pytest.mark.parametrize("status", [Standard.Status.ABOLISHED, Standard.Status.DRAFTING])
def test_refuses_a_standard_not_in_use(hospital, hospital_admin, status):
    with pytest.raises(errors.ValidationFailed) as caught:
        self_assess(hospital, make_standard("WS 9702-2020", status), hospital_admin)
    assert "WS 9702-2020" in caught.value.field_errors["standard"][0]
    assert not C.objects.exists()


def test_refuses_a_second_open_self_assessment_and_bad_input(hospital, hospital_admin, in_force):
    self_assess(hospital, in_force, hospital_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        self_assess(hospital, in_force, hospital_admin)
    assert "already open" in caught.value.field_errors["standard"][0]
    other = make_standard("WS 9703-2024")
    with pytest.raises(errors.ValidationFailed) as caught:
        self_assess(hospital, other, hospital_admin, assessment="短")
    assert "assessment" in caught.value.field_errors
    with pytest.raises(errors.ValidationFailed) as caught:
        self_assess(hospital, other, hospital_admin, evidence_upload=fake_pdf())
    assert "evidence" in caught.value.field_errors
    assert C.objects.count() == 1


def test_refuses_another_institutions_self_assessment(hospital, in_force, gulou):
    other = make_institution("350102")
    with pytest.raises(errors.PermissionDenied):
        self_assess(hospital, in_force, make_user(other.organisation, "institution_admin"))
    with pytest.raises(errors.PermissionDenied):
        self_assess(hospital, in_force, make_user(gulou, "standards_officer"))


@pytest.mark.parametrize(("level", "trigger", "points"), [
    (C.Level.EXCELLENT, "conformance.excellent", 5), (C.Level.GOOD, "conformance.passed", 3),
    (C.Level.PASS, "conformance.passed", 3),
])
def test_std6_m13_conforming_evaluation_raises_the_credit_event(hospital, hospital_admin, in_force, evaluator,
                                                                level, trigger, points):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    conformance_evaluate(evaluation=evaluation, result=C.Result.CONFORMS, level=level, findings="", by=evaluator)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.level, evaluation.evaluated_by) == ("evaluated", level, evaluator)
    [event] = CreditEvent.objects.filter(institution_id=hospital.pk)
    assert (event.rule.trigger, event.points, event.source_type, event.source_id) == (
        trigger, points, "standards.conformanceevaluation", str(evaluation.pk))
    assert event.source_url == f"/standards/conformance/{evaluation.pk}/" and in_force.code in event.description
    assert Institution.objects.get(pk=hospital.pk).credit_score == 100 + points


@pytest.mark.parametrize(("result", "level"), [(C.Result.PARTLY, C.Level.PASS), (C.Result.DOES_NOT, C.Level.FAIL)])
def test_std6_a_shortfall_raises_no_credit_event(hospital, hospital_admin, in_force, evaluator, result, level):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    conformance_evaluate(evaluation=evaluation, result=result, level=level, findings="数据元缺失", by=evaluator)
    assert not CreditEvent.objects.filter(institution_id=hospital.pk).exists()


def test_evaluation_refusals_leave_nothing_half_saved(hospital, hospital_admin, in_force, evaluator):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        conformance_evaluate(evaluation=evaluation, result=C.Result.DOES_NOT, level=C.Level.FAIL, findings=" ",
                             by=evaluator)
    assert "findings" in caught.value.field_errors
    with pytest.raises(errors.ValidationFailed) as caught:
        conformance_evaluate(evaluation=evaluation, result=C.Result.DOES_NOT, level=C.Level.EXCELLENT,
                             findings="x", by=evaluator)
    assert "level" in caught.value.field_errors
    evaluation.refresh_from_db()
    assert evaluation.status == "self_assessed" and evaluation.result == ""
    assert not CreditEvent.objects.exists()


@pytest.mark.parametrize(("who", "error"), [("outside", errors.NotFound), ("institution", errors.PermissionDenied),
                                            ("auditor", errors.PermissionDenied)])
def test_only_a_department_of_the_jurisdiction_evaluates(hospital, hospital_admin, in_force, xiamen, gulou, who,
                                                         error):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    user = {"outside": lambda: make_user(xiamen, "standards_officer"), "institution": lambda: hospital_admin,
            "auditor": lambda: make_user(gulou, "auditor")}[who]()
    with pytest.raises(error):
        conformance_evaluate(evaluation=evaluation, result="conforms", level="good", findings="", by=user)
    assert not CreditEvent.objects.exists()


def test_a_provincial_department_evaluates_below_it(hospital, hospital_admin, in_force, fujian):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    conformance_evaluate(evaluation=evaluation, result="conforms", level="good", findings="",
                         by=make_user(fujian, "standards_officer"))
    assert CreditEvent.objects.filter(institution_id=hospital.pk).count() == 1


def test_std6_return_and_resubmit_then_evaluate(hospital, hospital_admin, in_force, evaluator, django_capture_on_commit_callbacks):
    evaluation = self_assess(hospital, in_force, hospital_admin)
    with pytest.raises(errors.ValidationFailed):
        conformance_return(evaluation=evaluation, reason="", by=evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        conformance_return(evaluation=evaluation, reason="缺少第三方测评报告", by=evaluator)
    evaluation.refresh_from_db()
    assert evaluation.status == "returned" and evaluation.findings == "缺少第三方测评报告"
    assert Notification.objects.filter(recipient=hospital_admin).count() == 1
    with pytest.raises(errors.TransitionNotAllowed):
        conformance_evaluate(evaluation=evaluation, result="conforms", level="good", findings="", by=evaluator)
    with pytest.raises(errors.PermissionDenied):
        conformance_resubmit(evaluation=evaluation, result="conforms", assessment=TEXT, by=evaluator)
    conformance_resubmit(evaluation=evaluation, result="partly", assessment=TEXT + "补充报告。", evidence_upload=png(),
                         by=hospital_admin)
    evaluation.refresh_from_db()
    assert evaluation.status == "self_assessed" and evaluation.self_result == "partly"
    conformance_evaluate(evaluation=evaluation, result="conforms", level="excellent", findings="", by=evaluator)
    with pytest.raises(errors.TransitionNotAllowed):
        conformance_evaluate(evaluation=evaluation, result="conforms", level="excellent", findings="", by=evaluator)
    assert CreditEvent.objects.filter(institution_id=hospital.pk).count() == 1
