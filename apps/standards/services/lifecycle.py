"""The lifecycle of a standard (STD-1, STD-3): project -> drafting -> public comment -> expert review ->
approval -> published -> in force -> under revision -> superseded / abolished.

Every move is one service here. Each locks the standard, asks STANDARD_FLOW (workflows.py, the one table
of who may move what) and then checks its own preconditions (a working group of several organisations,
a comment period long enough, every comment answered, every expert voted...). History rows name the actor
and the step; notifications go out after commit. The people of a draft (working group, experts) and what
they do (comments, opinions) live in services/participation.py.

Rules chosen here, each a constant so the pages and tests can quote it:
- COMMENT_MIN_DAYS (setting STANDARDS_COMMENT_MIN_DAYS, default 30): a public comment period covers at
  least 30 calendar days, both ends included, as the health-industry standards practice asks.
- MIN_EXPERTS (setting STANDARDS_MIN_EXPERTS, default 3): a draft goes to approval only after at least three
  appointed experts have voted, so no single opinion decides.
- Vote rule: more than half of the appointed experts approve (with or without changes). A tie or a reject
  majority cannot go to approval; the draft is sent back to drafting instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import ExpertReviewer, ReviewOpinion, Standard, WorkingGroupMember
from ..workflows import STANDARD_FLOW

S = Standard.Status
MANAGE, APPROVE = "standards.manage_standard", "standards.approve_standard"
EDIT_DRAFT, REVIEW = "standards.edit_draft", "standards.review_standard"

# Statuses in which the drafting procedure is under way (the working group and experts are at work).
WORKING_STATUSES = (S.PROJECT, S.DRAFTING, S.PUBLIC_COMMENT, S.EXPERT_REVIEW, S.APPROVAL)


def comment_min_days() -> int:
    return int(getattr(settings, "STANDARDS_COMMENT_MIN_DAYS", 30))


def min_experts() -> int:
    return int(getattr(settings, "STANDARDS_MIN_EXPERTS", 3))


def is_system_account(user) -> bool:
    """The portal's own machine account (apps.accounts.services.system_account)."""
    return bool(getattr(user, "is_machine", False) and getattr(user, "username", "") == "system")


# --- helpers shared by the moves -----------------------------------------------------------------------------


def locked(standard: Standard) -> Standard:
    """The standard's row, locked for the rest of the transaction."""
    return Standard.objects.select_for_update().get(pk=standard.pk)


def _move(standard: Standard, target: str, *, by, reason: str) -> Standard:
    """Assign the new status and write the history row naming `by` and the step. Callers have already
    authorized the move with STANDARD_FLOW.check (or, for the system account, STANDARD_FLOW.transition)
    before checking their own preconditions; the table is asked again so no edge outside it is possible."""
    STANDARD_FLOW.transition(standard.status, target)
    standard.status = target
    return save_tracked(standard, by=by, reason=reason)


