"""The standards registry and its lifecycle (STD-1, STD-3, STD-8).

A standard is one version: `WS 363.1-2011` and `WS 363.1-2023` are two rows of the series `WS 363.1`,
the newer one superseding the older. Its status moves only through STANDARD_FLOW (workflows.py)."""

import re
import unicodedata

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel
from apps.core.policy import PolicyScope

# Statuses the public sees (a published standard, and drafts open for public comment).
PUBLIC_STATUSES = ("public_comment", "published", "in_force", "under_revision", "superseded", "abolished")
# Statuses institutions may declare adoption of.
ADOPTABLE_STATUSES = ("published", "in_force", "under_revision")


def normalise_code(code: str) -> str:
    """`ws/t 500.1—2016` -> `WS/T 500.1-2016`: full-width forms folded, dashes unified, one space.

    Local standards keep their province in the prefix (`db35/t1234-2020` -> `DB35/T 1234-2020`)."""
    text = unicodedata.normalize("NFKC", code or "").upper()
    text = re.sub(r"[‐‑‒–—―－]", "-", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s*-\s*(\d{4}|20XX)\b", r"-\1", text)  # `WS 363.1 - 2023` -> `WS 363.1-2023`
    text = re.sub(r"^DB\s+(\d{2})", r"DB\1", text)
    return re.sub(r"^(DB\d{2}(?:/[A-Z])?|[A-Z/]+)\s*(\d)", r"\1 \2", text)


def series_of(code: str) -> str:
    """The code without its year: `WS 363.1-2023` -> `WS 363.1`; a draft `WS 363.1-20XX` is of the same
    series. A new standard's draft (`WS/T XXX-20XX (2)`) has no number yet: it is its own series."""
    text = normalise_code(code)
    if re.match(r"^\S+ X+-", text):
        return text
    return re.sub(r"-(\d{4}|20XX)( \(\d+\))?$", "", text)


class FrameworkCategory(TrackedModel):
    """A node of the standard-system framework (STD-4): basic, data, technical, management, security..."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("parent category"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.TextField(_("description"), blank=True)

    policy_scope = PolicyScope(region_field=None, owner_field=None, public_filter=models.Q(), shared=True)

    class Meta:
        verbose_name = _("framework category")
        verbose_name_plural = _("framework categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Standard(TrackedModel):
    class Nature(models.TextChoices):
        MANDATORY = "mandatory", _("Mandatory")
        RECOMMENDED = "recommended", _("Recommended")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National standard")
        INDUSTRY = "industry", _("Industry standard")
        LOCAL = "local", _("Local standard")
        GROUP = "group", _("Group standard")

    class Status(models.TextChoices):
        PROJECT = "project", _("Accepted project")
        DRAFTING = "drafting", _("Drafting")
        PUBLIC_COMMENT = "public_comment", _("Open for public comment")
        EXPERT_REVIEW = "expert_review", _("Expert review")
        APPROVAL = "approval", _("Awaiting approval")
        PUBLISHED = "published", _("Published")
        IN_FORCE = "in_force", _("In force")
        UNDER_REVISION = "under_revision", _("Under revision")
        SUPERSEDED = "superseded", _("Superseded")
        ABOLISHED = "abolished", _("Abolished")
        WITHDRAWN = "withdrawn", _("Project withdrawn")

    code = models.CharField(_("code"), max_length=40, unique=True,
                            help_text=_("For example WS 363.1-2023 or GB/T 39725-2020; a draft may carry a "
                                        "provisional code."))
    series = models.CharField(_("series"), max_length=40, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    nature = models.CharField(_("nature"), max_length=16, choices=Nature.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    category = models.ForeignKey(FrameworkCategory, on_delete=models.PROTECT, related_name="standards",
                                 verbose_name=_("framework category"))
    scope_note = models.TextField(_("scope of application"), blank=True)
    responsible_department = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("responsible department"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROJECT)
    published_on = models.DateField(_("published"), null=True, blank=True)
    in_force_on = models.DateField(_("in force from"), null=True, blank=True)
    abolished_on = models.DateField(_("abolished"), null=True, blank=True)
    supersedes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="superseded_by", verbose_name=_("supersedes"))
    comment_opens_on = models.DateField(_("public comment opens"), null=True, blank=True)
    comment_closes_on = models.DateField(_("public comment closes"), null=True, blank=True)
    text = models.FileField(_("text of the standard"), upload_to="standards/%Y/", max_length=300, blank=True)
    text_name = models.CharField(_("file name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)

    # Everyone signed in reads the registry; only the responsible department, a department above it or
    # the national department (for standards without a responsible department) moves or edits a standard.
    policy_scope = PolicyScope(region_field=None, owner_field=None,
                               public_filter=models.Q(status__in=PUBLIC_STATUSES), shared=True,
                               custodian_region_field="responsible_department__region")

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["code"]
        permissions = [
            ("manage_standard", _("Manage the standards lifecycle")),
            ("approve_standard", _("Approve and publish standards")),
            ("edit_draft", _("Edit a draft as a member of its working group")),
            ("review_standard", _("Give an expert opinion and vote on a draft")),
            ("answer_comment", _("Answer public comments")),
        ]
        indexes = [models.Index(fields=["status", "code"], name="std_status_code_idx"),
                   models.Index(fields=["category", "code"], name="std_category_code_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        self.code = normalise_code(self.code)
        self.series = series_of(self.code)
        super().save(*args, **kwargs)

    @property
    def is_adoptable(self) -> bool:
        return self.status in ADOPTABLE_STATUSES

    def comment_period_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (self.status == self.Status.PUBLIC_COMMENT and self.comment_opens_on is not None
                and self.comment_closes_on is not None and self.comment_opens_on <= today <= self.comment_closes_on)


class StandardUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants: working-group members (edit_draft) and expert reviewers (review_standard)."""

    content_object = models.ForeignKey(Standard, on_delete=models.CASCADE)


class StandardGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Standard, on_delete=models.CASCADE)


