"""Shared scene of helper B's tests (on-site record, findings, closing, rectification, escalation, referral,
work lists, dashboard): a Fuzhou plan, an inspection in Gulou with a two-person team, and people who must
not get in (an inspector of the same department not on the team, Xiamen, another institution)."""

from __future__ import annotations

import importlib
import io
import sys
import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.inspections.models import Inspection, ItemResult
from tests.conftest import make_user
from tests.factories import department
from tests.institutions.factories import make_institution

from .factories import make_checklist, make_inspection, make_inspector, make_plan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def png(name="photo.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def pdf(name="record.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def exe_as_png(name="virus.png"):
    """An executable renamed .png: refused by content, whatever its name and declared type."""
    return SimpleUploadedFile(name, EXE, content_type="image/png")


def stub_report_issue(monkeypatch) -> list:
    """Tests only: when helper C's `services.reports.report_issue` is not there yet, stand in a recorder so
    closing can be tested; when it exists, wrap it and record the calls. Never used by app code."""
    calls: list = []
    try:
        module = importlib.import_module("apps.inspections.services.reports")
    except ImportError:
        module = None
    real = getattr(module, "report_issue", None) if module else None

    def report_issue(inspection, *, by):
        calls.append(inspection.pk)
        return real(inspection, by=by) if real else None

    if module is None:
        module = types.ModuleType("apps.inspections.services.reports")
        monkeypatch.setitem(sys.modules, "apps.inspections.services.reports", module)
        import apps.inspections.services as package

        monkeypatch.setattr(package, "reports", module, raising=False)
    monkeypatch.setattr(module, "report_issue", report_issue, raising=False)
    return calls


class Scene:
    def __init__(self, items: int = 3):
        self.fuzhou = department("350100", "municipal", "福州市卫生健康委员会")
        self.xiamen = department("350200", "municipal", "厦门市卫生健康委员会")
        self.head = make_user(self.fuzhou, "department_head", "inspector")
        self.lead = make_inspector(self.fuzhou)
        self.member = make_inspector(self.fuzhou)
        self.outsider = make_inspector(self.fuzhou)  # same department, not on the team
        self.case_officer = make_user(self.fuzhou, "case_officer")
        self.xiamen_inspector = make_inspector(self.xiamen)
        self.xiamen_head = make_user(self.xiamen, "department_head")
        self.institution = make_institution("350102")
        self.admin = make_user(self.institution.organisation, "institution_admin")
        self.security = make_user(self.institution.organisation, "security_officer")
        self.other_institution = make_institution("350102")
        self.other_admin = make_user(self.other_institution.organisation, "institution_admin")
        self.checklist = make_checklist(items)
        self.items = list(self.checklist.items.order_by("position"))
        self.plan = make_plan(self.fuzhou, by=self.head, checklist=self.checklist, pool=[self.lead, self.member])
        self.inspection = make_inspection(self.plan, self.institution, team=[self.lead, self.member],
                                          status=Inspection.Status.IN_PROGRESS)

    def answer_all(self, result="compliant", *, inspection=None, by=None):
        inspection = inspection or self.inspection
        for item in inspection.checklist.items.all():
            ItemResult.objects.update_or_create(inspection=inspection, item=item, defaults={
                "result": result, "recorded_by": by or self.lead, "recorded_at": timezone.now()})

    def reload(self):
        self.inspection.refresh_from_db()
        return self.inspection


def no_broker(monkeypatch) -> list:
    """Unit tests do not reach the broker: e-mails and background jobs are recorded, not sent."""
    from apps.institutions import tasks
    from apps.notifications.tasks import send_notification_email

    sent: list = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda *a, **k: sent.append(("email", a)))
    monkeypatch.setattr(tasks.credit_recompute_everyone, "apply_async", lambda *a, **k: sent.append(("recompute", a)))
    return sent


@pytest.fixture
def scene(db, monkeypatch):
    no_broker(monkeypatch)
    return Scene()


@pytest.fixture
def reports(monkeypatch):
    return stub_report_issue(monkeypatch)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files of each test go to its own directory, so "no file was stored" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return sorted(path.name for path in root.rglob("*") if path.is_file())


__all__ = ["PDF", "PNG", "Scene", "exe_as_png", "io", "media", "pdf", "png", "reports", "scene", "stored_files",
           "stub_report_issue"]
