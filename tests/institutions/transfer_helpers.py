"""Shared set-up of the transfer, entrustment and profile-change tests (INS-6, INS-7, INS-1)."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.institutions.models import Institution
from apps.institutions.services import entrustment as entrustment_services
from apps.institutions.services.documents import document_store
from tests.conftest import make_user
from tests.institutions.factories import make_institution
from tests.institutions.uploads import pdf


@pytest.fixture
def dept(gulou):
    """A reviewer of the Gulou district department: manages transfers, reviews profile changes."""
    return make_user(gulou, "reviewer")


@pytest.fixture
def outsider(xiamen):
    """A reviewer of another jurisdiction."""
    return make_user(xiamen, "reviewer")


@pytest.fixture
def source():
    return make_institution("350102", name="鼓楼区甲医院")


@pytest.fixture
def successor():
    return make_institution("350102", name="鼓楼区乙医院")


@pytest.fixture
def provider():
    return make_institution("350102", kind=Organisation.Kind.PROVIDER, type="data_service", hospital_grade="",
                            name="福州云数据服务有限公司")


@pytest.fixture
def source_admin(source):
    return make_user(source.organisation, "institution_admin")


@pytest.fixture
def successor_admin(successor):
    return make_user(successor.organisation, "institution_admin")


@pytest.fixture
def provider_admin(provider):
    return make_user(provider.organisation, "institution_admin")


def term(days_from_now=-30, length=365):
    starts = timezone.localdate() + datetime.timedelta(days=days_from_now)
    return starts, starts + datetime.timedelta(days=length)


def entrust(institution, provider, by, **overrides):
    starts, ends = term()
    data = {"institution": institution, "provider": provider, "scope": "storage",
            "systems": "HIS 数据库、影像归档系统", "security_obligations": "数据境内存储，等保三级，离职人员权限当日回收",
            "starts_on": starts, "ends_on": ends, "agreement_upload": pdf("托管协议.pdf"), "by": by}
    data.update(overrides)
    return entrustment_services.entrustment_record(**data)


def store_document(institution: Institution, by, kind="security", name="数据安全管理制度.pdf"):
    return document_store(institution=institution, kind=kind, upload=pdf(name), by=by)
