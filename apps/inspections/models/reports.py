"""Inspection reports (SUP-5): one signed PDF per closed inspection, its SHA-256 and a verification code that
the public page resolves; produced on the pdf queue, never "ready" before the whole signed file is stored."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class InspectionReport(TrackedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Being produced")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    inspection = models.OneToOneField("inspections.Inspection", on_delete=models.PROTECT, related_name="report",
                                      verbose_name=_("inspection"))
    # The department in whose name (and with whose key) the report is signed.
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("issuing department"))
    verification_code = models.CharField(_("verification code"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    file = models.FileField(_("report"), upload_to="inspections/reports/%Y/", max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    signed = models.BooleanField(_("electronically signed"), default=False)
    certificate_fingerprint = models.CharField(_("certificate fingerprint"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    rendered_at = models.DateTimeField(_("produced"), null=True, blank=True)

    # The institution reads the report addressed to it; departments of its region read all.
    policy_scope = PolicyScope(region_field="inspection__region", owner_field="inspection__institution")

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.inspection.number} · {self.get_status_display()}"
