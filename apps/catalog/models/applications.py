"""Data sharing applications (SVC-2, SEC-4, SEC-8, SEC-9).

One application asks for fields of one or more published resources, possibly of several providers, for
named recipients, a purpose and a period. It is reviewed along a route of steps (routing.py) and, once
approved, becomes a grant (grants.py). Amendments, extensions and renewals are new applications linked
to the one they change (`parent`)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

# Parts of an application are seen by whoever sees the application itself.
APPLICATION_PART_SCOPE = PolicyScope(region_field=("application__applicant_region", "application__items__provider__region"),
                                     owner_field=("application__applicant", "application__items__provider"))


class LegalBasis(models.TextChoices):
    """Why the applicant may process the data (PIPL art. 13; M.27, M.28)."""

    CONSENT = "consent", _("Consent of the persons concerned")
    STATUTORY_DUTY = "statutory_duty", _("Statutory duty or public administration")
    PUBLIC_HEALTH_EMERGENCY = "public_health_emergency", _("Response to a public health emergency")
    MEDICAL_TREATMENT = "medical_treatment", _("Medical treatment of the persons concerned")
    SCIENTIFIC_RESEARCH = "scientific_research", _("Scientific research approved by an ethics committee")
    STATISTICS = "statistics", _("Official statistics")


# Legal bases under which personal fields may be released without de-identification (SEC-8): the data
# serve the persons themselves or a statutory / emergency duty that needs them identified.
IDENTIFIED_DATA_BASES = ("medical_treatment", "statutory_duty", "public_health_emergency")


class DeliveryMode(models.TextChoices):
    FILE_TRANSFER = "file_transfer", _("Secure file transfer")
    API = "api", _("Interface (API) access")
    ENCLAVE = "enclave", _("Analysis inside the provider's environment (enclave)")
    MEDIA = "media", _("Encrypted physical media")


class DeidentificationMethod(models.TextChoices):
    NONE = "none", _("None (identified data)")
    PSEUDONYMISATION = "pseudonymisation", _("Pseudonymisation (keyed replacement of identifiers)")
    ANONYMISATION = "anonymisation", _("Anonymisation (identifiers removed, re-identification assessed)")
    GENERALISATION = "generalisation", _("Generalisation and suppression (k-anonymity)")
    AGGREGATION = "aggregation", _("Aggregated statistics only")


class SharingApplication(TrackedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", pgettext_lazy("sharing decision", "Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        NEW = "new", _("New application")
        AMENDMENT = "amendment", _("Amendment")
        EXTENSION = "extension", _("Extension")
        RENEWAL = "renewal", _("Renewal")

    number = models.CharField(_("application number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NEW)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="followups",
                               verbose_name=_("changes application"))
    applicant = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("applicant"))
    applicant_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("applicant's region"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("project title"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    legal_basis_note = models.TextField(_("legal basis explained"), blank=True)
    project_description = models.TextField(_("project description"))
    period_start = models.DateField(_("requested from"))
    period_end = models.DateField(_("requested until"))
    delivery_mode = models.CharField(_("delivery mode"), max_length=16, choices=DeliveryMode.choices)
    security_measures = models.TextField(_("security measures"))
    deidentification_method = models.CharField(_("de-identification method"), max_length=24,
                                               choices=DeidentificationMethod.choices,
                                               default=DeidentificationMethod.NONE)
    deidentification_description = models.TextField(_("de-identification described"), blank=True)
    cross_border = models.BooleanField(_("data leave the country"), default=False)
    cross_border_destination = models.CharField(_("destination country or region"), max_length=100, blank=True)
    # SEC-9: recorded by a department; until then an application with cross_border cannot be approved.
    security_assessment_reference = models.CharField(_("security assessment reference"), max_length=100, blank=True)
    security_assessment_date = models.DateField(_("security assessment date"), null=True, blank=True)
    security_assessment_recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True,
                                                        blank=True, related_name="+",
                                                        verbose_name=_("assessment recorded by"))
    # Highest sensitivity level of the requested fields' resources, set at submission (route input).
    level = models.PositiveSmallIntegerField(_("highest level"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("submission round"), default=0,
                                             help_text=_("1 at the first submission, +1 at each resubmission."))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    refusal_reason = models.TextField(_("reasons for refusal"), blank=True)

    # Applicant and providers: their own. Departments: applications with the applicant or a provider in
    # their jurisdiction (every department on a route is one of those). Recipients of other institutions
    # see an application through an object grant (view_sharingapplication).
    policy_scope = PolicyScope(region_field=("applicant_region", "items__provider__region"),
                               owner_field=("applicant", "items__provider"))

    class Meta:
        verbose_name = _("sharing application")
        verbose_name_plural = _("sharing applications")
        ordering = ["-created_at"]
        permissions = [("apply_for_data", _("Apply for data on behalf of the institution")),
                       ("record_security_assessment", _("Record the security assessment of a data export"))]
        constraints = [models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                              name="cat_application_period_order")]
        indexes = [models.Index(fields=["applicant", "status"], name="cat_app_applicant_idx"),
                   models.Index(fields=["status", "submitted_at"], name="cat_app_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ApplicationItem(TrackedModel):
    """One requested resource of an application and the fields wanted from its published version."""

    application = models.ForeignKey(SharingApplication, on_delete=models.CASCADE, related_name="items",
                                    verbose_name=_("application"))
    resource = models.ForeignKey("catalog.DataResource", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("resource"))
    version = models.ForeignKey("catalog.ResourceVersion", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("catalog version"))
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("provider"))
    fields = models.ManyToManyField("catalog.DataField", related_name="+", verbose_name=_("fields"))
    justification = models.TextField(_("why these fields are needed"), blank=True)

    policy_scope = PolicyScope(region_field=("application__applicant_region", "provider__region"),
                               owner_field=("application__applicant", "provider"))

    class Meta:
        verbose_name = _("requested resource")
        verbose_name_plural = _("requested resources")
        ordering = ["application", "pk"]
        constraints = [models.UniqueConstraint(fields=["application", "resource"], name="cat_item_once")]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.resource.code}"


class DataUseAgreement(TrackedModel):
    """The data use agreement every recipient accepts; one version is current (SVC-2, SEC-4)."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text"))
    text_en = models.TextField(_("English text"), blank=True)
    effective_from = models.DateField(_("in effect from"))
    is_current = models.BooleanField(_("current version"), default=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("published by"))

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(), shared=True)

    class Meta:
        verbose_name = _("data use agreement")
        verbose_name_plural = _("data use agreements")
        ordering = ["-effective_from"]
        permissions = [("manage_agreement", _("Publish data use agreement versions"))]
        constraints = [models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True),
                                               name="cat_one_current_agreement")]

    def __str__(self) -> str:
        return self.version


