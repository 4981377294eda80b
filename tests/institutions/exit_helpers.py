"""Shared steps of the exit tests (INS-4): propose and decide with the real services."""

import pytest

from apps.institutions.models import StatusDecision
from apps.institutions.services import exit as exit_services

FACTS = "2026年5月检查发现该机构未经授权向第三方提供健康医疗数据，情节严重。"
RECTIFIED = "机构已完成整改：删除违规共享数据，重建访问控制，整改报告经复查合格。"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: the letter task is recorded, not sent."""
    from apps.institutions.tasks import decision_letter

    sent = []
    monkeypatch.setattr(decision_letter, "apply_async", lambda *args, **kwargs: sent.append(args))
    return sent


def propose(institution, by, measure=StatusDecision.Measure.SUSPEND, **overrides) -> StatusDecision:
    data = {"ground": StatusDecision.Ground.SERIOUS_VIOLATION, "facts": FACTS}
    if measure == StatusDecision.Measure.RESTORE:
        data = {"ground": StatusDecision.Ground.RECTIFIED, "facts": RECTIFIED, "source_url": "/cases/7/"}
    data.update(overrides)
    return exit_services.status_decision_propose(institution=institution, measure=measure, by=by, **data)


def decide(decision, head, text="决定暂停该机构准入资格，责令限期整改。", disclosed=True) -> StatusDecision:
    return exit_services.status_decision_decide(decision=decision, decision_text=text, disclosed=disclosed, by=head)
