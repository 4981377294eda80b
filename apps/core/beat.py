"""Exactly one Celery beat: a scheduler that holds a Redis lock for as long as it runs.

A second beat (a second `make run`, a mis-scaled deployment) would send every periodic task twice;
this one refuses to start while another holds the lock, and keeps its own lock fresh on every tick."""

import os
import socket

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

LOCK_KEY = "celery-beat-lock"
LOCK_SECONDS = 60


class AnotherBeatIsRunning(SystemExit):
    pass


def _lock_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self._lock_value = f"{socket.gethostname()}:{os.getpid()}"
        self._redis = _lock_client()
        self._key = settings.CACHES["default"].get("KEY_PREFIX", "") + ":" + LOCK_KEY
        # `celery beat` builds a lazy scheduler just to print its banner, then the real one, in the
        # same process: only a working scheduler takes the lock, and this process may take it again.
        if kwargs.get("lazy"):
            super().__init__(*args, **kwargs)
            return
        if not self._redis.set(self._key, self._lock_value, nx=True, ex=LOCK_SECONDS):
            holder = self._redis.get(self._key)
            if holder == self._lock_value.encode():
                self._redis.expire(self._key, LOCK_SECONDS)
                super().__init__(*args, **kwargs)
                return
            raise AnotherBeatIsRunning(
                f"Another Celery beat holds the lock ({holder.decode() if holder else '?'}); "
                "exactly one beat may run."
            )
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        self._redis.set(self._key, self._lock_value, xx=True, ex=LOCK_SECONDS)
        if self._redis.get(self._key) != self._lock_value.encode():
            raise AnotherBeatIsRunning("Celery beat lost its lock; stopping so that only one beat runs.")
        return min(super().tick(*args, **kwargs), LOCK_SECONDS / 3)

    def close(self):
        try:
            if self._redis.get(self._key) == self._lock_value.encode():
                self._redis.delete(self._key)
        finally:
            super().close()
