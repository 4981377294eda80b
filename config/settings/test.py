"""pytest: the same PostgreSQL and Redis semantics as production, with fast hashing and in-memory mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-5d2a8c41")

from .base import *  # noqa: F403
from .base import CACHES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Each test run keys its cache and broker apart so parallel runs on one Redis never collide.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default=f"test-{os.getpid()}")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "test-media")  # noqa: F405
AXES_FAILURE_LIMIT = 5
# Queues of concurrent test runs on one Redis stay apart; a worker started by a test inherits the prefix.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": env("CELERY_KEY_PREFIX", default=f"test-{os.getpid()}-"),
}
# A worker process started by a test must use the test database that pytest created.
if env("TEST_DATABASE_NAME_OVERRIDE", default=""):
    DATABASES["default"]["NAME"] = env("TEST_DATABASE_NAME_OVERRIDE")  # noqa: F405
