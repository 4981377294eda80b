"""Accountability cases (SUP-3, M.40): one case per violation examined, against one institution.

The handling department opens it (from an inspection finding, a security incident, a complaint or its own
initiative), a department head assigns case officers (django-guardian grant `handle_case` on the case, in no
role), the officers investigate and notify the institution of the proposed measures, the institution states
its defence, the head decides, the measures are executed, the case closes; the institution may appeal to the
higher department. Every step is a row or a history entry (apps/core/history.py).

The institution sees its case only from the notice on (an investigation is not disclosed to its subject).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

from ..ladder import Severity

# The institution reads a case once it has been notified (policy owner filter).
NOTIFIED = models.Q(notified_at__isnull=False)


class Case(TrackedModel):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        INVESTIGATING = "investigating", _("Under investigation")
        NOTIFIED = "notified", _("Notified, awaiting the defence")
        DECIDED = "decided", _("Decided, measures being executed")
        CLOSED = "closed", _("Closed")
        DROPPED = "dropped", _("Closed without measures")
        UNDER_REVIEW = "under_review", _("Under review on appeal")

    class Source(models.TextChoices):
        FINDING = "finding", _("Inspection finding")
        INCIDENT = "incident", _("Security incident")
        COMPLAINT = "complaint", _("Complaint or report")
        INITIATIVE = "initiative", _("Department's own initiative")

    number = models.CharField(_("case number"), max_length=40, unique=True)
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("handling department"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institution's region"))
    title = models.CharField(_("subject"), max_length=200)
    source = models.CharField(_("opened from"), max_length=16, choices=Source.choices)
    # The record the case was opened from (a finding, an incident): app_label.model and id, and a link.
    source_type = models.CharField(_("source record type"), max_length=64, blank=True)
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    source_reference = models.CharField(_("source reference"), max_length=200, blank=True,
                                        help_text=_("Number of the finding, incident or complaint."))
    source_url = models.CharField(_("link to the source record"), max_length=300, blank=True)
    facts = models.TextField(_("facts"))
    articles = models.JSONField(_("articles violated"), default=list)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    suspected_illegal = models.BooleanField(
        _("suspected illegal act"), default=False,
        help_text=_("Only a case suspected to be an illegal act may be transferred to judicial organs."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    opened_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    investigation_started_at = models.DateTimeField(_("investigation started"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)

    policy_scope = PolicyScope(region_field="region", owner_field="institution", owner_filter=NOTIFIED)

    class Meta:
        verbose_name = _("accountability case")
        verbose_name_plural = _("accountability cases")
        ordering = ["-opened_at", "-pk"]
        permissions = [
            ("open_case", _("Open accountability cases")),
            ("assign_case_officer", _("Assign case officers")),
            ("handle_case", _("Handle an assigned case")),
            ("decide_case", _("Decide accountability cases")),
            ("defend_case", _("State the institution's defence and appeal")),
            ("review_appeal", _("Review appeals against decisions")),
            ("supervise_case", _("See case statistics")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], condition=~models.Q(source_id=""),
                                    name="case_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="case_dept_status_idx"),
            models.Index(fields=["institution", "status"], name="case_inst_status_idx"),
            models.Index(fields=["status", "opened_at"], name="case_status_opened_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.DROPPED)


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Direct grants: the case officers assigned to a case (handle_case)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseOfficer(TrackedModel):
    """An assignment of a case officer to a case; the grant `handle_case` follows it (services only)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="officers", verbose_name=_("case"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("case officer"))
    is_lead = models.BooleanField(_("lead officer"), default=False)
    is_active = models.BooleanField(_("assigned"), default=True)
    assigned_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="case__region", owner_field=None)

    class Meta:
        verbose_name = _("case officer")
        verbose_name_plural = _("case officers")
        ordering = ["case", "-is_lead", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], condition=models.Q(is_active=True),
                                    name="case_officer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.user}"


class CaseParty(TrackedModel):
    """A person of the institution named as responsible (for a disciplinary measure). Personal data: shown to
    the department and the institution, to the public only when the decision discloses names."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties", verbose_name=_("case"))
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=200)
    responsibility = models.TextField(_("responsibility in the facts"), blank=True)
    added_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("added by"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    policy_scope = PolicyScope(region_field="case__region", owner_field="case__institution",
                               owner_filter=models.Q(case__notified_at__isnull=False))

    class Meta:
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible persons")
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.position})"


class CaseDocument(TrackedModel):
    """A file of the case: the department's evidence, or what the institution submitted (defence, written
    waiver, hearing minutes, appeal, rectification report). Content-checked PDF/PNG/JPEG."""

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        DEFENCE = "defence", _("Defence document")
        WAIVER = "waiver", _("Written waiver")
        HEARING = "hearing", _("Hearing record")
        EXECUTION = "execution", _("Execution record")
        APPEAL = "appeal", _("Appeal document")
        RECTIFICATION = "rectification", _("Rectification report evidence")

    # What the institution may read of its case (from the notice on).
    INSTITUTION_KINDS = ("defence", "waiver", "hearing", "appeal", "rectification")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    defence = models.ForeignKey("cases.Defence", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="documents", verbose_name=_("defence"))
    appeal = models.ForeignKey("cases.Appeal", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="documents", verbose_name=_("appeal"))
    rectification_report = models.ForeignKey("cases.RectificationReport", on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="documents",
                                             verbose_name=_("rectification report"))
    file = models.FileField(_("file"), upload_to="cases/%Y/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="case__region", owner_field="case__institution",
                               owner_filter=models.Q(case__notified_at__isnull=False,
                                                     kind__in=("defence", "waiver", "hearing", "appeal",
                                                               "rectification")))

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
