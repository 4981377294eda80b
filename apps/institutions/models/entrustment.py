"""Entrustment of storage or operation to a service provider (INS-7)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class Entrustment(TrackedModel):
    class Scope(models.TextChoices):
        STORAGE = "storage", _("Storage")
        OPERATION = "operation", _("Operation and maintenance")
        STORAGE_OPERATION = "both", _("Storage and operation")
        PROCESSING = "processing", _("Processing on the entrusting party's behalf")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        ENDED = "ended", _("Ended")

    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="entrustments", verbose_name=_("entrusting institution"))
    provider = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                 related_name="entrusted_by", verbose_name=_("service provider"))
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    systems = models.TextField(_("systems and data concerned"))
    security_obligations = models.TextField(_("security obligations agreed"))
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"))
    agreement = models.ForeignKey("institutions.Document", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("agreement"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    ended_reason = models.TextField(_("reason for ending"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    # The entrusting institution manages it; the provider reads it; departments supervise both sides.
    policy_scope = PolicyScope(region_field="institution__region", owner_field=("institution", "provider"))

    class Meta:
        verbose_name = _("entrustment")
        verbose_name_plural = _("entrustments")
        ordering = ["-starts_on"]
        permissions = [("manage_entrustment", _("Record and end one's entrustments of service providers"))]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="entrustment_term_order")]

    def __str__(self) -> str:
        return f"{self.institution} → {self.provider}"
