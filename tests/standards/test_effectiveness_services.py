"""Effectiveness assessment (STD-7, M.14): figures gathered, draft completed, decision keep / revise / abolish."""

import datetime

import pytest

from apps.core import errors
from apps.institutions.models import Institution
from apps.standards.models import EffectivenessAssessment, PublicComment, Standard
from apps.standards.services.conformance import conformance_evaluate
from apps.standards.services.effectiveness import assessment_decide, assessment_prepare, assessment_update
from tests.conftest import make_user
from tests.institutions.factories import make_institution
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import declare
from tests.standards.factories import make_standard
from tests.standards.test_conformance_services import self_assess

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force
A = EffectivenessAssessment


@pytest.fixture
def officer(national):
    return make_user(national, "standards_officer")


@pytest.fixture
def head(national):
    return make_user(national, "department_head")


def test_std7_prepare_gathers_adoption_conformance_and_comments(hospital, hospital_admin, in_force, officer, gulou):
    make_institution("350203", Institution.Status.ADMITTED)
    make_institution("350103", Institution.Status.APPLICANT)
    declare(hospital, in_force, hospital_admin)
    evaluated = self_assess(hospital, in_force, hospital_admin)
    conformance_evaluate(evaluation=evaluated, result="conforms", level="good", findings="",
                         by=make_user(gulou, "standards_officer"))
    other = make_institution("350102")
    self_assess(other, in_force, make_user(other.organisation, "institution_admin"))
    draft = make_standard("WS 9363.1-20XX", Standard.Status.PUBLIC_COMMENT)
    for answer in ("accepted", "accepted", "not_accepted", "pending"):
        PublicComment.objects.create(standard=draft, author_name="张三", author_email="z@example.cn", text="意见",
                                     answer=answer)
    assessment = assessment_prepare(standard=in_force, by=officer)
    assert (assessment.adopters, assessment.population, str(assessment.adoption_rate)) == (1, 3, "33.3")
    assert assessment.conformance_summary == {"evaluated": 1, "open": 1, "results": {"conforms": 1},
                                              "levels": {"good": 1}}
    assert assessment.comments_summary.startswith("4 public comments on the WS 9363.1 series (")
    assert "Accepted: 2" in assessment.comments_summary and "Not yet answered: 1" in assessment.comments_summary
    assert assessment.status == A.Status.DRAFT and assessment.created_by == officer


def test_prepare_refusals(in_force, officer, hospital_admin):
    for status in (Standard.Status.UNDER_REVISION, Standard.Status.DRAFTING, Standard.Status.ABOLISHED):
        with pytest.raises(errors.ValidationFailed):
            assessment_prepare(standard=make_standard(None, status), by=officer)
    assessment_prepare(standard=in_force, by=officer)
    with pytest.raises(errors.ValidationFailed) as caught:
        assessment_prepare(standard=in_force, by=officer)
    assert "already being prepared" in str(caught.value.message)
    with pytest.raises(errors.PermissionDenied):
        assessment_prepare(standard=in_force, by=hospital_admin)
    assert A.objects.count() == 1


def test_update_then_keep(in_force, officer, head):
    assessment = assessment_prepare(standard=in_force, by=officer)
    assessment_update(assessment=assessment, comments_summary="问题：字段定义不清", conclusion="总体适用", by=officer)
    with pytest.raises(errors.PermissionDenied):  # the officer prepares; the head decides
        assessment_decide(assessment=assessment, conclusion="", decision="keep", by=officer)
    decided = assessment_decide(assessment=assessment, conclusion="", decision="keep", by=head)
    assert (decided.status, decided.decision, decided.conclusion, decided.revision) == (
        "decided", "keep", "总体适用", None)
    in_force.refresh_from_db()
    assert in_force.status == Standard.Status.IN_FORCE
    with pytest.raises(errors.TransitionNotAllowed):
        assessment_update(assessment=assessment, comments_summary="", conclusion="", by=officer)


def test_decide_needs_a_conclusion_and_a_valid_decision(in_force, officer, head):
    assessment = assessment_prepare(standard=in_force, by=officer)
    with pytest.raises(errors.ValidationFailed) as caught:
        assessment_decide(assessment=assessment, conclusion=" ", decision="keep", by=head)
    assert "conclusion" in caught.value.field_errors
    with pytest.raises(errors.ValidationFailed):
        assessment_decide(assessment=assessment, conclusion="x", decision="ignore", by=head)
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_std7_revise_starts_a_revision_project(in_force, officer, head):
    assessment = assessment_prepare(standard=in_force, by=officer)
    decided = assessment_decide(assessment=assessment, conclusion="数据元需更新", decision="revise", by=head)
    in_force.refresh_from_db()
    assert in_force.status == Standard.Status.UNDER_REVISION
    assert decided.revision is not None and decided.revision.supersedes_id == in_force.pk
    assert decided.revision.status == Standard.Status.PROJECT and decided.decision == "revise"


def test_std7_abolish_abolishes_the_standard(in_force, officer, head):
    assessment = assessment_prepare(standard=in_force, by=officer)
    assessment_decide(assessment=assessment, conclusion="已被其他标准覆盖", decision="abolish", by=head)
    in_force.refresh_from_db()
    assert in_force.status == Standard.Status.ABOLISHED and in_force.abolished_on == datetime.date.today()


def test_std7_then_declaring_the_abolished_standard_is_refused(in_force, officer, head, hospital, hospital_admin):
    assessment_decide(assessment=assessment_prepare(standard=in_force, by=officer), conclusion="废止",
                      decision="abolish", by=head)
    with pytest.raises(errors.ValidationFailed) as caught:
        declare(hospital, Standard.objects.get(pk=in_force.pk), hospital_admin)
    assert "can no longer be declared" in str(caught.value.message)


def test_a_refused_lifecycle_move_leaves_the_assessment_a_draft(in_force, officer, head):
    assessment = assessment_prepare(standard=in_force, by=officer)
    Standard.objects.filter(pk=in_force.pk).update(status=Standard.Status.SUPERSEDED)  # moved meanwhile
    with pytest.raises((errors.TransitionNotAllowed, errors.ValidationFailed)):
        assessment_decide(assessment=assessment, conclusion="x", decision="abolish", by=head)
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.decision == ""
