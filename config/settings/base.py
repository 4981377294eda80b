"""Settings shared by every environment. Everything that differs between machines comes from the
environment (see README "Configuration"); local.py, test.py and production.py only adjust."""

from datetime import timedelta
from pathlib import Path

import environ
from bootstrap_wrapper import get_bootstrap_dir
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from apps.core import localservices

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"
env = environ.Env()

# ==============================================================================================
# Core
# ==============================================================================================
SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
SITE_NAME = _("Health and Medical Big Data Supervision Portal")

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_otp",
    "axes",
    "csp",
    "django_htmx",
]
LOCAL_APPS = [
    "apps.core",
    "apps.regions",
    "apps.accounts",
    "apps.workdays",
    "apps.notifications",
    "apps.institutions",
    "apps.standards",
    "apps.catalog",
    "apps.inspections",
    "apps.cases",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.history.HistoryUserMiddleware",
    "apps.core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.portal",
            ],
        },
    },
]

# ==============================================================================================
# Database: PostgreSQL only (embedded cluster under var/ unless DATABASE_URL is set)
# ==============================================================================================
def database_from_url(url: str) -> dict:
    config = env.db_url_config(url)
    options = config.setdefault("OPTIONS", {})
    if "host" in options:  # postgres://user@/name?host=/socket/dir
        config["HOST"] = options.pop("host")
    config["ENGINE"] = "apps.core.db"  # PostgreSQL backend whose test databases are UTF-8/C.UTF-8
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False  # services open their own transactions
    config["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
    return config


DATABASES = {"default": database_from_url(env("DATABASE_URL", default=localservices.embedded_database_url()))}

# ==============================================================================================
# Redis: cache and Celery broker (embedded under var/ unless REDIS_URL is set)
# ==============================================================================================
REDIS_URL = env("REDIS_URL", default=localservices.embedded_redis_url())
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="hdsp"),
        "TIMEOUT": 300,
    }
}

# ==============================================================================================
# Celery: production semantics everywhere (see config/celery.py and docs/architecture.md)
# ==============================================================================================
def celery_broker_url(redis_url: str) -> str:
    """Celery spells a Redis Unix socket `redis+socket://`; redis-py spells it `unix://`."""
    if redis_url.startswith("unix://"):
        path, _, query = redis_url[len("unix://"):].partition("?")
        db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return redis_url


CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=celery_broker_url(REDIS_URL))
CELERY_BROKER_VISIBILITY_TIMEOUT = 2 * 60 * 60  # seconds; no countdown/ETA may exceed it
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "global_keyprefix": env("CELERY_KEY_PREFIX", default=""),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"pdf.*": {"queue": "pdf"}}  # PDF rendering never blocks notifications
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "apps.core.beat:SingleBeatScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "notifications-retry-unsent-email": {
        "task": "notifications.retry_unsent_email",
        "schedule": timedelta(minutes=10),
    },
    # INS-3/INS-4: every credit rating (expired effects drop out), then suspension proposals.
    "institutions-credit-recompute-all": {
        "task": "institutions.credit_recompute_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # STD-1: published standards come into force on their date (older versions become superseded).
    "standards-bring-into-force": {
        "task": "standards.bring_into_force",
        "schedule": crontab(hour=0, minute=20),
    },
    # STD-5: adoption monitors get the declarations made or withdrawn in their jurisdiction in the last day.
    "standards-adoption-changes-digest": {
        "task": "standards.adoption_changes_digest",
        "schedule": crontab(hour=6, minute=15),
    },
    # SVC-3: grants past their end date expire, then overdue reports / destruction certificates are flagged.
    "catalog-grants-expire": {
        "task": "catalog.grants_expire",
        "schedule": crontab(hour=0, minute=40),
    },
    "catalog-grant-obligations-overdue": {
        "task": "catalog.grant_obligations_overdue",
        "schedule": crontab(hour=1, minute=10),
    },
    # SVC-2/SVC-3: reviewers of steps due soon, recipients of grants ending soon.
    "catalog-step-deadline-reminders": {
        "task": "catalog.step_deadline_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "catalog-grant-expiry-reminders": {
        "task": "catalog.grant_expiry_reminders",
        "schedule": crontab(hour=7, minute=45),
    },
    # SUP-1/INS-3: overdue rectification orders are escalated every morning and raise credit events.
    "inspections-orders-escalate": {
        "task": "inspections.orders_escalate",
        "schedule": crontab(hour=1, minute=30),
    },
    # SUP-3/INS-3: rectification ordered in accountability cases, escalated the same way every morning.
    "cases-rectifications-escalate": {
        "task": "cases.rectifications_escalate",
        "schedule": crontab(hour=1, minute=45),
    },
}

# ==============================================================================================
# Authentication, 2FA, brute-force protection, sessions
# ==============================================================================================
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "full_name", "email", "mobile")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.validators.CharacterClassValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)  # idle expiry...
SESSION_SAVE_EVERY_REQUEST = True  # ...renewed by activity
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

