"""Decision letters (SVC-2, SUP-5): one PDF per decision, with a verification code a public page resolves."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class DecisionLetter(TrackedModel):
    class Kind(models.TextChoices):
        APPROVAL = "approval", _("Approval letter")
        REFUSAL = "refusal", _("Refusal letter")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being produced")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed, will be retried")

    application = models.ForeignKey("catalog.SharingApplication", on_delete=models.PROTECT, related_name="letters",
                                    verbose_name=_("application"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    verification_code = models.CharField(_("verification code"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    file = models.FileField(_("letter"), upload_to="catalog/letters/%Y/", max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    signed = models.BooleanField(_("electronically signed"), default=False)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    rendered_at = models.DateTimeField(_("produced"), null=True, blank=True)

    policy_scope = PolicyScope(region_field=("application__applicant_region", "application__items__provider__region"),
                               owner_field=("application__applicant", "application__items__provider"))

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="cat_one_letter_per_decision")]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.get_kind_display()}"
