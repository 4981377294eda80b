"""Valid input for the catalog services (SVC-1, SVC-3) and a shortcut to a published resource."""

import datetime

from apps.catalog.models import LifecycleStage
from apps.catalog.services import resources as services
from tests.conftest import make_user

FIELDS = [
    {"name": "患者姓名", "name_en": "Patient name", "element_code": "DE02.01.039.00", "level": 4, "personal": True},
    {"name": "性别", "name_en": "Sex", "element_code": "DE02.01.040.00", "level": 2, "personal": True},
    {"name": "诊断编码", "name_en": "Diagnosis code", "level": 3, "personal": False},
    {"name": "就诊日期", "level": 2},
]


def entry_data(**overrides) -> dict:
    data = {
        "title": "门诊就诊记录", "title_en": "Outpatient visit records",
        "description": "全院门诊就诊记录，含诊断与费用，按月更新。", "description_en": "Outpatient visits, monthly.",
        "keywords": "门诊, 就诊, 诊断", "category": "medical_application", "sharing_type": "conditional",
        "open_form": "controlled", "update_frequency": "monthly", "data_format": "CSV", "volume": "120万条",
        "coverage_start": datetime.date(2020, 1, 1), "coverage_end": None, "storage_province": "350000",
        "storage_description": "院内数据中心", "change_summary": "",
    }
    data.update(overrides)
    return data


def all_stages(**overrides) -> list[dict]:
    rows = [{"stage": stage, "person_name": f"负责人{index}", "position": "信息中心", "phone": "0591-8765432"}
            for index, stage in enumerate(LifecycleStage.values)]
    for row in rows:
        row.update(overrides.get(row["stage"], {}))
    return rows


def register(provider, by, *, data=None, fields=None, responsibilities=None, standards=None):
    return services.resource_register(
        provider=provider, data=data or entry_data(), fields=FIELDS if fields is None else fields,
        responsibilities=all_stages() if responsibilities is None else responsibilities,
        standards=standards or [], by=by)


def published_resource(provider, by, reviewer, **data):
    """Register, submit and approve: a resource whose version 1 is published."""
    resource = register(provider, by, data=entry_data(**data))
    version = resource.versions.get()
    services.version_submit(version, by=by)
    services.version_review(version, decision="approve", comment="", by=reviewer)
    resource.refresh_from_db()
    return resource


def reviewer_of(department, role: str = "reviewer"):
    return make_user(department, role)
