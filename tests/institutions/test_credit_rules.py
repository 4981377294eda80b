"""Maintaining the credit rules, grades and scheme (INS-3): only the national department changes them."""

import pytest
from django.urls import reverse

from apps.core import errors
from apps.institutions.models import CreditGrade, CreditRule, CreditScheme, CreditTrigger
from apps.institutions.services.credit_rules import (
    credit_grade_update,
    credit_rule_create,
    credit_rule_update,
    credit_scheme_update,
)
from tests.conftest import login_verified, make_user
from tests.institutions.credit_helpers import _no_broker  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db

WHY = "2026年信用规则修订"


@pytest.fixture
def national_admin(national):
    return make_user(national, "department_admin")


def _rule_data(rule: CreditRule, **changes) -> dict:
    data = {f: getattr(rule, f) for f in ("description", "description_en", "points", "duration_days", "is_active")}
    data.update(changes)
    return data


def _grade_data(grade: CreditGrade, **changes) -> dict:
    data = {f: getattr(grade, f) for f in ("label", "label_en", "min_score", "inspection_interval_months",
                                           "may_apply_for_data", "on_blacklist", "proposes_suspension")}
    data.update(changes)
    return data


# --- services -----------------------------------------------------------------------------------------


def test_ins3_national_department_changes_a_rule_with_history(national_admin):
    rule = CreditRule.objects.get(trigger=CreditTrigger.FINDING_MAJOR)
    credit_rule_update(rule=rule, data=_rule_data(rule, points=-12, duration_days=400), reason=WHY,
                       by=national_admin)
    rule.refresh_from_db()
    assert (rule.points, rule.duration_days) == (-12, 400)
    record = rule.history.first()
    assert record.history_user == national_admin and record.history_change_reason == WHY


@pytest.mark.parametrize("who", ["provincial_admin", "national_reviewer", "institution_admin"])
def test_rules_cannot_be_changed_by_anyone_else(national, fujian, gulou, who):
    user = {
        "provincial_admin": lambda: make_user(fujian, "department_admin"),
        "national_reviewer": lambda: make_user(national, "reviewer"),
        "institution_admin": lambda: make_user(make_institution("350102").organisation, "institution_admin"),
    }[who]()
    rule = CreditRule.objects.get(trigger=CreditTrigger.FINDING_MAJOR)
    with pytest.raises(errors.PermissionDenied):
        credit_rule_update(rule=rule, data=_rule_data(rule, points=-1), reason=WHY, by=user)
    with pytest.raises(errors.PermissionDenied):
        credit_grade_update(grade=CreditGrade.objects.get(code="A"), data=_grade_data(
            CreditGrade.objects.get(code="A"), min_score=95), reason=WHY, by=user)
    assert CreditRule.objects.get(pk=rule.pk).points == -10
    assert CreditGrade.objects.get(code="A").min_score == 90


@pytest.mark.parametrize(("changes", "field"), [
    ({"duration_days": 0}, "duration_days"),
    ({"duration_days": -3}, "duration_days"),
    ({"points": "abc"}, "points"),
    ({"points": 500}, "points"),
    ({"description": ""}, "description"),
])
def test_rule_validation(national_admin, changes, field):
    rule = CreditRule.objects.get(trigger=CreditTrigger.FINDING_MAJOR)
    with pytest.raises(errors.ValidationFailed) as caught:
        credit_rule_update(rule=rule, data=_rule_data(rule, **changes), reason=WHY, by=national_admin)
    assert field in caught.value.field_errors
    assert CreditRule.objects.get(pk=rule.pk).duration_days == 365


def test_rule_change_needs_a_reason(national_admin):
    rule = CreditRule.objects.get(trigger=CreditTrigger.FINDING_MAJOR)
    with pytest.raises(errors.ValidationFailed) as caught:
        credit_rule_update(rule=rule, data=_rule_data(rule, points=-1), reason=" ", by=national_admin)
    assert "reason" in caught.value.field_errors


def test_one_active_rule_per_trigger_is_a_form_error_not_an_integrity_error(national_admin):
    data = {"code": "FINDING-MAJOR-2026", "trigger": CreditTrigger.FINDING_MAJOR, "description": "新规则",
            "points": -11, "duration_days": 365, "is_active": True}
    with pytest.raises(errors.ValidationFailed) as caught:
        credit_rule_create(data=data, reason=WHY, by=national_admin)
    assert "FINDING-MAJOR" in caught.value.field_errors["is_active"][0]
    assert not CreditRule.objects.filter(code="FINDING-MAJOR-2026").exists()
    created = credit_rule_create(data={**data, "is_active": False}, reason=WHY, by=national_admin)
    old = CreditRule.objects.get(code="FINDING-MAJOR")
    credit_rule_update(rule=old, data=_rule_data(old, is_active=False), reason=WHY, by=national_admin)
    credit_rule_update(rule=created, data=_rule_data(created, is_active=True), reason=WHY, by=national_admin)
    assert CreditRule.objects.get(trigger=CreditTrigger.FINDING_MAJOR, is_active=True).code == "FINDING-MAJOR-2026"


def test_rule_code_must_be_new_and_well_formed(national_admin):
    base = {"trigger": CreditTrigger.FINDING_MAJOR, "description": "x", "points": -1, "duration_days": 10}
    for code in ("FINDING-MAJOR", "bad code!", ""):
        with pytest.raises(errors.ValidationFailed) as caught:
            credit_rule_create(data={**base, "code": code}, reason=WHY, by=national_admin)
        assert "code" in caught.value.field_errors


