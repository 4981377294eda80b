"""People, organisations, roles and machine credentials.

A user belongs to one organisation (a regulator department, an institution or a service provider)
and holds one or more roles there (roles are Django groups whose permissions are defined in
apps/accounts/roles.py). Departments see their jurisdiction: the region-code prefix of their region."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.history import TrackedModel, tracked_history
from apps.core.policy import PolicyScope

from . import crypto
from .identity import mask_identity_number


class Organisation(TrackedModel):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Health administrative department")
        INSTITUTION = "institution", _("Responsible entity (institution)")
        PROVIDER = "provider", _("Service provider")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        MUNICIPAL = "municipal", _("Municipal")
        COUNTY = "county", _("County")

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    level = models.CharField(
        _("department level"), max_length=16, choices=Level.choices, blank=True,
        help_text=_("Only for health administrative departments (SUP-4)."),
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Empty only for the national department."),
    )
    jurisdiction_prefix = models.CharField(
        _("jurisdiction prefix"), max_length=6, blank=True, editable=False,
        help_text=_("Region-code prefix a department supervises; empty means the whole country."),
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    # Departments see organisations in their jurisdiction; members see their own organisation.
    policy_scope = PolicyScope(region_field="region", owner_field="pk")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [
            ("supervise_organisation", _("Supervise organisations in the jurisdiction")),
            ("manage_members", _("Manage the accounts of one's own organisation")),
            ("manage_api_tokens", _("Manage the organisation's API tokens")),
        ]
        indexes = [
            models.Index(OpClass("region", name="varchar_pattern_ops"), name="org_region_prefix_idx"),
            models.Index(fields=["kind", "level"], name="org_kind_level_idx"),
            GinIndex(OpClass("name", name="gin_trgm_ops"), name="org_name_trgm_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="department") | ~models.Q(level=""),
                name="org_department_has_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_department(self) -> bool:
        return self.kind == self.Kind.DEPARTMENT


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants (django-guardian) on organisations, e.g. a reviewer assigned to one."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class PortalUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person with a real-name identity (SEC-5), or the machine account behind an API token."""

    first_name = None  # Chinese names are not split; `full_name` holds the real name
    last_name = None
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    identity_number_encrypted = models.TextField(editable=False, blank=True)
    identity_number_masked = models.CharField(_("resident identity number"), max_length=18, blank=True,
                                              editable=False)
    identity_number_digest = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                              editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    is_machine = models.BooleanField(
        _("machine account"), default=False,
        help_text=_("The account an API token acts as; it cannot sign in to the web portal."),
    )
    history = tracked_history(excluded_fields=["password", "last_login", "identity_number_encrypted"])

    objects = PortalUserManager()
    REQUIRED_FIELDS = ["email"]
    # Departments see the accounts of organisations in their jurisdiction; members see colleagues.
    policy_scope = PolicyScope(region_field="organisation__region", owner_field="organisation")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    # --- real-name identity ---------------------------------------------------------------------
    def set_identity_number(self, number: str) -> None:
        """Store a validated number encrypted, masked for display, and digested for uniqueness."""
        if not number:
            self.identity_number_encrypted = ""
            self.identity_number_masked = ""
            self.identity_number_digest = None
            return
        self.identity_number_encrypted = crypto.encrypt(number)
        self.identity_number_masked = mask_identity_number(number)
        self.identity_number_digest = crypto.digest(number, purpose="identity-number")

    def get_identity_number(self) -> str:
        return crypto.decrypt(self.identity_number_encrypted) if self.identity_number_encrypted else ""

    # --- roles ----------------------------------------------------------------------------------
    @property
    def role_codes(self) -> set[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self._role_codes = cached
        return cached

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes.intersection(codes))

    @property
    def is_regulator(self) -> bool:
        return self.organisation_id is not None and self.organisation.kind == Organisation.Kind.DEPARTMENT

    @property
    def requires_two_factor(self) -> bool:
        """Regulators, institution administrators and platform staff must use a second factor."""
        if self.is_machine:
            return False
        return self.is_staff or self.is_superuser or self.is_regulator or self.has_role("institution_admin")


class ApiToken(TrackedModel):
    """A per-organisation credential for the regulatory access port (INS-8).

    The secret is shown once at issue; only its SHA-256 is stored (the secret has 256 bits of entropy,
    so a fast hash is enough). Each token acts as its own machine account, so history and audit name it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=100)
    account = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_token",
                                   verbose_name=_("machine account"))
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("issued by"))
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="api_token_name_unique_in_org"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


from .devices import BackupCode, BackupCodeDevice, SecureTOTPDevice  # noqa: E402  (models of this app)

__all__ = [
    "ApiToken", "BackupCode", "BackupCodeDevice", "Organisation", "OrganisationGroupObjectPermission",
    "OrganisationUserObjectPermission", "SecureTOTPDevice", "User",
]