def _required_text(value: str, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise errors.ValidationFailed(field_errors={field: [message]})
    return text


def workbench_url(standard: Standard) -> str:
    return reverse("standards:workbench", args=[standard.pk])


def working_group_users(standard: Standard, *, leads_only: bool = False) -> list[User]:
    rows = WorkingGroupMember.objects.filter(standard=standard).select_related("user")
    if leads_only:
        rows = rows.filter(role=WorkingGroupMember.Role.LEAD)
    return [row.user for row in rows]


def expert_users(standard: Standard) -> list[User]:
    return [row.user for row in ExpertReviewer.objects.filter(standard=standard).select_related("user")]


def officers_of(standard: Standard, by=None, role: str = "standards_officer") -> list[User]:
    """People of `role` in the standard's responsible department (or the actor's department if none)."""
    department_id = standard.responsible_department_id or getattr(by, "organisation_id", None)
    if department_id is None:
        return []
    return list(User.objects.filter(organisation_id=department_id, groups__name=role, is_active=True,
                                    is_machine=False).distinct())


def notify_after_commit(standard: Standard, recipients, title, body="", params: dict | None = None) -> None:
    """Tell `recipients` about a step once the transaction has committed (nothing if it rolls back)."""
    from apps.institutions.services.messages import portal_notify

    people = {user.pk: user for user in recipients if user is not None}
    if not people:
        return
    values = {"code": standard.code, "title": standard.title, **(params or {})}
    url = workbench_url(standard)
    transaction.on_commit(lambda: portal_notify(recipients=list(people.values()), title=title, body=body,
                                                params=values, url=url))


def _end_object_grants(standard: Standard) -> None:
    """The procedure is over: working-group members and experts keep their records, not their rights."""
    for user in working_group_users(standard):
        policy.revoke(user, EDIT_DRAFT, standard)
    for user in expert_users(standard):
        policy.revoke(user, REVIEW, standard)


# --- drafting ------------------------------------------------------------------------------------------------


@transaction.atomic
def standard_start_drafting(*, standard: Standard, members: list[tuple], by) -> Standard:
    """Accepted project -> drafting, with its working group (STD-3, M.10).

    M.10 asks for drafting by "several parties": the group must hold people of at least
    WORKING_GROUP_MIN_ORGANISATIONS distinct organisations and at least one lead drafter. Each member
    gets the `edit_draft` object grant on this standard only."""
    from .participation import add_members, check_group_composition

    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.DRAFTING)
    people = check_group_composition(members)
    add_members(standard, people, by=by)
    _move(standard, S.DRAFTING, by=by, reason="drafting started")
    notify_after_commit(standard, [user for user, _role in people],
                        gettext_lazy("You are drafting %(code)s"),
                        gettext_lazy("You were named to the working group of “%(title)s”. Edit the draft "
                                     "from its workbench."))
    return standard


# --- public comment ------------------------------------------------------------------------------------------


@transaction.atomic
def standard_open_comment(*, standard: Standard, opens_on: date, closes_on: date, by) -> Standard:
    """Drafting -> public comment (STD-3, M.11): the draft text is published for comments.

    The period opens today or later and covers at least `comment_min_days()` days, both ends included."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.PUBLIC_COMMENT)
    field_errors: dict = {}
    today = timezone.localdate()
    if opens_on is None:
        field_errors["opens_on"] = [_("Give the first day of the comment period.")]
    elif opens_on < today:
        field_errors["opens_on"] = [_("The comment period cannot open in the past (today is %(today)s).")
                                    % {"today": today}]
    if closes_on is None:
        field_errors["closes_on"] = [_("Give the last day of the comment period.")]
    elif opens_on is not None and (closes_on - opens_on).days + 1 < comment_min_days():
        field_errors["closes_on"] = [
            _("The comment period must last at least %(days)s days: from %(opens)s it closes on %(earliest)s "
              "or later.") % {"days": comment_min_days(), "opens": opens_on,
                              "earliest": opens_on + timedelta(days=comment_min_days() - 1)}]
    if not standard.text:
        field_errors["text"] = [_("Upload the draft text before opening it for public comment.")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    standard.comment_opens_on, standard.comment_closes_on = opens_on, closes_on
    _move(standard, S.PUBLIC_COMMENT, by=by, reason="public comment opened")
    notify_after_commit(standard, working_group_users(standard),
                        gettext_lazy("%(code)s is open for public comment"),
                        gettext_lazy("Comments are accepted from %(opens)s to %(closes)s; answer each of them."),
                        {"opens": opens_on, "closes": closes_on})
    return standard


@transaction.atomic
def standard_close_comment(*, standard: Standard, by) -> Standard:
    """Public comment -> expert review (STD-3): only after the period ended and every comment was answered."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.EXPERT_REVIEW)
    today = timezone.localdate()
    if standard.comment_closes_on and today <= standard.comment_closes_on:
        raise errors.ValidationFailed(
            _("The comment period runs until %(closes)s; it can be closed from the next day.")
            % {"closes": standard.comment_closes_on})
    pending = standard.comments.filter(answer="pending").count()
    if pending:
        raise errors.ValidationFailed(
            _("%(count)s comment(s) are still unanswered; answer every comment before closing the period.")
            % {"count": pending}, code="comments_unanswered")
    _move(standard, S.EXPERT_REVIEW, by=by, reason="public comment closed, expert review")
    notify_after_commit(standard, [*expert_users(standard), *working_group_users(standard, leads_only=True)],
                        gettext_lazy("%(code)s is under expert review"),
                        gettext_lazy("Give your opinion and vote on “%(title)s” from its workbench."))
    return standard


