"""Graded authorization (SVC-2, SEC-4, SEC-9): the rule table and each application's route of steps.

The route is computed at submission from the requested resources' highest level, category, open form,
sharing type and the parties' jurisdictions by the first matching `RouteRule` (lowest priority number).
Its steps are decided in order; each has named reviewers (django-guardian object grants `decide_routestep`),
a deadline in working days and one decision."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

from .resources import DataCategory, OpenForm, SharingType


class StepKind(models.TextChoices):
    """Who decides a step, relative to the parties of one requested resource."""

    PROVIDER = "provider", _("Provider of the data")
    PROVIDER_MUNICIPAL = "provider_municipal", _("Municipal department of the provider")
    PROVIDER_PROVINCIAL = "provider_provincial", _("Provincial department of the provider")
    APPLICANT_PROVINCIAL = "applicant_provincial", _("Provincial department of the applicant")
    NATIONAL = "national", _("National department")


# The order in which steps of different kinds are decided (providers first, the national department last).
STEP_ORDER = [StepKind.PROVIDER, StepKind.PROVIDER_MUNICIPAL, StepKind.PROVIDER_PROVINCIAL,
              StepKind.APPLICANT_PROVINCIAL, StepKind.NATIONAL]


class Jurisdictions(models.TextChoices):
    ANY = "any", _("Any")
    SAME_PROVINCE = "same_province", _("Applicant and provider in the same province")
    OTHER_PROVINCE = "other_province", _("Applicant and provider in different provinces")


class RouteRule(TrackedModel):
    """One row of the approval route table; empty conditions match anything."""

    priority = models.PositiveSmallIntegerField(_("priority"), unique=True,
                                                help_text=_("Rules are tried from the lowest number; the first match decides."))
    name = models.CharField(_("name"), max_length=100)
    min_level = models.PositiveSmallIntegerField(_("from level"), default=1,
                                                 validators=[MinValueValidator(1), MaxValueValidator(5)])
    max_level = models.PositiveSmallIntegerField(_("to level"), default=5,
                                                 validators=[MinValueValidator(1), MaxValueValidator(5)])
    category = models.CharField(_("data category"), max_length=32, choices=DataCategory.choices, blank=True)
    open_form = models.CharField(_("open form"), max_length=16, choices=OpenForm.choices, blank=True)
    sharing_type = models.CharField(_("sharing type"), max_length=16, choices=SharingType.choices, blank=True)
    jurisdictions = models.CharField(_("jurisdictions of the parties"), max_length=16, choices=Jurisdictions.choices,
                                     default=Jurisdictions.ANY)
    steps = ArrayField(models.CharField(max_length=24, choices=StepKind.choices), blank=True, default=list,
                       verbose_name=_("steps"))
    refuse = models.BooleanField(_("refuse at submission"), default=False)
    refusal_reason = models.CharField(_("reason given to the applicant"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    # Read by every signed-in user (applicants see why a route is what it is); changed by the national department.
    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True)

    class Meta:
        verbose_name = _("route rule")
        verbose_name_plural = _("route rules")
        ordering = ["priority"]
        permissions = [("manage_route_rules", _("Maintain the approval route table"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_level__lte=models.F("max_level")), name="cat_rule_level_order"),
            models.CheckConstraint(condition=models.Q(refuse=True) | ~models.Q(steps=[]), name="cat_rule_steps_or_refuse"),
        ]

    def __str__(self) -> str:
        return f"{self.priority}. {self.name}"


class RouteStep(TrackedModel):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for earlier steps")
        ACTIVE = "active", _("Under review")
        APPROVED = "approved", _("Approved")
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Approved with conditions")
        RETURNED = "returned", _("Returned for correction")
        REFUSED = "refused", pgettext_lazy("sharing decision", "Refused")
        CANCELLED = "cancelled", _("Cancelled")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        APPROVE_WITH_CONDITIONS = "approve_with_conditions", _("Approve with conditions")
        RETURN = "return", _("Return for correction")
        REFUSE = "refuse", _("Refuse")

    application = models.ForeignKey("catalog.SharingApplication", on_delete=models.CASCADE, related_name="steps",
                                    verbose_name=_("application"))
    round = models.PositiveSmallIntegerField(_("submission round"))
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=24, choices=StepKind.choices)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("deciding organisation"))
    rule = models.ForeignKey(RouteRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule applied"))
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, default=Status.WAITING)
    activated_at = models.DateTimeField(_("started"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    decision_comment = models.TextField(_("reasons and comments"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Resources whose rule put this step on the route (for the applicant's explanation).
    resource_codes = ArrayField(models.CharField(max_length=40), default=list, blank=True,
                                verbose_name=_("for resources"))
    # SHA-256 of what the step covers (resources, catalog versions, fields, justifications): at a
    # resubmission an approval is carried over only when this is unchanged.
    covered_digest = models.CharField(_("fingerprint of the covered requests"), max_length=64, blank=True,
                                      editable=False)

    policy_scope = PolicyScope(region_field="organisation__region", owner_field="organisation")

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["application", "round", "order"]
        permissions = [("decide_routestep", _("Decide a review step (object grant to named reviewers)")),
                       ("assign_step_reviewers", _("Name the reviewers of the organisation's review steps"))]
        constraints = [models.UniqueConstraint(fields=["application", "round", "order"], name="cat_step_order_unique")]
        indexes = [models.Index(fields=["status", "due_on"], name="cat_step_due_idx"),
                   models.Index(fields=["organisation", "status"], name="cat_step_org_idx")]

    def __str__(self) -> str:
        return f"{self.application.number} #{self.order} {self.get_kind_display()}"


class ConflictDeclaration(TrackedModel):
    """A reviewer's declaration of no conflict of interest, required before deciding a step."""

    step = models.ForeignKey(RouteStep, on_delete=models.CASCADE, related_name="declarations",
                             verbose_name=_("review step"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer"))
    statement = models.TextField(_("statement"))
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)

    policy_scope = PolicyScope(region_field="step__organisation__region", owner_field="step__organisation")

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        constraints = [models.UniqueConstraint(fields=["step", "user"], name="cat_declaration_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.step}"


class RouteStepUserObjectPermission(UserObjectPermissionBase):
    """Direct grants: the named reviewers of a step (decide_routestep)."""

    content_object = models.ForeignKey(RouteStep, on_delete=models.CASCADE)


class RouteStepGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RouteStep, on_delete=models.CASCADE)
