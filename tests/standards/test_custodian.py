"""Who may change a standard (STD-1, STD-3, SUP-4): everyone signed in reads the registry, but only the
responsible department, a department above it, or the national department for standards without a
responsible department moves or edits it. Tries to break the rule from the side and from below."""

import datetime

import pytest

from apps.core import errors, policy
from apps.standards.models import Standard
from apps.standards.services import lifecycle
from apps.standards.services.registry import standard_create
from tests.conftest import make_user
from tests.standards.factories import category, make_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_project(fuzhou):
    return make_standard(code="DB35/T 9901-2026", status=Standard.Status.PROJECT, level=Standard.Level.LOCAL,
                         nature=Standard.Nature.RECOMMENDED, responsible_department=fuzhou)


def test_another_city_reads_but_cannot_move_a_citys_standard(local_project, xiamen):
    officer = make_user(xiamen, "standards_officer")
    assert policy.can_see(officer, local_project)
    assert not policy.can(officer, "standards.manage_standard", local_project)
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_withdraw_project(standard=local_project, reason="不属于本市", by=officer)
    assert Standard.objects.get(pk=local_project.pk).status == Standard.Status.PROJECT


def test_the_province_above_may_move_it(local_project, fujian):
    officer = make_user(fujian, "standards_officer")
    lifecycle.standard_withdraw_project(standard=local_project, reason="省级统筹，撤销立项", by=officer)
    assert Standard.objects.get(pk=local_project.pk).status == Standard.Status.WITHDRAWN


def test_only_the_national_department_changes_a_standard_without_a_responsible_department(fujian, national):
    reference = make_standard(code="WS/T 9902-2020", status=Standard.Status.IN_FORCE,
                              published_on=datetime.date(2020, 1, 1), in_force_on=datetime.date(2020, 7, 1))
    provincial_head = make_user(fujian, "department_head")
    with pytest.raises(errors.PermissionDenied):
        lifecycle.standard_abolish(standard=reference, reason="省级无权废止行业标准", by=provincial_head,
                                   abolished_on=datetime.date.today())
    national_head = make_user(national, "department_head")
    lifecycle.standard_abolish(standard=reference, reason="已被新标准取代且不再适用", by=national_head,
                               abolished_on=datetime.date.today())
    assert Standard.objects.get(pk=reference.pk).status == Standard.Status.ABOLISHED


def test_a_local_department_registers_only_for_itself_or_below(fujian, national):
    officer = make_user(fujian, "standards_officer")
    data = {"code": "DB35/T 9903-2026", "title": "福建省健康医疗数据目录编制指南", "category": category(),
            "nature": "recommended", "level": "local"}
    created = standard_create(data=dict(data), by=officer)
    assert created.responsible_department == fujian  # by default, the registering department
    with pytest.raises(errors.ValidationFailed) as refused:
        standard_create(data={**data, "code": "DB35/T 9904-2026", "responsible_department": national}, by=officer)
    assert "responsible_department" in refused.value.field_errors
    assert not Standard.objects.filter(code="DB35/T 9904-2026").exists()
