"""The route computed from the rule table (SVC-2): each rule of the default table, the merge of several
resources' steps, the deciding departments and their absence, priority order, rules out of use, and table
edits that change routes computed afterwards only."""

import pytest

from apps.catalog.models import DataUseAgreement, RouteRule, RouteStep
from apps.catalog.services import defaults, routing
from apps.catalog.services import rules as rule_services
from apps.core import errors
from tests.conftest import make_user
from tests.factories import department

from . import routing_helpers
from .factories import provider_institution
from .routing_helpers import apply_for, plan_shape, resource_of, submit

pytestmark = pytest.mark.django_db
depts = routing_helpers.depts  # fixture


def _parties(provider_region="350102", applicant_region="350203"):
    provider, _admin = provider_institution(provider_region)
    applicant, _applicant_admin = provider_institution(applicant_region)
    return provider.organisation, applicant.organisation


def _plan(level, provider_region="350102", applicant_region="350203", **version_fields):
    provider, applicant = _parties(provider_region, applicant_region)
    application = apply_for(applicant, resource_of(provider, level, **version_fields))
    return routing.route_plan(application), provider, application


# --- the default table, rule by rule ----------------------------------------------------------------------


def test_default_table_is_loaded_once_and_edits_survive_SVC_2():
    table = list(RouteRule.objects.order_by("priority").values_list("priority", "steps", "refuse", "jurisdictions"))
    assert table == [
        (10, [], True, "any"),
        (20, ["provider", "provider_municipal", "provider_provincial", "applicant_provincial"], False, "other_province"),
        (30, ["provider", "provider_municipal", "provider_provincial"], False, "any"),
        (40, ["provider", "provider_municipal"], False, "any"),
        (50, ["provider"], False, "any"),
    ]
    agreement = DataUseAgreement.objects.get()
    assert (agreement.version, agreement.is_current, agreement.effective_from.isoformat()) == ("1.0", True, "2026-01-01")
    assert agreement.text.count("第") >= 10 and "境内" in agreement.text and "Article 10" in agreement.text_en
    RouteRule.objects.filter(priority=40).update(name="三级数据")
    assert defaults.defaults_ensure() == {"rules": 0, "agreements": 0}
    assert RouteRule.objects.get(priority=40).name == "三级数据"
    assert RouteRule.history.filter(priority=10, history_user__username="system").exists()


def test_rule_50_level_1_the_provider_decides_SVC_2(depts):
    plan, provider, _app = _plan(1)
    assert plan_shape(plan) == [("provider", provider)]
    assert plan[0].rule.priority == 50


def test_rule_50_level_2_the_provider_decides_SVC_2(depts):
    plan, provider, _app = _plan(2)
    assert plan_shape(plan) == [("provider", provider)]


def test_rule_40_level_3_provider_then_municipal_department_SVC_2(depts):
    plan, provider, _app = _plan(3)
    assert plan_shape(plan) == [("provider", provider), ("provider_municipal", depts.fuzhou)]
    assert {step.rule.priority for step in plan} == {40}


def test_rule_30_level_4_provider_municipal_provincial_SVC_2(depts):
    plan, provider, _app = _plan(4)
    assert plan_shape(plan) == [("provider", provider), ("provider_municipal", depts.fuzhou),
                                ("provider_provincial", depts.fujian)]
    assert plan[0].rule.priority == 30


def test_rule_30_level_5_provider_municipal_provincial_SVC_2(depts):
    plan, provider, _app = _plan(5)
    assert plan_shape(plan) == [("provider", provider), ("provider_municipal", depts.fuzhou),
                                ("provider_provincial", depts.fujian)]


def test_rule_20_level_4_5_across_provinces_adds_the_applicants_province_SVC_2(depts):
    for level in (4, 5):
        plan, provider, _app = _plan(level, applicant_region="440104")
        assert plan_shape(plan) == [("provider", provider), ("provider_municipal", depts.fuzhou),
                                    ("provider_provincial", depts.fujian), ("applicant_provincial", depts.guangdong)]
        assert plan[-1].rule.priority == 20


def test_level_3_across_provinces_stays_with_rule_40_SVC_2(depts):
    plan, provider, _app = _plan(3, applicant_region="440104")
    assert plan_shape(plan) == [("provider", provider), ("provider_municipal", depts.fuzhou)]


def test_rule_10_not_shareable_is_refused_with_its_reason_and_nothing_is_saved_SVC_2(depts):
    provider, applicant = _parties()
    resource = resource_of(provider, 2, sharing_type="not_shareable")
    application = apply_for(applicant, resource)
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.route_plan(application)
    message = str(raised.value.message)
    assert resource.code in message and resource.published_version.title in message
    assert "not shared: its provider has declared it not shareable" in message
    assert raised.value.field_errors["items"] == [message]
    application.status, application.round = "in_review", 1
    application.save()
    with pytest.raises(errors.ValidationFailed):
        routing.route_start(application, by=application.created_by)
    assert not RouteStep.objects.filter(application=application).exists()


# --- merging, deciding departments ------------------------------------------------------------------------


