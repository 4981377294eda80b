"""Adoption declarations (STD-5) and conformance evaluations (STD-6)."""

from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class AdoptionDeclaration(TrackedModel):
    """An institution applies a standard (one version) since a date, in some systems, with evidence."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Applied")
        WITHDRAWN = "withdrawn", _("No longer applied")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("institution"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"), help_text=_("The institution's region when declared."))
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="adoptions",
                                 verbose_name=_("standard"))
    since = models.DateField(_("applied since"))
    systems = models.TextField(_("systems that apply it"))
    evidence = models.FileField(_("evidence"), upload_to="standards/adoption/%Y/", max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    declared_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("declared by"))
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="region", owner_field="organisation")

    class Meta:
        verbose_name = _("adoption declaration")
        verbose_name_plural = _("adoption declarations")
        ordering = ["-declared_at"]
        permissions = [("declare_adoption", _("Declare the standards one's institution applies")),
                       ("monitor_adoption", _("Monitor adoption in the jurisdiction"))]
        constraints = [models.UniqueConstraint(fields=["organisation", "standard"], condition=models.Q(status="active"),
                                               name="std_one_active_adoption")]
        indexes = [models.Index(fields=["standard", "status"], name="std_adoption_standard_idx"),
                   models.Index(fields=["declared_at"], name="std_adoption_declared_idx"),
                   # Monitors count active declarations under a region-code prefix (STD-5, LIKE '35%').
                   models.Index(OpClass("region", name="varchar_pattern_ops"), "standard",
                                condition=models.Q(status="active"), name="std_adoption_region_idx"),
                   # The nightly digest reads what was withdrawn in the last day.
                   models.Index(fields=["withdrawn_at"], condition=models.Q(withdrawn_at__isnull=False),
                                name="std_adoption_withdrawn_idx")]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.standard.code}"


class ConformanceEvaluation(TrackedModel):
    """Self-assessment by the institution, then the department's evaluation (STD-6); feeds credit (M.13)."""

    class Status(models.TextChoices):
        SELF_ASSESSED = "self_assessed", _("Self-assessment submitted")
        EVALUATED = "evaluated", _("Evaluated")
        RETURNED = "returned", _("Returned for completion")

    class Result(models.TextChoices):
        CONFORMS = "conforms", _("Conforms")
        PARTLY = "partly", _("Partly conforms")
        DOES_NOT = "does_not", _("Does not conform")

    class Level(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("institution"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="evaluations",
                                 verbose_name=_("standard"))
    self_result = models.CharField(_("self-assessed result"), max_length=16, choices=Result.choices)
    self_assessment = models.TextField(_("self-assessment"))
    self_evidence = models.FileField(_("self-assessment evidence"), upload_to="standards/conformance/%Y/",
                                     max_length=300, blank=True)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SELF_ASSESSED)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    evaluated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("evaluated by"))
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="region", owner_field="organisation")

    class Meta:
        verbose_name = _("conformance evaluation")
        verbose_name_plural = _("conformance evaluations")
        ordering = ["-submitted_at"]
        permissions = [("self_assess_conformance", _("Submit conformance self-assessments")),
                       ("evaluate_conformance", _("Evaluate conformance of institutions"))]
        indexes = [models.Index(fields=["standard", "status"], name="std_conformance_standard_idx")]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.standard.code}"


class EffectivenessAssessment(TrackedModel):
    """How well a standard works (STD-7); its decision keeps, revises (starting the revision) or abolishes it."""

    class Decision(models.TextChoices):
        KEEP = "keep", _("Keep")
        REVISE = "revise", _("Revise")
        ABOLISH = "abolish", _("Abolish")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        DECIDED = "decided", _("Decided")

    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="assessments",
                                 verbose_name=_("standard"))
    adoption_rate = models.DecimalField(_("adoption rate (%)"), max_digits=5, decimal_places=1, null=True,
                                        blank=True)
    adopters = models.PositiveIntegerField(_("institutions applying it"), default=0)
    population = models.PositiveIntegerField(_("institutions concerned"), default=0)
    conformance_summary = models.JSONField(_("conformance results"), default=dict)
    comments_summary = models.TextField(_("comments and problems reported"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("prepared by"))
    created_at = models.DateTimeField(_("prepared"), default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    revision = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("revision project"))

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True,
                               public_filter=models.Q(status="decided"))

    class Meta:
        verbose_name = _("effectiveness assessment")
        verbose_name_plural = _("effectiveness assessments")
        ordering = ["-created_at"]
        permissions = [("assess_effectiveness", _("Assess the effectiveness of standards"))]

    def __str__(self) -> str:
        return f"{self.standard.code} ({self.created_at:%Y-%m-%d})"
