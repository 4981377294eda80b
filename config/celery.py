"""The Celery application. Tasks are enqueued after commit (`delay_on_commit`), acknowledged late,
re-queued if a worker dies, retried a bounded number of times, and never scheduled further ahead
than the broker's visibility timeout (a longer ETA would be redelivered twice)."""

import os
from datetime import UTC, datetime

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class PortalTask(DjangoTask):
    """Base for every task: bounded automatic retries and a guard on how far ahead it may be scheduled."""

    autoretry_for = (ConnectionError, TimeoutError, OSError)
    max_retries = 5
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None,
                    link_error=None, shadow=None, **options):
        limit = self.app.conf.broker_transport_options.get("visibility_timeout")
        if limit:
            delay = options.get("countdown") or 0
            eta = options.get("eta")
            if eta is not None:
                now = datetime.now(UTC) if eta.tzinfo else datetime.now()
                delay = max(delay, (eta - now).total_seconds())
            if delay >= limit:
                raise ValueError(
                    f"{self.name}: scheduled {delay:.0f}s ahead, beyond the broker visibility timeout "
                    f"({limit}s); use a beat schedule instead"
                )
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)


def running_task():
    """The task being executed by a worker right now, or None (called directly, eagerly, or outside a task):
    services use it to ask Celery for a retry only when a worker runs them."""
    from celery import current_task

    if not current_task:  # a proxy: false outside a running task
        return None
    task = current_task._get_current_object()
    if getattr(task.request, "called_directly", True) or not task.request.id:
        return None
    return task


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