# --- expert review and approval ------------------------------------------------------------------------------


def vote_tally(standard: Standard) -> dict:
    """Votes of the currently appointed experts (an opinion of a removed expert does not count)."""
    appointed = set(ExpertReviewer.objects.filter(standard=standard).values_list("user_id", flat=True))
    votes = dict(ReviewOpinion.objects.filter(standard=standard, reviewer_id__in=appointed)
                 .values_list("reviewer_id", "vote"))
    approving = sum(1 for vote in votes.values() if vote != ReviewOpinion.Vote.REJECT)
    return {"appointed": len(appointed), "voted": len(votes), "approving": approving,
            "rejecting": len(votes) - approving, "missing": len(appointed) - len(votes)}


@transaction.atomic
def standard_send_to_approval(*, standard: Standard, by) -> Standard:
    """Expert review -> approval (STD-3, M.11).

    Needs at least `min_experts()` appointed experts, a vote from every one of them, and more than half
    of them approving (with or without changes); otherwise the draft goes back to drafting."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.APPROVAL)
    tally = vote_tally(standard)
    if tally["appointed"] < min_experts():
        raise errors.ValidationFailed(
            _("At least %(minimum)s experts must review a draft; %(count)s are appointed.")
            % {"minimum": min_experts(), "count": tally["appointed"]})
    if tally["missing"]:
        raise errors.ValidationFailed(
            _("%(missing)s of %(appointed)s appointed experts have not voted yet.") % tally)
    if tally["approving"] * 2 <= tally["appointed"]:
        raise errors.ValidationFailed(
            _("Only %(approving)s of %(appointed)s experts approve; a draft needs a majority. Send it back "
              "to drafting.") % tally)
    _move(standard, S.APPROVAL, by=by, reason="expert review closed, sent to approval")
    notify_after_commit(standard, officers_of(standard, by, role="department_head"),
                        gettext_lazy("%(code)s awaits your approval"),
                        gettext_lazy("The experts approved “%(title)s”; approve and publish it, or send it back."))
    return standard


@transaction.atomic
def standard_send_back(*, standard: Standard, reason: str, by) -> Standard:
    """Public comment, expert review or approval -> drafting, with the reason (STD-3).

    The experts' votes were given on the old draft: they are removed (history keeps them) so the next
    review round starts clean; comments and their answers stay."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.DRAFTING)
    reason = _required_text(reason, "reason", _("Say why the draft goes back to drafting."))
    for opinion in ReviewOpinion.objects.filter(standard=standard):
        opinion._history_user = by
        opinion._change_reason = "review round ended: sent back to drafting"
        opinion.delete()
    _move(standard, S.DRAFTING, by=by, reason=f"sent back to drafting: {reason}")
    notify_after_commit(standard, working_group_users(standard),
                        gettext_lazy("%(code)s was sent back to drafting"), "%(reason)s", {"reason": reason})
    return standard


def final_code_check(code: str, *, published_on: date | None, standard: Standard) -> str:
    """The normalised final code, else ValidationFailed on `code`: the registry's rules (well formed, not
    taken, not a nature-variant of a registered code) and the year of publication."""
    from .registry import FINAL_CODE, standard_code_check

    text = standard_code_check(code, standard=standard)
    match = FINAL_CODE.match(text)
    if published_on and match and int(match["year"]) != published_on.year:
        raise errors.ValidationFailed(field_errors={"code": [
            _("The year in the code (%(year)s) must be the year of publication (%(published)s).")
            % {"year": match["year"], "published": published_on.year}]})
    return text


