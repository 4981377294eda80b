"""pytest: the same PostgreSQL and Redis semantics as production, with fast hashing and in-memory mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-5d2a8c41")

from .base import *  # noqa: E402,F403
from .base import CACHES, env  # noqa: E402

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
