"""The framework plan of the standard system and the annual work plans, with progress (STD-4, M.8).

Categories and planned standards are shared reference data any standards officer maintains. A work plan
belongs to one department: only that department's officers add or change its items and milestones.

Date rules (decided here): an item is due inside the plan's year or in the first quarter of the next
(a year-end task may close with its report early in the new year); anything else is refused. A milestone
is due on or before its item's due date. Progress is 0-100 and a done item is at 100."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import FrameworkCategory, Milestone, PlannedStandard, Standard, WorkPlan, WorkPlanItem

GRACE_UNTIL = (3, 31)  # month, day of the following year up to which an item may fall due


def _text(value, field: str, message: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise errors.ValidationFailed(field_errors={field: [message]})
    if len(value) > max_length:
        raise errors.ValidationFailed(field_errors={field: [
            _("At most %(n)d characters.") % {"n": max_length}]})
    return value


# --- framework categories and planned standards ---------------------------------------------------------


def _check_parent(category: FrameworkCategory | None, parent: FrameworkCategory | None) -> None:
    node = parent
    while node is not None:
        if category is not None and node.pk == category.pk:
            raise errors.ValidationFailed(field_errors={"parent": [
                _("A category cannot be placed under itself or one of its subcategories.")]})
        node = node.parent


@transaction.atomic
def category_save(*, category: FrameworkCategory | None = None, code: str, name: str, name_en: str = "",
                  parent: FrameworkCategory | None = None, position: int = 0, description: str = "",
                  by) -> FrameworkCategory:
    """Add (category=None) or change a node of the framework (STD-4)."""
    if category is None:
        policy.require(by, "standards.add_frameworkcategory")
        category = FrameworkCategory()
    else:
        category = FrameworkCategory.objects.select_for_update().get(pk=category.pk)
        policy.require(by, "standards.change_frameworkcategory", category)
    code = _text(code, "code", _("Give the category a code."), max_length=16).upper()
    if FrameworkCategory.objects.filter(code=code).exclude(pk=category.pk).exists():
        raise errors.ValidationFailed(field_errors={"code": [_("Another category has this code.")]})
    _check_parent(category if category.pk else None, parent)
    category.code, category.parent, category.position = code, parent, max(int(position or 0), 0)
    category.name = _text(name, "name", _("Give the category a name."), max_length=100)
    category.name_en, category.description = (name_en or "").strip()[:150], (description or "").strip()
    return save_tracked(category, by=by, reason="framework category saved")


@transaction.atomic
def planned_standard_save(*, planned: PlannedStandard | None = None, category: FrameworkCategory, title: str,
                          priority: str, target_year: int | None = None, standard: Standard | None = None,
                          note: str = "", by) -> PlannedStandard:
    """Add or change a standard the framework foresees; link it once it is registered (STD-4)."""
    if planned is None:
        policy.require(by, "standards.add_plannedstandard")
        planned = PlannedStandard()
    else:
        planned = PlannedStandard.objects.select_for_update().get(pk=planned.pk)
        policy.require(by, "standards.change_plannedstandard", planned)
    if priority not in PlannedStandard.Priority.values:
        raise errors.ValidationFailed(field_errors={"priority": [_("Choose a priority.")]})
    if target_year is not None and not 2000 <= target_year <= 2100:
        raise errors.ValidationFailed(field_errors={"target_year": [_("Give a year between 2000 and 2100.")]})
    planned.category, planned.priority, planned.target_year, planned.standard = (
        category, priority, target_year, standard)
    planned.title = _text(title, "title", _("Give the planned standard a title."), max_length=300)
    planned.note = (note or "").strip()
    return save_tracked(planned, by=by, reason="planned standard saved")


# --- annual work plans --------------------------------------------------------------------------------


def _require_own_plan(by, plan: WorkPlan, perm: str) -> None:
    """Role permission, and the plan is the acting user's department's."""
    policy.require(by, perm, plan)
    if not by.is_superuser and by.organisation_id != plan.department_id:
        raise errors.PermissionDenied(_("Only the officers of the department that owns the plan change it."))


def workplan_may_change(user, plan: WorkPlan, perm: str = "standards.change_workplanitem") -> bool:
    """Would `_require_own_plan` let `user` change `plan`? (the page shows its forms accordingly)."""
    if not policy.can(user, perm, plan):
        return False
    return user.is_superuser or user.organisation_id == plan.department_id


@transaction.atomic
def workplan_create(*, year: int, title: str, by) -> WorkPlan:
    """The acting officer's department's work plan for `year` (one per department and year)."""
    policy.require(by, "standards.add_workplan")
    department = by.organisation
    if department is None or department.kind != "department":
        raise errors.PermissionDenied()
    if not 2000 <= int(year or 0) <= 2100:
        raise errors.ValidationFailed(field_errors={"year": [_("Give a year between 2000 and 2100.")]})
    plan = WorkPlan(year=year, department=department,
                    title=_text(title, "title", _("Give the plan a title."), max_length=200))
    try:
        with transaction.atomic():
            return save_tracked(plan, by=by, reason="work plan created")
    except IntegrityError:
        raise errors.ValidationFailed(field_errors={"year": [
            _("Your department already has a work plan for %(year)d.") % {"year": year}]}) from None


def _check_due(plan: WorkPlan, due_on: datetime.date | None) -> None:
    if due_on is None:
        raise errors.ValidationFailed(field_errors={"due_on": [_("Give a due date.")]})
    first, last = datetime.date(plan.year, 1, 1), datetime.date(plan.year + 1, *GRACE_UNTIL)
    if not first <= due_on <= last:
        raise errors.ValidationFailed(field_errors={"due_on": [
            _("A task of the %(year)d plan falls due between %(first)s and %(last)s.") % {
                "year": plan.year, "first": first.isoformat(), "last": last.isoformat()}]})


def _check_progress(progress, status: str) -> int:
    try:
        progress = int(progress)
    except (TypeError, ValueError):
        raise errors.ValidationFailed(field_errors={"progress": [_("Give the progress in percent.")]}) from None
    if not 0 <= progress <= 100:
        raise errors.ValidationFailed(field_errors={"progress": [_("Progress is between 0 and 100 %.")]})
    if status not in WorkPlanItem.Status.values:
        raise errors.ValidationFailed(field_errors={"status": [_("Choose a status.")]})
    if status == WorkPlanItem.Status.DONE and progress != 100:
        raise errors.ValidationFailed(field_errors={"progress": [_("A done task is at 100 %.")]})
    if status == WorkPlanItem.Status.PLANNED and progress == 100:
        raise errors.ValidationFailed(field_errors={"status": [_("A task at 100 % is done, not planned.")]})
    return progress


@transaction.atomic
def workplan_item_add(*, plan: WorkPlan, title: str, owner, owner_person: str = "", due_on: datetime.date,
                      standard: Standard | None = None, note: str = "", by) -> WorkPlanItem:
    """A task of the annual plan with its responsible organisation and person (STD-4)."""
    plan = WorkPlan.objects.select_for_update().get(pk=plan.pk)
    _require_own_plan(by, plan, "standards.add_workplanitem")
    if owner is None:
        raise errors.ValidationFailed(field_errors={"owner": [_("Name the responsible organisation.")]})
    _check_due(plan, due_on)
    item = WorkPlanItem(plan=plan, owner=owner, owner_person=(owner_person or "").strip()[:100], due_on=due_on,
                        standard=standard, note=(note or "").strip(),
                        title=_text(title, "title", _("Describe the task."), max_length=300))
    return save_tracked(item, by=by, reason="work plan item added")


@transaction.atomic
def workplan_item_progress(*, item: WorkPlanItem, progress: int, status: str, note: str | None = None,
                           due_on: datetime.date | None = None, by) -> WorkPlanItem:
    """Report progress on a task (0-100, done = 100), optionally moving its due date within the plan year."""
    item = WorkPlanItem.objects.select_for_update().select_related("plan").get(pk=item.pk)
    _require_own_plan(by, item.plan, "standards.change_workplanitem")
    item.progress = _check_progress(progress, status)
    item.status = status
    if due_on is not None and due_on != item.due_on:
        _check_due(item.plan, due_on)
        late = item.milestones.filter(due_on__gt=due_on).first()
        if late is not None:
            raise errors.ValidationFailed(field_errors={"due_on": [
                _("The milestone “%(title)s” is due on %(date)s, after this date.") % {
                    "title": late.title, "date": late.due_on.isoformat()}]})
        item.due_on = due_on
    if note is not None:
        item.note = note.strip()
    return save_tracked(item, by=by, reason=f"progress {item.progress}%")


@transaction.atomic
def milestone_add(*, item: WorkPlanItem, title: str, due_on: datetime.date, by) -> Milestone:
    """A milestone of a task, due on or before the task itself (STD-4)."""
    item = WorkPlanItem.objects.select_for_update().select_related("plan").get(pk=item.pk)
    _require_own_plan(by, item.plan, "standards.add_milestone")
    if due_on is None:
        raise errors.ValidationFailed(field_errors={"due_on": [_("Give a due date.")]})
    if due_on > item.due_on:
        raise errors.ValidationFailed(field_errors={"due_on": [
            _("A milestone is due on or before its task (%(date)s).") % {"date": item.due_on.isoformat()}]})
    milestone = Milestone(item=item, due_on=due_on,
                          title=_text(title, "title", _("Name the milestone."), max_length=200))
    return save_tracked(milestone, by=by, reason="milestone added")


@transaction.atomic
def milestone_reach(*, milestone: Milestone, done_on: datetime.date, by) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("item__plan").get(pk=milestone.pk)
    _require_own_plan(by, milestone.item.plan, "standards.change_milestone")
    from django.utils import timezone

    if done_on is None or done_on > timezone.localdate():
        raise errors.ValidationFailed(field_errors={"done_on": [_("Give the date it was reached (not in the future).")]})
    milestone.done_on = done_on
    return save_tracked(milestone, by=by, reason="milestone reached")
