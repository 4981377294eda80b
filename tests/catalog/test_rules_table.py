"""Maintaining the approval route table (SVC-2, SEC-4): the national department only, every change validated
and kept in the rule's history with its reason; read by everyone signed in (service, pages and API)."""

import pytest
from django.urls import reverse

from apps.catalog.models import RouteRule
from apps.catalog.services import rules as rule_services
from apps.core import errors
from tests.conftest import login_verified, make_user
from tests.factories import department

from .factories import provider_institution

pytestmark = pytest.mark.django_db

VALID = {"priority": 60, "name": "公共卫生数据", "min_level": 1, "max_level": 3, "category": "public_health",
         "steps": ["provider_municipal", "provider"]}


@pytest.fixture
def national_admin(db):
    return make_user(department(None, "national"), "department_admin")


@pytest.fixture
def provincial_admin(db):
    return make_user(department("350000", "provincial"), "department_admin")


def test_the_national_department_adds_a_rule_with_its_reason_in_history_SVC_2(national_admin):
    rule = rule_services.rule_save(None, data=VALID, reason="公共卫生数据由市级部门把关", by=national_admin)
    assert (rule.priority, rule.steps, rule.jurisdictions, rule.is_active) == (
        60, ["provider", "provider_municipal"], "any", True)  # steps kept in decision order
    assert rule.updated_by == national_admin
    row = RouteRule.history.get(id=rule.pk)
    assert (row.history_user, row.history_change_reason) == (national_admin, "公共卫生数据由市级部门把关")


def test_a_provincial_administrator_cannot_change_the_table_403_SEC_4(provincial_admin):
    rule = RouteRule.objects.get(priority=40)
    with pytest.raises(errors.PermissionDenied):
        rule_services.rule_save(None, data=VALID, reason="省内试行", by=provincial_admin)
    with pytest.raises(errors.PermissionDenied):
        rule_services.rule_save(rule, data={"steps": ["provider"]}, reason="省内试行", by=provincial_admin)
    with pytest.raises(errors.PermissionDenied):
        rule_services.rule_deactivate(rule, reason="省内试行", by=provincial_admin)
    _provider, provider_admin = provider_institution("350102")
    with pytest.raises(errors.PermissionDenied):
        rule_services.rule_save(None, data=VALID, reason="x", by=provider_admin)
    assert not RouteRule.objects.filter(priority=60).exists()
    assert RouteRule.objects.get(priority=40).steps == ["provider", "provider_municipal"]


@pytest.mark.parametrize(("change", "field"), [
    ({"min_level": 4, "max_level": 2}, "max_level"),
    ({"min_level": 0}, "min_level"),
    ({"max_level": 6}, "max_level"),
    ({"steps": []}, "steps"),
    ({"steps": ["provider", "provider"]}, "steps"),
    ({"steps": ["provider", "ministry"]}, "steps"),
    ({"refuse": True, "steps": [], "refusal_reason": ""}, "refusal_reason"),
    ({"refuse": True, "refusal_reason": "不予共享"}, "steps"),
    ({"refusal_reason": "不予共享"}, "refusal_reason"),
    ({"priority": 40}, "priority"),
    ({"priority": 0}, "priority"),
    ({"name": " "}, "name"),
    ({"category": "genomics"}, "category"),
    ({"jurisdictions": "abroad"}, "jurisdictions"),
])
def test_bad_rules_are_refused_with_a_message_and_nothing_is_saved_SVC_2(national_admin, change, field):
    before = RouteRule.objects.count()
    with pytest.raises(errors.ValidationFailed) as raised:
        rule_services.rule_save(None, data={**VALID, **change}, reason="测试", by=national_admin)
    assert field in raised.value.field_errors
    assert RouteRule.objects.count() == before


def test_a_change_needs_a_reason_SVC_2(national_admin):
    rule = RouteRule.objects.get(priority=50)
    with pytest.raises(errors.ValidationFailed) as raised:
        rule_services.rule_save(rule, data={"name": "一二级"}, reason="  ", by=national_admin)
    assert "reason" in raised.value.field_errors
    assert RouteRule.objects.get(priority=50).name == "Level 1-2"


