"""The data resource catalog (SVC-1, SEC-1, SVC-3, SVC-4).

A `DataResource` is the stable identity of one resource held by one institution (its provider); its
metadata live in `ResourceVersion` rows. A department reviews every new or changed version before it is
published (SVC-4); the published version is the one the catalog shows and applications refer to, older
ones stay as history (`superseded`)."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class DataCategory(models.TextChoices):
    """The six categories of health data in GB/T 39725-2020 (Guide for health data security), 4.2."""

    PERSONAL_ATTRIBUTES = "personal_attributes", _("Personal attribute data")
    HEALTH_STATUS = "health_status", _("Health status data")
    MEDICAL_APPLICATION = "medical_application", _("Medical application data")
    MEDICAL_PAYMENT = "medical_payment", _("Medical payment data")
    HEALTH_RESOURCES = "health_resources", _("Health resource data")
    PUBLIC_HEALTH = "public_health", _("Public health data")


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Shareable without conditions")
    CONDITIONAL = "conditional", _("Shareable on conditions")
    NOT_SHAREABLE = "not_shareable", _("Not shareable")


class OpenForm(models.TextChoices):
    PUBLIC = "public", _("Fully public")
    CONTROLLED = "controlled", _("Controlled access")
    ENCLAVE = "enclave", _("Enclave (data stay in the holder's environment)")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    IRREGULAR = "irregular", _("Irregular")
    NEVER = "never", _("No longer updated")


class LifecycleStage(models.TextChoices):
    """The stages that each need a named responsible person (SVC-3, M.28)."""

    GENERATION = "generation", _("Generation")
    COLLECTION = "collection", _("Collection")
    STORAGE = "storage", _("Storage")
    USE = "use", _("Use")
    TRANSMISSION = "transmission", _("Transmission")
    SHARING = "sharing", _("Sharing")
    EXCHANGE = "exchange", _("Exchange")
    DESTRUCTION = "destruction", _("Destruction")


SENSITIVITY_LEVELS = [(1, _("Level 1")), (2, _("Level 2")), (3, _("Level 3")), (4, _("Level 4")), (5, _("Level 5"))]


class DataResource(TrackedModel):
    """One data resource of one provider; its catalog entry is its published version."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    code = models.CharField(_("resource code"), max_length=40, unique=True,
                            help_text=_("Assigned at registration: provider's credit code and a serial number."))
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("provider"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"),
                               help_text=_("The provider's region; departments review within their jurisdiction."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    published_version = models.OneToOneField("catalog.ResourceVersion", on_delete=models.SET_NULL, null=True,
                                             blank=True, related_name="+", verbose_name=_("published version"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    retired_reason = models.TextField(_("reason for retirement"), blank=True)

    policy_scope = PolicyScope(region_field="region", owner_field="provider")

    class Meta:
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")
        ordering = ["code"]
        permissions = [("register_resource", _("Register and change the institution's data resources")),
                       ("review_resource", _("Review catalog entries before publication"))]
        indexes = [models.Index(fields=["provider", "status"], name="cat_resource_provider_idx"),
                   models.Index(OpClass("region", name="varchar_pattern_ops"), name="cat_resource_region_idx")]

    def __str__(self) -> str:
        return self.code


class ResourceVersion(TrackedModel):
    """One version of a resource's metadata and fields; reviewed before publication (SVC-4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        RETURNED = "returned", _("Returned for correction")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded by a newer version")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="versions",
                                 verbose_name=_("resource"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=250, blank=True)
    description = models.TextField(_("description"))
    description_en = models.TextField(_("English description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True,
                                help_text=_("Separated by commas or spaces."))
    category = models.CharField(_("data category"), max_length=32, choices=DataCategory.choices)
    sharing_type = models.CharField(_("sharing type"), max_length=16, choices=SharingType.choices)
    open_form = models.CharField(_("open form"), max_length=16, choices=OpenForm.choices)
    update_frequency = models.CharField(_("update frequency"), max_length=16, choices=UpdateFrequency.choices)
    data_format = models.CharField(_("format"), max_length=100, help_text=_("For example CSV, HL7 CDA, DICOM."))
    volume = models.CharField(_("volume"), max_length=100, help_text=_("For example \"1.2 million records, 40 GB\"."))
    coverage_start = models.DateField(_("time coverage from"))
    coverage_end = models.DateField(_("time coverage to"), null=True, blank=True,
                                    help_text=_("Empty while the resource is still being collected."))
    storage_province = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("storage province"),
        help_text=_("Health and medical big data are stored on servers inside China (SEC-9)."))
    storage_description = models.CharField(_("storage location"), max_length=200, blank=True,
                                           help_text=_("Data centre or system, without network addresses."))
    standards = models.ManyToManyField("standards.Standard", blank=True, related_name="+",
                                       verbose_name=_("standards followed"))
    level = models.PositiveSmallIntegerField(
        _("sensitivity level"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("The highest level of the resource's fields, recomputed when they change (SEC-1)."))
    has_personal_information = models.BooleanField(_("contains personal information"), default=False)
    # Title, English title, description, keywords and field names, for one trigram-indexed search column.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    change_summary = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("prepared by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("review comments"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    # Anonymous visitors: metadata of published, fully public entries only (SVC-5).
    policy_scope = PolicyScope(region_field="resource__region", owner_field="resource__provider",
                               public_filter=models.Q(status="published", open_form="public"))

    class Meta:
        verbose_name = _("catalog entry version")
        verbose_name_plural = _("catalog entry versions")
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="cat_version_number_unique"),
            # At most one version in preparation or review per resource, and one published.
            models.UniqueConstraint(fields=["resource"], condition=models.Q(status__in=["draft", "submitted", "returned"]),
                                    name="cat_one_open_version"),
            models.UniqueConstraint(fields=["resource"], condition=models.Q(status="published"),
                                    name="cat_one_published_version"),
            models.CheckConstraint(condition=models.Q(coverage_end__isnull=True) | models.Q(coverage_end__gte=models.F("coverage_start")),
                                   name="cat_version_coverage_order"),
        ]
        indexes = [
            # fastupdate off: a read-mostly catalog; new entries go straight into the index instead of a
            # pending list that every search would scan (and that makes the planner avoid the index).
            GinIndex(OpClass(Upper("search_text"), name="gin_trgm_ops"), condition=models.Q(status="published"),
                     name="cat_version_search_trgm", fastupdate=False),
            models.Index(fields=["status", "category", "level"], name="cat_version_facets_idx"),
            models.Index(fields=["status", "-published_at"], name="cat_version_published_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class DataField(TrackedModel):
    """A data item of a resource version (SEC-1): its sensitivity level and whether it is personal information."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="fields",
                                verbose_name=_("version"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    element_code = models.CharField(_("data element code"), max_length=40, blank=True,
                                    help_text=_("Identifier in WS 363 / WS/T 363, for example DE02.01.039.00."))
    description = models.CharField(_("description"), max_length=300, blank=True)
    level = models.PositiveSmallIntegerField(_("sensitivity level"), choices=SENSITIVITY_LEVELS,
                                             validators=[MinValueValidator(1), MaxValueValidator(5)])
    personal = models.BooleanField(_("personal information"), default=False)

    policy_scope = PolicyScope(region_field="version__resource__region", owner_field="version__resource__provider",
                               public_filter=models.Q(version__status="published", version__open_form="public"))

    class Meta:
        verbose_name = _("data field")
        verbose_name_plural = _("data fields")
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="cat_field_name_unique")]

    def __str__(self) -> str:
        return self.name


class StageResponsibility(TrackedModel):
    """The named person responsible for one lifecycle stage of a resource version (SVC-3)."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="responsibilities",
                                verbose_name=_("version"))
    stage = models.CharField(_("lifecycle stage"), max_length=16, choices=LifecycleStage.choices)
    person_name = models.CharField(_("responsible person"), max_length=100)
    position = models.CharField(_("position or department"), max_length=100)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("portal account"))

    policy_scope = PolicyScope(region_field="version__resource__region", owner_field="version__resource__provider")

    class Meta:
        verbose_name = _("lifecycle responsibility")
        verbose_name_plural = _("lifecycle responsibilities")
        ordering = ["version", "stage"]
        constraints = [models.UniqueConstraint(fields=["version", "stage"], name="cat_one_person_per_stage")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.person_name}"


class DataResourceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DataResource, on_delete=models.CASCADE)


class DataResourceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DataResource, on_delete=models.CASCADE)
