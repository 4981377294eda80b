"""Proposals from anyone (STD-2): submission rules, rate limits, and the officers' decision."""

import pytest
from django.core import mail

from apps.core import errors
from apps.notifications.models import Notification
from apps.standards.models import Standard, StandardProposal
from apps.standards.services import proposals
from tests.standards import registry_helpers as helpers
from tests.standards.registry_helpers import S, issued

data_category, head, institution_user, officer, provincial_officer = (  # fixtures
    helpers.data_category, helpers.head, helpers.institution_user, helpers.officer, helpers.provincial_officer)

pytestmark = pytest.mark.django_db
P = StandardProposal
REASON = "基层医疗机构之间共享随访记录缺少统一的文档格式，需要制定标准。"


def new(**overrides) -> dict:
    values = {"kind": "new", "title": "慢性病随访共享文档规范", "reason": REASON, "content": "文档结构与数据元。",
              "proposer_name": "王小明", "proposer_email": "wang@example.cn", "proposer_organisation": ""}
    values.update(overrides)
    return values


def submit(client_key="203.0.113.7", by=None, **overrides) -> StandardProposal:
    return proposals.proposal_submit(data=new(**overrides), by=by, client_key=client_key)


def field_errors(call) -> dict:
    with pytest.raises(errors.ValidationFailed) as caught:
        call()
    return caught.value.field_errors


# --- submission -------------------------------------------------------------------------------------------


