"""The lifecycle services (STD-1, STD-3): the whole path with real object grants, and each refusal leaving
nothing half-saved."""

import datetime

import pytest

from apps.core import errors, policy
from apps.standards.models import ExpertReviewer, PublicComment, Standard, WorkingGroupMember
from apps.standards.services import lifecycle, participation
from tests.institutions.uploads import fake_pdf, pdf
from tests.standards import lifecycle_helpers as helpers
from tests.standards.lifecycle_helpers import (
    TODAY,
    comment,
    drive_to,
    on,
    open_comment,
    project,
    start,
    upload_text,
    vote_all,
)

people, today = helpers.people, helpers.today  # fixtures

pytestmark = pytest.mark.django_db
S = Standard.Status
LEAD, MEMBER = WorkingGroupMember.Role.LEAD, WorkingGroupMember.Role.MEMBER


def said(error) -> str:
    """Everything a domain error tells the user: its message and its field messages."""
    return " ".join([str(error.message), *(str(m) for texts in error.field_errors.values() for m in texts)])


def reasons(standard):
    return [(row.status, row.history_change_reason, row.history_user_id)
            for row in standard.history.order_by("history_date", "history_id")]


def test_whole_path_from_project_to_in_force_names_every_actor_STD_1_STD_3(national, people):
    standard = drive_to(S.IN_FORCE, national, people)
    assert standard.status == S.IN_FORCE and standard.code.startswith("WS/T ")
    steps = [(status, reason, user) for status, reason, user in reasons(standard) if reason]
    officer, head, lead = people["officer"].pk, people["head"].pk, people["lead"].pk
    assert (S.DRAFTING, "drafting started", officer) in steps
    assert (S.DRAFTING, "draft text uploaded", lead) in steps
    assert (S.PUBLIC_COMMENT, "public comment opened", officer) in steps
    assert (S.EXPERT_REVIEW, "public comment closed, expert review", officer) in steps
    assert (S.APPROVAL, "expert review closed, sent to approval", officer) in steps
    assert any(status == S.PUBLISHED and reason.startswith("published") and user == head
               for status, reason, user in steps)
    assert (S.IN_FORCE, "came into force", head) in steps
    assert all(user is not None for _status, _reason, user in steps)


def test_drafter_of_an_institution_edits_the_draft_through_the_object_grant_STD_3(national, people, today):
    standard = start(project(national), people)
    assert policy.can(people["drafter"], "standards.edit_draft", standard)
    participation.draft_update(standard=standard, title="新标题", title_en="New title", scope_note="范围",
                               text_upload=pdf("草案.pdf"), by=people["drafter"])
    standard.refresh_from_db()
    assert standard.title == "新标题" and standard.text_name == "草案.pdf" and standard.text.name.endswith(".pdf")
    assert "草案" not in standard.text.name  # stored under its content hash


def test_stranger_cannot_edit_the_draft_STD_3(national, people, today):
    standard = start(project(national), people)
    with pytest.raises(errors.PermissionDenied):
        participation.draft_update(standard=standard, title="篡改", by=people["stranger"])
    standard.refresh_from_db()
    assert standard.title != "篡改"


def test_draft_text_is_checked_by_content(national, people, today):
    standard = start(project(national), people)
    with pytest.raises(errors.ValidationFailed) as caught:
        participation.draft_update(standard=standard, title="t", text_upload=fake_pdf(), by=people["lead"])
    assert "text_upload" in caught.value.field_errors
    standard.refresh_from_db()
    assert not standard.text


def test_draft_cannot_be_edited_outside_drafting(national, people, today):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with pytest.raises(errors.TransitionNotAllowed):
        participation.draft_update(standard=standard, title="迟到的修改", by=people["lead"])


