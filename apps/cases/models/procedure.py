"""The right to be heard: the notice of the proposed measures, the institution's defence within the
deadline (with documents, a request for a hearing, or a written waiver of the rest of the period), and the
hearing itself. A decision waits until the period has passed or has been waived in writing, and until a
requested hearing has been held or withdrawn."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

from ..ladder import Severity

_CASE_SCOPE = {"region_field": "case__region", "owner_field": "case__institution",
                   "owner_filter": models.Q(case__notified_at__isnull=False)}


class Notice(TrackedModel):
    """The notice of proposed measures (one per round: a case sent back on appeal is notified again)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notices",
                             verbose_name=_("case"))
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    facts = models.TextField(_("facts as notified"))
    articles = models.JSONField(_("articles violated"), default=list)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    # [{"measure": "<ladder code>", "details": "..."}] in ladder order.
    proposed_measures = models.JSONField(_("proposed measures"), default=list)
    defence_deadline = models.DateField(_("defence due by"))
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    is_current = models.BooleanField(_("current"), default=True)

    policy_scope = PolicyScope(**_CASE_SCOPE)

    class Meta:
        verbose_name = _("notice of proposed measures")
        verbose_name_plural = _("notices of proposed measures")
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="case_notice_round"),
            models.UniqueConstraint(fields=["case"], condition=models.Q(is_current=True),
                                    name="case_notice_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.round}"


class Defence(TrackedModel):
    """One statement of the institution on a notice (it may add more until the deadline), or its written
    waiver of the rest of the period (submitted in the portal, or received on paper and recorded by a case
    officer with the signed document)."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement of defence")
        WAIVER = "waiver", _("Written waiver of the defence period")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="defences",
                             verbose_name=_("case"))
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="defences",
                               verbose_name=_("notice"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STATEMENT)
    statement = models.TextField(_("statement"), blank=True)
    hearing_requested = models.BooleanField(_("hearing requested"), default=False)
    waives_period = models.BooleanField(
        _("waives the rest of the period"), default=False,
        help_text=_("The institution declares its defence complete: the department may decide before the "
                    "deadline."))
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    recorded_on_paper = models.BooleanField(_("received on paper"), default=False)

    policy_scope = PolicyScope(**_CASE_SCOPE)

    class Meta:
        verbose_name = _("defence")
        verbose_name_plural = _("defences")
        ordering = ["case", "submitted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_kind_display()}"


class Hearing(TrackedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        WITHDRAWN = "withdrawn", _("Withdrawn by the institution")
        NOT_ATTENDED = "not_attended", _("Not attended by the institution")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="hearings",
                             verbose_name=_("case"))
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="hearings",
                               verbose_name=_("notice"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    policy_scope = PolicyScope(**_CASE_SCOPE)

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["case", "requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["notice"], condition=models.Q(status__in=("requested", "scheduled")),
                                    name="case_hearing_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.SCHEDULED)
