"""Inspection plans and target selections (SUP-1, SUP-2).

A plan is a department's programme for a period: what is inspected (routine inspections of responsible
entities, or stability and security evaluations of platforms and providers), where (region prefixes,
institution types), with which checklist version and which pool of inspectors. Targets come from
selections: a risk ranking or a "double random" draw, each recorded with its inputs so anyone can
re-check it later; a selection is never replaced without a recorded reason.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class InspectionPlan(TrackedModel):
    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual")
        QUARTERLY = "quarterly", _("Quarterly")
        SPECIAL = "special", _("Special")

    class Subject(models.TextChoices):
        ROUTINE = "routine", _("Routine inspection of security management and data use")  # SUP-1
        EVALUATION = "evaluation", _("Stability and security evaluation of platforms and providers")  # SUP-2

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("In progress")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    # The department's region: jurisdiction applies to it (higher departments see their subordinates' plans).
    # None for the national department (which has no region): only national users see those plans.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("department's region"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices, default=Subject.ROUTINE)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    scope_regions = ArrayField(models.CharField(max_length=12), verbose_name=_("regions"), default=list,
                               help_text=_("Region codes inside the department's jurisdiction; empty = all of it."))
    scope_types = ArrayField(models.CharField(max_length=24), verbose_name=_("institution types"), default=list,
                             blank=True, help_text=_("Empty = every type."))
    checklist = models.ForeignKey("inspections.ChecklistVersion", on_delete=models.PROTECT, related_name="plans",
                                  verbose_name=_("checklist"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    policy_scope = PolicyScope(region_field="region", owner_field=None)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-starts_on", "-pk"]
        permissions = [("manage_inspection_plan", _("Make inspection plans, draw targets and inspectors"))]
        indexes = [models.Index(fields=["region", "status"], name="insp_plan_region_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PlanInspector(TrackedModel):
    """A member of the plan's inspector pool; draws assign from the pool."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="pool",
                             verbose_name=_("plan"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("inspector"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    policy_scope = PolicyScope(region_field="plan__region", owner_field=None)

    class Meta:
        verbose_name = _("pool inspector")
        verbose_name_plural = _("inspector pool")
        ordering = ["plan", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="insp_pool_once")]

    def __str__(self) -> str:
        return str(self.user)


class ConflictOfInterest(TrackedModel):
    """An inspector's declared tie to an institution (former employment, family, contracts): excluded
    from being drawn for it while the declaration is in force."""

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("inspector"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    reason = models.CharField(_("nature of the tie"), max_length=300)
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    # The declaring inspector's department region (jurisdiction); None for the national department.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("department's region"))

    policy_scope = PolicyScope(region_field="region", owner_field=None)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-declared_at"]
        indexes = [models.Index(fields=["user", "institution"], name="insp_conflict_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.institution}"


class TargetSelection(TrackedModel):
    """One selection of targets and inspectors for a plan, with everything needed to replay it.

    `candidates` are the institution ids in the order the algorithm reads them (ascending id),
    `inspectors` the pool's user ids (ascending), `exclusions` {institution id: [[user id, reason], ...]},
    `result` [{"institution": id, "inspectors": [user ids]}] in selection order; for a risk selection
    `ranking` keeps every candidate's score and its parts as they were. `digest` is the SHA-256 of the
    canonical JSON of inputs and result, printed on the public page."""

    class Method(models.TextChoices):
        RISK = "risk", _("Risk-based")
        RANDOM = "random", _("Double random")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        VOID = "void", _("Void (replaced)")

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="selections",
                             verbose_name=_("plan"))
    number = models.PositiveIntegerField(_("selection number"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    algorithm = models.CharField(_("algorithm"), max_length=40)
    seed = models.CharField(_("seed"), max_length=64)
    target_count = models.PositiveIntegerField(_("targets requested"))
    team_size = models.PositiveSmallIntegerField(_("inspectors per target"), default=2)
    candidates = ArrayField(models.IntegerField(), verbose_name=_("candidate institutions"), default=list)
    inspectors = ArrayField(models.IntegerField(), verbose_name=_("candidate inspectors"), default=list)
    exclusions = models.JSONField(_("conflicts excluded"), default=dict, blank=True)
    ranking = models.JSONField(_("risk ranking"), default=list, blank=True)
    result = models.JSONField(_("result"), default=list)
    digest = models.CharField(_("SHA-256 of inputs and result"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    void_reason = models.TextField(_("why it was replaced"), blank=True)
    published = models.BooleanField(_("published"), default=False)
    drawn_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("selected by"))
    drawn_at = models.DateTimeField(_("selected"), default=timezone.now)

    policy_scope = PolicyScope(region_field="plan__region", owner_field=None,
                               public_filter=models.Q(method="random", published=True))

    class Meta:
        verbose_name = _("target selection")
        verbose_name_plural = _("target selections")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="insp_selection_number"),
            # One selection per method in force: a new draw replaces the old one only with a reason.
            models.UniqueConstraint(fields=["plan", "method"], condition=models.Q(status="in_force"),
                                    name="insp_selection_one_in_force"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.number} #{self.number}"