def test_several_providers_merge_into_one_ordered_route_SVC_2(depts):
    gulou, _a = provider_institution("350102")
    siming, _b = provider_institution("350203")
    applicant, _c = provider_institution("350102")
    level3 = resource_of(siming.organisation, 3)
    level4 = resource_of(gulou.organisation, 4)
    also_gulou = resource_of(gulou.organisation, 3)
    application = apply_for(applicant.organisation, level3, level4, also_gulou)
    plan = routing.route_plan(application)
    assert plan_shape(plan) == [
        ("provider", gulou.organisation), ("provider", siming.organisation),
        ("provider_municipal", depts.fuzhou), ("provider_municipal", depts.xiamen),
        ("provider_provincial", depts.fujian)]
    assert [step.order for step in plan] == [1, 2, 3, 4, 5]
    codes = {step.organisation.pk: step.resource_codes for step in plan}
    assert codes[gulou.organisation.pk] == [level4.code, also_gulou.code]
    assert codes[depts.fuzhou.pk] == [level4.code, also_gulou.code]
    assert codes[depts.xiamen.pk] == [level3.code]
    assert codes[depts.fujian.pk] == [level4.code]


def test_a_municipality_without_prefecture_goes_to_its_provincial_department_once_SVC_2(depts):
    beijing = department("110000", "provincial", "北京市卫生健康委员会")
    plan, provider, _app = _plan(4, provider_region="110101", applicant_region="110101")
    assert plan_shape(plan) == [("provider", provider), ("provider_provincial", beijing)]
    plan, provider, _app = _plan(3, provider_region="110101", applicant_region="110101")
    assert plan_shape(plan) == [("provider", provider), ("provider_municipal", beijing)]


def test_a_missing_department_is_a_clear_message_not_a_crash_SVC_2():
    department("350000", "provincial")  # Fujian exists, Fuzhou does not
    provider, applicant = _parties()
    application = apply_for(applicant, resource_of(provider, 3))
    with pytest.raises(errors.ValidationFailed) as raised:
        routing.route_plan(application)
    assert "no active health department is registered for 福州市" in str(raised.value.message)
    assert raised.value.code == "route_department_missing"


def test_a_suspended_department_does_not_decide_SVC_2(depts):
    depts.fuzhou.is_active = False
    depts.fuzhou.save()
    provider, applicant = _parties()
    with pytest.raises(errors.ValidationFailed, match="福州市"):
        routing.route_plan(apply_for(applicant, resource_of(provider, 3)))


def test_the_national_step_resolves_to_the_national_department_and_its_absence_is_reported_SVC_2(depts):
    admin = make_user(depts.national, "department_admin")
    rule_services.rule_save(None, data={"priority": 5, "name": "公共卫生数据", "category": "public_health",
                                        "steps": ["provider", "national"]}, reason="测试", by=admin)
    plan, provider, _app = _plan(2, category="public_health")
    assert plan_shape(plan) == [("provider", provider), ("national", depts.national)]
    depts.national.is_active = False
    depts.national.save()
    with pytest.raises(errors.ValidationFailed, match="the whole country"):
        _plan(2, category="public_health")


def test_an_institution_cannot_route_its_own_resource_SVC_2(depts):
    provider, _admin = provider_institution("350102")
    application = apply_for(provider.organisation, resource_of(provider.organisation, 2))
    with pytest.raises(errors.ValidationFailed, match="your own institution"):
        routing.route_plan(application)


# --- the table as data -------------------------------------------------------------------------------------


def test_the_lowest_priority_matching_rule_decides_SVC_2(depts):
    admin = make_user(depts.national, "department_admin")
    rule_services.rule_save(None, data={"priority": 35, "name": "三级健康状况数据", "min_level": 3, "max_level": 3,
                                        "category": "health_status",
                                        "steps": ["provider", "provider_municipal", "provider_provincial"]},
                            reason="健康状况数据需省级审核", by=admin)
    plan, _provider, _app = _plan(3, category="health_status")
    assert [step.kind for step in plan] == ["provider", "provider_municipal", "provider_provincial"]
    assert plan[0].rule.priority == 35
    plan, _provider, _app = _plan(3, category="medical_application")  # other category: rule 40
    assert plan[0].rule.priority == 40


def test_a_rule_out_of_use_is_skipped_SVC_2(depts):
    admin = make_user(depts.national, "department_admin")
    rule = rule_services.rule_save(None, data={"priority": 35, "name": "三级数据国家审核", "min_level": 3,
                                               "max_level": 3, "steps": ["provider", "national"]}, reason="试行",
                                   by=admin)
    rule_services.rule_deactivate(rule, reason="试行结束", by=admin)
    plan, _provider, _app = _plan(3)
    assert plan[0].rule.priority == 40
    rule_services.rule_deactivate(RouteRule.objects.get(priority=40), reason="停用", by=admin)
    with pytest.raises(errors.ValidationFailed, match="No rule of the route table applies"):
        _plan(3)


def test_an_edited_table_changes_routes_computed_afterwards_only_SVC_2(depts):
    admin = make_user(depts.national, "department_admin")
    provider, applicant = _parties()
    first = apply_for(applicant, resource_of(provider, 3))
    started = submit(first)
    assert [step.kind for step in started] == ["provider", "provider_municipal"]
    rule40 = RouteRule.objects.get(priority=40)
    rule_services.rule_save(rule40, data={"steps": ["provider", "provider_municipal", "provider_provincial"]},
                            reason="三级数据增加省级审核", by=admin)
    assert list(first.steps.values_list("kind", "rule_id")) == [("provider", rule40.pk),
                                                                 ("provider_municipal", rule40.pk)]
    second = apply_for(applicant, resource_of(provider, 3))
    assert [step.kind for step in submit(second)] == ["provider", "provider_municipal", "provider_provincial"]
