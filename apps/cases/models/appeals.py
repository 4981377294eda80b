"""Appeals (SUP-3, SUP-4): the institution concerned, and only it, asks the higher department to review a
decision within the appeal period; lodging re-opens the case; a head of the reviewing department upholds,
quashes (measures revoked, credit items withdrawn) or sets aside and sends the case back for a new notice."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class Appeal(TrackedModel):
    class Status(models.TextChoices):
        LODGED = "lodged", _("Lodged, under review")
        UPHELD = "upheld", _("Decision upheld")
        QUASHED = "quashed", _("Decision quashed")
        REMITTED = "remitted", _("Set aside and sent back")
        WITHDRAWN = "withdrawn", _("Withdrawn by the institution")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="appeals",
                             verbose_name=_("case"))
    decision = models.ForeignKey("cases.Decision", on_delete=models.PROTECT, related_name="appeals",
                                 verbose_name=_("decision appealed"))
    reviewing_department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                             related_name="+", verbose_name=_("reviewing department"))
    grounds = models.TextField(_("grounds of appeal"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.LODGED)
    # The case's status before the appeal re-opened it (restored when the decision is upheld).
    case_status_before = models.CharField(_("case status before the appeal"), max_length=16)
    lodged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("lodged by"))
    lodged_at = models.DateTimeField(_("lodged"), default=timezone.now)
    outcome_reasons = models.TextField(_("reasons of the review"), blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    # Departments covering the institution read it (the reviewing one covers it too); the institution its own.
    policy_scope = PolicyScope(region_field="case__region", owner_field="case__institution",
                               owner_filter=models.Q(case__notified_at__isnull=False))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-lodged_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(status="lodged"),
                                    name="case_appeal_one_open"),
            models.UniqueConstraint(fields=["decision"], condition=~models.Q(status="withdrawn"),
                                    name="case_appeal_once_per_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_status_display()}"
