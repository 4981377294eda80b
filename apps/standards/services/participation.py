"""The people of a draft and what they do (STD-3, M.10, M.11): the working group edits the draft, the public
comments on it during the comment period and every comment is answered, appointed experts give an opinion
and a vote. Rights on one draft are django-guardian object grants (`edit_draft`, `review_standard`), given
and taken back here only. The moves of the standard itself are in services/lifecycle.py.

Rules chosen here:
- WORKING_GROUP_MIN_ORGANISATIONS = 2: M.10 asks for drafting by several parties, so a working group holds
  people of at least two organisations, from its start to the end of the procedure, and always a lead.
- A public comment needs a name, an e-mail and the text; a client (address or account) may send at most
  COMMENTS_PER_HOUR comments an hour, so one visitor cannot flood the answering work.
- A comment answered "partly" or "not accepted" carries its reason; the answer may be corrected until the
  draft leaves drafting/public comment.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import ExpertReviewer, PublicComment, ReviewOpinion, Standard, WorkingGroupMember
from .lifecycle import (
    EDIT_DRAFT,
    MANAGE,
    REVIEW,
    WORKING_STATUSES,
    locked,
    notify_after_commit,
    working_group_users,
)

S = Standard.Status
ROLE = WorkingGroupMember.Role
WORKING_GROUP_MIN_ORGANISATIONS = 2
COMMENTS_PER_HOUR = 10
# The working group is kept while the draft is worked on; experts while it can still be reviewed.
GROUP_STATUSES = (S.DRAFTING, S.PUBLIC_COMMENT, S.EXPERT_REVIEW, S.APPROVAL)
EXPERT_STATUSES = (S.DRAFTING, S.PUBLIC_COMMENT, S.EXPERT_REVIEW)
ANSWER_STATUSES = (S.DRAFTING, S.PUBLIC_COMMENT)


def _person_check(user, field: str) -> None:
    """Only a real, active person of an active organisation can draft or review."""
    if user is None or not isinstance(user, User):
        raise errors.ValidationFailed(field_errors={field: [_("Choose a person.")]})
    if user.is_machine or not user.is_active:
        raise errors.ValidationFailed(field_errors={field: [
            _("%(name)s cannot take part: the account is not an active person.") % {"name": user}]})
    if user.organisation_id is None or not user.organisation.is_active:
        raise errors.ValidationFailed(field_errors={field: [
            _("%(name)s belongs to no active organisation.") % {"name": user}]})


def check_group_composition(members: list[tuple]) -> list[tuple]:
    """(user, role) pairs of a new working group, or ValidationFailed on `members`: known roles, no one
    twice, a lead, and people of at least WORKING_GROUP_MIN_ORGANISATIONS organisations (M.10)."""
    people, seen = [], set()
    for user, role in members or []:
        _person_check(user, "members")
        if role not in ROLE.values:
            raise errors.ValidationFailed(field_errors={"members": [_("Unknown working-group role.")]})
        if user.pk in seen:
            raise errors.ValidationFailed(field_errors={"members": [
                _("%(name)s is named twice.") % {"name": user}]})
        seen.add(user.pk)
        people.append((user, role))
    if not any(role == ROLE.LEAD for _user, role in people):
        raise errors.ValidationFailed(field_errors={"members": [_("Name a lead drafter.")]})
    organisations = {user.organisation_id for user, _role in people}
    if len(organisations) < WORKING_GROUP_MIN_ORGANISATIONS:
        raise errors.ValidationFailed(field_errors={"members": [
            _("A working group drafts with several parties: name people of at least %(count)s different "
              "organisations.") % {"count": WORKING_GROUP_MIN_ORGANISATIONS}]})
    return people


def add_members(standard: Standard, people: list[tuple], *, by) -> None:
    """Record each member and give the `edit_draft` grant on this standard. The caller holds the lock."""
    for user, role in people:
        member = WorkingGroupMember(standard=standard, user=user, organisation_id=user.organisation_id, role=role)
        save_tracked(member, by=by, reason=f"working group: {role} added")
        policy.grant(user, EDIT_DRAFT, standard)


def _group_check(standard: Standard, by) -> None:
    policy.require(by, MANAGE, standard)
    if standard.status not in GROUP_STATUSES:
        raise errors.TransitionNotAllowed(
            _("The working group can be changed only while the standard is being drafted, reviewed or approved "
              "(it is “%(status)s”).") % {"status": standard.get_status_display()})


@transaction.atomic
def working_group_add(*, standard: Standard, user, role: str, by) -> WorkingGroupMember:
    """Add a person to the working group, or change a member's role (STD-3). A new member gets `edit_draft`."""
    standard = locked(standard)
    _group_check(standard, by)
    _person_check(user, "user")
    if role not in ROLE.values:
        raise errors.ValidationFailed(field_errors={"role": [_("Choose a role.")]})
    member = WorkingGroupMember.objects.filter(standard=standard, user=user).first()
    if member is not None:
        if member.role == role:
            raise errors.ValidationFailed(field_errors={"user": [
                _("%(name)s is already in the working group.") % {"name": user}]})
        if member.role == ROLE.LEAD and not _other_leads(standard, user).exists():
            raise errors.ValidationFailed(field_errors={"role": [
                _("%(name)s is the only lead drafter; name another lead first.") % {"name": user}]})
        member.role = role
        save_tracked(member, by=by, reason=f"working group: role changed to {role}")
        return member
    add_members(standard, [(user, role)], by=by)
    notify_after_commit(standard, [user], gettext_lazy("You are drafting %(code)s"),
                        gettext_lazy("You were added to the working group of “%(title)s”."))
    return WorkingGroupMember.objects.get(standard=standard, user=user)


