"""A route from start to decision (SVC-2, SEC-4, SEC-9): starting it, naming reviewers, the declaration, each
decision and its effects, return and resubmission, refusal, withdrawal, the security assessment of an export,
reminders and the applicant's view of the route."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.catalog import timing
from apps.catalog.models import (
    ConflictDeclaration,
    DataGrant,
    DecisionLetter,
    ReviewComment,
    RouteRule,
    RouteStep,
    SharingApplication,
)
from apps.catalog.services import routing
from apps.core import errors, policy
from apps.notifications.models import Notification
from apps.workdays.services import deadline_after
from tests.conftest import make_user

from . import routing_helpers
from .factories import provider_institution
from .routing_helpers import apply_for, approve, case, name_and_declare, resource_of, resubmit, submit

pytestmark = pytest.mark.django_db
depts = routing_helpers.depts  # fixture
S = RouteStep.Status
A = SharingApplication.Status
DECIDE = "catalog.decide_routestep"


def _steps(application):
    return list(RouteStep.objects.filter(application=application).order_by("round", "order"))


def _status(application, round_=None):
    round_ = round_ or SharingApplication.objects.get(pk=application.pk).round
    return [step.status for step in RouteStep.objects.filter(application=application, round=round_).order_by("order")]


# --- starting the route ------------------------------------------------------------------------------------


def test_route_start_creates_the_round_and_starts_the_first_step_SVC_2(depts):
    fuzhou_admin = make_user(depts.fuzhou, "department_admin")
    c = case(depts, level=4)
    steps = _steps(c.application)
    assert [(s.round, s.order, s.kind, s.status) for s in steps] == [
        (1, 1, "provider", "active"), (1, 2, "provider_municipal", "waiting"), (1, 3, "provider_provincial", "waiting")]
    first = steps[0]
    assert first.due_on == deadline_after(first.activated_at, timing.STEP_WORKING_DAYS["provider"])
    assert first.covered_digest and first.resource_codes == [c.application.items.get().resource.code]
    assert Notification.objects.filter(recipient=c.provider_admin, url=f"/catalog/review/steps/{first.pk}/").exists()
    assert not Notification.objects.filter(recipient=fuzhou_admin).exists()  # not yet its turn
    assert Notification.objects.filter(recipient=c.applicant_admin, title__contains=c.application.number).exists()
    with pytest.raises(errors.TransitionNotAllowed):
        routing.route_start(c.application, by=c.applicant_admin)


def test_every_deciding_organisation_sees_the_application_SEC_4(depts):
    """Providers, the provider's municipal and provincial departments, the applicant's provincial department
    and the national department all see the application they decide on (policy scope, no extra grant)."""
    provider, _provider_admin = provider_institution("350102")
    applicant, applicant_admin = provider_institution("440104")
    national_admin = make_user(depts.national, "department_admin")
    from apps.catalog.services import rules as rule_services

    rule_services.rule_save(RouteRule.objects.get(priority=20), data={"steps": ["provider", "provider_municipal", "provider_provincial",
                                                            "applicant_provincial", "national"]},
                            reason="跨省高敏感数据报国家审核", by=national_admin)
    application = apply_for(applicant.organisation, resource_of(provider.organisation, 5), by=applicant_admin)
    steps = submit(application, by=applicant_admin)
    assert [s.kind for s in steps] == ["provider", "provider_municipal", "provider_provincial", "applicant_provincial",
                                       "national"]
    for step in steps:
        member = make_user(step.organisation, "reviewer" if step.organisation.kind == "department" else "submitter")
        assert policy.visible(member, SharingApplication, "catalog.view_sharingapplication").filter(
            pk=application.pk).exists(), step.kind
        assert policy.can_see(member, step), step.kind
    stranger = make_user(depts.xiamen, "reviewer")
    assert not policy.visible(stranger, SharingApplication, "catalog.view_sharingapplication").filter(
        pk=application.pk).exists()


# --- naming reviewers -----------------------------------------------------------------------------------------


def test_naming_reviewers_grants_and_replacing_revokes_SEC_4(depts):
    c = case(depts, level=3)
    step = c.steps[0]
    colleague = make_user(c.provider.organisation, "data_steward")
    routing.step_reviewers_assign(step, users=[c.provider_admin], by=c.provider_admin)
    assert c.provider_admin.has_perm(DECIDE, step)
    routing.step_reviewers_assign(step, users=[colleague], by=c.provider_admin)
    assert routing.step_reviewers(step) == [colleague]
    fresh = type(c.provider_admin).objects.get(pk=c.provider_admin.pk)
    assert not fresh.has_perm(DECIDE, step)
    assert Notification.objects.filter(recipient=colleague, url=f"/catalog/review/steps/{step.pk}/").exists()


def test_a_reviewer_from_the_applying_institution_cannot_be_named_SEC_4(depts):
    c = case(depts, level=3)
    step = c.steps[0]
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.step_reviewers_assign(step, users=[c.applicant_admin], by=c.provider_admin)
    assert "applying side" in raised.value.field_errors["users"][0]
    assert routing.step_reviewers(step) == []


def test_a_recipient_of_the_data_cannot_be_named_even_from_the_deciding_organisation_SEC_4(depts):
    provider, provider_admin = provider_institution("350102")
    applicant, applicant_admin = provider_institution("350203")
    insider = make_user(provider.organisation, "data_steward")
    application = apply_for(applicant.organisation, resource_of(provider.organisation, 2), by=applicant_admin,
                            recipients=[insider])
    step = submit(application, by=applicant_admin)[0]
    with pytest.raises(errors.ValidationFailed, match="applying side"):
        routing.step_reviewers_assign(step, users=[insider], by=provider_admin)


def test_only_the_steps_organisation_names_reviewers_SEC_4(depts):
    c = case(depts, level=3)
    provider_step = c.steps[0]
    outsider = make_user(depts.fujian, "reviewer")  # sees the step (jurisdiction) but is not the provider
    with pytest.raises(errors.PermissionDenied):
        routing.step_reviewers_assign(provider_step, users=[outsider], by=outsider)
    other_province = make_user(depts.guangdong, "reviewer")
    with pytest.raises(errors.NotFound):
        routing.step_reviewers_assign(provider_step, users=[other_province], by=other_province)
    plain = make_user(c.provider.organisation, "submitter")  # no assign_step_reviewers
    with pytest.raises(errors.PermissionDenied):
        routing.step_reviewers_assign(provider_step, users=[plain], by=plain)
    with pytest.raises(errors.ValidationFailed, match="not a member"):
        routing.step_reviewers_assign(provider_step, users=[outsider], by=c.provider_admin)
    roleless = make_user(c.provider.organisation)  # a member who cannot even read the step
    with pytest.raises(errors.ValidationFailed, match="no role that reads review steps"):
        routing.step_reviewers_assign(provider_step, users=[roleless], by=c.provider_admin)
    assert roleless not in routing.eligible_reviewers(provider_step)
    assert routing.step_reviewers(provider_step) == []


# --- declaring and deciding -----------------------------------------------------------------------------------


def test_only_a_named_reviewer_declares_once_SEC_4(depts):
    c = case(depts, level=2)
    step = c.steps[0]
    colleague = make_user(c.provider.organisation, "data_steward")
    with pytest.raises(errors.PermissionDenied):
        routing.conflict_declare(step, user=colleague, statement="无利益冲突")
    routing.step_reviewers_assign(step, users=[colleague], by=c.provider_admin)
    with pytest.raises(errors.ValidationFailed):
        routing.conflict_declare(step, user=colleague, statement="  ")
    routing.conflict_declare(step, user=colleague, statement="无利益冲突")
    with pytest.raises(errors.ValidationFailed, match="already declared"):
        routing.conflict_declare(step, user=colleague, statement="无利益冲突")
    assert ConflictDeclaration.objects.filter(step=step).count() == 1


def test_deciding_needs_the_declaration_first_SEC_4(depts):
    c = case(depts, level=2)
    step = c.steps[0]
    routing.step_reviewers_assign(step, users=[c.provider_admin], by=c.provider_admin)
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.step_decide(step, decision="approve", by=c.provider_admin)
    assert raised.value.code == "declaration_required"
    step.refresh_from_db()
    assert step.status == S.ACTIVE and step.decided_by is None


def test_a_reviewer_not_assigned_to_the_step_is_refused_403_SEC_4(depts):
    c = case(depts, level=2)
    step = c.steps[0]
    colleague = make_user(c.provider.organisation, "institution_admin")  # sees the step, holds no grant
    routing.step_reviewers_assign(step, users=[c.provider_admin], by=c.provider_admin)
    with pytest.raises(errors.PermissionDenied):
        routing.step_decide(step, decision="approve", by=colleague)
    step.refresh_from_db()
    assert step.status == S.ACTIVE


def test_a_step_the_user_cannot_see_is_404_SEC_4(depts):
    c = case(depts, level=2)
    _other, other_admin = provider_institution("350102")
    with pytest.raises(errors.NotFound):
        routing.step_decide(c.steps[0], decision="approve", by=other_admin)
    with pytest.raises(errors.NotFound):
        routing.conflict_declare(c.steps[0], user=other_admin, statement="无")


def test_nobody_from_the_applying_institution_decides_even_with_a_grant_SEC_4(depts):
    c = case(depts, level=2)
    step = c.steps[0]
    policy.grant(c.applicant_admin, DECIDE, step)  # a grant that should never exist
    ConflictDeclaration.objects.create(step=step, user=c.applicant_admin, statement="无")
    with pytest.raises(errors.PermissionDenied) as raised:
        routing.step_decide(step, decision="approve", by=c.applicant_admin)
    assert "applying institution" in str(raised.value.message)
    step.refresh_from_db()
    assert step.status == S.ACTIVE


@pytest.mark.parametrize(("decision", "comment", "conditions", "field"), [
    ("approve_with_conditions", "", "", "conditions"),
    ("approve", "", "仅限院内使用", "conditions"),
    ("return", "", "", "comment"),
    ("refuse", "   ", "", "comment"),
])
def test_conditions_and_reasons_are_required_and_nothing_is_saved_SVC_2(depts, decision, comment, conditions, field):
    c = case(depts, level=2)
    step = c.steps[0]
    name_and_declare(step, c.provider_admin)
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.step_decide(step, decision=decision, comment=comment, conditions=conditions,
                            field_comments={"purpose": "用途描述不具体"}, by=c.provider_admin)
    assert field in raised.value.field_errors
    step.refresh_from_db()
    assert step.status == S.ACTIVE and not ReviewComment.objects.filter(application=c.application).exists()
    assert SharingApplication.objects.get(pk=c.application.pk).status == A.IN_REVIEW


def test_comments_on_unknown_answers_are_refused_SVC_2(depts):
    c = case(depts, level=2)
    step = c.steps[0]
    name_and_declare(step, c.provider_admin)
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.step_decide(step, decision="return", comment="请补充", field_comments={"password": "x"},
                            by=c.provider_admin)
    assert "field_comments" in raised.value.field_errors
    with pytest.raises(errors.ValidationFailed):
        routing.step_decide(step, decision="nonsense", by=c.provider_admin)


def test_a_waiting_step_cannot_be_decided_yet_SVC_2(depts):
    c = case(depts, level=3)
    waiting = c.steps[1]
    reviewer = depts.reviewer("fuzhou")
    name_and_declare(waiting, reviewer)
    with pytest.raises(errors.TransitionNotAllowed):
        routing.step_decide(waiting, decision="approve", by=reviewer)


def test_approvals_move_the_route_on_and_the_last_approves_with_grant_and_letter_SVC_2(depts):
    c = case(depts, level=3)
    reviewer = depts.reviewer("fuzhou")
    provider_step, municipal_step = c.steps
    approve(provider_step, c.provider_admin, decision="approve_with_conditions", conditions="仅限院内分析")
    municipal_step.refresh_from_db()
    assert municipal_step.status == S.ACTIVE and municipal_step.due_on is not None
    assert SharingApplication.objects.get(pk=c.application.pk).status == A.IN_REVIEW
    assert Notification.objects.filter(recipient=reviewer, url=f"/catalog/review/steps/{municipal_step.pk}/").exists()
    approve(municipal_step, reviewer, comment="同意")
    application = SharingApplication.objects.get(pk=c.application.pk)
    assert application.status == A.APPROVED and application.decided_at is not None
    # The real grant and letter services of the other areas ran in the same transaction.
    grant = DataGrant.objects.get(application=application)
    assert "仅限院内分析" in grant.conditions
    assert DecisionLetter.objects.filter(application=application, kind="approval").exists()
    assert SharingApplication.history.filter(id=application.pk, status=A.APPROVED, history_user=reviewer).exists()


def test_the_last_approval_calls_the_grant_and_letter_contracts_SVC_2(depts):
    c = case(depts, level=2)
    with mock.patch("apps.catalog.services.grants.grant_create") as grant_create, \
            mock.patch("apps.catalog.services.letters.letter_issue") as letter_issue:
        approve(c.steps[0], c.provider_admin)
    application = SharingApplication.objects.get(pk=c.application.pk)
    grant_create.assert_called_once_with(application, by=c.provider_admin)
    letter_issue.assert_called_once_with(application, kind="approval", by=c.provider_admin)


def test_return_sends_the_application_back_with_comments_beside_the_answers_SVC_2(depts):
    c = case(depts, level=4)
    approve(c.steps[0], c.provider_admin)
    reviewer = depts.reviewer("fuzhou")
    approve(c.steps[1], reviewer, decision="return", comment="请补充伦理审查批件。",
            field_comments={"purpose": "用途需具体到研究问题", "documents": "缺少伦理审查批件", "items": " "})
    application = SharingApplication.objects.get(pk=c.application.pk)
    assert application.status == A.RETURNED
    assert _status(application) == ["approved", "returned", "waiting"]
    comments = {(row.field_name, row.text) for row in ReviewComment.objects.filter(application=application, round=1)}
    assert comments == {("", "请补充伦理审查批件。"), ("purpose", "用途需具体到研究问题"), ("documents", "缺少伦理审查批件")}
    assert Notification.objects.filter(recipient=c.applicant_admin, body__contains="请补充伦理审查批件。").exists()


def test_resubmission_carries_approvals_over_and_resumes_at_the_returning_step_SVC_2(depts):
    c = case(depts, level=4)
    approve(c.steps[0], c.provider_admin, decision="approve_with_conditions", conditions="仅限院内分析")
    reviewer = depts.reviewer("fuzhou")
    approve(c.steps[1], reviewer, decision="return", comment="请说明数据安全措施。")
    steps = resubmit(c.application, by=c.applicant_admin)
    assert [(s.round, s.kind, s.status) for s in steps] == [
        (2, "provider", "approved_with_conditions"), (2, "provider_municipal", "active"),
        (2, "provider_provincial", "waiting")]
    carried = steps[0]
    assert carried.decided_by == c.provider_admin and carried.conditions == "仅限院内分析"
    assert carried.decision_comment == routing._portal_text(gettext_lazy("Carried over from round %(round)s."),
                                                            {"round": 1})
    assert carried.decided_at == RouteStep.objects.get(pk=c.steps[0].pk).decided_at
    # The reviewer named in round 1 is named again; the declaration is asked again.
    assert routing.step_reviewers(steps[1]) == [reviewer]
    assert _status(c.application, 1) == ["approved_with_conditions", "returned", "cancelled"]
    routing.conflict_declare(steps[1], user=reviewer, statement="无利益冲突")
    routing.step_decide(steps[1], decision="approve", by=reviewer)
    assert _status(c.application, 2) == ["approved_with_conditions", "approved", "active"]


def test_changed_items_restart_the_whole_route_SVC_2(depts):
    c = case(depts, level=4)
    approve(c.steps[0], c.provider_admin)
    reviewer = depts.reviewer("fuzhou")
    approve(c.steps[1], reviewer, decision="return", comment="字段过多，请删减。")
    item = c.application.items.get()
    item.fields.set(item.fields.filter(name="字段甲"))
    steps = resubmit(c.application, by=c.applicant_admin)
    assert [s.status for s in steps] == ["active", "waiting", "waiting"]
    assert routing.step_reviewers(steps[0]) == [c.provider_admin]  # re-named automatically
    assert routing.step_reviewers(steps[1]) == [reviewer]


@pytest.mark.parametrize(("answer", "value"), [("legal_basis", "consent"), ("deidentification_method", "none"),
                                               ("security_measures", "只在办公电脑上分析。")])
def test_changed_answers_after_a_return_are_decided_again_by_earlier_steps_SVC_2(depts, answer, value):
    c = case(depts, level=4)
    approve(c.steps[0], c.provider_admin, decision="approve_with_conditions", conditions="仅限院内分析")
    approve(c.steps[1], depts.reviewer("fuzhou"), decision="return", comment="请修改。")
    SharingApplication.objects.filter(pk=c.application.pk).update(**{answer: value})
    c.application.refresh_from_db()
    steps = resubmit(c.application, by=c.applicant_admin)
    assert [s.status for s in steps] == ["active", "waiting", "waiting"]  # the provider approved other answers


def test_a_fully_approved_previous_round_still_has_one_step_decided_again_SVC_2(depts):
    c = case(depts, level=2)
    name_and_declare(c.steps[0], c.provider_admin)
    routing.step_decide(c.steps[0], decision="return", comment="请修改", by=c.provider_admin)
    steps = resubmit(c.application, by=c.applicant_admin)
    assert [s.status for s in steps] == ["active"]


def test_refusal_cancels_the_rest_and_issues_the_refusal_letter_SVC_2(depts):
    c = case(depts, level=4)
    approve(c.steps[0], c.provider_admin)
    reviewer = depts.reviewer("fuzhou")
    approve(c.steps[1], reviewer, decision="refuse", comment="研究目的与申请数据不相称。")
    application = SharingApplication.objects.get(pk=c.application.pk)
    assert application.status == A.REFUSED and application.refusal_reason == "研究目的与申请数据不相称。"
    assert _status(application) == ["approved", "refused", "cancelled"]
    assert DecisionLetter.objects.filter(application=application, kind="refusal").exists()
    assert not DataGrant.objects.filter(application=application).exists()


def test_route_cancel_cancels_the_undecided_steps_SVC_2(depts):
    c = case(depts, level=4)
    approve(c.steps[0], c.provider_admin)
    assert routing.route_cancel(c.application, by=c.applicant_admin) == 2
    assert _status(c.application) == ["approved", "cancelled", "cancelled"]


# --- export out of the country (SEC-9) ------------------------------------------------------------------------


def test_an_export_cannot_be_approved_until_the_security_assessment_is_recorded_SEC_9(depts):
    c = case(depts, level=2, cross_border=True, cross_border_destination="新加坡")
    step = c.steps[0]
    assert routing.route_explanation(c.application)[0]["awaiting_assessment"] is True
    with pytest.raises(errors.ValidationFailed) as raised:
        approve(step, c.provider_admin)
    assert raised.value.code == "security_assessment_required"
    step.refresh_from_db()
    assert step.status == S.ACTIVE
    # The provider may not record it; a department outside both parties' jurisdictions may not see it.
    with pytest.raises(errors.PermissionDenied):
        routing.security_assessment_record(c.application, reference="X", assessed_on=datetime.date(2026, 1, 5),
                                           by=c.provider_admin)
    with pytest.raises(errors.NotFound):
        routing.security_assessment_record(c.application, reference="X", assessed_on=datetime.date(2026, 1, 5),
                                           by=depts.reviewer("guangdong"))
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.security_assessment_record(c.application, reference=" ", assessed_on=routing.today()
                                           + datetime.timedelta(days=3), by=depts.reviewer("fujian"))
    assert set(raised.value.field_errors) == {"reference", "assessed_on"}
    recorded = routing.security_assessment_record(c.application, reference="闽网信评〔2026〕12号",
                                                  assessed_on=routing.today(), by=depts.reviewer("fujian"))
    assert recorded.security_assessment_recorded_by == depts.reviewer("fujian")
    assert SharingApplication.history.filter(id=c.application.pk, history_change_reason="security assessment recorded",
                                             history_user=depts.reviewer("fujian")).exists()
    routing.step_decide(step, decision="approve", by=c.provider_admin)
    assert SharingApplication.objects.get(pk=c.application.pk).status == A.APPROVED


def test_an_application_that_stays_in_the_country_needs_no_assessment_SEC_9(depts):
    c = case(depts, level=2)
    with pytest.raises(errors.ValidationFailed, match="does not export"):
        routing.security_assessment_record(c.application, reference="X", assessed_on=routing.today(),
                                           by=depts.reviewer("fuzhou"))


# --- deadlines, work lists, the applicant's view ----------------------------------------------------------


def test_reminders_go_once_to_the_reviewers_or_else_the_assigners_SVC_2(depts):
    c = case(depts, level=3)
    step = c.steps[0]
    RouteStep.objects.filter(pk=step.pk).update(due_on=routing.today() + datetime.timedelta(days=1))
    assert routing.step_reminders_send() == 1
    url = f"/catalog/review/steps/{step.pk}/"
    assert Notification.objects.filter(recipient=c.provider_admin, url=url).count() == 2  # started, reminded
    assert routing.step_reminders_send() == 0
    step.refresh_from_db()
    assert step.reminded_at is not None
    far = case(depts, level=2).steps[0]  # due in 10 working days: not yet
    assert routing.step_reminders_send() == 0
    far.refresh_from_db()
    assert far.reminded_at is None


def test_overdue_and_pending_selectors_SVC_2(depts):
    c = case(depts, level=3)
    step = c.steps[0]
    RouteStep.objects.filter(pk=step.pk).update(due_on=routing.today() - datetime.timedelta(days=1))
    assert list(routing.steps_overdue()) == [RouteStep.objects.get(pk=step.pk)]
    assert list(routing.steps_without_reviewers(c.provider_admin)) == [step]
    routing.step_reviewers_assign(step, users=[c.provider_admin], by=c.provider_admin)
    assert list(routing.steps_without_reviewers(c.provider_admin)) == []
    assert [row.pk for row in routing.steps_pending(c.provider_admin)] == [step.pk]
    reviewer = depts.reviewer("fuzhou")
    routing.step_reviewers_assign(c.steps[1], users=[reviewer], by=reviewer)
    assert [(row.pk, row.status) for row in routing.steps_pending(reviewer)] == [(c.steps[1].pk, "waiting")]


def test_the_applicant_sees_the_route_its_rules_and_every_decision_SVC_2(depts):
    c = case(depts, level=3)
    approve(c.steps[0], c.provider_admin, decision="approve_with_conditions", conditions="仅限院内分析")
    rows = routing.route_explanation(SharingApplication.objects.get(pk=c.application.pk))
    assert [(r["kind"], r["status"], r["decision"]) for r in rows] == [
        ("provider", "approved_with_conditions", "approve_with_conditions"), ("provider_municipal", "active", "")]
    assert rows[0]["conditions"] == "仅限院内分析" and rows[0]["organisation"] == c.provider.organisation.name
    assert rows[0]["rule"] == {"name": "Level 3", "priority": 40}
    assert rows[1]["due_on"] is not None and rows[1]["overdue"] is False
    assert rows[0]["resource_codes"] == [c.application.items.get().resource.code]
    assert all(r["current"] for r in rows)


def test_history_names_the_actor_of_every_step_change_SVC_2(depts):
    c = case(depts, level=2)
    approve(c.steps[0], c.provider_admin)
    reasons = list(RouteStep.history.filter(id=c.steps[0].pk).order_by("history_date")
                   .values_list("history_change_reason", "history_user_id"))
    assert reasons[0] == ("route computed at submission", c.applicant_admin.pk)
    assert ("decision: approve", c.provider_admin.pk) in reasons
    assert all(user is not None for _reason, user in reasons)
    assert timezone.now() >= RouteStep.objects.get(pk=c.steps[0].pk).decided_at
