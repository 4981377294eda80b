"""Rectification orders (SUP-1, INS-3): each confirmed finding orders the institution to put it right by a
deadline; the institution answers with a report and evidence, the inspector accepts or returns it, and
an order not answered in time is escalated every day by beat and costs credit."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class RectificationOrder(TrackedModel):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued, awaiting the institution's report")
        SUBMITTED = "submitted", _("Report submitted, awaiting verification")
        RETURNED = "returned", _("Returned for further rectification")
        ACCEPTED = "accepted", _("Rectification accepted")
        CANCELLED = "cancelled", _("Cancelled")

    finding = models.OneToOneField("inspections.Finding", on_delete=models.PROTECT, related_name="order",
                                   verbose_name=_("finding"))
    inspection = models.ForeignKey("inspections.Inspection", on_delete=models.PROTECT, related_name="orders",
                                   verbose_name=_("inspection"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institution's region"))
    number = models.CharField(_("number"), max_length=60, unique=True)
    requirement = models.TextField(_("what must be done"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    # Escalation by the nightly job: 0 = not overdue, 1 = overdue (institution and team told, credit event),
    # 2 = a week overdue (department head told), 3 = a month overdue (proposed for an accountability case).
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("last escalated"), null=True, blank=True)
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="region", owner_field="institution")

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline", "pk"]
        permissions = [("respond_rectification", _("Answer rectification orders of one's institution")),
                       ("verify_rectification", _("Accept or return rectification reports"))]
        indexes = [
            models.Index(fields=["status", "deadline"], name="insp_order_due_idx"),
            models.Index(fields=["institution", "status"], name="insp_order_inst_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.SUBMITTED, self.Status.RETURNED)


class RectificationResponse(TrackedModel):
    """One report of the institution on an order, and the inspector's verdict on it."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="responses",
                              verbose_name=_("order"))
    round = models.PositiveSmallIntegerField(_("round"))
    report = models.TextField(_("rectification report"))
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_comment = models.TextField(_("verifier's comment"), blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("verified by"))
    decided_at = models.DateTimeField(_("verified"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="order__region", owner_field="order__institution")

    class Meta:
        verbose_name = _("rectification report")
        verbose_name_plural = _("rectification reports")
        ordering = ["order", "round"]
        constraints = [models.UniqueConstraint(fields=["order", "round"], name="insp_response_round")]

    def __str__(self) -> str:
        return f"{self.order.number} #{self.round}"


class ResponseEvidence(TrackedModel):
    response = models.ForeignKey(RectificationResponse, on_delete=models.CASCADE, related_name="evidence",
                                 verbose_name=_("rectification report"))
    file = models.FileField(_("file"), upload_to="inspections/rectification/%Y/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="response__order__region", owner_field="response__order__institution")

    class Meta:
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")
        ordering = ["response", "pk"]

    def __str__(self) -> str:
        return self.original_name
