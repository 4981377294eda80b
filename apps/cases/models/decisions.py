"""Decisions (SUP-3, SUP-5): the head's decision with its measures from the Article 40 ladder, the signed
PDF decision letter with a verification code, the execution of each measure, and the ordered rectification
tracked like an inspection's rectification order (reports, verification, daily escalation)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

from ..ladder import Measure, Severity

_CASE_SCOPE = {"region_field": "case__region", "owner_field": "case__institution",
                   "owner_filter": models.Q(case__notified_at__isnull=False)}


class Decision(TrackedModel):
    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        QUASHED = "quashed", _("Quashed on appeal")
        REMITTED = "remitted", _("Set aside on appeal and sent back")

    class LetterStatus(models.TextChoices):
        PENDING = "pending", _("Being produced")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="decisions",
                             verbose_name=_("case"))
    notice = models.ForeignKey("cases.Notice", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("notice"))
    number = models.CharField(_("decision number"), max_length=40, unique=True)
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("deciding department"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    articles = models.JSONField(_("articles violated"), default=list)
    facts = models.TextField(_("facts established"))
    reasoning = models.TextField(_("reasons"))
    defence_answer = models.TextField(_("answer to the defence"), blank=True)
    disclosed = models.BooleanField(_("disclosed to the public"), default=False)
    public_summary = models.TextField(_("public summary"), blank=True)
    disclose_persons = models.BooleanField(_("names of responsible persons disclosed"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    appeal_until = models.DateField(_("appeal possible until"))
    # The exit mechanism (INS-4): the number of the suspension proposed because of this decision, if any.
    suspension_proposal = models.CharField(_("suspension proposed"), max_length=40, blank=True)
    # The signed letter (same production and verification as inspection reports).
    verification_code = models.CharField(_("verification code"), max_length=20, unique=True)
    letter_status = models.CharField(_("letter"), max_length=16, choices=LetterStatus.choices,
                                     default=LetterStatus.PENDING)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    file = models.FileField(_("decision letter"), upload_to="cases/decisions/%Y/", max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    certificate_fingerprint = models.CharField(_("certificate fingerprint"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    rendered_at = models.DateTimeField(_("produced"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="case__region", owner_field="case__institution",
                               owner_filter=models.Q(case__notified_at__isnull=False),
                               public_filter=models.Q(disclosed=True, status="in_force"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(status="in_force"),
                                    name="case_decision_one_in_force"),
        ]
        indexes = [models.Index(fields=["disclosed", "status", "decided_at"], name="case_decision_public_idx")]

    def __str__(self) -> str:
        return self.number


class CaseMeasure(TrackedModel):
    class Execution(models.TextChoices):
        PENDING = "pending", _("To be executed")
        EXECUTED = "executed", _("Executed")
        REVOKED = "revoked", _("Revoked on appeal")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="measures",
                                 verbose_name=_("decision"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="measures",
                             verbose_name=_("case"))
    kind = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    details = models.TextField(_("details"), blank=True)
    # Ordered rectification: the deadline (the order itself is a CaseRectification).
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # Disciplinary: the persons, the body competent to sanction them, and whether the department only
    # proposes the sanction to that body.
    parties = models.ManyToManyField("cases.CaseParty", blank=True, related_name="measures",
                                     verbose_name=_("responsible persons"))
    competent_body = models.CharField(_("competent body"), max_length=200, blank=True)
    is_proposal = models.BooleanField(_("proposed to the competent body"), default=False)
    # Judicial transfer: the organ the case goes to.
    judicial_organ = models.CharField(_("judicial organ"), max_length=200, blank=True)
    execution = models.CharField(_("execution"), max_length=16, choices=Execution.choices,
                                 default=Execution.PENDING)
    executed_at = models.DateTimeField(_("executed"), null=True, blank=True)
    executed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("executed by"))
    execution_note = models.TextField(_("execution record"), blank=True)
    credit_event_id = models.PositiveBigIntegerField(_("credit item"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="case__region", owner_field="case__institution",
                               owner_filter=models.Q(case__notified_at__isnull=False),
                               public_filter=models.Q(decision__disclosed=True, decision__status="in_force"))

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["decision", "pk"]
        constraints = [models.UniqueConstraint(fields=["decision", "kind"], name="case_measure_once_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class CaseRectification(TrackedModel):
    """The order of an ordered-rectification measure: the institution reports, a case officer accepts or
    returns, an order overdue is escalated every morning (as inspection orders are)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued, awaiting the institution's report")
        SUBMITTED = "submitted", _("Report submitted, awaiting verification")
        RETURNED = "returned", _("Returned for further rectification")
        ACCEPTED = "accepted", _("Rectification accepted")
        CANCELLED = "cancelled", _("Cancelled")

    measure = models.OneToOneField(CaseMeasure, on_delete=models.PROTECT, related_name="rectification",
                                   verbose_name=_("measure"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="rectifications",
                             verbose_name=_("case"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institution's region"))
    number = models.CharField(_("number"), max_length=50, unique=True)
    requirement = models.TextField(_("what must be done"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    # 0 = not overdue; 1 overdue (institution and officers told, credit event); 2 a week (heads told);
    # 3 a month (heads told; the case may be escalated further).
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("last escalated"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    policy_scope = PolicyScope(region_field="region", owner_field="institution")

    class Meta:
        verbose_name = _("case rectification order")
        verbose_name_plural = _("case rectification orders")
        ordering = ["deadline", "pk"]
        permissions = [("respond_case_rectification", _("Report on rectification ordered in a case"))]
        indexes = [models.Index(fields=["status", "deadline"], name="case_rect_due_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.SUBMITTED, self.Status.RETURNED)


class RectificationReport(TrackedModel):
    class Verdict(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    rectification = models.ForeignKey(CaseRectification, on_delete=models.PROTECT, related_name="reports",
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

    policy_scope = PolicyScope(region_field="rectification__region", owner_field="rectification__institution")

    class Meta:
        verbose_name = _("case rectification report")
        verbose_name_plural = _("case rectification reports")
        ordering = ["rectification", "round"]
        constraints = [models.UniqueConstraint(fields=["rectification", "round"], name="case_rect_report_round")]

    def __str__(self) -> str:
        return f"{self.rectification.number} #{self.round}"
