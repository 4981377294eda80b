"""Reviewers' pages (SVC-2, SEC-4, SEC-9): the work list and the step page, where the step's organisation names
reviewers, a reviewer declares no conflict of interest and decides, and a department records the security
assessment of an export. All rules live in services/routing.py."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from apps.core import policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import ConflictDeclaration, DataField, ReviewComment, RouteStep, SharingApplication
from ..services import applications as application_services
from ..services import routing
from .review_forms import AssessmentForm, AssignForm, DecisionForm, DeclarationForm

VIEW_STEP = routing.VIEW_STEP
UNASSIGNED_SHOWN = 50


@login_required
def review_list(request):
    """Steps the user is a named reviewer of (active first, by due date, overdue flagged) and, for those who
    name reviewers, their organisation's active steps with nobody named yet."""
    policy.require(request.user, VIEW_STEP)
    page = paginate(request, routing.steps_pending(request.user))
    unassigned = list(routing.steps_without_reviewers(request.user)[:UNASSIGNED_SHOWN + 1])
    return render(request, "catalog/review/list.html", {
        "page": page, "unassigned": unassigned[:UNASSIGNED_SHOWN], "more_unassigned": len(unassigned) > UNASSIGNED_SHOWN,
        "today": routing.today(), "may_assign": request.user.has_perm(routing.ASSIGN)})


def _step(request, pk) -> RouteStep:
    return policy.get_object(request.user, RouteStep.objects.select_related(
        "application", "application__applicant", "application__applicant_region", "organisation", "rule",
        "decided_by"), VIEW_STEP, pk=pk)


def _answers(application: SharingApplication, comments: dict) -> list[dict]:
    return [{"name": name, "label": SharingApplication._meta.get_field(name).verbose_name,
             "value": application_services.answer_display(application, name), "comments": comments.get(name, [])}
            for name in application_services.ANSWER_FIELDS]


def _comments_by_answer(application: SharingApplication) -> dict[str, list]:
    """Every reviewer comment of every round, by the answer it concerns ("" = general)."""
    comments: dict[str, list] = {}
    rows = (ReviewComment.objects.filter(application=application)
            .select_related("author", "step__organisation").order_by("round", "created_at", "pk"))
    for comment in rows:
        comments.setdefault(comment.field_name or "", []).append(comment)
    return comments


def _forms(request, step: RouteStep, action: str | None):
    data = request.POST if request.method == "POST" else None
    return {
        "assign": AssignForm(data if action == "assign" else None, step=step,
                             initial={"users": [user.pk for user in routing.step_reviewers(step)]}),
        "declare": DeclarationForm(data if action == "declare" else None),
        "decide": DecisionForm(data if action == "decide" else None),
        "assessment": AssessmentForm(data if action == "assessment" else None),
    }


def _call(request, step: RouteStep, action: str, form):
    user = request.user
    if action == "assign":
        return run_service(request, form, lambda: routing.step_reviewers_assign(
            step, users=form.cleaned_data["users"], by=user), success_message=_("The reviewers are named."))
    if action == "declare":
        return run_service(request, form, lambda: routing.conflict_declare(
            step, user=user, statement=form.cleaned_data["statement"]),
            success_message=_("Your declaration is recorded; you may now decide."))
    if action == "decide":
        return run_service(request, form, lambda: routing.step_decide(
            step, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"],
            conditions=form.cleaned_data["conditions"], field_comments=form.field_comments(), by=user),
            success_message=_("Your decision is recorded."))
    return run_service(request, form, lambda: routing.security_assessment_record(
        step.application, reference=form.cleaned_data["reference"], assessed_on=form.cleaned_data["assessed_on"],
        by=user), success_message=_("The security assessment is recorded."))


@login_required
def step_detail(request, pk: int):
    """The application as the reviewer reads it (answers, requested fields with their levels, recipients,
    documents), the route, and the forms the user may use on this step."""
    step = _step(request, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and action not in ("assign", "declare", "decide", "assessment"):
        return HttpResponseBadRequest()
    forms = _forms(request, step, action)
    status = 200
    if action:
        form = forms[action]
        if form.is_valid() and _call(request, step, action, form) is not None:
            return redirect("catalog:step_detail", step.pk)
        status = 400
    context = _context(request, step)
    decide = forms["decide"]
    for answer in context["answers"]:
        answer["box"] = decide.answer_field(answer["name"])
    context.update({
        "forms": forms, "decide_main": decide.main_fields(), "declare_fields": list(forms["declare"]),
        "assign_fields": list(forms["assign"]), "assessment_fields": list(forms["assessment"]),
        "part_boxes": {key: decide.answer_field(key) for key in ("items", "recipients", "documents")},
    })
    return render(request, "catalog/review/step.html", context, status=status)


def _context(request, step: RouteStep) -> dict:
    user = request.user
    application = step.application
    comments = _comments_by_answer(application)
    items = list(application.items.select_related("resource", "version", "provider").prefetch_related(
        Prefetch("fields", queryset=DataField.objects.order_by("position", "pk"))).order_by("pk"))
    for item in items:
        item.requested = {field.pk for field in item.fields.all()}
    reviewers = routing.step_reviewers(step)
    declarations = list(ConflictDeclaration.objects.filter(step=step).select_related("user").order_by("declared_at"))
    named = any(reviewer.pk == user.pk for reviewer in reviewers)
    declared = any(declaration.user_id == user.pk for declaration in declarations)
    open_step = (step.status in routing.OPEN_STATUSES and step.round == application.round
                 and application.status == SharingApplication.Status.IN_REVIEW)
    applying_side = routing.on_applying_side(user, application)
    return {
        "step": step, "application": application, "answers": _answers(application, comments),
        "general_comments": comments.get("", []),
        "part_comments": {key: comments.get(key, []) for key in ("items", "recipients", "documents")},
        "items": items,
        "recipients": list(application.recipients.select_related("user", "user__organisation", "agreement")),
        "documents": list(application.documents.order_by("kind", "pk")),
        "route": routing.route_explanation(application),
        "reviewers": reviewers, "declarations": declarations,
        "is_reviewer": named, "declared": declared, "applying_side": applying_side,
        "may_assign": open_step and routing.may_assign(user, step),
        "may_declare": open_step and named and not declared and not applying_side,
        "may_decide": (open_step and step.status == RouteStep.Status.ACTIVE and named and declared
                       and not applying_side),
        "may_record_assessment": (application.status in (SharingApplication.Status.IN_REVIEW,
                                                          SharingApplication.Status.RETURNED)
                                  and routing.may_record_assessment(user, application)),
        "assessment_awaited": routing.assessment_awaited(application),
        "overdue": step.status == RouteStep.Status.ACTIVE and step.due_on is not None
        and step.due_on < routing.today(),
        "decision_form_id": DecisionForm.FORM_ID,
    }


urlpatterns = [
    path("review/", review_list, name="review_list"),
    path("review/steps/<int:pk>/", step_detail, name="step_detail"),
]