def _other_leads(standard: Standard, user):
    return WorkingGroupMember.objects.filter(standard=standard, role=ROLE.LEAD).exclude(user=user)


@transaction.atomic
def working_group_remove(*, standard: Standard, user, by) -> None:
    """Remove a member (STD-3) and take back the `edit_draft` grant. Never the only lead, and the group
    keeps people of WORKING_GROUP_MIN_ORGANISATIONS organisations."""
    standard = locked(standard)
    _group_check(standard, by)
    member = WorkingGroupMember.objects.filter(standard=standard, user=user).first()
    if member is None:
        raise errors.NotFound(_("This person is not in the working group."))
    if member.role == ROLE.LEAD and not _other_leads(standard, user).exists():
        raise errors.ValidationFailed(field_errors={"user": [
            _("%(name)s is the only lead drafter; name another lead before removing them.") % {"name": user}]})
    remaining = set(WorkingGroupMember.objects.filter(standard=standard).exclude(pk=member.pk)
                    .values_list("organisation_id", flat=True))
    if len(remaining) < WORKING_GROUP_MIN_ORGANISATIONS:
        raise errors.ValidationFailed(field_errors={"user": [
            _("Without %(name)s the working group would not include %(count)s organisations; add someone "
              "else first.") % {"name": user, "count": WORKING_GROUP_MIN_ORGANISATIONS}]})
    member._history_user = by
    member._change_reason = "working group: member removed"
    member.delete()
    policy.revoke(user, EDIT_DRAFT, standard)


# --- the draft ----------------------------------------------------------------------------------------------


def may_edit_draft(user, standard: Standard) -> bool:
    return standard.status == S.DRAFTING and (policy.can(user, EDIT_DRAFT, standard)
                                              or policy.can(user, MANAGE, standard))


@transaction.atomic
def draft_update(*, standard: Standard, title: str, title_en: str = "", scope_note: str = "", text_upload=None,
                 by) -> Standard:
    """Edit the draft while it is being drafted (STD-3): a working-group member (object grant) or a
    standards officer. The text is a PDF checked by content (the registry's rule), stored under its hash."""
    import hashlib

    from .registry import pdf_check

    standard = locked(standard)
    if not (policy.can(by, EDIT_DRAFT, standard) or policy.can(by, MANAGE, standard)):
        policy.require(by, EDIT_DRAFT, standard)  # NotFound or PermissionDenied, as the policy decides
    if standard.status != S.DRAFTING:
        raise errors.TransitionNotAllowed(_("The draft can be edited only while it is being drafted (it is "
                                            "“%(status)s”).") % {"status": standard.get_status_display()})
    title = (title or "").strip()
    if not title:
        raise errors.ValidationFailed(field_errors={"title": [_("Give the title of the standard.")]})
    standard.title, standard.title_en, standard.scope_note = title, (title_en or "").strip(), scope_note or ""
    if text_upload is not None:
        pdf_check(text_upload, field="text_upload")
        digest = hashlib.sha256()
        for chunk in text_upload.chunks():
            digest.update(chunk)
        text_upload.seek(0)
        standard.text.save(f"{digest.hexdigest()[:32]}.pdf", text_upload, save=False)
        standard.text_name = text_upload.name[-200:]
    return save_tracked(standard, by=by, reason="draft edited" if text_upload is None else "draft text uploaded")


