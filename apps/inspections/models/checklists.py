"""Checklist templates (SUP-1, SUP-2): versioned, so an inspection keeps the exact items it was made with.

A template has numbered versions; only a draft version is edited, a published one never changes (an
inspection and its report point at it), and publishing a new version retires the previous one. Items
carry the requirement IDs or articles they check, the standard, the evidence expected and the severity
a failure has.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class Severity(models.TextChoices):
    """How serious a failure of an item or a finding is; drives credit events and rectification deadlines."""

    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class ChecklistTemplate(TrackedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The department that keeps the template; None = the national department (seeded defaults).
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("kept by"))
    owner_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("region of the keeping department"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    # Read by every department; changed only by the keeping department or one above it.
    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True,
                               custodian_region_field="owner_region")

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code"]
        permissions = [("manage_checklist", _("Manage inspection checklists"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ChecklistVersion(TrackedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="versions",
                                 verbose_name=_("template"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    owner_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("region of the keeping department"))

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True,
                               custodian_region_field="owner_region")

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="insp_checklist_version_unique"),
            models.UniqueConstraint(fields=["template"], condition=models.Q(status="published"),
                                    name="insp_checklist_one_published"),
            models.UniqueConstraint(fields=["template"], condition=models.Q(status="draft"),
                                    name="insp_checklist_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"


class ChecklistItem(TrackedModel):
    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items",
                                verbose_name=_("checklist version"))
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("item code"), max_length=20)
    section = models.CharField(_("section"), max_length=100)
    section_en = models.CharField(_("English section"), max_length=150, blank=True)
    text = models.TextField(_("what is checked"))
    text_en = models.TextField(_("English text"), blank=True)
    requirement_ids = ArrayField(models.CharField(max_length=12), verbose_name=_("requirement IDs"),
                                 default=list, blank=True, help_text=_("For example SEC-2, SVC-3."))
    article = models.CharField(_("article"), max_length=60, blank=True,
                               help_text=_("The article of the Measures or other rule, for example M.18."))
    standard_reference = models.CharField(_("standard checked"), max_length=100, blank=True,
                                          help_text=_("Code of the standard, for example GB/T 22239-2019."))
    evidence_expected = models.TextField(_("evidence expected"))
    evidence_expected_en = models.TextField(_("English evidence expected"), blank=True)
    severity = models.CharField(_("severity when it fails"), max_length=16, choices=Severity.choices)

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True,
                               custodian_region_field="version__owner_region")

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="insp_checklist_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"
