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


def test_a_local_department_cannot_hand_its_standard_outside_its_jurisdiction(fujian, fuzhou, national):
    """Editing the registry data must not move custody where the editor could not have registered it: to a
    department outside its jurisdiction, or to none (which makes it the national department's)."""
    from apps.standards.services.registry import standard_update

    officer = make_user(fujian, "standards_officer")
    owned = make_standard(code="DB35/T 9905-2026", status=Standard.Status.PROJECT, level=Standard.Level.LOCAL,
                          nature=Standard.Nature.RECOMMENDED, responsible_department=fujian)
    for department in (national, None):
        with pytest.raises(errors.ValidationFailed) as refused:
            standard_update(standard=owned, data={"responsible_department": department}, by=officer)
        assert "responsible_department" in refused.value.field_errors
        assert Standard.objects.get(pk=owned.pk).responsible_department == fujian
    standard_update(standard=owned, data={"responsible_department": fuzhou}, by=officer)  # below it: allowed
    assert Standard.objects.get(pk=owned.pk).responsible_department == fuzhou


def test_a_local_department_cannot_have_a_national_standard_superseded(fujian, fuzhou):
    """A newer version ends the older one when it comes into force (nightly, as the system account): a province
    may replace its own or a city's standard, never a national one, neither when registering nor by editing."""
    from apps.standards.services.lifecycle import standards_bring_into_force_due
    from apps.standards.services.registry import standard_update

    national_one = make_standard(code="WS/T 9906-2020", status=Standard.Status.IN_FORCE,
                                 published_on=datetime.date(2020, 1, 1), in_force_on=datetime.date(2020, 7, 1))
    city_one = make_standard(code="DB35/T 9907-2020", status=Standard.Status.IN_FORCE, level=Standard.Level.LOCAL,
                             nature=Standard.Nature.RECOMMENDED, responsible_department=fuzhou,
                             published_on=datetime.date(2020, 1, 1), in_force_on=datetime.date(2020, 7, 1))
    officer = make_user(fujian, "standards_officer")
    data = {"code": "DB35/T 9908-2024", "title": "福建省替代行业标准的地方标准", "category": category(),
            "published_on": datetime.date(2024, 1, 10), "in_force_on": datetime.date(2024, 3, 1),
            "supersedes": national_one, "allow_other_series": True}
    with pytest.raises(errors.ValidationFailed) as refused:
        standard_create(data=dict(data), by=officer, status=Standard.Status.PUBLISHED)
    assert "supersedes" in refused.value.field_errors
    own = standard_create(data={**data, "supersedes": None}, by=officer, status=Standard.Status.PUBLISHED)
    with pytest.raises(errors.ValidationFailed) as refused:
        standard_update(standard=own, data={"supersedes": national_one, "allow_other_series": True}, by=officer)
    assert "supersedes" in refused.value.field_errors
    standard_update(standard=own, data={"supersedes": city_one, "allow_other_series": True}, by=officer)
    standards_bring_into_force_due()
    assert Standard.objects.get(pk=national_one.pk).status == Standard.Status.IN_FORCE
    assert Standard.objects.get(pk=city_one.pk).status == Standard.Status.SUPERSEDED
