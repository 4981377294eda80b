"""Shared steps of the credit tests (INS-3)."""

import datetime

import pytest
from django.utils import timezone

from apps.institutions.models import CreditEvent, CreditRule, CreditTrigger, Institution
from apps.institutions.services.credit import credit_recompute

REASON = "复查发现上次检查结论有误，予以调整。"
OBJECTION = "该问题已于检查当日现场整改完毕，附整改照片及复查记录，请予撤销。"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: e-mail and recompute tasks are recorded, not sent."""
    from apps.institutions import tasks
    from apps.notifications.tasks import send_notification_email

    sent = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda *a, **k: sent.append(("email", a)))
    monkeypatch.setattr(tasks.credit_recompute_everyone, "apply_async",
                        lambda *a, **k: sent.append(("recompute", a)))
    return sent


def rule(trigger=CreditTrigger.FINDING_MAJOR) -> CreditRule:
    return CreditRule.objects.get(trigger=trigger, is_active=True)


def add_event(institution, points: int, *, occurred_on=None, days: int = 365, by=None,
              status=CreditEvent.Status.IN_FORCE, trigger=CreditTrigger.FINDING_MAJOR) -> CreditEvent:
    """An item with exactly `points`, written directly (engine tests only: the services copy rule points)."""
    occurred_on = occurred_on or timezone.localdate()
    from apps.accounts.services import system_account

    return CreditEvent.objects.create(
        institution=institution, rule=rule(trigger), points=points, occurred_on=occurred_on,
        effective_until=occurred_on + datetime.timedelta(days=days - 1), description="测试条目",
        source_type="tests.item", source_id=f"{institution.pk}-{CreditEvent.objects.count()}",
        status=status, recorded_by=by or system_account())


def rated(institution, **kwargs) -> Institution:
    credit_recompute(institution_ids=[institution.pk], **kwargs)
    return Institution.objects.get(pk=institution.pk)
