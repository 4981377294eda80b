import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY

from apps.accounts.models import SecureTOTPDevice
from tests.factories import UserFactory, department

BASE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (sessions, calendar and axes state live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Tests assert English source messages; Chinese is covered by the language and browser tests."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def national(db):
    return department(None, "national", "国家卫生健康委员会")


@pytest.fixture
def fujian(db):
    return department("350000", "provincial", "福建省卫生健康委员会")


@pytest.fixture
def fuzhou(db):
    return department("350100", "municipal", "福州市卫生健康委员会")


@pytest.fixture
def gulou(db):
    return department("350102", "county", "福州市鼓楼区卫生健康局")


@pytest.fixture
def xiamen(db):
    return department("350200", "municipal", "厦门市卫生健康委员会")


def make_user(organisation, *roles, **extra):
    return UserFactory(organisation=organisation, roles=list(roles), **extra)


def verify(user) -> SecureTOTPDevice:
    device = SecureTOTPDevice.new_for(user)
    device.confirmed = True
    device.save()
    return device


def login_verified(client, user):
    """Sign in with a confirmed second factor, as the two-step login would leave the session."""
    device = verify(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real Celery worker (separate process) on the real broker, using the test database."""
    db = settings.DATABASES["default"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
               TEST_DATABASE_NAME_OVERRIDE=db["NAME"],
               CELERY_KEY_PREFIX=settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"])
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--queues", "default,pdf", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited:\n{log.read_text()}")
        time.sleep(0.2)
    if "ready" not in log.read_text():
        process.kill()
        pytest.fail(f"Celery worker did not start:\n{log.read_text()}")
    yield {"log": log}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