class WorkingGroupMember(TrackedModel):
    """A person of one of the drafting organisations (STD-3); membership carries the edit_draft grant."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead drafter")
        MEMBER = "member", _("Drafter")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="working_group",
                                 verbose_name=_("standard"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True)

    class Meta:
        verbose_name = _("working-group member")
        verbose_name_plural = _("working-group members")
        constraints = [models.UniqueConstraint(fields=["standard", "user"], name="std_wg_member_unique")]

    def __str__(self) -> str:
        return str(self.user)


class ExpertReviewer(TrackedModel):
    """A person appointed to review a draft; the appointment carries the review_standard grant."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="expert_reviewers",
                                 verbose_name=_("standard"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("expert"))
    appointed_at = models.DateTimeField(_("appointed"), default=timezone.now)

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True)

    class Meta:
        verbose_name = _("expert reviewer")
        verbose_name_plural = _("expert reviewers")
        constraints = [models.UniqueConstraint(fields=["standard", "user"], name="std_expert_unique")]

    def __str__(self) -> str:
        return str(self.user)


class ReviewOpinion(TrackedModel):
    class Vote(models.TextChoices):
        APPROVE = "approve", _("Approve")
        APPROVE_WITH_CHANGES = "changes", _("Approve with changes")
        REJECT = "reject", _("Reject")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="review_opinions",
                                 verbose_name=_("standard"))
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("expert"))
    opinion = models.TextField(_("opinion"))
    vote = models.CharField(_("vote"), max_length=8, choices=Vote.choices)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True)

    class Meta:
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        ordering = ["submitted_at"]
        constraints = [models.UniqueConstraint(fields=["standard", "reviewer"], name="std_one_opinion_per_expert")]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.get_vote_display()}"


class PublicComment(TrackedModel):
    """A comment on a draft during its comment period; every comment gets an answer (STD-3)."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("Not yet answered")
        ACCEPTED = "accepted", _("Accepted")
        PARTLY = "partly", _("Partly accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="comments",
                                 verbose_name=_("standard"))
    author_name = models.CharField(_("name"), max_length=100)
    author_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    author_email = models.EmailField(_("e-mail"))
    author = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("account"))
    clause = models.CharField(_("clause"), max_length=50, blank=True)
    text = models.TextField(_("comment"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices, default=Answer.PENDING)
    answer_reason = models.TextField(_("reason for the answer"), blank=True)
    answered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    # The public sees answered comments without the author's e-mail (the pages choose the columns).
    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True,
                               public_filter=~models.Q(answer="pending"))

    class Meta:
        verbose_name = _("public comment")
        verbose_name_plural = _("public comments")
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"{self.standard.code} #{self.pk}"


class StandardProposal(TrackedModel):
    """Anyone may propose a new standard or a revision (STD-2)."""

    class Kind(models.TextChoices):
        NEW = "new", _("New standard")
        REVISION = "revision", _("Revision of a standard")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted as a project")
        REJECTED = "rejected", _("Not accepted")

    number = models.CharField(_("proposal number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    target = models.ForeignKey(Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals",
                               verbose_name=_("standard to revise"))
    title = models.CharField(_("proposed title"), max_length=300)
    category = models.ForeignKey(FrameworkCategory, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("framework category"))
    reason = models.TextField(_("reason and need"))
    content = models.TextField(_("main content"), blank=True)
    proposer_name = models.CharField(_("your name"), max_length=100)
    proposer_organisation = models.CharField(_("your organisation"), max_length=200, blank=True)
    proposer_email = models.EmailField(_("e-mail"))
    proposer = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("account"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    project = models.ForeignKey(Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("resulting project"))

    policy_scope = PolicyScope(region_field=None, owner_field=None, shared=True)

    class Meta:
        verbose_name = _("standard proposal")
        verbose_name_plural = _("standard proposals")
        ordering = ["-submitted_at"]
        permissions = [("decide_proposal", _("Accept or reject standard proposals"))]

    def __str__(self) -> str:
        return self.number
