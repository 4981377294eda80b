"""Builders and readers shared by the procedure tests (test_opening*, test_notice*, test_defence*, test_hearing*,
test_decide*, test_execution*, test_appeal*, test_effects*, test_selectors*). No tests here.

`s` is the scene of tests/cases/factories.py with the broker cut off; `snapshot()` counts the rows and history
rows of every model a procedure step may write, so a refusal can be shown to have saved nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import (
    Appeal,
    Case,
    CaseDocument,
    CaseMeasure,
    CaseOfficer,
    CaseParty,
    CaseRectification,
    Decision,
    Defence,
    Hearing,
    Notice,
)
from apps.cases.services import decisions
from apps.institutions.models import CreditEvent, Institution, StatusDecision
from apps.notifications.models import Notification
from tests.cases.factories import scene
from tests.inspections.record_helpers import exe_as_png, no_broker, pdf, png, stored_files

__all__ = ["FACTS", "REASONING", "decide", "exe_as_png", "letters", "media", "pass_deadline", "pdf", "png",
           "s", "score", "snapshot", "stored_files"]

FACTS = "经查，该机构未按规定对重要数据进行异地备份。"
REASONING = "上述行为违反了办法第十八条的规定。"
TRACKED = (Case, CaseOfficer, CaseParty, CaseDocument, Notice, Defence, Hearing, Decision, CaseMeasure,
           CaseRectification, Appeal, CreditEvent, StatusDecision)


@pytest.fixture
def s(db, monkeypatch):
    no_broker(monkeypatch)
    return scene()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files of each test go to its own directory, so "no file was stored" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def letters(monkeypatch) -> list:
    """The decisions whose letter was asked for (helper H2's letter_enqueue, recorded instead of queued)."""
    from apps.cases.services import letters as module

    asked: list = []
    monkeypatch.setattr(module, "letter_enqueue", lambda decision: asked.append(decision.pk))
    return asked


def snapshot() -> dict:
    """Rows and history rows of every model a step of the procedure writes, and the notifications."""
    counts = {model.__name__: (model.objects.count(), model.history.count()) for model in TRACKED}
    counts["Notification"] = Notification.objects.count()
    return counts


def pass_deadline(case, days: int = 1) -> None:
    """Move the current notice's defence deadline `days` into the past."""
    Notice.objects.filter(case=case, is_current=True).update(
        defence_deadline=timezone.localdate() - datetime.timedelta(days=days))


def score(institution) -> int:
    return Institution.objects.values_list("credit_score", flat=True).get(pk=institution.pk)


def decide(s, case, *, by=None, measures=None, **overrides):
    """Decide `case` through the service with plain defaults: an interview, the case's severity and articles."""
    values = {"measures": measures if measures is not None else [{"kind": "interview", "details": "约谈主要负责人"}],
              "facts": FACTS, "reasoning": REASONING, "severity": case.severity, "articles": case.articles}
    values.update(overrides)
    return decisions.case_decide(case=case, by=by or s.head, **values)
