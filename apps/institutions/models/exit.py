"""Exit mechanism: suspension, revocation, restoration and their decisions (INS-4)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class StatusDecision(TrackedModel):
    """A proposed and then decided change of an institution's admission status, with its letter."""

    class Measure(models.TextChoices):
        SUSPEND = "suspend", _("Suspension of admission")
        REVOKE = "revoke", _("Revocation of admission")
        RESTORE = "restore", _("Restoration after suspension")

    class Ground(models.TextChoices):
        CREDIT_GRADE = "credit_grade", _("Credit grade")
        SERIOUS_VIOLATION = "serious_violation", _("Serious violation")
        RECTIFIED = "rectified", _("Rectification completed")
        OTHER = "other", _("Other grounds")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DECIDED = "decided", _("Decided")
        DISMISSED = "dismissed", _("Dismissed")

    number = models.CharField(_("decision number"), max_length=32, unique=True)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="status_decisions", verbose_name=_("institution"))
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    ground = models.CharField(_("ground"), max_length=24, choices=Ground.choices)
    facts = models.TextField(_("facts and reasons"))
    source_type = models.CharField(_("source record type"), max_length=64, blank=True)
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    source_url = models.CharField(_("link to the source record"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("deciding department"))
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_text = models.TextField(_("decision"), blank=True)
    disclosed = models.BooleanField(_("disclosed to the public"), default=True)
    letter = models.ForeignKey("institutions.Document", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("decision letter"))

    policy_scope = PolicyScope(
        region_field="institution__region", owner_field="institution",
        public_filter=models.Q(status="decided", disclosed=True, measure__in=["suspend", "revoke"]),
    )

    class Meta:
        verbose_name = _("status decision")
        verbose_name_plural = _("status decisions")
        ordering = ["-proposed_at"]
        permissions = [("propose_status_decision", _("Propose suspension, revocation or restoration")),
                       ("decide_status_decision", _("Decide suspension, revocation or restoration"))]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=models.Q(status="proposed"),
                                    name="status_decision_one_open_per_institution"),
        ]

    def __str__(self) -> str:
        return self.number
