"""Celery as production runs it: a real worker on the real broker, tasks after commit, bounded ETAs."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_notification_email
from tests.conftest import make_user
from tests.factories import OrganisationFactory


def test_production_semantics_are_configured():
    from config.celery import app

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_routes["pdf.*"] == {"queue": "pdf"}
    assert send_notification_email.max_retries == 5


def test_eta_beyond_the_visibility_timeout_is_refused():
    limit = settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    with pytest.raises(ValueError, match="visibility timeout"):
        send_notification_email.apply_async((1,), countdown=limit + 1)
    with pytest.raises(ValueError, match="visibility timeout"):
        send_notification_email.apply_async((1,), eta=timezone.now() + timedelta(seconds=limit * 2))


@pytest.mark.django_db
def test_task_is_enqueued_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda *a, **k: sent.append(a))
    user = make_user(OrganisationFactory(), email="a@example.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[user], title="审核通知")
        assert sent == []
    assert len(callbacks) == 1


@pytest.mark.worker
def test_real_worker_sends_the_email_of_a_notification(celery_worker_process):
    """A worker process on the real Redis broker picks up the task enqueued after commit and runs it."""
    user = make_user(OrganisationFactory(), email="reviewer@example.cn")
    rows = notify(recipients=[user], title="您有一条待审核申请", body="请在 20 个工作日内完成审核。")  # autocommit: sent now
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = Notification.objects.get(pk=rows[0].pk)
        if row.email_state == Notification.EmailState.SENT:
            break
        time.sleep(0.3)
    log = celery_worker_process["log"].read_text()
    assert row.email_state == Notification.EmailState.SENT, log
    assert row.emailed_at is not None and row.email_attempts == 1
    assert "notifications.send_email" in log and "succeeded" in log
