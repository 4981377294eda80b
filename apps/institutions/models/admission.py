"""Admission (market access) of entities that mine or apply health data (INS-2)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

# Documents an application must carry before it can be submitted (INS-2, M.26).
REQUIRED_DOCUMENTS = ("licence", "security", "appointment")


class AdmissionApplication(TrackedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    number = models.CharField(_("application number"), max_length=24, unique=True)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="admission_applications", verbose_name=_("institution"))
    applicant = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("applicant"))
    purpose = models.TextField(_("intended data activities"),
                               help_text=_("What health data the entity will collect, mine or apply, and why."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    due_on = models.DateField(_("review due"), null=True, blank=True)
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("reviewer"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    review_comment = models.TextField(
        _("review comment"), blank=True,
        help_text=_("What to correct (when returned) or the reasons (when refused)."),
    )
    resubmissions = models.PositiveSmallIntegerField(_("resubmissions"), default=0)

    policy_scope = PolicyScope(region_field="institution__region", owner_field="institution")

    class Meta:
        verbose_name = _("admission application")
        verbose_name_plural = _("admission applications")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="inst_admission_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.RETURNED)
