"""Developer machine: `make run`. Safe defaults so that a fresh clone starts with no configuration."""

import os

os.environ.setdefault("SECRET_KEY", "local-development-only-not-secret-7c1f3e0b9a")

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
