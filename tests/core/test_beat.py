"""Exactly one Celery beat runs (apps/core/beat.py): real `celery beat` processes on the real Redis."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


def start_beat(tmp_path, name, prefix):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", CACHE_KEY_PREFIX=prefix,
               CELERY_KEY_PREFIX=f"{prefix}-")
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / f"{name}-schedule")],
        cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, log


def wait_for(predicate, seconds=40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_a_second_beat_refuses_to_start_while_the_first_runs(tmp_path):
    prefix = f"beat-test-{uuid.uuid4().hex[:8]}"
    first, first_log = start_beat(tmp_path, "first", prefix)
    second = None
    try:
        assert wait_for(lambda: "beat: Starting" in first_log.read_text()), first_log.read_text()
        time.sleep(2)
        assert first.poll() is None, f"the first beat stopped:\n{first_log.read_text()}"
        second, second_log = start_beat(tmp_path, "second", prefix)
        assert wait_for(lambda: second.poll() is not None), "the second beat kept running"
        assert "Another Celery beat holds the lock" in second_log.read_text()
        assert first.poll() is None  # the first one is unaffected
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
