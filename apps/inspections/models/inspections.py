"""The on-site record (SUP-1, SUP-2, SEC-7): an inspection of one institution, its team, the result of each
checklist item, evidence and findings.

Only the team records (django-guardian grants `conduct_inspection` per inspection, in no role);
departments of the jurisdiction read. The inspected institution sees none of this directly: it reads
its report and its rectification orders (which carry their finding).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

from .checklists import Severity


class Inspection(TrackedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("On site")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        NO_ACTION = "no_action", _("No action indicated")
        RECTIFICATION = "rectification", _("Rectification required")
        OFFICIAL_ACTION = "official_action", _("Official action indicated")

    plan = models.ForeignKey("inspections.InspectionPlan", on_delete=models.PROTECT, related_name="inspections",
                             verbose_name=_("plan"))
    selection = models.ForeignKey("inspections.TargetSelection", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="inspections", verbose_name=_("selection"))
    follows = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups",
                                verbose_name=_("follow-up of"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institution's region"))
    number = models.CharField(_("number"), max_length=50, unique=True)
    checklist = models.ForeignKey("inspections.ChecklistVersion", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("checklist"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    scheduled_on = models.DateField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    policy_scope = PolicyScope(region_field="region", owner_field=None)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-scheduled_on", "-pk"]
        permissions = [
            ("conduct_inspection", _("Record results and findings of an inspection (team members only)")),
            ("supervise_inspection", _("Oversee inspections in the jurisdiction")),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "closed_at"], name="insp_inst_status_idx"),
            models.Index(fields=["region", "status"], name="insp_region_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.CANCELLED)


class TeamMember(TrackedModel):
    class Role(models.TextChoices):
        LEAD = "lead", _("Team leader")
        MEMBER = "member", _("Inspector")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="team",
                                   verbose_name=_("inspection"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("inspector"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)

    policy_scope = PolicyScope(region_field="inspection__region", owner_field=None)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        ordering = ["inspection", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "user"], name="insp_team_once"),
            models.UniqueConstraint(fields=["inspection"], condition=models.Q(role="lead"),
                                    name="insp_team_one_lead"),
        ]
        indexes = [models.Index(fields=["user", "inspection"], name="insp_team_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ItemResult(TrackedModel):
    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        MAJOR_NC = "major_nc", _("Major non-conformity")
        MINOR_NC = "minor_nc", _("Minor non-conformity")
        OBSERVATION = "observation", _("Observation")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey("inspections.ChecklistItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("checklist item"))
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="inspection__region", owner_field=None)

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["inspection", "item__position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="insp_result_once")]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_result_display()}"


class Finding(TrackedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open (inspection in progress)")
        CONFIRMED = "confirmed", _("Confirmed, rectification ordered")
        RESOLVED = "resolved", _("Resolved")
        REFERRED = "referred", _("Referred to an accountability case")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey("inspections.ChecklistItem", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("checklist item"))
    carried_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="carried_to", verbose_name=_("carried over from"))
    number = models.PositiveIntegerField(_("number"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    title = models.CharField(_("finding"), max_length=200)
    description = models.TextField(_("facts"))
    requirement_ids = models.CharField(_("requirements"), max_length=100, blank=True)
    article = models.CharField(_("article"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    referred_at = models.DateTimeField(_("referred"), null=True, blank=True)
    referred_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("referred by"))
    referral_note = models.TextField(_("grounds for referral"), blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="inspection__region", owner_field=None)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "number"]
        permissions = [("refer_finding", _("Refer findings to accountability cases"))]
        constraints = [models.UniqueConstraint(fields=["inspection", "number"], name="insp_finding_number")]
        indexes = [models.Index(fields=["status", "severity"], name="insp_finding_status_idx")]

    def __str__(self) -> str:
        return f"{self.inspection.number}-F{self.number} {self.title}"


class Evidence(TrackedModel):
    """A photo or document gathered on site, for an item result or a finding (checked content type)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey("inspections.ChecklistItem", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("checklist item"))
    finding = models.ForeignKey(Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence",
                                verbose_name=_("finding"))
    file = models.FileField(_("file"), upload_to="inspections/evidence/%Y/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="inspection__region", owner_field=None)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg")


class InspectionUserObjectPermission(UserObjectPermissionBase):
    """Direct grants: the team members of an inspection (conduct_inspection)."""

    content_object = models.ForeignKey(Inspection, on_delete=models.CASCADE)


class InspectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Inspection, on_delete=models.CASCADE)
