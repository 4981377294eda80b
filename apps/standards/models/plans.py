"""The framework plan of the standard system and annual work plans (STD-4)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class PlannedStandard(TrackedModel):
    """A standard the framework foresees in a category; linked to the registry once it exists."""

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")

    category = models.ForeignKey("standards.FrameworkCategory", on_delete=models.PROTECT,
                                 related_name="planned", verbose_name=_("framework category"))
    title = models.CharField(_("title"), max_length=300)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    standard = models.ForeignKey("standards.Standard", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("registered standard"))
    note = models.TextField(_("note"), blank=True)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(), shared=True)

    class Meta:
        verbose_name = _("planned standard")
        verbose_name_plural = _("planned standards")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title


class WorkPlan(TrackedModel):
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(), shared=True)

    class Meta:
        verbose_name = _("annual work plan")
        verbose_name_plural = _("annual work plans")
        ordering = ["-year", "title"]
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="std_one_plan_per_year")]

    def __str__(self) -> str:
        return self.title


class WorkPlanItem(TrackedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    title = models.CharField(_("task"), max_length=300)
    standard = models.ForeignKey("standards.Standard", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("standard"))
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("responsible organisation"))
    owner_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    due_on = models.DateField(_("due"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField(_("note"), blank=True)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(), shared=True)

    class Meta:
        verbose_name = _("work plan item")
        verbose_name_plural = _("work plan items")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="std_progress_percent")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status not in (self.Status.DONE, self.Status.CANCELLED) and self.due_on < today


class Milestone(TrackedModel):
    item = models.ForeignKey(WorkPlanItem, on_delete=models.CASCADE, related_name="milestones",
                             verbose_name=_("work plan item"))
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("reached"), null=True, blank=True)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(), shared=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title