def test_working_group_needs_two_organisations_and_a_lead_STD_3(national, people, today):
    standard = project(national)
    same_org = [(people["lead"], LEAD), (people["stranger"], MEMBER)]  # both of the hospital
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_start_drafting(standard=standard, members=same_org, by=people["officer"])
    assert "at least 2 different organisations" in said(caught.value)
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_start_drafting(standard=standard, by=people["officer"],
                                          members=[(people["lead"], MEMBER), (people["drafter"], MEMBER)])
    assert "lead drafter" in said(caught.value)
    standard.refresh_from_db()
    assert standard.status == S.PROJECT and not WorkingGroupMember.objects.exists()
    assert not policy.can(people["lead"], "standards.edit_draft", standard)


def test_only_an_officer_starts_drafting(national, people, today):
    standard = project(national)
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_start_drafting(standard=standard, by=people["head"],
                                          members=[(people["lead"], LEAD), (people["drafter"], MEMBER)])
    assert not WorkingGroupMember.objects.exists()


def test_removed_member_loses_the_grant_but_the_only_lead_stays(national, people, today):
    standard = start(project(national), people)
    extra = people["experts"][0]
    participation.working_group_add(standard=standard, user=extra, role=MEMBER, by=people["officer"])
    assert policy.can(extra, "standards.edit_draft", standard)
    participation.working_group_remove(standard=standard, user=extra, by=people["officer"])
    assert not policy.can(extra, "standards.edit_draft", standard)
    with pytest.raises(errors.ValidationFailed) as caught:
        participation.working_group_remove(standard=standard, user=people["lead"], by=people["officer"])
    assert "only lead drafter" in said(caught.value)
    with pytest.raises(errors.ValidationFailed) as caught:
        participation.working_group_remove(standard=standard, user=people["drafter"], by=people["officer"])
    assert "2 organisations" in said(caught.value)
    assert policy.can(people["lead"], "standards.edit_draft", standard)
    assert WorkingGroupMember.objects.filter(standard=standard).count() == 2


def test_demoting_the_only_lead_is_refused_promoting_another_first_works(national, people, today):
    standard = start(project(national), people)
    with pytest.raises(errors.ValidationFailed) as caught:
        participation.working_group_add(standard=standard, user=people["lead"], role=MEMBER, by=people["officer"])
    assert "only lead" in said(caught.value)
    participation.working_group_add(standard=standard, user=people["drafter"], role=LEAD, by=people["officer"])
    participation.working_group_add(standard=standard, user=people["lead"], role=MEMBER, by=people["officer"])
    roles = dict(WorkingGroupMember.objects.values_list("user_id", "role"))
    assert roles == {people["lead"].pk: MEMBER, people["drafter"].pk: LEAD}


# --- public comment --------------------------------------------------------------------------------------


def test_comment_period_needs_the_text_and_thirty_days(national, people, today):
    standard = start(project(national), people)
    with pytest.raises(errors.ValidationFailed) as caught:
        open_comment(standard, people)
    assert "text" in caught.value.field_errors
    upload_text(standard, people)
    with pytest.raises(errors.ValidationFailed) as caught:
        open_comment(standard, people, days=29)
    assert "at least 30 days" in str(caught.value.field_errors["closes_on"][0])
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_open_comment(standard=standard, opens_on=TODAY - datetime.timedelta(days=1),
                                        closes_on=TODAY + datetime.timedelta(days=60), by=people["officer"])
    assert "opens_on" in caught.value.field_errors
    standard.refresh_from_db()
    assert standard.status == S.DRAFTING and standard.comment_opens_on is None
    assert open_comment(standard, people).status == S.PUBLIC_COMMENT


def test_comment_before_and_after_the_period_is_refused_with_the_dates_STD_3(national, people):
    standard = drive_to(S.DRAFTING, national, people)
    with on(TODAY):
        upload_text(standard, people)
        lifecycle.standard_open_comment(standard=standard, opens_on=TODAY + datetime.timedelta(days=5),
                                        closes_on=TODAY + datetime.timedelta(days=40), by=people["officer"])
        with pytest.raises(errors.TransitionNotAllowed, match="comments are accepted from 2025-03-08"):
            comment(standard)
    with on(TODAY + datetime.timedelta(days=41)), pytest.raises(errors.TransitionNotAllowed,
                       match=r"The comment period ran from 2025-03-08 to 2025-04-12; it has closed\."):
        comment(standard)
    with on(TODAY + datetime.timedelta(days=40)):
        assert comment(standard, by=None).author is None
    assert PublicComment.objects.count() == 1


