"""Framework plan and annual work plans (STD-4, M.8)."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import apply_domain_error, run_service

from ..models import (
    ADOPTABLE_STATUSES,
    FrameworkCategory,
    Milestone,
    PlannedStandard,
    Standard,
    WorkPlan,
    WorkPlanItem,
)
from ..services import plans as plan_services
from .adoption import adoptable_codes
from .plans_forms import (
    CategoryForm,
    MilestoneForm,
    PlannedStandardForm,
    ProgressForm,
    ReachForm,
    WorkPlanForm,
    WorkPlanItemForm,
)


def _get(request, queryset, perm, pk):
    try:
        return policy.get_object(request.user, queryset, perm, pk=pk)
    except errors.NotFound:
        raise Http404 from None


# --- framework plan -----------------------------------------------------------------------------------


@dataclass
class Node:
    category: FrameworkCategory
    children: list = field(default_factory=list)
    counts: list = field(default_factory=list)  # (status label, count)
    in_use: list = field(default_factory=list)
    planned: list = field(default_factory=list)


def framework_tree() -> list[Node]:
    """The category tree with, per node, standards counted by status, those in use, and planned ones.

    Four queries whatever the size of the framework."""
    nodes = {c.pk: Node(c) for c in FrameworkCategory.objects.order_by("position", "code")}
    labels = dict(Standard.Status.choices)
    counts = (Standard.objects.order_by().values("category_id", "status").annotate(n=Count("pk"))
              .values_list("category_id", "status", "n"))
    for category_id, status, n in sorted(counts, key=lambda row: list(labels).index(row[1])):
        if category_id in nodes:
            nodes[category_id].counts.append((status, labels[status], n))
    for standard in Standard.objects.filter(status__in=ADOPTABLE_STATUSES).only(
            "pk", "code", "title", "status", "category_id").order_by("code"):
        nodes[standard.category_id].in_use.append(standard)
    rank = {value: index for index, value in enumerate(PlannedStandard.Priority.values)}  # high first
    planned_rows = PlannedStandard.objects.select_related("standard")
    for planned in sorted(planned_rows, key=lambda p: (rank.get(p.priority, 9), p.target_year or 9999, p.title)):
        nodes[planned.category_id].planned.append(planned)
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id)
        (parent.children if parent else roots).append(node)
    return roots


@login_required
def framework(request):
    policy.require(request.user, "standards.view_frameworkcategory")
    return render(request, "standards/plans/framework.html", {
        "roots": framework_tree(),
        "may_add_category": request.user.has_perm("standards.add_frameworkcategory"),
        "may_change_category": request.user.has_perm("standards.change_frameworkcategory"),
        "may_add_planned": request.user.has_perm("standards.add_plannedstandard"),
        "may_change_planned": request.user.has_perm("standards.change_plannedstandard"),
    })


@login_required
def category_edit(request, pk: int | None = None):
    category = _get(request, FrameworkCategory, "standards.view_frameworkcategory", pk) if pk else None
    policy.require(request.user, "standards.change_frameworkcategory" if category else "standards.add_frameworkcategory")
    initial = {}
    if category is not None:
        initial = {name: getattr(category, name) for name in ("code", "name", "name_en", "position", "description")}
        initial["parent"] = category.parent_id
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data, position=form.cleaned_data.get("position") or 0)
        if run_service(request, form, lambda: plan_services.category_save(category=category, by=request.user, **data),
                       success_message=_("The category is saved.")) is not None:
            return redirect("standards:framework")
    return render(request, "standards/plans/form.html", {
        "form": form, "title": _("Edit the category") if category else _("Add a category"),
        "back": "standards:framework"}, status=400 if form.errors else 200)


@login_required
def planned_edit(request, pk: int | None = None):
    planned = _get(request, PlannedStandard.objects.select_related("standard"), "standards.view_plannedstandard",
                   pk) if pk else None
    policy.require(request.user, "standards.change_plannedstandard" if planned else "standards.add_plannedstandard")
    initial = {}
    if planned is not None:
        initial = {"category": planned.category_id, "title": planned.title, "priority": planned.priority,
                   "target_year": planned.target_year, "note": planned.note,
                   "standard": planned.standard.code if planned.standard else ""}
    elif (request.GET.get("category") or "").isdigit():
        initial = {"category": request.GET["category"]}
    form = PlannedStandardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and run_service(
            request, form, lambda: plan_services.planned_standard_save(planned=planned, by=request.user,
                                                                       **form.cleaned_data),
            success_message=_("The planned standard is saved.")) is not None:
        return redirect("standards:framework")
    return render(request, "standards/plans/form.html", {
        "form": form, "title": _("Edit the planned standard") if planned else _("Add a planned standard"),
        "back": "standards:framework", "codes": Standard.objects.order_by("code").values_list("code", "title")},
        status=400 if form.errors else 200)


# --- annual work plans --------------------------------------------------------------------------------


def _overdue_counts(plans) -> dict:
    today = timezone.localdate()
    rows = (WorkPlanItem.objects.filter(plan__in=plans, due_on__lt=today)
            .exclude(status__in=[WorkPlanItem.Status.DONE, WorkPlanItem.Status.CANCELLED])
            .order_by().values("plan_id").annotate(n=Count("pk")).values_list("plan_id", "n"))
    return dict(rows)


@login_required
def workplans(request):
    plans = list(policy.visible(request.user, WorkPlan.objects.select_related("department"), "standards.view_workplan")
                 .annotate(items_count=Count("items")).order_by("-year", "title")[:200])
    overdue = _overdue_counts([p.pk for p in plans])
    for plan in plans:
        plan.overdue = overdue.get(plan.pk, 0)
    may_create = request.user.is_regulator and request.user.has_perm("standards.add_workplan")
    form = WorkPlanForm(request.POST or None)
    if request.method == "POST":
        if not may_create:
            raise errors.PermissionDenied()
        if form.is_valid():
            plan = run_service(request, form, lambda: plan_services.workplan_create(by=request.user,
                                                                                   **form.cleaned_data),
                               success_message=_("The work plan is created."))
            if plan is not None:
                return redirect("standards:workplan_detail", plan.pk)
    return render(request, "standards/plans/workplans.html", {"plans": plans, "form": form, "may_create": may_create},
                  status=400 if form.errors else 200)


def _plan(request, pk) -> WorkPlan:
    return _get(request, WorkPlan.objects.select_related("department"), "standards.view_workplan", pk)


@login_required
def workplan_detail(request, pk: int):
    plan = _plan(request, pk)
    item_form = WorkPlanItemForm()
    if request.method == "POST":
        item_form = WorkPlanItemForm(request.POST)
        if item_form.is_valid() and run_service(
                request, item_form, lambda: plan_services.workplan_item_add(plan=plan, by=request.user,
                                                                            **item_form.cleaned_data),
                success_message=_("The task is added.")) is not None:
            return redirect("standards:workplan_detail", plan.pk)
    return _render_plan(request, plan, item_form=item_form)


def _render_plan(request, plan, *, item_form=None, failed_item=None, failed_form=None):
    today = timezone.localdate()
    items = list(plan.items.select_related("owner", "standard").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk"))).order_by("due_on", "pk"))
    for item in items:
        item.overdue = item.is_overdue(today)
        item.progress_form = (failed_form if failed_item == ("progress", item.pk) else
                              ProgressForm(initial={"progress": item.progress, "status": item.status,
                                                    "due_on": item.due_on, "note": item.note}, prefix=f"i{item.pk}"))
        item.milestone_form = (failed_form if failed_item == ("milestone", item.pk) else
                               MilestoneForm(prefix=f"m{item.pk}"))
        for milestone in item.milestones.all():
            milestone.overdue = milestone.done_on is None and milestone.due_on < today
    failed = bool((item_form and item_form.errors) or failed_form is not None)
    return render(request, "standards/plans/workplan_detail.html", {
        "plan": plan, "items": items, "item_form": item_form or WorkPlanItemForm(), "today": today,
        "may_change": plan_services.workplan_may_change(request.user, plan), "overdue": sum(1 for i in items if i.overdue),
        "codes": adoptable_codes(), "reach_form": ReachForm(initial={"done_on": today}),
    }, status=400 if failed else 200)


def _item(request, pk) -> WorkPlanItem:
    return _get(request, WorkPlanItem.objects.select_related("plan"), "standards.view_workplanitem", pk)


@login_required
@require_POST
def workplan_item_progress(request, pk: int):
    item = _item(request, pk)
    form = ProgressForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid() and run_service(request, form, lambda: plan_services.workplan_item_progress(
            item=item, by=request.user, **form.cleaned_data), success_message=_("Progress is recorded.")) is not None:
        return redirect("standards:workplan_detail", item.plan_id)
    return _render_plan(request, item.plan, failed_item=("progress", item.pk), failed_form=form)


@login_required
@require_POST
def milestone_add(request, pk: int):
    item = _item(request, pk)
    form = MilestoneForm(request.POST, prefix=f"m{item.pk}")
    if form.is_valid() and run_service(request, form, lambda: plan_services.milestone_add(
            item=item, by=request.user, **form.cleaned_data), success_message=_("The milestone is added.")) is not None:
        return redirect("standards:workplan_detail", item.plan_id)
    return _render_plan(request, item.plan, failed_item=("milestone", item.pk), failed_form=form)


@login_required
@require_POST
def milestone_reach(request, pk: int):
    milestone = _get(request, Milestone.objects.select_related("item__plan"), "standards.view_milestone", pk)
    form = ReachForm(request.POST)
    if form.is_valid():
        try:
            plan_services.milestone_reach(milestone=milestone, done_on=form.cleaned_data["done_on"], by=request.user)
        except errors.ValidationFailed as error:
            apply_domain_error(form, error)
    if form.errors:
        from django.contrib import messages

        messages.error(request, " ".join(str(e) for errors_ in form.errors.values() for e in errors_))
    return redirect("standards:workplan_detail", milestone.item.plan_id)


urlpatterns = [
    path("framework/", framework, name="framework"),
    path("framework/categories/new/", category_edit, name="category_create"),
    path("framework/categories/<int:pk>/edit/", category_edit, name="category_edit"),
    path("framework/planned/new/", planned_edit, name="planned_create"),
    path("framework/planned/<int:pk>/edit/", planned_edit, name="planned_edit"),
    path("workplans/", workplans, name="workplans"),
    path("workplans/<int:pk>/", workplan_detail, name="workplan_detail"),
    path("workplans/items/<int:pk>/progress/", workplan_item_progress, name="workplan_item_progress"),
    path("workplans/items/<int:pk>/milestones/", milestone_add, name="milestone_add"),
    path("workplans/milestones/<int:pk>/reached/", milestone_reach, name="milestone_reach"),
]
