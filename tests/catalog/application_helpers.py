"""Shared parties and steps of the sharing application tests (SVC-2, SEC-4, SEC-8, SEC-9).

Applications are made through the real services (services/applications.py), the route through the real
routing service; only the catalog resources come from direct writes (tests/catalog/factories)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.catalog.models import DataUseAgreement, SharingApplication
from apps.catalog.services import applications as services
from apps.catalog.services.application_documents import document_add
from apps.catalog.services.defaults import defaults_ensure
from apps.institutions.models import Institution
from tests.conftest import make_user
from tests.institutions.factories import make_institution

from .factories import make_resource, provider_institution

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Level 2 at most: the default route table lets the provider decide alone.
LOW_FIELDS = [("性别", 2, True), ("就诊日期", 2, False), ("科室", 1, False)]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: e-mails and background jobs are recorded, not sent."""
    from apps.institutions import tasks
    from apps.notifications.tasks import send_notification_email

    sent = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda *a, **k: sent.append(("email", a)))
    monkeypatch.setattr(tasks.credit_recompute_everyone, "apply_async",
                        lambda *a, **k: sent.append(("recompute", a)))
    return sent


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files of each test go to its own directory, so "no file was stored" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _defaults(db):
    """The default route table and a data use agreement (reloaded if a transactional test flushed them)."""
    defaults_ensure()


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def pdf(name="ethics.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="scan.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def agreement(version="T-2026", text="数据使用协议测试文本。", text_en="Test data use agreement.") -> DataUseAgreement:
    """A new current agreement (the previous one stops being current), written directly."""
    DataUseAgreement.objects.filter(is_current=True).update(is_current=False)
    return DataUseAgreement.objects.create(version=version, text=text, text_en=text_en,
                                           effective_from=datetime.date(2026, 1, 1), is_current=True)


@pytest.fixture
def provider():
    institution, _admin = provider_institution("350102")
    return institution


@pytest.fixture
def provider_admin(provider):
    return make_user(provider.organisation, "institution_admin")


@pytest.fixture
def resource(provider, provider_admin):
    return make_resource(provider.organisation, by=provider_admin, fields=LOW_FIELDS)


@pytest.fixture
def hospital():
    """The applying institution, in Xiamen (another city of the same province)."""
    return make_institution("350203", Institution.Status.ADMITTED)


@pytest.fixture
def applicant_admin(hospital):
    return make_user(hospital.organisation, "institution_admin")


@pytest.fixture
def current():
    return agreement()


def answers(**overrides) -> dict:
    today = timezone.localdate()
    values = {
        "title": "门诊服务质量评估", "purpose": "评估门诊服务质量，改进就诊流程。", "project_description": "回顾性研究。",
        "legal_basis": "scientific_research", "legal_basis_note": "伦理批件 2026-017",
        "period_start": today + datetime.timedelta(days=7), "period_end": today + datetime.timedelta(days=372),
        "delivery_mode": "file_transfer", "security_measures": "专用服务器，访问控制与审计。",
        "deidentification_method": "pseudonymisation", "deidentification_description": "姓名与证件号以密钥替换。",
        "cross_border": False, "cross_border_destination": "",
    }
    values.update(overrides)
    return values


def field_ids(resource, *names) -> list[int]:
    fields = resource.published_version.fields
    return list((fields.filter(name__in=names) if names else fields.all()).values_list("pk", flat=True))


def draft(applicant_admin, resource=None, *, names=("性别", "就诊日期"), **overrides) -> SharingApplication:
    application = services.application_create(applicant=applicant_admin.organisation, data=answers(**overrides),
                                              by=applicant_admin)
    if resource is not None:
        services.application_items_set(application, items=[
            {"resource": resource, "fields": field_ids(resource, *names), "justification": "统计分析"}],
            by=applicant_admin)
    return application


def complete(applicant_admin, resource, **overrides) -> SharingApplication:
    """A draft that passes every check: items, the ethics approval, the lead's acceptance."""
    application = draft(applicant_admin, resource, **overrides)
    document_add(application, kind="ethics_approval", upload=pdf(), by=applicant_admin)
    services.agreement_accept(application, user=applicant_admin)
    application.refresh_from_db()
    return application


def suspend(institution) -> None:
    Institution.objects.filter(pk=institution.pk).update(status=Institution.Status.SUSPENDED)