def test_comment_on_a_draft_not_open_for_comment_is_refused(national, people, today):
    standard = start(project(national), people)
    with pytest.raises(errors.TransitionNotAllowed, match="not open for public comment"):
        comment(standard)


def test_comment_needs_name_email_and_text_and_is_rate_limited(national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        with pytest.raises(errors.ValidationFailed) as caught:
            comment(standard, author_name=" ", author_email="not-an-address", text="")
        assert set(caught.value.field_errors) == {"author_name", "author_email", "text"}
        for _ in range(participation.COMMENTS_PER_HOUR):
            comment(standard, client_key="203.0.113.9")
        with pytest.raises(errors.ValidationFailed) as caught:
            comment(standard, client_key="203.0.113.9")
        assert "Too many comments" in said(caught.value)
        comment(standard, client_key="203.0.113.10")
    assert PublicComment.objects.filter(standard=standard).count() == participation.COMMENTS_PER_HOUR + 1


def test_unanswered_comments_block_closing_and_the_message_counts_them_STD_3(national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        first, second = comment(standard), comment(standard, text="第二条意见")
    with on(TODAY + datetime.timedelta(days=29)), pytest.raises(errors.ValidationFailed, match="runs until 2025-04-01"):
        lifecycle.standard_close_comment(standard=standard, by=people["officer"])
    with on(TODAY + datetime.timedelta(days=30)):
        with pytest.raises(errors.ValidationFailed) as caught:
            lifecycle.standard_close_comment(standard=standard, by=people["officer"])
        assert "2 comment" in said(caught.value)
        participation.comment_answer(comment=first, answer="accepted", by=people["officer"])
        with pytest.raises(errors.ValidationFailed) as caught:
            lifecycle.standard_close_comment(standard=standard, by=people["officer"])
        assert "1 comment" in said(caught.value)
        participation.comment_answer(comment=second, answer="not_accepted", reason="超出范围", by=people["drafter"])
        assert lifecycle.standard_close_comment(standard=standard, by=people["officer"]).status == S.EXPERT_REVIEW


def test_partial_or_refused_answer_needs_a_reason_and_a_stranger_cannot_answer(national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        row = comment(standard)
        with pytest.raises(errors.ValidationFailed) as caught:
            participation.comment_answer(comment=row, answer="partly", reason=" ", by=people["lead"])
        assert "reason" in caught.value.field_errors
        with pytest.raises(errors.PermissionDenied):
            participation.comment_answer(comment=row, answer="accepted", by=people["stranger"])
        row.refresh_from_db()
        assert row.answer == "pending" and row.answered_by is None
        participation.comment_answer(comment=row, answer="partly", reason="部分采纳", by=people["lead"])
        row.refresh_from_db()
        assert row.answer == "partly" and row.answered_by == people["lead"]


# --- expert review -----------------------------------------------------------------------------------------


def test_vote_by_a_non_reviewer_is_refused_with_a_clear_message_STD_3(national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    with pytest.raises(errors.PermissionDenied, match="Only the experts appointed to review"):
        participation.opinion_submit(standard=standard, opinion="我也想投票", vote="reject", by=people["stranger"])
    with pytest.raises(errors.PermissionDenied):
        participation.opinion_submit(standard=standard, opinion="x", vote="approve", by=people["officer"])
    assert not standard.review_opinions.exists()


def test_removed_reviewer_loses_the_grant_and_the_vote(national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    gone = people["experts"][0]
    participation.opinion_submit(standard=standard, opinion="同意", vote="approve", by=gone)
    participation.expert_remove(standard=standard, user=gone, by=people["officer"])
    assert not policy.can(gone, "standards.review_standard", standard)
    assert not ExpertReviewer.objects.filter(standard=standard, user=gone).exists()
    with pytest.raises(errors.PermissionDenied):
        participation.opinion_submit(standard=standard, opinion="再投一次", vote="approve", by=gone)
    assert lifecycle.vote_tally(standard)["voted"] == 0


def test_an_expert_updates_their_own_opinion_until_the_review_closes(national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    expert = people["experts"][0]
    participation.opinion_submit(standard=standard, opinion="初步意见", vote="reject", by=expert)
    participation.opinion_submit(standard=standard, opinion="修改后同意", vote="changes", by=expert)
    assert list(standard.review_opinions.values_list("vote", "opinion")) == [("changes", "修改后同意")]
    vote_all(standard, people)
    with on(TODAY + datetime.timedelta(days=30)):
        lifecycle.standard_send_to_approval(standard=standard, by=people["officer"])
    with pytest.raises(errors.TransitionNotAllowed):
        participation.opinion_submit(standard=standard, opinion="太迟了", vote="reject", by=expert)


def test_approval_needs_every_vote_and_a_majority(national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    participation.opinion_submit(standard=standard, opinion="同意", vote="approve", by=people["experts"][0])
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_send_to_approval(standard=standard, by=people["officer"])
    assert "2 of 3 appointed experts have not voted" in said(caught.value)
    vote_all(standard, people, votes=("approve", "reject", "reject"))
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_send_to_approval(standard=standard, by=people["officer"])
    assert "Only 1 of 3 experts approve" in said(caught.value)
    standard.refresh_from_db()
    assert standard.status == S.EXPERT_REVIEW


def test_approval_needs_three_experts(national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    participation.expert_remove(standard=standard, user=people["experts"][2], by=people["officer"])
    for expert in people["experts"][:2]:
        participation.opinion_submit(standard=standard, opinion="同意", vote="approve", by=expert)
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_send_to_approval(standard=standard, by=people["officer"])
    assert "At least 3 experts" in said(caught.value)


def test_send_back_needs_a_reason_and_clears_the_votes(national, people):
    standard = drive_to(S.APPROVAL, national, people)
    with pytest.raises(errors.ValidationFailed):
        lifecycle.standard_send_back(standard=standard, reason=" ", by=people["head"])
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_send_back(standard=standard, reason="不同意", by=people["officer"])
    standard = lifecycle.standard_send_back(standard=standard, reason="术语需统一", by=people["head"])
    assert standard.status == S.DRAFTING and not standard.review_opinions.exists()
    assert standard.history.first().history_change_reason == "sent back to drafting: 术语需统一"


# --- publication, force, revision, end of life --------------------------------------------------------------


def test_publishing_by_a_non_head_is_refused_STD_3(national, people):
    standard = drive_to(S.APPROVAL, national, people)
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_publish(standard=standard, code="WS/T 999-2025", published_on=TODAY,
                                   in_force_on=TODAY, by=people["officer"])
    standard.refresh_from_db()
    assert standard.status == S.APPROVAL and standard.published_on is None


@pytest.mark.parametrize(("code", "published", "in_force", "field"), [
    ("not a code", TODAY, TODAY, "code"),
    ("WS/T 999-2024", TODAY, TODAY, "code"),  # the year must be the year of publication
    ("WS/T 999-2025", TODAY, TODAY - datetime.timedelta(days=1), "in_force_on"),
    ("WS/T 999-2025", None, TODAY, "published_on"),
])
def test_publication_checks_code_and_dates(national, people, code, published, in_force, field):
    standard = drive_to(S.APPROVAL, national, people)
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_publish(standard=standard, code=code, published_on=published, in_force_on=in_force,
                                   by=people["head"])
    assert field in caught.value.field_errors
    standard.refresh_from_db()
    assert standard.status == S.APPROVAL


def test_final_code_must_be_unique_and_is_normalised(national, people):
    from tests.standards.factories import make_standard

    make_standard("WS/T 9777-2025")
    standard = drive_to(S.APPROVAL, national, people)
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_publish(standard=standard, code="ws/t 9777—2025", published_on=TODAY, in_force_on=TODAY,
                                   by=people["head"])
    assert "already registered" in said(caught.value)
    standard = lifecycle.standard_publish(standard=standard, code="ws/t 9778—2025", published_on=TODAY,
                                          in_force_on=TODAY, by=people["head"])
    assert standard.code == "WS/T 9778-2025" and standard.status == S.PUBLISHED
    assert not policy.can(people["lead"], "standards.edit_draft", standard)  # the procedure is over


def test_bring_into_force_waits_for_the_date(national, people):
    standard = drive_to(S.PUBLISHED, national, people)
    with on(standard.in_force_on - datetime.timedelta(days=1)), pytest.raises(errors.ValidationFailed,
                                                                             match="comes into force on"):
        lifecycle.standard_bring_into_force(standard=standard, by=people["head"])
    with on(standard.in_force_on), pytest.raises(errors.PermissionDenied):
        lifecycle.standard_bring_into_force(standard=standard, by=people["officer"])
    standard.refresh_from_db()
    assert standard.status == S.PUBLISHED


def test_supersedes_only_when_the_new_version_comes_into_force_STD_1(national, people):
    from tests.standards.factories import make_standard

    old = make_standard("WS/T 9800-2016", S.IN_FORCE)
    new = drive_to(S.PUBLISHED, national, people, standard=project(national, supersedes=old))
    old.refresh_from_db()
    assert old.status == S.IN_FORCE  # published, not yet in force: the old one still applies
    with on(new.in_force_on):
        lifecycle.standard_bring_into_force(standard=new, by=people["head"])
    old.refresh_from_db()
    assert old.status == S.SUPERSEDED
    assert old.history.first().history_change_reason == f"superseded by {new.code}"
    assert old.history.first().history_user == people["head"]


def test_nightly_job_brings_the_due_ones_into_force_as_the_system_account(national, people):
    from apps.accounts.services import system_account
    from tests.standards.factories import make_standard

    due = make_standard(status=S.PUBLISHED, published_on=TODAY, in_force_on=TODAY)
    later = make_standard(status=S.PUBLISHED, published_on=TODAY, in_force_on=TODAY + datetime.timedelta(days=1))
    old = make_standard("WS 9801-2010", S.UNDER_REVISION)
    revision = make_standard("WS 9801-2025", S.PUBLISHED, published_on=TODAY, in_force_on=TODAY, supersedes=old)
    drafting = make_standard(status=S.DRAFTING, in_force_on=TODAY)
    with on(TODAY):
        done = lifecycle.standards_bring_into_force_due()
    assert sorted(done) == sorted([due.pk, revision.pk])
    statuses = dict(Standard.objects.values_list("pk", "status"))
    assert statuses[due.pk] == S.IN_FORCE and statuses[revision.pk] == S.IN_FORCE
    assert statuses[later.pk] == S.PUBLISHED and statuses[drafting.pk] == S.DRAFTING
    assert statuses[old.pk] == S.SUPERSEDED
    assert due.history.first().history_user == system_account()


def test_the_task_calls_the_nightly_service(national, people):
    from apps.standards.tasks import bring_into_force
    from tests.standards.factories import make_standard

    due = make_standard(status=S.PUBLISHED, published_on=TODAY, in_force_on=TODAY)
    with on(TODAY):
        assert bring_into_force.run() == [due.pk]


def test_abolish_by_a_head_with_reason_and_date(national, people):
    from tests.standards.factories import make_standard

    standard = make_standard(status=S.IN_FORCE, published_on=TODAY)
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_abolish(standard=standard, reason="过时", abolished_on=TODAY, by=people["officer"])
    with pytest.raises(errors.ValidationFailed) as caught:
        lifecycle.standard_abolish(standard=standard, reason="", abolished_on=TODAY - datetime.timedelta(days=1),
                                   by=people["head"])
    assert set(caught.value.field_errors) == {"reason", "abolished_on"}
    standard = lifecycle.standard_abolish(standard=standard, reason="过时", abolished_on=TODAY, by=people["head"])
    assert standard.status == S.ABOLISHED and standard.abolished_on == TODAY


def test_withdrawing_a_project_ends_the_grants(national, people, today):
    standard = start(project(national), people)
    with pytest.raises(errors.ValidationFailed):
        lifecycle.standard_withdraw_project(standard=standard, reason="", by=people["officer"])
    standard = lifecycle.standard_withdraw_project(standard=standard, reason="立项撤销", by=people["officer"])
    assert standard.status == S.WITHDRAWN
    assert not policy.can(people["lead"], "standards.edit_draft", standard)


@pytest.mark.parametrize(("status", "call"), [
    (S.PROJECT, lambda s, p: open_comment(s, p)),
    (S.DRAFTING, lambda s, p: lifecycle.standard_close_comment(standard=s, by=p["officer"])),
    (S.PUBLIC_COMMENT, lambda s, p: lifecycle.standard_send_to_approval(standard=s, by=p["officer"])),
    (S.EXPERT_REVIEW, lambda s, p: lifecycle.standard_publish(standard=s, code="WS 1-2025", published_on=TODAY,
                                                               in_force_on=TODAY, by=p["head"])),
    (S.APPROVAL, lambda s, p: lifecycle.standard_bring_into_force(standard=s, by=p["head"])),
    (S.IN_FORCE, lambda s, p: lifecycle.standard_send_back(standard=s, reason="x", by=p["head"])),
    (S.SUPERSEDED, lambda s, p: lifecycle.standard_abolish(standard=s, reason="x", abolished_on=TODAY,
                                                           by=p["head"])),
    (S.IN_FORCE, lambda s, p: lifecycle.standard_withdraw_project(standard=s, reason="x", by=p["officer"])),
    (S.ABOLISHED, lambda s, p: lifecycle.standard_revision_start(standard=s, reason="x", by=p["officer"])),
    (S.DRAFTING, lambda s, p: start(s, p)),
])
def test_illegal_transitions_are_refused_and_change_nothing_STD_1(national, people, status, call):
    from tests.standards.factories import make_standard

    standard = make_standard(status=status, responsible_department=national)
    with on(TODAY), pytest.raises(errors.TransitionNotAllowed):
        call(standard, people)
    standard.refresh_from_db()
    assert standard.status == status and standard.history.count() == 1


def test_revision_registers_a_project_in_the_same_series_and_the_old_stays_valid_STD_7(national, people):
    from tests.standards.factories import make_standard

    old = make_standard("WS 9363.1-2011", S.IN_FORCE, published_on=datetime.date(2011, 1, 1),
                        in_force_on=datetime.date(2011, 6, 1), responsible_department=national)
    with pytest.raises(errors.ValidationFailed):
        lifecycle.standard_revision_start(standard=old, reason=" ", by=people["officer"])
    revision = lifecycle.standard_revision_start(standard=old, reason="复审结论：修订", by=people["head"])
    old.refresh_from_db()
    assert old.status == S.UNDER_REVISION and old.is_adoptable
    assert revision.status == S.PROJECT and revision.supersedes == old and revision.code == "WS 9363.1-20XX"
    assert revision.category == old.category and revision.history.first().history_user == people["head"]
    with pytest.raises(errors.TransitionNotAllowed):
        lifecycle.standard_revision_start(standard=old, reason="again", by=people["officer"])
    lifecycle.standard_withdraw_project(standard=revision, reason="不再修订", by=people["officer"])
    old.refresh_from_db()
    assert old.status == S.IN_FORCE
    assert old.history.first().history_change_reason == "revision WS 9363.1-20XX withdrawn"


def test_an_institution_user_cannot_start_a_revision(national, people):
    from tests.standards.factories import make_standard

    old = make_standard("WS 9364-2012", S.IN_FORCE)
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_revision_start(standard=old, reason="x", by=people["lead"])
    old.refresh_from_db()
    assert old.status == S.IN_FORCE and not Standard.objects.filter(supersedes=old).exists()


def test_the_people_concerned_are_told_after_commit(national, people, today, django_capture_on_commit_callbacks):
    from apps.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        standard = start(project(national), people)
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {people["lead"].pk,
                                                                                  people["drafter"].pk}
    assert Notification.objects.filter(title__contains=standard.code).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        participation.expert_appoint(standard=standard, user=people["experts"][0], by=people["officer"])
    assert Notification.objects.filter(recipient=people["experts"][0]).exists()
