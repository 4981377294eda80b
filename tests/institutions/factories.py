"""Institutions for tests: valid, unique credit codes and complete profiles."""

import itertools

from stdnum.cn import uscc

from apps.accounts.models import Organisation
from apps.core.history import acting_as
from apps.institutions.models import Institution
from apps.institutions.services.registry import institution_create
from tests.factories import region

_serial = itertools.count(1)


def credit_code(region_code: str = "350102", serial: int | None = None) -> str:
    """A valid unified social credit code (GB 32100) for a public institution in `region_code`."""
    number = serial if serial is not None else next(_serial)
    body = f"12{region_code}{number:08d}"
    organisation_code = body[8:16]
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    remainder = 11 - sum(int(d) * w for d, w in zip(organisation_code, weights, strict=True)) % 11
    head = body[:16] + {10: "X", 11: "0"}.get(remainder, str(remainder))
    return head + uscc.calc_check_digit(head)


def profile(region_code: str = "350102", **overrides) -> dict:
    """A complete, valid profile as the forms, API and import submit it."""
    serial = next(_serial)
    data = {
        "name": f"测试医院{serial}", "name_en": f"Test Hospital {serial}",
        "credit_code": credit_code(region_code, serial), "type": "hospital", "hospital_grade": "3a",
        "ownership": "public", "region": region_code, "address": "福州市鼓楼区测试路1号",
        "legal_representative": "张三", "top_leader_name": "李四", "top_leader_title": "院长",
        "top_leader_phone": "13800000001", "security_officer_name": "王五",
        "security_officer_phone": "13800000002", "security_officer_email": "security@example.cn",
        "data_department": "信息中心", "data_department_head": "赵六", "contact_name": "钱七",
        "contact_phone": "0591-87654321", "contact_email": "contact@example.cn",
    }
    data.update(overrides)
    return data


def make_institution(region_code: str = "350102", status: str = Institution.Status.ADMITTED, *,
                     kind: str = Organisation.Kind.INSTITUTION, by=None, **overrides) -> Institution:
    region(region_code)  # reload reference data after a flush
    with acting_as(by):
        return institution_create(data=profile(region_code, **overrides), by=by, kind=kind, status=status,
                                  reason="test fixture")
