"""The registry of responsible entities (INS-1, INS-5) and their documents.

An institution is the regulatory profile of an `accounts.Organisation` of kind institution or
provider: the organisation holds the accounts, the institution the facts a department supervises.
They share a primary key, so "the caller's own institution" is `pk == user.organisation_id`."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel, tracked_history
from apps.core.policy import PolicyScope

# Statuses whose existence the public directory discloses (SVC-5, INS-3/INS-4 disclosure).
PUBLIC_STATUSES = ("admitted", "suspended", "revoked")


class Institution(models.Model):
    class Type(models.TextChoices):
        HOSPITAL = "hospital", _("Hospital")
        PRIMARY_CARE = "primary_care", _("Primary care institution")
        PUBLIC_HEALTH = "public_health", _("Public health institution")
        SPECIALISED = "specialised", _("Specialised public health institution")
        MATERNAL_CHILD = "maternal_child", _("Maternal and child health institution")
        DATA_SERVICE = "data_service", _("Health data service provider")
        DATA_APPLICATION = "data_application", _("Health data application entity")
        RESEARCH = "research", _("Medical research institution")
        OTHER = "other", _("Other")

    class Grade(models.TextChoices):
        GRADE_3A = "3a", _("Grade III Class A")
        GRADE_3B = "3b", _("Grade III Class B")
        GRADE_3 = "3", _("Grade III")
        GRADE_2A = "2a", _("Grade II Class A")
        GRADE_2B = "2b", _("Grade II Class B")
        GRADE_2 = "2", _("Grade II")
        GRADE_1 = "1", _("Grade I")
        UNGRADED = "ungraded", _("Not graded")

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("Public (government-run)")
        COLLECTIVE = "collective", _("Collective")
        PRIVATE = "private", _("Private")
        MIXED = "mixed", _("Mixed ownership")
        FOREIGN = "foreign", _("Sino-foreign joint venture")

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applying for admission")
        ADMITTED = "admitted", _("Admitted")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Admission revoked")
        REFUSED = "refused", _("Admission refused")
        CLOSED = "closed", _("Closed (responsibility transferred)")

    organisation = models.OneToOneField(
        "accounts.Organisation", primary_key=True, on_delete=models.PROTECT, related_name="institution",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("legal name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    type = models.CharField(_("type"), max_length=24, choices=Type.choices)
    hospital_grade = models.CharField(_("hospital grade"), max_length=8, choices=Grade.choices, blank=True)
    ownership = models.CharField(_("ownership"), max_length=16, choices=Ownership.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("county-level region"), on_delete=models.PROTECT,
                               related_name="+")
    address = models.CharField(_("address"), max_length=300)
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    # INS-5: the "top leader" bears first responsibility for data security (M.17, M.28).
    top_leader_name = models.CharField(_("top leader responsible for data security"), max_length=100)
    top_leader_title = models.CharField(_("top leader's position"), max_length=100)
    top_leader_phone = models.CharField(_("top leader's phone"), max_length=20, blank=True)
    security_officer_name = models.CharField(_("data security officer"), max_length=100)
    security_officer_phone = models.CharField(_("data security officer's phone"), max_length=20)
    security_officer_email = models.EmailField(_("data security officer's e-mail"), blank=True)
    data_department = models.CharField(_("data-management department"), max_length=100)
    data_department_head = models.CharField(_("head of the data-management department"), max_length=100,
                                            blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    contact_email = models.EmailField(_("contact e-mail"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.APPLICANT)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    admitted_at = models.DateTimeField(_("admitted"), null=True, blank=True)
    readmission_allowed_from = models.DateField(
        _("re-admission possible from"), null=True, blank=True,
        help_text=_("Set when admission is revoked: a new application is accepted only from this date."),
    )
    # Derived by the credit engine in set-based SQL; their history is CreditSnapshot, not this table's.
    credit_score = models.IntegerField(_("credit score"), default=100)
    credit_grade = models.CharField(_("credit grade"), max_length=1, default="A")
    credit_computed_at = models.DateTimeField(_("credit computed"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)

    history = tracked_history(excluded_fields=["credit_score", "credit_grade", "credit_computed_at"])
    policy_scope = PolicyScope(region_field="region", owner_field="organisation",
                               public_filter=models.Q(status__in=PUBLIC_STATUSES))

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        permissions = [
            ("supervise_institution", _("Supervise institutions in the jurisdiction")),
            ("review_admission", _("Review admission applications")),
            ("import_institutions", _("Import institutions from spreadsheets")),
            ("export_institutions", _("Export institution lists")),
            ("propose_institution_change", _("Propose changes to one's own institution profile")),
            ("review_institution_change", _("Review proposed profile changes")),
        ]
        indexes = [
            models.Index(OpClass("region", name="varchar_pattern_ops"), "name", name="inst_region_prefix_idx"),
            GinIndex(OpClass("name", name="gin_trgm_ops"), name="inst_name_trgm_idx"),
            models.Index(fields=["name"], name="inst_name_idx"),
            models.Index(fields=["status", "name"], name="inst_status_name_idx"),
            models.Index(fields=["credit_grade", "name"], name="inst_grade_name_idx"),
            models.Index(fields=["type", "name"], name="inst_type_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_use_portal(self) -> bool:
        """Admission is what opens the catalog and sharing to an institution (INS-2)."""
        return self.status == self.Status.ADMITTED


class Document(TrackedModel):
    """An uploaded file, stored outside the web root and served only through a permission check."""

    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "licence", _("Business licence or institution registration certificate")
        PRACTICE_LICENCE = "practice", _("Medical institution practising licence")
        SECURITY_SYSTEM = "security", _("Data security management system")
        APPOINTMENT = "appointment", _("Appointment of the top leader and data security officer")
        AGREEMENT = "agreement", _("Agreement")
        RECTIFICATION = "rectification", _("Rectification evidence")
        DECISION = "decision", _("Decision letter")
        OTHER = "other", _("Other document")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="documents",
                                    verbose_name=_("institution"))
    kind = models.CharField(_("document type"), max_length=16, choices=Kind.choices)
    application = models.ForeignKey("institutions.AdmissionApplication", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="documents", verbose_name=_("admission application"))
    file = models.FileField(_("file"), upload_to="institutions/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="institution__region", owner_field="institution")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ProfileChange(TrackedModel):
    """An institution's proposal to change its registered data, applied only when a department approves."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="profile_changes",
                                    verbose_name=_("institution"))
    changes = models.JSONField(_("proposed values"), help_text=_("Field name -> proposed value."))
    previous = models.JSONField(_("values when proposed"), default=dict)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    policy_scope = PolicyScope(region_field="institution__region", owner_field="institution")

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="inst_change_status_idx")]
