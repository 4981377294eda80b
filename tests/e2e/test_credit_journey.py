"""Done-when of the institutions issue: a credit deduction appears in the breakdown, item by item (INS-3),
recorded by a department head in English and contested by the institution in Chinese."""

import re

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.institutions.models import CreditObjection, Institution
from tests.e2e.helpers import sign_in, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_deduction_appears_in_the_breakdown_and_the_institution_objects(page):
    call_command("seed_demo")
    hospital = Institution.objects.get(pk=User.objects.get(username="demo_inst_admin").organisation_id)
    # The demo's special inspection of the hospital (two findings, one rectified on time) costs 11 points: 89, B.
    before = hospital.credit_score
    assert (before, hospital.credit_grade) == (89, "B")
    expected = str(before - 12)

    # 1. The provincial department head records a written deduction, in English.
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "demo_head")
    page.get_by_test_id("language-switch").locator("button[value=en]").click()
    page.wait_for_load_state()
    page.goto(f"/institutions/{hospital.pk}/credit/")
    form = page.get_by_test_id("adjust-form")
    form.locator("[name=points]").fill("-12")
    form.locator("[name=reason]").fill("Backup drill for the EMR system missed two quarters in a row.")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/institutions/{hospital.pk}/credit/"))
    item = page.get_by_test_id("credit-item").filter(has_text="Backup drill for the EMR system")
    assert item.count() == 1 and "-12" in item.inner_text()
    assert page.get_by_test_id("credit-score").inner_text() == expected
    assert "B" in page.get_by_test_id("credit-grade-badge").inner_text()  # 77: still B (B from 75)
    page.screenshot(path="var/e2e-credit-breakdown-en.png", full_page=True)

    # 2. The hospital's administrator sees the item on its own rating, in Chinese, and objects to it.
    sign_out(page)
    page.context.set_extra_http_headers({"Accept-Language": "zh-CN"})
    sign_in(page, "demo_inst_admin")
    page.goto(f"/institutions/{hospital.pk}/credit/")
    if page.locator("html").get_attribute("lang") != "zh-CN":
        page.get_by_test_id("language-switch").locator("button[value=zh-hans]").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("credit-score").inner_text() == expected
    item = page.get_by_test_id("credit-item").filter(has_text="Backup drill for the EMR system")
    item.get_by_test_id("object-link").click()
    page.get_by_test_id("objection-form").locator("[name=reason]").fill("本院已于上月完成恢复演练，演练报告已上传。")
    page.get_by_test_id("objection-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert CreditObjection.objects.filter(event__institution=hospital, status="submitted").count() == 1
    page.screenshot(path="var/e2e-credit-objection-zh.png", full_page=True)
