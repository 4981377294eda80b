"""The nightly expiry (SVC-3) through a real Celery worker on the real broker (not eager mode)."""

import datetime
import time

import pytest
from django.utils import timezone

from apps.accounts.services import system_account
from apps.catalog.models import DataGrant
from apps.catalog.tasks import grants_expire

from .grants_helpers import grant_case, set_period


def _wait_for_status(grant_id: int, status: str, log, timeout: float = 120) -> DataGrant:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        grant = DataGrant.objects.get(pk=grant_id)
        if grant.status == status:
            return grant
        time.sleep(0.3)
    pytest.fail(f"grant stayed {grant.status}, wanted {status}:\n{log.read_text()}")


@pytest.mark.worker
def test_svc3_the_worker_expires_a_grant_past_its_end(celery_worker_process):
    ended, current = grant_case(), grant_case()
    today = timezone.localdate()
    set_period(ended.grant, today - datetime.timedelta(days=200), today - datetime.timedelta(days=1))

    grants_expire.delay()  # autocommit: the grants are committed, the task is on the broker now

    grant = _wait_for_status(ended.grant.pk, "expired", celery_worker_process["log"])
    assert grant.destruction_due_on is not None and grant.ended_at is not None
    assert DataGrant.history.filter(id=grant.pk, status="expired", history_user=system_account()).exists()
    assert DataGrant.objects.get(pk=current.grant.pk).status == "active"
    log = celery_worker_process["log"].read_text()
    assert "catalog.grants_expire" in log and "succeeded" in log
