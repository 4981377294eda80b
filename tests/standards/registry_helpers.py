"""People and data shared by the registry, proposal and public-page tests (STD-1, STD-2, STD-8)."""

import pytest

from apps.accounts.models import Organisation
from apps.standards.models import FrameworkCategory, Standard
from tests.conftest import make_user
from tests.factories import OrganisationFactory
from tests.standards.factories import make_standard

S = Standard.Status
R, M = Standard.Nature.RECOMMENDED, Standard.Nature.MANDATORY


@pytest.fixture
def officer(national):
    return make_user(national, "standards_officer")


@pytest.fixture
def provincial_officer(fujian):
    return make_user(fujian, "standards_officer")


@pytest.fixture
def head(national):
    return make_user(national, "department_head")


@pytest.fixture
def institution_user(db):
    hospital = OrganisationFactory(kind=Organisation.Kind.INSTITUTION, name="福州第一医院")
    return make_user(hospital, "institution_admin")


@pytest.fixture
def data_category(db):
    """A leaf of the framework loaded from fixtures/standards_framework.json."""
    return FrameworkCategory.objects.get(code="02.04")


def data(**overrides) -> dict:
    """Valid registry data of a new project (category 02.04, provisional code)."""
    values = {"code": "WS/T XXX-20XX", "title": "卫生健康信息共享文档测试规范", "title_en": "Test specification",
              "category": FrameworkCategory.objects.get(code="02.04")}
    values.update(overrides)
    return values


def issued(code: str, status: str = S.IN_FORCE, **fields) -> Standard:
    """A standard written directly (status set for the test), nature and level as its prefix says."""
    from apps.standards.services.registry import code_parts, nature_and_level

    nature, level = nature_and_level(code_parts(code)["prefix"])
    fields.setdefault("category", FrameworkCategory.objects.get(code="02.04"))
    return make_standard(code=code, status=status, nature=nature, level=level, **fields)
