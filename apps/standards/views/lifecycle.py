"""Lifecycle pages (STD-1, STD-3): the workbench of a standard being made, the public comment form, and the
work lists of experts ("reviews assigned to me") and drafters ("my drafts").

The workbench shows the current step, the timeline from history, and only the actions the user may take;
every action posts to the same services the API calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import ExpertReviewer, PublicComment, ReviewOpinion, Standard, WorkingGroupMember
from ..services import lifecycle, participation
from ..workflows import STANDARD_FLOW
from . import lifecycle_forms as f

S = Standard.Status
# The main road of a standard, shown as a progress line on the workbench.
ROAD = (S.PROJECT, S.DRAFTING, S.PUBLIC_COMMENT, S.EXPERT_REVIEW, S.APPROVAL, S.PUBLISHED, S.IN_FORCE)


@dataclass(frozen=True)
class Step:
    """One lifecycle action of the workbench: from which statuses, to which, with which form and service."""

    key: str
    label: str
    sources: tuple
    target: str
    form: type
    run: Callable  # (standard, cleaned_data, form, by) -> Standard
    style: str = "primary"


STEPS = [
    Step("start_drafting", gettext_lazy("Start drafting"), (S.PROJECT,), S.DRAFTING, f.StartDraftingForm,
         lambda s, d, form, by: lifecycle.standard_start_drafting(standard=s, members=form.member_roles(), by=by)),
    Step("open_comment", gettext_lazy("Open for public comment"), (S.DRAFTING,), S.PUBLIC_COMMENT, f.OpenCommentForm,
         lambda s, d, form, by: lifecycle.standard_open_comment(standard=s, opens_on=d["opens_on"],
                                                                closes_on=d["closes_on"], by=by)),
    Step("close_comment", gettext_lazy("Close the comment period and start the expert review"), (S.PUBLIC_COMMENT,),
         S.EXPERT_REVIEW, f.EmptyForm, lambda s, d, form, by: lifecycle.standard_close_comment(standard=s, by=by)),
    Step("send_to_approval", gettext_lazy("Send to approval"), (S.EXPERT_REVIEW,), S.APPROVAL, f.EmptyForm,
         lambda s, d, form, by: lifecycle.standard_send_to_approval(standard=s, by=by)),
    Step("publish", gettext_lazy("Approve and publish"), (S.APPROVAL,), S.PUBLISHED, f.PublishForm,
         lambda s, d, form, by: lifecycle.standard_publish(standard=s, code=d["code"], published_on=d["published_on"],
                                                           in_force_on=d["in_force_on"], by=by), "success"),
    Step("bring_into_force", gettext_lazy("Bring into force"), (S.PUBLISHED,), S.IN_FORCE, f.EmptyForm,
         lambda s, d, form, by: lifecycle.standard_bring_into_force(standard=s, by=by), "success"),
    Step("send_back", gettext_lazy("Send back to drafting"), (S.PUBLIC_COMMENT, S.EXPERT_REVIEW, S.APPROVAL),
         S.DRAFTING, f.ReasonForm, lambda s, d, form, by: lifecycle.standard_send_back(standard=s, reason=d["reason"],
                                                                                       by=by), "warning"),
    Step("revision_start", gettext_lazy("Start a revision"), (S.PUBLISHED, S.IN_FORCE), S.UNDER_REVISION, f.ReasonForm,
         lambda s, d, form, by: lifecycle.standard_revision_start(standard=s, reason=d["reason"], by=by), "secondary"),
    Step("abolish", gettext_lazy("Abolish"), (S.PUBLISHED, S.IN_FORCE, S.UNDER_REVISION), S.ABOLISHED, f.AbolishForm,
         lambda s, d, form, by: lifecycle.standard_abolish(standard=s, reason=d["reason"],
                                                           abolished_on=d["abolished_on"], by=by), "danger"),
    Step("withdraw", gettext_lazy("Withdraw the project"), (S.PROJECT, S.DRAFTING), S.WITHDRAWN, f.ReasonForm,
         lambda s, d, form, by: lifecycle.standard_withdraw_project(standard=s, reason=d["reason"], by=by), "danger"),
]
STEPS_BY_KEY = {step.key: step for step in STEPS}


def step_allowed(user, standard: Standard, step: Step) -> bool:
    """The table decides: a legal move from the current status and the user holds its permission."""
    if standard.status not in step.sources or step.target not in STANDARD_FLOW.targets_from(standard.status):
        return False
    permission = STANDARD_FLOW.transition(standard.status, step.target).permission
    return policy.can(user, permission, standard)


def _standard(request, pk: int) -> Standard:
    try:
        return policy.get_object(request.user, Standard.objects.select_related("category", "supersedes"), pk=pk)
    except errors.NotFound:
        raise Http404 from None


def _roles(user, standard: Standard) -> dict:
    """What the user is on this standard; computed once per page."""
    manage = policy.can(user, lifecycle.MANAGE, standard)
    member = WorkingGroupMember.objects.filter(standard=standard, user=user).exists()
    expert = participation.is_appointed_expert(user, standard)
    return {
        "manage": manage, "approve": policy.can(user, lifecycle.APPROVE, standard), "member": member,
        "expert": expert, "edit_draft": participation.may_edit_draft(user, standard),
        "answer": participation.may_answer_comments(user, standard),
        "manage_group": manage and standard.status in participation.GROUP_STATUSES,
        "manage_experts": manage and standard.status in participation.EXPERT_STATUSES,
    }


def _workbench_or_403(request, pk: int) -> tuple[Standard, dict]:
    standard = _standard(request, pk)
    roles = _roles(request.user, standard)
    may_enter = (roles["manage"] or roles["approve"] or roles["member"] or roles["expert"]
                 or policy.can(request.user, "standards.answer_comment", standard)
                 or ExpertReviewer.objects.filter(standard=standard, user=request.user).exists())  # past reviews
    if not may_enter:
        raise errors.PermissionDenied(_("The workbench is for the standards officers and heads, the working group "
                                        "and the appointed experts of this standard."))
    return standard, roles


def timeline(standard: Standard) -> list[dict]:
    """The standard's own history rows that name a step (the services' reasons), oldest first."""
    rows = (standard.history.exclude(history_change_reason__isnull=True).exclude(history_change_reason="")
            .select_related("history_user").order_by("history_date", "history_id"))
    return [{"when": row.history_date, "who": row.history_user, "status": row.status,
             "status_label": Standard.Status(row.status).label if row.status in S.values else row.status,
             "reason": row.history_change_reason} for row in rows]


def _context(request, standard: Standard, roles: dict, **overrides) -> dict:
    user = request.user
    steps = [{"step": step, "form": step.form(prefix=step.key)} for step in STEPS
             if step_allowed(user, standard, step)]
    failed = overrides.pop("failed_step", None)
    if failed is not None:
        steps = [item for item in steps if item["step"].key != failed[0]]
        steps.insert(0, {"step": STEPS_BY_KEY[failed[0]], "form": failed[1], "open": True})
    experts = list(ExpertReviewer.objects.filter(standard=standard).select_related("user__organisation")
                   .order_by("appointed_at", "pk"))
    opinions = {row.reviewer_id: row for row in ReviewOpinion.objects.filter(standard=standard)}
    own_opinion = opinions.get(user.pk)
    comments = PublicComment.objects.filter(standard=standard).select_related("answered_by").order_by(
        "submitted_at", "pk")
    if request.GET.get("comments") == "pending":
        comments = comments.filter(answer=PublicComment.Answer.PENDING)
    comment_page = paginate(request, comments, page_size=20)
    context = {
        "standard": standard, "roles": roles, "steps": steps,
        "road": [{"status": status, "label": S(status).label, "done": _road_index(standard.status) > index,
                  "current": standard.status == status} for index, status in enumerate(ROAD)],
        "off_road": standard.status not in ROAD,
        "timeline": timeline(standard),
        "members": WorkingGroupMember.objects.filter(standard=standard).select_related("user", "organisation")
        .order_by("-role", "added_at", "pk"),
        "experts": [{"expert": row, "opinion": opinions.get(row.user_id)} for row in experts],
        "removed_opinions": [row for reviewer, row in opinions.items()
                             if reviewer not in {expert.user_id for expert in experts}],
        "tally": lifecycle.vote_tally(standard), "min_experts": lifecycle.min_experts(),
        "comments": comment_page,
        "comment_items": [{"comment": row, "form": f.AnswerForm(prefix=f"answer-{row.pk}", initial={
            "answer": row.answer if row.answer != PublicComment.Answer.PENDING else None,
            "reason": row.answer_reason}) if roles["answer"] else None} for row in comment_page],
        "comments_filter": request.GET.get("comments", ""),
        "pending_count": PublicComment.objects.filter(standard=standard, answer=PublicComment.Answer.PENDING).count(),
        "group_form": f.WorkingGroupAddForm(prefix="group") if roles["manage_group"] else None,
        "expert_form": f.ExpertForm(prefix="expert") if roles["manage_experts"] else None,
        "opinion_form": (f.OpinionForm(prefix="opinion", initial={"vote": own_opinion.vote, "opinion": own_opinion.opinion}
                                       if own_opinion else None)
                         if roles["expert"] and standard.status == S.EXPERT_REVIEW else None),
        "own_opinion": own_opinion,
        "comment_period_open": standard.comment_period_open(),
    }
    context.update(overrides)
    return context


def _road_index(status: str) -> int:
    if status in ROAD:
        return ROAD.index(status)
    return len(ROAD) if status in (S.UNDER_REVISION, S.SUPERSEDED, S.ABOLISHED) else -1


def _render(request, standard, roles, status: int = 200, **overrides):
    return render(request, "standards/lifecycle/workbench.html", _context(request, standard, roles, **overrides),
                  status=status)


@login_required
def workbench(request, pk: int):
    standard, roles = _workbench_or_403(request, pk)
    return _render(request, standard, roles)


@login_required
@require_POST
def workbench_step(request, pk: int, step: str):
    standard = _workbench_or_403(request, pk)[0]
    chosen = STEPS_BY_KEY.get(step)
    if chosen is None:
        raise Http404
    form = chosen.form(request.POST, prefix=chosen.key)
    if form.is_valid():
        result = run_service(request, form, lambda: chosen.run(standard, form.cleaned_data, form, request.user),
                             success_message=_("Done: %(step)s.") % {"step": chosen.label})
        if result is not None:
            return redirect("standards:workbench", result.pk)
    standard.refresh_from_db()
    return _render(request, standard, _roles(request.user, standard), status=400,
                   failed_step=(chosen.key, form))


def _person(pk: int) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


@login_required
@require_POST
def group_add(request, pk: int):
    standard, roles = _workbench_or_403(request, pk)
    form = f.WorkingGroupAddForm(request.POST, prefix="group")
    if form.is_valid() and run_service(request, form, lambda: participation.working_group_add(
            standard=standard, user=form.cleaned_data["user"], role=form.cleaned_data["role"], by=request.user),
            success_message=_("The working group was updated.")):
        return redirect("standards:workbench", standard.pk)
    return _render(request, standard, roles, status=400, group_form=form)


@login_required
@require_POST
def group_remove(request, pk: int, user_pk: int):
    standard = _workbench_or_403(request, pk)[0]
    try:
        participation.working_group_remove(standard=standard, user=_person(user_pk), by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, " ".join(str(m) for texts in error.field_errors.values() for m in texts)
                       or error.message)
    else:
        messages.success(request, _("The member was removed from the working group."))
    return redirect("standards:workbench", standard.pk)


@login_required
@require_POST
def expert_add(request, pk: int):
    standard, roles = _workbench_or_403(request, pk)
    form = f.ExpertForm(request.POST, prefix="expert")
    if form.is_valid() and run_service(request, form, lambda: participation.expert_appoint(
            standard=standard, user=form.cleaned_data["user"], by=request.user),
            success_message=_("The expert was appointed.")):
        return redirect("standards:workbench", standard.pk)
    return _render(request, standard, roles, status=400, expert_form=form)


@login_required
@require_POST
def expert_remove(request, pk: int, user_pk: int):
    standard = _workbench_or_403(request, pk)[0]
    try:
        participation.expert_remove(standard=standard, user=_person(user_pk), by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The expert was removed; their opinion no longer counts."))
    return redirect("standards:workbench", standard.pk)


@login_required
@require_POST
def opinion_submit(request, pk: int):
    standard = _standard(request, pk)
    form = f.OpinionForm(request.POST, prefix="opinion")
    if form.is_valid() and run_service(request, form, lambda: participation.opinion_submit(
            standard=standard, opinion=form.cleaned_data["opinion"], vote=form.cleaned_data["vote"], by=request.user),
            success_message=_("Your opinion and vote were recorded.")):
        return redirect("standards:workbench", standard.pk)
    standard, roles = _workbench_or_403(request, pk)
    return _render(request, standard, roles, status=400, opinion_form=form)


@login_required
@require_POST
def comment_answer(request, pk: int, comment_pk: int):
    standard, roles = _workbench_or_403(request, pk)
    comment = PublicComment.objects.filter(standard=standard, pk=comment_pk).first()
    if comment is None:
        raise Http404
    form = f.AnswerForm(request.POST, prefix=f"answer-{comment.pk}")
    if form.is_valid() and run_service(request, form, lambda: participation.comment_answer(
            comment=comment, answer=form.cleaned_data["answer"], reason=form.cleaned_data["reason"], by=request.user)):
        comment.refresh_from_db()
        if request.htmx:
            return render(request, "standards/lifecycle/_comment.html", {
                "item": {"comment": comment, "form": form}, "standard": standard, "roles": roles, "saved": True})
        messages.success(request, _("The answer was recorded."))
        return redirect(reverse("standards:workbench", args=[standard.pk]) + f"#comment-{comment.pk}")
    if request.htmx:
        return render(request, "standards/lifecycle/_comment.html", {
            "item": {"comment": comment, "form": form}, "standard": standard, "roles": roles}, status=400)
    messages.error(request, " ".join(str(e) for texts in form.errors.values() for e in texts))
    return redirect("standards:workbench", standard.pk)


@login_required
def draft_edit(request, pk: int):
    """The working group (or an officer) edits the draft while drafting (STD-3)."""
    standard = _standard(request, pk)
    if not participation.may_edit_draft(request.user, standard):
        if standard.status != S.DRAFTING and (policy.can(request.user, lifecycle.EDIT_DRAFT, standard)
                                              or policy.can(request.user, lifecycle.MANAGE, standard)):
            messages.info(request, _("The draft can be edited only while it is being drafted."))
            return redirect("standards:workbench", standard.pk)
        policy.require(request.user, lifecycle.EDIT_DRAFT, standard)
    initial = {"title": standard.title, "title_en": standard.title_en, "scope_note": standard.scope_note}
    form = f.DraftForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(request, form, lambda: participation.draft_update(
                standard=standard, title=data["title"], title_en=data["title_en"], scope_note=data["scope_note"],
                text_upload=data["text_upload"], by=request.user), success_message=_("The draft was saved.")):
            return redirect("standards:workbench", standard.pk)
    return render(request, "standards/lifecycle/draft_edit.html", {"standard": standard, "form": form},
                  status=400 if form.errors else 200)


def _client_key(request) -> str:
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def comment_create(request, pk: int):
    """Anyone may comment on a draft during its comment period (STD-3, M.11); outside it, the page says when."""
    standard = _standard(request, pk)
    refused = participation.comment_period_message(standard)
    initial = {}
    if request.user.is_authenticated:
        initial = {"author_name": request.user.full_name, "author_email": request.user.email,
                   "author_organisation": getattr(request.user.organisation, "name", "")}
    form = f.CommentForm(request.POST or None, initial=initial)
    if request.method == "POST" and not refused and form.is_valid():
        data = form.cleaned_data
        created = run_service(request, form, lambda: participation.comment_submit(
            standard=standard, by=request.user, client_key=_client_key(request), **data))
        if created is not None:
            return render(request, "standards/lifecycle/comment_done.html", {"standard": standard, "comment": created})
    status = 200
    if request.method == "POST":
        status = 409 if refused else 400
    return render(request, "standards/lifecycle/comment_form.html", {
        "standard": standard, "form": form, "refused": refused,
        "answered": PublicComment.objects.filter(standard=standard).exclude(answer=PublicComment.Answer.PENDING)
        .order_by("submitted_at", "pk")[:200]}, status=status)


@login_required
def my_reviews(request):
    """Drafts an expert was appointed to review, open ones first, with their own vote."""
    rows = ExpertReviewer.objects.filter(user=request.user).select_related("standard__category")
    scope = request.GET.get("show", "open")
    if scope == "open":
        rows = rows.filter(standard__status__in=participation.EXPERT_STATUSES)
    page = paginate(request, rows.order_by("-appointed_at", "pk"))
    votes = dict(ReviewOpinion.objects.filter(reviewer=request.user, standard_id__in=[
        row.standard_id for row in page]).values_list("standard_id", "vote"))
    items = [{"expert": row, "standard": row.standard, "vote": votes.get(row.standard_id),
              "vote_label": ReviewOpinion.Vote(votes[row.standard_id]).label if row.standard_id in votes else ""}
             for row in page]
    return render(request, "standards/lifecycle/my_reviews.html", {"page": page, "items": items, "show": scope})


@login_required
def my_drafts(request):
    """Drafts whose working group the user belongs to, with what is waiting for them."""
    rows = WorkingGroupMember.objects.filter(user=request.user).select_related("standard__category")
    scope = request.GET.get("show", "open")
    if scope == "open":
        rows = rows.filter(standard__status__in=lifecycle.WORKING_STATUSES)
    page = paginate(request, rows.order_by("-added_at", "pk"))
    ids = [row.standard_id for row in page]
    pending = {}
    for standard_id in PublicComment.objects.filter(standard_id__in=ids, answer=PublicComment.Answer.PENDING) \
            .values_list("standard_id", flat=True):
        pending[standard_id] = pending.get(standard_id, 0) + 1
    items = [{"member": row, "standard": row.standard, "pending": pending.get(row.standard_id, 0)} for row in page]
    return render(request, "standards/lifecycle/my_drafts.html", {"page": page, "items": items, "show": scope})


urlpatterns = [
    path("<int:pk>/work/", workbench, name="workbench"),
    path("<int:pk>/work/step/<slug:step>/", workbench_step, name="workbench_step"),
    path("<int:pk>/work/group/", group_add, name="group_add"),
    path("<int:pk>/work/group/<int:user_pk>/remove/", group_remove, name="group_remove"),
    path("<int:pk>/work/experts/", expert_add, name="expert_add"),
    path("<int:pk>/work/experts/<int:user_pk>/remove/", expert_remove, name="expert_remove"),
    path("<int:pk>/work/opinion/", opinion_submit, name="opinion_submit"),
    path("<int:pk>/work/comments/<int:comment_pk>/answer/", comment_answer, name="comment_answer"),
    path("<int:pk>/work/draft/", draft_edit, name="draft_edit"),
    path("<int:pk>/comment/", comment_create, name="comment_create"),
    path("reviews/", my_reviews, name="my_reviews"),
    path("drafts/", my_drafts, name="my_drafts"),
]