@transaction.atomic
def standard_publish(*, standard: Standard, code: str, published_on: date, in_force_on: date, by) -> Standard:
    """Approval -> published, by a department head (STD-1, STD-3, M.11): final code and dates.

    A standard that supersedes another changes nothing to the older one yet: the older stays in force
    until this one comes into force (standard_bring_into_force)."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.PUBLISHED)
    field_errors: dict = {}
    if published_on is None:
        field_errors["published_on"] = [_("Give the date of publication.")]
    if in_force_on is None:
        field_errors["in_force_on"] = [_("Give the date the standard comes into force.")]
    elif published_on is not None and in_force_on < published_on:
        field_errors["in_force_on"] = [_("A standard cannot come into force before it is published (%(date)s).")
                                       % {"date": published_on}]
    try:
        final = final_code_check(code, published_on=published_on, standard=standard)
    except errors.ValidationFailed as error:
        field_errors.update(error.field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    provisional = standard.code
    standard.code, standard.published_on, standard.in_force_on = final, published_on, in_force_on
    _end_object_grants(standard)
    reason = "published" if provisional == final else f"published as {final} (was {provisional})"
    _move(standard, S.PUBLISHED, by=by, reason=reason)
    notify_after_commit(standard, [*working_group_users(standard), *expert_users(standard),
                                   *officers_of(standard, by)],
                        gettext_lazy("%(code)s is published"),
                        gettext_lazy("“%(title)s” was published on %(published)s and comes into force on %(in_force)s."),
                        {"published": published_on, "in_force": in_force_on})
    return standard


# --- in force, revision, end of life ------------------------------------------------------------------------


@transaction.atomic
def standard_bring_into_force(*, standard: Standard, by) -> Standard:
    """Published -> in force on its in-force date (STD-1); the version it supersedes becomes superseded
    in the same transaction.

    A department head may do it by hand; the nightly job does it as the system account. The system account
    has no organisation and no role, so it is let through by name and kind (`is_system_account`), never by a
    permission an API token or person could borrow; the table still decides which moves are legal."""
    standard = locked(standard)
    system = is_system_account(by)
    if system:
        STANDARD_FLOW.transition(standard.status, S.IN_FORCE)
    else:
        STANDARD_FLOW.check(by, standard, standard.status, S.IN_FORCE)
    today = timezone.localdate()
    if standard.in_force_on is None or standard.in_force_on > today:
        raise errors.ValidationFailed(_("%(code)s comes into force on %(date)s, not before.")
                                      % {"code": standard.code, "date": standard.in_force_on or "—"})
    _move(standard, S.IN_FORCE, by=by, reason="came into force")
    older = standard.supersedes
    if older is not None:
        older = locked(older)
        if older.status in (S.IN_FORCE, S.UNDER_REVISION):
            if not system:
                STANDARD_FLOW.check(by, older, older.status, S.SUPERSEDED)
            _move(older, S.SUPERSEDED, by=by, reason=f"superseded by {standard.code}")
    notify_after_commit(standard, [*officers_of(standard, by), *working_group_users(standard, leads_only=True)],
                        gettext_lazy("%(code)s is in force"),
                        gettext_lazy("“%(title)s” is in force from %(date)s."), {"date": standard.in_force_on})
    return standard


def standards_bring_into_force_due(*, today: date | None = None) -> list[int]:
    """Nightly (task standards.bring_into_force): every published standard whose in-force date has come,
    each in its own transaction, as the system account. Returns the ids brought into force."""
    from apps.accounts.services import system_account

    today = today or timezone.localdate()
    system = system_account()
    done = []
    due = Standard.objects.filter(status=S.PUBLISHED, in_force_on__lte=today).order_by("in_force_on", "pk")
    for standard in due:
        try:
            standard_bring_into_force(standard=standard, by=system)
        except errors.DomainError:
            continue  # moved meanwhile by someone else; the next night looks again
        done.append(standard.pk)
    return done


@transaction.atomic
def standard_revision_start(*, standard: Standard, reason: str, by) -> Standard:
    """Published or in force -> under revision, and the revision project is registered (STD-1, STD-7, M.14).

    The project has a provisional code in the same series and category and `supersedes` this standard;
    the old version stays valid until the revision comes into force. Returns the new project."""
    from .registry import provisional_code_for, standard_create

    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.UNDER_REVISION)
    reason = _required_text(reason, "reason", _("Say why the standard is revised."))
    if Standard.objects.filter(supersedes=standard, status__in=WORKING_STATUSES).exists():
        raise errors.TransitionNotAllowed(_("A revision of %(code)s is already under way.") % {"code": standard.code})
    _move(standard, S.UNDER_REVISION, by=by, reason=f"revision started: {reason}")
    project = standard_create(data={
        "code": provisional_code_for(standard), "title": standard.title, "title_en": standard.title_en,
        "nature": standard.nature, "level": standard.level, "category": standard.category,
        "scope_note": standard.scope_note, "responsible_department": standard.responsible_department,
        # The provisional code is the registry's own, made from this standard's code: same number, year 20XX.
        "supersedes": standard, "allow_other_series": True,
    }, by=by, status=S.PROJECT)
    notify_after_commit(project, officers_of(standard, by), gettext_lazy("Revision of %(old)s registered"),
                        "%(reason)s", {"old": standard.code, "reason": reason})
    return project


@transaction.atomic
def standard_abolish(*, standard: Standard, reason: str, abolished_on: date, by) -> Standard:
    """Published, in force or under revision -> abolished, by a department head (STD-1, STD-7, M.14)."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.ABOLISHED)
    field_errors: dict = {}
    if not (reason or "").strip():
        field_errors["reason"] = [_("Say why the standard is abolished.")]
    if abolished_on is None:
        field_errors["abolished_on"] = [_("Give the date of abolition.")]
    elif standard.published_on and abolished_on < standard.published_on:
        field_errors["abolished_on"] = [_("A standard cannot be abolished before it was published (%(date)s).")
                                        % {"date": standard.published_on}]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    standard.abolished_on = abolished_on
    _move(standard, S.ABOLISHED, by=by, reason=f"abolished: {reason.strip()}")
    notify_after_commit(standard, officers_of(standard, by), gettext_lazy("%(code)s is abolished"),
                        "%(reason)s", {"reason": reason.strip()})
    return standard


@transaction.atomic
def standard_withdraw_project(*, standard: Standard, reason: str, by) -> Standard:
    """An accepted project or a draft is withdrawn (STD-1). If it was the revision of a standard, that
    standard is no longer under revision: back in force (or published, before its in-force date)."""
    standard = locked(standard)
    STANDARD_FLOW.check(by, standard, standard.status, S.WITHDRAWN)
    reason = _required_text(reason, "reason", _("Say why the project is withdrawn."))
    _end_object_grants(standard)
    _move(standard, S.WITHDRAWN, by=by, reason=f"project withdrawn: {reason}")
    older = standard.supersedes
    if older is not None:
        older = locked(older)
        if older.status == S.UNDER_REVISION:
            back = S.IN_FORCE if older.in_force_on and older.in_force_on <= timezone.localdate() else S.PUBLISHED
            STANDARD_FLOW.check(by, older, older.status, back)
            _move(older, back, by=by, reason=f"revision {standard.code} withdrawn")
    notify_after_commit(standard, working_group_users(standard), gettext_lazy("%(code)s was withdrawn"),
                        "%(reason)s", {"reason": reason})
    return standard
