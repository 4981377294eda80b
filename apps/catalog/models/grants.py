"""Grants and their end (SVC-3, SEC-8): what an approval allows, every release under it, the recipients'
reports, and the end by expiry, revocation or certified destruction."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

from .applications import DeidentificationMethod

# Parts of a grant are seen by whoever sees the grant.
GRANT_PART_SCOPE = PolicyScope(region_field=("grant__applicant_region", "grant__application__items__provider__region"),
                               owner_field=("grant__applicant", "grant__application__items__provider"))


class DataGrant(TrackedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired: destruction certificate due")
        REVOKED = "revoked", _("Revoked: destruction certificate due")
        CLOSED = "closed", _("Closed: destruction certified")

    number = models.CharField(_("grant number"), max_length=24, unique=True)
    application = models.OneToOneField("catalog.SharingApplication", on_delete=models.PROTECT, related_name="grant",
                                       verbose_name=_("application"))
    applicant = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("grantee"))
    applicant_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("grantee's region"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"))
    conditions = models.TextField(_("conditions"), blank=True,
                                  help_text=_("The conditions of every approving step, in route order."))
    recipients = models.ManyToManyField("accounts.User", related_name="+", verbose_name=_("recipients"))
    created_at = models.DateTimeField(_("granted"), default=timezone.now)
    expiry_reminded_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspended_reason = models.TextField(_("reason for suspension"), blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    destruction_due_on = models.DateField(_("destruction certificate due"), null=True, blank=True)
    certificate_overdue_flagged_at = models.DateTimeField(_("certificate flagged overdue"), null=True, blank=True)
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("replaced by"),
                                      help_text=_("An amendment, extension or renewal that replaced this grant."))
    # The public register (SVC-5) lists grants whose application was approved: organisation, resources,
    # purpose and period only, never recipients.
    policy_scope = PolicyScope(region_field=("applicant_region", "application__items__provider__region"),
                               owner_field=("applicant", "application__items__provider"))

    class Meta:
        verbose_name = _("data grant")
        verbose_name_plural = _("data grants")
        ordering = ["-created_at"]
        permissions = [("revoke_grant", _("Revoke data grants")),
                       ("release_data", _("Record data releases under the institution's grants")),
                       ("file_grant_report", _("File reports and destruction certificates for grants"))]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="cat_grant_period_order")]
        indexes = [models.Index(fields=["status", "ends_on"], name="cat_grant_expiry_idx"),
                   models.Index(fields=["applicant", "status"], name="cat_grant_applicant_idx"),
                   models.Index(fields=["status", "destruction_due_on"], name="cat_grant_destruction_idx")]

    def __str__(self) -> str:
        return self.number


class DeidentificationRecord(TrackedModel):
    """How the personal fields of one resource were de-identified before release, with the evidence (SEC-8)."""

    grant = models.ForeignKey(DataGrant, on_delete=models.CASCADE, related_name="deidentifications",
                              verbose_name=_("grant"))
    item = models.ForeignKey("catalog.ApplicationItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("resource"))
    method = models.CharField(_("method"), max_length=24, choices=DeidentificationMethod.choices)
    description = models.TextField(_("what was done"))
    evidence = models.FileField(_("evidence"), upload_to="catalog/deidentification/%Y/", max_length=300)
    evidence_name = models.CharField(_("evidence file name"), max_length=200)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    policy_scope = GRANT_PART_SCOPE

    class Meta:
        verbose_name = _("de-identification record")
        verbose_name_plural = _("de-identification records")
        ordering = ["grant", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.grant.number} · {self.get_method_display()}"


class DataRelease(TrackedModel):
    """One actual delivery of data under a grant: what, which version, checksum, to whom, when (SVC-3, SUP-5)."""

    grant = models.ForeignKey(DataGrant, on_delete=models.PROTECT, related_name="releases", verbose_name=_("grant"))
    item = models.ForeignKey("catalog.ApplicationItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("resource"))
    # The granted fields this delivery contains (all of the item's fields unless the provider says otherwise).
    fields = models.ManyToManyField("catalog.DataField", related_name="+", verbose_name=_("fields released"))
    version_number = models.PositiveIntegerField(_("catalog version"))
    description = models.TextField(_("what was released"))
    file_name = models.CharField(_("file or dataset name"), max_length=200)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    record_count = models.PositiveBigIntegerField(_("records"), null=True, blank=True)
    recipient = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("released to"))
    deidentification = models.ForeignKey(DeidentificationRecord, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="releases", verbose_name=_("de-identification"))
    released_at = models.DateTimeField(_("released"), default=timezone.now)
    released_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("released by"))

    policy_scope = GRANT_PART_SCOPE

    class Meta:
        verbose_name = _("data release")
        verbose_name_plural = _("data releases")
        ordering = ["grant", "-released_at"]

    def __str__(self) -> str:
        return f"{self.grant.number} · {self.file_name}"


class GrantReport(TrackedModel):
    """A progress or final report due from the grantee; overdue ones are flagged and cost credit."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress report")
        FINAL = "final", _("Final report")

    class Status(models.TextChoices):
        DUE = "due", pgettext_lazy("report status", "Due")
        SUBMITTED = "submitted", _("Submitted")
        CANCELLED = "cancelled", _("No longer due")

    grant = models.ForeignKey(DataGrant, on_delete=models.CASCADE, related_name="reports", verbose_name=_("grant"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DUE)
    content = models.TextField(_("report"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="catalog/reports/%Y/", max_length=300, blank=True)
    attachment_name = models.CharField(_("attachment file name"), max_length=200, blank=True)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)

    policy_scope = GRANT_PART_SCOPE

    class Meta:
        verbose_name = _("grant report")
        verbose_name_plural = _("grant reports")
        ordering = ["grant", "due_on"]
        indexes = [models.Index(fields=["status", "due_on"], name="cat_report_due_idx")]

    def __str__(self) -> str:
        return f"{self.grant.number} · {self.get_kind_display()} {self.due_on}"


class DestructionCertificate(TrackedModel):
    """The grantee's certificate that every copy was destroyed; it closes an ended grant (SVC-3)."""

    grant = models.OneToOneField(DataGrant, on_delete=models.PROTECT, related_name="destruction",
                                 verbose_name=_("grant"))
    destroyed_on = models.DateField(_("destroyed on"))
    method = models.TextField(_("how the data were destroyed"))
    signed_by_name = models.CharField(_("signed by"), max_length=100)
    document = models.FileField(_("signed certificate"), upload_to="catalog/destruction/%Y/", max_length=300)
    document_name = models.CharField(_("file name"), max_length=200)
    document_sha256 = models.CharField(_("SHA-256"), max_length=64)
    filed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by"))
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)

    policy_scope = GRANT_PART_SCOPE

    class Meta:
        verbose_name = _("destruction certificate")
        verbose_name_plural = _("destruction certificates")

    def __str__(self) -> str:
        return f"{self.grant.number} · {self.destroyed_on}"


class DataGrantUserObjectPermission(UserObjectPermissionBase):
    """Direct grants: the recipients named on a grant (view_datagrant, file_grant_report), who may belong to
    another institution than the grantee."""

    content_object = models.ForeignKey(DataGrant, on_delete=models.CASCADE)


class DataGrantGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DataGrant, on_delete=models.CASCADE)