def test_an_update_keeps_what_it_does_not_name_and_deactivation_is_recorded_SVC_2(national_admin):
    rule = RouteRule.objects.get(priority=40)
    changed = rule_services.rule_save(rule, data={"name": "三级数据"}, reason="更名", by=national_admin)
    assert (changed.name, changed.steps, changed.min_level) == ("三级数据", ["provider", "provider_municipal"], 3)
    rule_services.rule_deactivate(changed, reason="由新规则替代", by=national_admin)
    assert not RouteRule.objects.get(pk=rule.pk).is_active
    assert RouteRule.history.filter(id=rule.pk, history_change_reason="由新规则替代",
                                    history_user=national_admin).exists()
    with pytest.raises(errors.TransitionNotAllowed):
        rule_services.rule_deactivate(changed, reason="再次", by=national_admin)


# --- pages ------------------------------------------------------------------------------------------------------


def test_every_signed_in_user_reads_the_table_SVC_2(client):
    _institution, submitter = provider_institution("350102")
    login_verified(client, submitter)
    response = client.get(reverse("catalog:rule_list"))
    assert response.status_code == 200
    assert [rule.priority for rule in response.context["rules"]] == [10, 20, 30, 40, 50]
    assert not response.context["may_manage"] and 'data-testid="rule-add"' not in response.content.decode()
    assert client.get(reverse("catalog:rule_create")).status_code == 403


def test_the_provincial_administrator_is_403_on_the_edit_pages_SEC_4(client, provincial_admin):
    rule = RouteRule.objects.get(priority=40)
    login_verified(client, provincial_admin)
    assert client.get(reverse("catalog:rule_edit", args=[rule.pk])).status_code == 403
    assert client.post(reverse("catalog:rule_deactivate", args=[rule.pk]), {"reason": "x"}).status_code == 403
    assert RouteRule.objects.get(pk=rule.pk).is_active


def test_the_national_administrator_edits_through_the_pages_SVC_2(client, national_admin):
    rule = RouteRule.objects.get(priority=40)
    login_verified(client, national_admin)
    form = {"priority": 40, "name": "三级数据", "min_level": 3, "max_level": 3, "category": "", "open_form": "",
            "sharing_type": "", "jurisdictions": "any", "steps": ["provider"], "refusal_reason": "", "is_active": "on",
            "reason": ""}
    response = client.post(reverse("catalog:rule_edit", args=[rule.pk]), form)
    assert response.status_code == 400 and RouteRule.objects.get(pk=rule.pk).name == "Level 3"
    form["reason"] = "三级数据仅需提供方审核"
    response = client.post(reverse("catalog:rule_edit", args=[rule.pk]), form)
    assert response.status_code == 302
    assert RouteRule.objects.get(pk=rule.pk).steps == ["provider"]
    response = client.post(reverse("catalog:rule_deactivate", args=[rule.pk]), {"reason": ""})
    assert response.status_code == 400 and RouteRule.objects.get(pk=rule.pk).is_active
    response = client.post(reverse("catalog:rule_deactivate", args=[rule.pk]), {"reason": "试行结束"})
    assert response.status_code == 302 and not RouteRule.objects.get(pk=rule.pk).is_active
    page = client.get(reverse("catalog:rule_list")).content.decode()
    assert "试行结束" in page


# --- API --------------------------------------------------------------------------------------------------------


def test_the_table_through_the_api_SVC_2(client, national_admin, provincial_admin):
    login_verified(client, provincial_admin)
    rows = client.get(reverse("api:catalog-rule-list")).json()
    assert [row["priority"] for row in rows] == [10, 20, 30, 40, 50]
    assert rows[0]["refuse"] and rows[0]["refusal_reason_display"]
    assert client.post(reverse("api:catalog-rule-list"), {**VALID, "reason": "x"},
                       content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, national_admin)
    response = client.post(reverse("api:catalog-rule-list"), {**VALID, "reason": "新增"},
                           content_type="application/json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.patch(reverse("api:catalog-rule-detail", args=[pk]), {"max_level": 9, "reason": "改"},
                            content_type="application/json")
    assert response.status_code == 400 and "max_level" in response.json()["error"]["fields"]
    response = client.post(reverse("api:catalog-rule-deactivate", args=[pk]), {"reason": "撤销"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["is_active"] is False