# --- public comments ----------------------------------------------------------------------------------------


def _throttle_key(client_key: str) -> str:
    return f"standards:comment:{client_key}"


def comment_period_message(standard: Standard) -> str:
    """Why a comment is refused today (empty when the period is open)."""
    if standard.comment_period_open():
        return ""
    opens, closes = standard.comment_opens_on, standard.comment_closes_on
    if standard.status != S.PUBLIC_COMMENT or opens is None or closes is None:
        return _("%(code)s is not open for public comment.") % {"code": standard.code}
    if timezone.localdate() < opens:
        return _("The comment period runs from %(opens)s to %(closes)s; comments are accepted from %(opens)s.") % {
            "opens": opens, "closes": closes}
    return _("The comment period ran from %(opens)s to %(closes)s; it has closed.") % {"opens": opens, "closes": closes}


@transaction.atomic
def comment_submit(*, standard: Standard, author_name: str, author_organisation: str = "", author_email: str,
                   clause: str = "", text: str, client_key: str, by=None) -> PublicComment:
    """Anyone may comment on a draft during its comment period (STD-3, M.11), signed in or not."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    refused = comment_period_message(standard)
    if refused:
        raise errors.TransitionNotAllowed(refused, code="comment_period_closed")
    if cache.get(_throttle_key(client_key), 0) >= COMMENTS_PER_HOUR:
        raise errors.ValidationFailed(_("Too many comments from your network; try again in an hour."),
                                      code="throttled")
    field_errors: dict = {}
    author_name, author_email, text = (author_name or "").strip(), (author_email or "").strip(), (text or "").strip()
    if not author_name:
        field_errors["author_name"] = [_("Give your name.")]
    try:
        validate_email(author_email)
    except DjangoValidationError:
        field_errors["author_email"] = [_("Give an e-mail address where the answer can reach you.")]
    if not text:
        field_errors["text"] = [_("Write your comment.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    author = by if getattr(by, "is_authenticated", False) else None
    comment = PublicComment(standard=standard, author_name=author_name[:100],
                            author_organisation=(author_organisation or "").strip()[:200], author_email=author_email,
                            author=author, clause=(clause or "").strip()[:50], text=text)
    save_tracked(comment, by=author, reason="comment submitted")
    cache.set(_throttle_key(client_key), cache.get(_throttle_key(client_key), 0) + 1, 3600)
    notify_after_commit(standard, working_group_users(standard, leads_only=True),
                        gettext_lazy("New public comment on %(code)s"), gettext_lazy("Answer it from the workbench."))
    return comment


def may_answer_comments(user, standard: Standard) -> bool:
    return standard.status in ANSWER_STATUSES and (policy.can(user, "standards.answer_comment", standard)
                                                   or policy.can(user, EDIT_DRAFT, standard))


@transaction.atomic
def comment_answer(*, comment: PublicComment, answer: str, reason: str = "", by) -> PublicComment:
    """Answer a public comment (STD-3): accepted, partly accepted or not accepted, with the reason for the
    last two. Standards officers or working-group members."""
    comment = PublicComment.objects.select_for_update().select_related("standard").get(pk=comment.pk)
    standard = comment.standard
    if not (policy.can(by, "standards.answer_comment", standard) or policy.can(by, EDIT_DRAFT, standard)):
        policy.require(by, "standards.answer_comment", standard)
    if standard.status not in ANSWER_STATUSES:
        raise errors.TransitionNotAllowed(_("Comments can be answered only while the draft is open for comment "
                                            "or being drafted."))
    if answer not in (PublicComment.Answer.ACCEPTED, PublicComment.Answer.PARTLY, PublicComment.Answer.NOT_ACCEPTED):
        raise errors.ValidationFailed(field_errors={"answer": [_("Choose an answer.")]})
    reason = (reason or "").strip()
    if answer != PublicComment.Answer.ACCEPTED and not reason:
        raise errors.ValidationFailed(field_errors={"reason": [
            _("Give the reason when a comment is only partly accepted or not accepted.")]})
    corrected = comment.answer != PublicComment.Answer.PENDING
    comment.answer, comment.answer_reason = answer, reason
    comment.answered_by, comment.answered_at = by, timezone.now()
    return save_tracked(comment, by=by, reason=f"comment answered: {answer}" + (" (corrected)" if corrected else ""))


# --- expert review -----------------------------------------------------------------------------------------


@transaction.atomic
def expert_appoint(*, standard: Standard, user, by) -> ExpertReviewer:
    """Appoint an expert to review the draft (STD-3, M.11); the appointment carries `review_standard`."""
    standard = locked(standard)
    policy.require(by, MANAGE, standard)
    if standard.status not in EXPERT_STATUSES:
        raise errors.TransitionNotAllowed(_("Experts are appointed while the draft is prepared or reviewed."))
    _person_check(user, "user")
    if ExpertReviewer.objects.filter(standard=standard, user=user).exists():
        raise errors.ValidationFailed(field_errors={"user": [_("%(name)s is already appointed.") % {"name": user}]})
    if WorkingGroupMember.objects.filter(standard=standard, user=user).exists():
        raise errors.ValidationFailed(field_errors={"user": [
            _("%(name)s drafts this standard and cannot review it.") % {"name": user}]})
    expert = save_tracked(ExpertReviewer(standard=standard, user=user), by=by, reason="expert appointed")
    policy.grant(user, REVIEW, standard)
    notify_after_commit(standard, [user], gettext_lazy("You review %(code)s"),
                        gettext_lazy("You were appointed to review “%(title)s”. Your opinion and vote are asked "
                                     "during the expert review."))
    return expert


@transaction.atomic
def expert_remove(*, standard: Standard, user, by) -> None:
    """Remove an expert (a conflict of interest, unavailability) and take back `review_standard`. An opinion
    already given stays on record but no longer counts (services.lifecycle.vote_tally)."""
    standard = locked(standard)
    policy.require(by, MANAGE, standard)
    if standard.status not in EXPERT_STATUSES:
        raise errors.TransitionNotAllowed(_("The experts can no longer change: the review is over."))
    expert = ExpertReviewer.objects.filter(standard=standard, user=user).first()
    if expert is None:
        raise errors.NotFound(_("This person is not an appointed expert of this standard."))
    expert._history_user = by
    expert._change_reason = "expert removed"
    expert.delete()
    policy.revoke(user, REVIEW, standard)


def is_appointed_expert(user, standard: Standard) -> bool:
    return (getattr(user, "is_authenticated", False)
            and ExpertReviewer.objects.filter(standard=standard, user=user).exists()
            and policy.can(user, REVIEW, standard))


@transaction.atomic
def opinion_submit(*, standard: Standard, opinion: str, vote: str, by) -> ReviewOpinion:
    """An appointed expert gives (or corrects) their opinion and vote during the expert review (STD-3)."""
    standard = locked(standard)
    if not is_appointed_expert(by, standard):
        if not policy.can_see(by, standard):
            raise errors.NotFound()
        raise errors.PermissionDenied(_("Only the experts appointed to review %(code)s may give an opinion and "
                                        "vote on it.") % {"code": standard.code})
    if standard.status != S.EXPERT_REVIEW:
        raise errors.TransitionNotAllowed(_("Opinions are given during the expert review; %(code)s is “%(status)s”.")
                                          % {"code": standard.code, "status": standard.get_status_display()})
    opinion = (opinion or "").strip()
    field_errors: dict = {}
    if not opinion:
        field_errors["opinion"] = [_("Write your opinion.")]
    if vote not in ReviewOpinion.Vote.values:
        field_errors["vote"] = [_("Choose your vote.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    row = ReviewOpinion.objects.filter(standard=standard, reviewer=by).first()
    reason = "opinion updated" if row else "opinion given"
    row = row or ReviewOpinion(standard=standard, reviewer=by)
    row.opinion, row.vote, row.submitted_at = opinion, vote, timezone.now()
    return save_tracked(row, by=by, reason=f"{reason}: {vote}")


def is_working_on(user, standard: Standard) -> bool:
    """Does `user` hold an object grant on this draft (working group or expert)?"""
    return standard.status in WORKING_STATUSES and (policy.can(user, EDIT_DRAFT, standard)
                                                    or policy.can(user, REVIEW, standard))