OTP_TOTP_ISSUER = "HDSP"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Fernet keys that encrypt TOTP secrets at rest; first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# Keys the look-up digests of identity numbers; must stay stable (unlike SECRET_KEY it is never rotated).
DIGEST_KEY = env("DIGEST_KEY", default="")

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_ENABLE_ACCESS_FAILURE_LOG = True

GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None  # the public is anonymous; no guardian anonymous account

# ==============================================================================================
# Internationalisation: Simplified Chinese first, English second
# ==============================================================================================
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "apps" / "core" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# ==============================================================================================
# Static files (the portal's own, plus Bootstrap/htmx/Swagger UI from locked packages) and media
# ==============================================================================================
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Bootstrap comes from the locked `bootstrap-wrapper` wheel, htmx from `django-htmx`, Swagger UI from
# `drf-spectacular-sidecar`: nothing third-party is committed and nothing loads from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/bootstrap", str(get_bootstrap_dir()))]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded documents live outside the web root and are served only by permission-checking views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"  # never routed: documents are served only by permission-checking views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
INSTITUTION_DOCUMENT_MAX_BYTES = env.int("INSTITUTION_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
INSTITUTION_IMPORT_MAX_BYTES = env.int("INSTITUTION_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# ==============================================================================================
# Security headers: Content-Security-Policy allows only the portal's own origin
# ==============================================================================================
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# ==============================================================================================
# API: DRF under /api/v1/, session auth for the browser, organisation tokens for machines
# ==============================================================================================
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.NoCountPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute"},
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Health and Medical Big Data Supervision Portal API",
    "DESCRIPTION": "The regulatory access port (INS-8): machine-to-machine submission and query.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` with different choices; name each set after its model.
    "ENUM_NAME_OVERRIDES": {
        "InstitutionStatusEnum": "apps.institutions.models.Institution.Status",
        "AdmissionStatusEnum": "apps.institutions.models.AdmissionApplication.Status",
        "ImportJobStatusEnum": "apps.institutions.models.ImportJob.Status",
        "TransferStatusEnum": "apps.institutions.models.ResponsibilityTransfer.Status",
        "ProfileChangeStatusEnum": "apps.institutions.models.ProfileChange.Status",
        "CreditObjectionStatusEnum": "apps.institutions.models.CreditObjection.Status",
        "CreditEventStatusEnum": "apps.institutions.models.CreditEvent.Status",
        "EntrustmentStatusEnum": "apps.institutions.models.Entrustment.Status",
        "AdoptionStatusEnum": "apps.standards.models.AdoptionDeclaration.Status",
        "ConformanceStatusEnum": "apps.standards.models.ConformanceEvaluation.Status",
        "ConformanceLevelEnum": "apps.standards.models.ConformanceEvaluation.Level",
        "ConformanceResultEnum": "apps.standards.models.ConformanceEvaluation.Result",
        "EffectivenessStatusEnum": "apps.standards.models.EffectivenessAssessment.Status",
        "EffectivenessDecisionEnum": "apps.standards.models.EffectivenessAssessment.Decision",
        "WorkPlanItemStatusEnum": "apps.standards.models.WorkPlanItem.Status",
        "StandardStatusEnum": "apps.standards.models.Standard.Status",
        "PublicCommentAnswerEnum": "apps.standards.models.PublicComment.Answer",
        "PublicCommentAnswerInputEnum": "apps.standards.api.lifecycle.ANSWER_CHOICES",
        "StandardLevelEnum": "apps.standards.models.Standard.Level",
        "StandardNatureEnum": "apps.standards.models.Standard.Nature",
        "StandardRegistrableStatusEnum": "apps.standards.api.registry_serializers.REGISTRABLE_STATUS_CHOICES",
        "StandardProposalStatusEnum": "apps.standards.models.StandardProposal.Status",
        "StandardProposalKindEnum": "apps.standards.models.StandardProposal.Kind",
        "StandardProposalDecisionEnum": "apps.standards.api.registry_serializers.PROPOSAL_DECISION_CHOICES",
        # catalog: grants (SVC-3, SEC-8)
        "GrantStatusEnum": "apps.catalog.models.DataGrant.Status",
        "GrantReportStatusEnum": "apps.catalog.models.GrantReport.Status",
        "GrantReportKindEnum": "apps.catalog.models.GrantReport.Kind",
        "DeidentificationMethodEnum": "apps.catalog.models.DeidentificationMethod",
        "DeidentificationMethodAppliedEnum": "apps.catalog.api.grants.APPLIED_DEIDENTIFICATION_METHODS",
        # catalog: resources (SVC-1, SVC-4)
        "ResourceVersionStatusEnum": "apps.catalog.models.ResourceVersion.Status",
        "DataResourceStatusEnum": "apps.catalog.models.DataResource.Status",
        "SensitivityLevelEnum": "apps.catalog.models.SENSITIVITY_LEVELS",
        "DataCategoryEnum": "apps.catalog.models.DataCategory",
        "SharingTypeEnum": "apps.catalog.models.SharingType",
        "OpenFormEnum": "apps.catalog.models.OpenForm",
        "UpdateFrequencyEnum": "apps.catalog.models.UpdateFrequency",
        "LifecycleStageEnum": "apps.catalog.models.LifecycleStage",
        "ResourceReviewDecisionEnum": "apps.catalog.api.resource_serializers.REVIEW_DECISION_CHOICES",
        "SharingApplicationStatusEnum": "apps.catalog.models.SharingApplication.Status",
        "SharingApplicationKindEnum": "apps.catalog.models.SharingApplication.Kind",
        "SharingApplicationFollowupKindEnum": "apps.catalog.api.applications.FOLLOWUP_KIND_CHOICES",
        "ApplicationDocumentKindEnum": "apps.catalog.models.ApplicationDocument.Kind",
        "RouteStepStatusEnum": "apps.catalog.models.RouteStep.Status",
        "RouteStepKindEnum": "apps.catalog.models.StepKind",
        "RouteStepDecisionEnum": "apps.catalog.models.RouteStep.Decision",
        "DecisionLetterKindEnum": "apps.catalog.models.DecisionLetter.Kind",
        "DecisionLetterStatusEnum": "apps.catalog.models.DecisionLetter.Status",
        # inspections (SUP-1, SUP-2, SUP-5)
        "InspectionStatusEnum": "apps.inspections.models.Inspection.Status",
        "FindingStatusEnum": "apps.inspections.models.Finding.Status",
        "RectificationOrderStatusEnum": "apps.inspections.models.RectificationOrder.Status",
        "ItemResultEnum": "apps.inspections.models.ItemResult.Result",
        "TeamMemberRoleEnum": "apps.inspections.models.TeamMember.Role",
        "WorkingGroupRoleEnum": "apps.standards.models.WorkingGroupMember.Role",
        "InspectionReportStatusEnum": "apps.inspections.models.InspectionReport.Status",
        "ChecklistVersionStatusEnum": "apps.inspections.models.ChecklistVersion.Status",
        "InspectionSeverityEnum": "apps.inspections.models.Severity",
        "InspectionPlanStatusEnum": "apps.inspections.models.InspectionPlan.Status",
        "InspectionPlanKindEnum": "apps.inspections.models.InspectionPlan.Kind",
        "InspectionPlanSubjectEnum": "apps.inspections.models.InspectionPlan.Subject",
        "TargetSelectionStatusEnum": "apps.inspections.models.TargetSelection.Status",
        "TargetSelectionMethodEnum": "apps.inspections.models.TargetSelection.Method",
        "InspectionOutcomeEnum": "apps.inspections.models.Inspection.Outcome",
        "PublicRectificationStatusEnum": "apps.inspections.api.public.RECTIFICATION_CHOICES",
        "InstitutionTypeEnum": "apps.institutions.models.Institution.Type",
        # cases (SUP-3, SUP-5)
        "CaseStatusEnum": "apps.cases.models.Case.Status",
        "CaseSourceEnum": "apps.cases.models.Case.Source",
        "CaseSeverityEnum": "apps.cases.ladder.Severity",
        "CaseMeasureEnum": "apps.cases.ladder.Measure",
        "CaseDocumentKindEnum": "apps.cases.models.CaseDocument.Kind",
        "CaseDefenceKindEnum": "apps.cases.models.Defence.Kind",
        "CaseHearingStatusEnum": "apps.cases.models.Hearing.Status",
        "CaseDecisionStatusEnum": "apps.cases.models.Decision.Status",
        "CaseMeasureExecutionEnum": "apps.cases.models.CaseMeasure.Execution",
        "CaseRectificationVerdictEnum": "apps.cases.models.RectificationReport.Verdict",
        "CaseAppealStatusEnum": "apps.cases.models.Appeal.Status",
        # fields named like the cases' ones ("measure", "source") with other choices
        "StatusDecisionMeasureEnum": "apps.institutions.models.StatusDecision.Measure",
        "VerificationSourceEnum": "apps.cases.api.serializers.VERIFICATION_SOURCES",
    },
}

# ==============================================================================================
# Email and notifications
# ==============================================================================================
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))  # e.g. smtp+tls://user:password@smtp.example.cn:587
else:  # no mail server configured: write messages as files under var/mail
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@localhost")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# ==============================================================================================
# Electronic signatures on issued PDFs (SUP-5, apps/core/signing.py): a certificate and its key as
# unencrypted PEM files; left empty, the portal signs with its own seal generated under var/signing/.
# ==============================================================================================
PDF_SIGNING_KEY_FILE = env("PDF_SIGNING_KEY_FILE", default="")
PDF_SIGNING_CERT_FILE = env("PDF_SIGNING_CERT_FILE", default="")
# Each department's own key for the reports it issues (inspection reports): a directory with one
# sub-directory per department, named after its unified social credit code (or "org-<id>"), holding
# key.pem and cert.pem. Left empty, each department's key is generated under var/signing/departments/.
PDF_SIGNING_DEPARTMENT_KEYS_DIR = env("PDF_SIGNING_DEPARTMENT_KEYS_DIR", default="")

# ==============================================================================================
# Logging
# ==============================================================================================
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "INFO"},
        "django.security": {"level": "INFO"},
    },
}