@pytest.mark.parametrize(("code", "min_score"), [("B", 90), ("B", 95), ("C", 75), ("D", 60), ("A", 75)])
def test_grade_minimums_must_stay_strictly_ordered(national_admin, code, min_score):
    grade = CreditGrade.objects.get(code=code)
    with pytest.raises(errors.ValidationFailed) as caught:
        credit_grade_update(grade=grade, data=_grade_data(grade, min_score=min_score), reason=WHY,
                            by=national_admin)
    assert "min_score" in caught.value.field_errors


def test_grade_change_applies_and_schedules_a_recompute(national_admin, _no_broker,  # noqa: F811
                                                        django_capture_on_commit_callbacks):
    grade = CreditGrade.objects.get(code="B")
    with django_capture_on_commit_callbacks(execute=True):
        credit_grade_update(grade=grade, data=_grade_data(grade, min_score=80, may_apply_for_data=False),
                            reason=WHY, by=national_admin)
    grade.refresh_from_db()
    assert grade.min_score == 80 and not grade.may_apply_for_data
    assert grade.history.first().history_user == national_admin
    assert [kind for kind, _args in _no_broker] == ["recompute"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"min_score": 120}, "max_score"), ({"base_score": 120}, "base_score"), ({"readmission_wait_days": -1},
                                                                            "readmission_wait_days"),
])
def test_scheme_validation(national_admin, changes, field):
    data = {"base_score": 100, "min_score": 0, "max_score": 110, "readmission_wait_days": 365, **changes}
    with pytest.raises(errors.ValidationFailed) as caught:
        credit_scheme_update(data=data, reason=WHY, by=national_admin)
    assert field in caught.value.field_errors
    assert CreditScheme.objects.get().base_score == 100


def test_scheme_change(national_admin):
    credit_scheme_update(data={"base_score": 100, "min_score": 0, "max_score": 120, "readmission_wait_days": 180},
                         reason=WHY, by=national_admin)
    scheme = CreditScheme.objects.get()
    assert (scheme.max_score, scheme.readmission_wait_days) == (120, 180)
    assert scheme.history.first().history_user == national_admin


# --- pages --------------------------------------------------------------------------------------------


def test_rules_page_shows_the_table_and_edit_links_to_the_national_department(client, national_admin):
    login_verified(client, national_admin)
    page = client.get(reverse("institutions:credit_rules"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "FINDING-CRITICAL" in html and "Inspection confirmed a critical finding" in html
    assert "affects future events only" in html
    assert reverse("institutions:credit_rule_create") in html


def test_rules_page_is_read_only_for_other_departments(client, fujian):
    login_verified(client, make_user(fujian, "department_admin"))
    page = client.get(reverse("institutions:credit_rules"))
    assert page.status_code == 200
    assert reverse("institutions:credit_rule_create") not in page.content.decode()
    rule = CreditRule.objects.get(code="FINDING-MAJOR")
    assert client.get(reverse("institutions:credit_rule_edit", args=[rule.pk])).status_code == 403
    assert client.post(reverse("institutions:credit_rule_edit", args=[rule.pk]),
                       {"description": "x", "points": -1, "duration_days": 5, "reason": WHY}).status_code == 403
    assert client.get(reverse("institutions:credit_grade_edit", args=["A"])).status_code == 403
    assert client.get(reverse("institutions:credit_scheme_edit")).status_code == 403
    assert CreditRule.objects.get(pk=rule.pk).points == -10


def test_rules_page_needs_sign_in(client):
    page = client.get(reverse("institutions:credit_rules"))
    assert page.status_code == 302 and "login" in page["Location"]


def test_rule_edit_page_saves_through_the_service(client, national_admin):
    login_verified(client, national_admin)
    rule = CreditRule.objects.get(code="FINDING-MAJOR")
    url = reverse("institutions:credit_rule_edit", args=[rule.pk])
    form = client.get(url)
    assert form.status_code == 200 and "affects future events only" in form.content.decode()
    response = client.post(url, {"description": rule.description, "description_en": "Major", "points": -11,
                                 "duration_days": 300, "is_active": "on", "reason": WHY})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.duration_days, rule.description_en) == (-11, 300, "Major")


def test_rule_create_page_shows_the_one_active_rule_error(client, national_admin):
    login_verified(client, national_admin)
    response = client.post(reverse("institutions:credit_rule_create"), {
        "code": "DRILL-2", "trigger": CreditTrigger.DRILL_OVERDUE, "description": "演练逾期", "points": -4,
        "duration_days": 180, "is_active": "on", "reason": WHY})
    assert response.status_code == 200
    assert "already active for this event" in response.content.decode()
    assert not CreditRule.objects.filter(code="DRILL-2").exists()


def test_grade_and_scheme_pages_save(client, national_admin):
    login_verified(client, national_admin)
    grade = CreditGrade.objects.get(code="C")
    response = client.post(reverse("institutions:credit_grade_edit", args=["C"]), {
        "label": grade.label, "label_en": grade.label_en, "min_score": 65, "inspection_interval_months": 12,
        "may_apply_for_data": "on", "reason": WHY})
    assert response.status_code == 302 and CreditGrade.objects.get(code="C").min_score == 65
    bad = client.post(reverse("institutions:credit_grade_edit", args=["C"]), {
        "label": grade.label, "min_score": 80, "inspection_interval_months": 12, "reason": WHY})
    assert bad.status_code == 200 and "strictly" in bad.content.decode()
    response = client.post(reverse("institutions:credit_scheme_edit"), {
        "base_score": 100, "min_score": 0, "max_score": 105, "readmission_wait_days": 365, "reason": WHY})
    assert response.status_code == 302 and CreditScheme.objects.get().max_score == 105
