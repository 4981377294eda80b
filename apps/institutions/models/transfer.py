"""Change of responsible entity: merger, split or closure moves everything it manages (INS-6)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class ResponsibilityTransfer(TrackedModel):
    class Reason(models.TextChoices):
        MERGER = "merger", _("Merger")
        SPLIT = "split", _("Split")
        CLOSURE = "closure", _("Closure (dissolution)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        AWAITING_CONFIRMATION = "awaiting", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed by both sides")
        CLOSED = "closed", _("Closed: transfer carried out")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("transfer number"), max_length=32, unique=True)
    source = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="transfers_out",
                               verbose_name=_("transferring institution"))
    successor = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_in",
        verbose_name=_("successor"), help_text=_("Empty when the data go to the health department."),
    )
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("supervising department"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    source_confirmed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("confirmed for the source by"))
    source_confirmed_at = models.DateTimeField(_("source confirmed"), null=True, blank=True)
    successor_confirmed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                               related_name="+", verbose_name=_("confirmed for the successor by"))
    successor_confirmed_at = models.DateTimeField(_("successor confirmed"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("opened by"))
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="source__region", owner_field=("source", "successor"))

    class Meta:
        verbose_name = _("change of responsible entity")
        verbose_name_plural = _("changes of responsible entity")
        ordering = ["-created_at"]
        permissions = [("manage_transfer", _("Open and close changes of responsible entity")),
                       ("confirm_transfer", _("Confirm a change of responsible entity for one's institution"))]

    def __str__(self) -> str:
        return self.number


class TransferItem(models.Model):
    """One thing that moves: listed from the apps that own data (catalog resources, grants, documents...)."""

    transfer = models.ForeignKey(ResponsibilityTransfer, on_delete=models.CASCADE, related_name="items",
                                 verbose_name=_("transfer"))
    kind = models.CharField(_("kind"), max_length=64, help_text=_("Registered kind, e.g. institutions.document."))
    object_id = models.CharField(_("record id"), max_length=64)
    label = models.CharField(_("description"), max_length=300)
    moved_at = models.DateTimeField(_("moved"), null=True, blank=True)

    class Meta:
        verbose_name = _("transferred item")
        verbose_name_plural = _("transferred items")
        ordering = ["kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["transfer", "kind", "object_id"],
                                               name="transfer_item_unique")]

    def __str__(self) -> str:
        return self.label