def test_anyone_may_propose_without_an_account_STD_2(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = submit()
    assert proposal.number.startswith("TY") and len(proposal.number) == 14
    assert proposal.status == P.Status.SUBMITTED and proposal.proposer is None
    assert proposal.history.get().history_user is None  # nobody signed in: no actor is invented
    assert [message.to for message in mail.outbox] == [["wang@example.cn"]]
    assert proposal.number in mail.outbox[0].body
    assert Notification.objects.filter(recipient=officer, url__endswith=f"/proposals/{proposal.pk}/").exists()


def test_numbers_are_serial_per_day():
    first, second = submit(), submit(proposer_email="li@example.cn")
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1 and first.number[:10] == second.number[:10]


def test_a_signed_in_proposer_is_linked_and_need_not_repeat_name_and_email(institution_user):
    proposal = submit(by=institution_user, proposer_name="", proposer_email="")
    assert proposal.proposer == institution_user
    assert (proposal.proposer_name, proposal.proposer_email) == (institution_user.full_name, institution_user.email)
    assert proposal.history.get().history_user == institution_user


def test_a_reason_is_required_and_must_say_something_STD_2():
    errors_ = field_errors(lambda: submit(reason="需要。", proposer_email="not-an-address", title=""))
    assert set(errors_) == {"reason", "proposer_email", "title"}
    assert not P.objects.exists()


def test_a_revision_names_a_published_standard_STD_2(data_category):
    target = Standard.objects.get(code="WS/T 500.1-2016")
    proposal = submit(kind="revision", target="ws/t 500.1—2016", title="")
    assert proposal.target == target and proposal.title == target.title and proposal.category == target.category
    assert "target" in field_errors(lambda: submit(kind="revision", target=""))
    assert "target" in field_errors(lambda: submit(kind="revision", target="WS/T 999-2020"))


@pytest.mark.parametrize("status, message", [
    (S.ABOLISHED, "cannot be revised"), (S.SUPERSEDED, "cannot be revised"),
    (S.UNDER_REVISION, "already being revised"), (S.PROJECT, "Name the published standard"),
])
def test_a_revision_of_an_abolished_superseded_revised_or_unpublished_standard_is_refused(status, message):
    target = issued("WS/T 90200-2020", status=status)
    errors_ = field_errors(lambda: submit(kind="revision", target=target.pk))
    assert message in str(errors_["target"][0])
    assert not P.objects.exists()


def test_rate_limit_per_client_address_STD_2():
    for number in range(proposals.PROPOSALS_PER_CLIENT_PER_HOUR):
        submit(proposer_email=f"p{number}@example.cn")
    with pytest.raises(proposals.ProposalThrottled) as caught:
        submit(proposer_email="another@example.cn")
    assert caught.value.status_code == 429
    assert P.objects.count() == proposals.PROPOSALS_PER_CLIENT_PER_HOUR
    assert submit(client_key="198.51.100.1", proposer_email="another@example.cn")  # another network


def test_rate_limit_per_email_address_whatever_the_network():
    for number in range(proposals.PROPOSALS_PER_EMAIL_PER_DAY):
        submit(client_key=f"192.0.2.{number}", proposer_email="Same@Example.cn")
    with pytest.raises(proposals.ProposalThrottled):
        submit(client_key="192.0.2.200", proposer_email="same@example.cn")


def test_refused_submissions_do_not_count_against_the_limit():
    for _ in range(proposals.PROPOSALS_PER_CLIENT_PER_HOUR + 2):
        with pytest.raises(errors.ValidationFailed):
            submit(reason="短")
    assert submit()


# --- decision -------------------------------------------------------------------------------------------


def test_accepting_a_new_standard_registers_a_project_STD_2_STD_1(officer, data_category,
                                                                   django_capture_on_commit_callbacks):
    proposal = submit(category=data_category.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decided = proposals.proposal_decide(proposal=proposal, accept=True, reason="", by=officer)
    project = decided.project
    assert decided.status == P.Status.ACCEPTED and decided.decided_by == officer
    assert project.status == S.PROJECT and project.code == "WS/T XXX-20XX" and project.title == proposal.title
    assert project.category == data_category and project.responsible_department == officer.organisation
    assert mail.outbox[0].to == ["wang@example.cn"] and "WS/T XXX-20XX" in mail.outbox[0].body


def test_accepting_with_project_data_uses_it(officer, data_category):
    proposal = submit()
    decided = proposals.proposal_decide(proposal=proposal, accept=True, reason="", by=officer, project_data={
        "code": "WS 90300-20XX", "title": "正式项目名称", "category": data_category.pk})
    assert (decided.project.code, decided.project.title, decided.project.nature) == (
        "WS 90300-20XX", "正式项目名称", Standard.Nature.MANDATORY)


def test_accepting_a_new_standard_without_a_category_asks_for_one(officer):
    proposal = submit()
    assert "category" in field_errors(lambda: proposals.proposal_decide(proposal=proposal, accept=True, reason="",
                                                                        by=officer))
    proposal.refresh_from_db()
    assert proposal.status == P.Status.SUBMITTED and not Standard.objects.filter(code="WS/T XXX-20XX").exists()


def test_accepting_a_revision_starts_the_revision_of_its_target_STD_2(officer):
    target = Standard.objects.get(code="WS/T 500.6-2016")
    proposal = submit(kind="revision", target=target.code)
    decided = proposals.proposal_decide(proposal=proposal, accept=True, reason="同意修订", by=officer)
    project = decided.project
    target.refresh_from_db()
    assert target.status == S.UNDER_REVISION
    assert project.supersedes == target and project.series == target.series == "WS/T 500.6"
    assert project.code == "WS/T 500.6-20XX" and project.category == target.category
    assert project.status == S.PROJECT


def test_a_revision_whose_target_was_abolished_meanwhile_cannot_be_accepted(officer):
    target = issued("WS/T 90400-2020")
    proposal = submit(kind="revision", target=target.code)
    Standard.objects.filter(pk=target.pk).update(status=S.ABOLISHED)
    with pytest.raises(errors.TransitionNotAllowed):
        proposals.proposal_decide(proposal=proposal, accept=True, reason="", by=officer)
    proposal.refresh_from_db()
    assert proposal.status == P.Status.SUBMITTED and proposal.project is None


def test_rejecting_needs_reasons_and_tells_the_proposer(officer, django_capture_on_commit_callbacks):
    proposal = submit()
    errors_ = field_errors(lambda: proposals.proposal_decide(proposal=proposal, accept=False, reason=" 不 ", by=officer))
    assert "reason" in errors_
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decided = proposals.proposal_decide(proposal=proposal, accept=False, reason="现行标准WS/T 483已经覆盖该内容。",
                                            by=officer)
    assert decided.status == P.Status.REJECTED and decided.project is None
    assert "WS/T 483" in mail.outbox[0].body and decided.history.first().history_user == officer


def test_a_decided_proposal_cannot_be_decided_again(officer):
    proposal = submit()
    proposals.proposal_decide(proposal=proposal, accept=False, reason="不符合卫生健康信息标准范围。", by=officer)
    with pytest.raises(errors.TransitionNotAllowed):
        proposals.proposal_decide(proposal=proposal, accept=True, reason="", by=officer)


def test_only_standards_officers_decide(head, institution_user):
    proposal = submit()
    for user in (head, institution_user):
        with pytest.raises((errors.PermissionDenied, errors.NotFound)):
            proposals.proposal_decide(proposal=proposal, accept=False, reason="不符合卫生健康信息标准范围。", by=user)
    proposal.refresh_from_db()
    assert proposal.status == P.Status.SUBMITTED


def test_officers_of_the_target_department_are_told_first(provincial_officer, officer, fujian):
    target = issued("DB35/T 90500-2020", responsible_department=fujian)
    proposal = submit(kind="revision", target=target.code)
    assert proposals.proposal_officers(proposal) == [provincial_officer]
    assert proposals.proposal_officers(submit(proposer_email="x@example.cn")) == [officer]


def test_a_revision_proposal_is_decided_only_by_the_custodian_of_its_target(provincial_officer, officer, fujian,
                                                                            xiamen):
    """Rejecting (or accepting) the revision of a standard is a decision about that standard: a city below the responsible
    province, or a province for a national standard, may not take it; the responsible department or one above it may."""
    from tests.conftest import make_user

    local = issued("DB35/T 90510-2020", responsible_department=fujian)
    national_one = issued("WS/T 90511-2020")
    to_revise_local = submit(kind="revision", target=local.code)
    to_revise_national = submit(kind="revision", target=national_one.code, proposer_email="y@example.cn")
    other_city = make_user(xiamen, "standards_officer")
    for user, proposal in ((other_city, to_revise_local), (provincial_officer, to_revise_national)):
        with pytest.raises(errors.PermissionDenied):
            proposals.proposal_decide(proposal=proposal, accept=False, reason="不符合卫生健康信息标准范围。", by=user)
        proposal.refresh_from_db()
        assert proposal.status == P.Status.SUBMITTED and not proposals.proposal_may_decide(user, proposal)
    decided = proposals.proposal_decide(proposal=to_revise_local, accept=False, reason="本省暂不修订该标准。",
                                        by=provincial_officer)
    assert decided.status == P.Status.REJECTED
    assert proposals.proposal_may_decide(officer, to_revise_national)
