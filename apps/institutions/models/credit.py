"""Credit (integrity) rating, explainable item by item (INS-3).

Score = the scheme's base plus the points of every event still in force, clamped to the scheme's
range; the grade is the highest grade whose minimum the score reaches. Events expire after their
rule's duration, which is how credit is repaired. Other apps raise events only through
`apps.institutions.services.credit_event_record`."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope


class CreditTrigger(models.TextChoices):
    """Events in other apps (and this one) that a rule can react to."""

    FINDING_CRITICAL = "finding.critical", _("Confirmed inspection finding: critical")
    FINDING_MAJOR = "finding.major", _("Confirmed inspection finding: major non-conformity")
    FINDING_MINOR = "finding.minor", _("Confirmed inspection finding: minor non-conformity")
    SANCTION_INTERVIEW = "sanction.interview", _("Sanction: regulatory interview")
    SANCTION_RECTIFICATION = "sanction.rectification", _("Sanction: ordered rectification")
    SANCTION_ADMONITION = "sanction.admonition", _("Sanction: admonition")
    SANCTION_CRITICISM = "sanction.criticism", _("Sanction: circulated notice of criticism")
    SANCTION_DISCIPLINARY = "sanction.disciplinary", _("Sanction: disciplinary sanction")
    SANCTION_JUDICIAL = "sanction.judicial", _("Sanction: transfer to judicial organs")
    RECTIFICATION_LATE = "rectification.late", _("Rectification submitted late")
    RECTIFICATION_MISSING = "rectification.missing", _("Rectification not done by the deadline")
    RECTIFICATION_TIMELY = "rectification.timely", _("Rectification completed on time")
    INCIDENT_ESPECIALLY_MAJOR = "incident.especially_major", _("Security incident: especially major")
    INCIDENT_MAJOR = "incident.major", _("Security incident: major")
    INCIDENT_LARGE = "incident.large", _("Security incident: large")
    INCIDENT_GENERAL = "incident.general", _("Security incident: general")
    INCIDENT_LATE_REPORT = "incident.late_report", _("Security incident reported late")
    DRILL_OVERDUE = "drill.overdue", _("Backup and recovery drill overdue")
    DRILL_FAILED = "drill.failed", _("Backup and recovery drill failed")
    CONFORMANCE_PASSED = "conformance.passed", _("Standards conformance evaluation passed")
    CONFORMANCE_EXCELLENT = "conformance.excellent", _("Standards conformance evaluation: excellent")
    SHARING_REPORT_OVERDUE = "sharing.report_overdue", _("Data grant report overdue")
    SHARING_CERTIFICATE_OVERDUE = "sharing.certificate_overdue", _("Data destruction certificate overdue")
    SHARING_GRANT_REVOKED = "sharing.grant_revoked", _("Data grant revoked for a breach of its conditions")
    MANUAL = "manual", _("Adjustment by a department")


class CreditScheme(TrackedModel):
    """The one scoring scheme (a single row): base score, range, and the exit rules that depend on it."""

    base_score = models.IntegerField(_("base score"), default=100)
    min_score = models.IntegerField(_("lowest score"), default=0)
    max_score = models.IntegerField(_("highest score"), default=110)
    readmission_wait_days = models.PositiveIntegerField(
        _("waiting period before re-admission (days)"), default=365,
        help_text=_("After a revocation, a new admission application is accepted only after this many days."),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    policy_scope = PolicyScope(region_field=None, owner_field=None)

    class Meta:
        verbose_name = _("credit scheme")
        verbose_name_plural = _("credit scheme")
        permissions = [("manage_credit_rules", _("Maintain credit rules, grades and the scoring scheme"))]

    def __str__(self) -> str:
        return str(_("Credit scheme"))


class CreditGrade(TrackedModel):
    """A grade band and its consequences (INS-3, INS-4)."""

    code = models.CharField(_("grade"), max_length=1, primary_key=True)
    label = models.CharField(_("label"), max_length=50)
    label_en = models.CharField(_("English label"), max_length=50, blank=True)
    min_score = models.IntegerField(_("minimum score"))
    inspection_interval_months = models.PositiveSmallIntegerField(
        _("inspect at least every (months)"), help_text=_("Used by risk-based inspection planning."))
    may_apply_for_data = models.BooleanField(_("may apply for data sharing"), default=True)
    on_blacklist = models.BooleanField(_("listed on the public blacklist"), default=False)
    proposes_suspension = models.BooleanField(_("proposes suspension"), default=False)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q())

    class Meta:
        verbose_name = _("credit grade")
        verbose_name_plural = _("credit grades")
        ordering = ["-min_score"]

    def __str__(self) -> str:
        return self.code


class CreditRule(TrackedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    description = models.CharField(_("description"), max_length=200)
    description_en = models.CharField(_("English description"), max_length=300, blank=True)
    trigger = models.CharField(_("triggering event"), max_length=32, choices=CreditTrigger.choices)
    points = models.IntegerField(_("points"), help_text=_("Negative for a deduction, positive for an addition."))
    duration_days = models.PositiveIntegerField(_("effect lasts (days)"))
    is_active = models.BooleanField(_("active"), default=True)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(is_active=True))

    class Meta:
        verbose_name = _("credit rule")
        verbose_name_plural = _("credit rules")
        ordering = ["trigger", "code"]
        constraints = [
            models.UniqueConstraint(fields=["trigger"], condition=models.Q(is_active=True),
                                    name="credit_rule_one_active_per_trigger"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class CreditEvent(TrackedModel):
    """One item of an institution's rating, pointing at the record that caused it."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="credit_events", verbose_name=_("institution"))
    rule = models.ForeignKey(CreditRule, on_delete=models.PROTECT, related_name="events",
                             verbose_name=_("rule"))
    points = models.IntegerField(_("points"))
    occurred_on = models.DateField(_("occurred on"))
    effective_until = models.DateField(_("in force until"))
    description = models.CharField(_("description"), max_length=300)
    source_type = models.CharField(_("source record type"), max_length=64,
                                   help_text=_("app_label.model of the record that caused the event."))
    source_id = models.CharField(_("source record id"), max_length=64)
    source_url = models.CharField(_("link to the source record"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Required for adjustments by a department."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    policy_scope = PolicyScope(region_field="institution__region", owner_field="institution")

    class Meta:
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        ordering = ["-occurred_on", "-pk"]
        permissions = [("adjust_credit", _("Adjust credit ratings with a written reason")),
                       ("decide_credit_objection", _("Decide objections to credit items"))]
        constraints = [
            # The same record cannot cause the same rule twice: raising an event is idempotent.
            models.UniqueConstraint(fields=["institution", "rule", "source_type", "source_id"],
                                    condition=~models.Q(source_type="institutions.adjustment"),
                                    name="credit_event_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "effective_until"], name="credit_event_live_idx"),
            models.Index(fields=["effective_until"], name="credit_event_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.points:+d}"


class CreditSnapshot(models.Model):
    """A rating as it changed: one row per institution and change, for the trend chart.

    Written by the set-based recompute only when a score or grade changes, so a nightly run over a
    million institutions writes as many rows as ratings changed, not a million."""

    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE,
                                    related_name="credit_snapshots", verbose_name=_("institution"))
    computed_at = models.DateTimeField(_("computed"))
    score = models.IntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=1)

    class Meta:
        verbose_name = _("credit snapshot")
        verbose_name_plural = _("credit snapshots")
        ordering = ["institution", "computed_at"]
        indexes = [models.Index(fields=["institution", "computed_at"], name="credit_snapshot_idx")]

    def __str__(self) -> str:
        return f"{self.grade} {self.score}"


class CreditObjection(TrackedModel):
    """An institution contests one item of its rating; a department upholds (withdraws it) or rejects."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UPHELD = "upheld", _("Upheld: item withdrawn")
        REJECTED = "rejected", _("Rejected")

    event = models.ForeignKey(CreditEvent, on_delete=models.PROTECT, related_name="objections",
                              verbose_name=_("credit item"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="credit_objections", verbose_name=_("institution"))
    reason = models.TextField(_("grounds of the objection"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)

    policy_scope = PolicyScope(region_field="institution__region", owner_field="institution")

    class Meta:
        verbose_name = _("credit objection")
        verbose_name_plural = _("credit objections")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=models.Q(status="submitted"),
                                    name="credit_objection_one_open_per_event"),
        ]