class Recipient(TrackedModel):
    """A named person who will receive and use the data (co-applicant); accepts the agreement in force."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead applicant")
        CO_APPLICANT = "co_applicant", _("Co-applicant")

    application = models.ForeignKey(SharingApplication, on_delete=models.CASCADE, related_name="recipients",
                                    verbose_name=_("application"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CO_APPLICANT)
    agreement = models.ForeignKey(DataUseAgreement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("agreement accepted"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    policy_scope = APPLICATION_PART_SCOPE

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["application", "role", "pk"]
        constraints = [models.UniqueConstraint(fields=["application", "user"], name="cat_recipient_once")]

    def __str__(self) -> str:
        return str(self.user)


class ApplicationDocument(TrackedModel):
    class Kind(models.TextChoices):
        ETHICS_APPROVAL = "ethics_approval", _("Ethics committee approval")
        PROJECT_PLAN = "project_plan", _("Project plan")
        SECURITY_PLAN = "security_plan", _("Data security plan")
        CONSENT_FORM = "consent_form", _("Consent form template")
        OTHER = "other", _("Other")

    application = models.ForeignKey(SharingApplication, on_delete=models.CASCADE, related_name="documents",
                                    verbose_name=_("application"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="catalog/applications/%Y/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    policy_scope = APPLICATION_PART_SCOPE

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["application", "kind", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ReviewComment(TrackedModel):
    """A reviewer's comment on one answer of the application, shown beside it when it is corrected."""

    application = models.ForeignKey(SharingApplication, on_delete=models.CASCADE, related_name="comments",
                                    verbose_name=_("application"))
    step = models.ForeignKey("catalog.RouteStep", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="comments", verbose_name=_("review step"))
    round = models.PositiveSmallIntegerField(_("submission round"))
    field_name = models.CharField(_("answer"), max_length=50,
                                  help_text=_("The application field the comment is about; empty = general."),
                                  blank=True)
    text = models.TextField(_("comment"))
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    policy_scope = APPLICATION_PART_SCOPE

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["application", "round", "created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class SharingApplicationUserObjectPermission(UserObjectPermissionBase):
    """Direct grants: recipients, providers' and route reviewers' view access to an application."""

    content_object = models.ForeignKey(SharingApplication, on_delete=models.CASCADE)


class SharingApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SharingApplication, on_delete=models.CASCADE)
