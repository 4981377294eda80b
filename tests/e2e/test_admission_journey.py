"""Done-when of the institutions issue: the registration-to-admission journey in the browser (INS-1, INS-2),
the public part in Chinese and the review in English."""

import re

import pytest
from django.core.management import call_command

from apps.institutions.models import AdmissionApplication, Institution
from tests.e2e.helpers import sign_in, sign_out
from tests.institutions.factories import credit_code
from tests.institutions.uploads import PDF, PNG

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_institution_registers_and_a_reviewer_admits_it(page):
    call_command("seed_demo")
    code = credit_code("350102", 424242)

    # 1. A visitor registers in Chinese, choosing the region through the cascading picker.
    page.goto("/accounts/login/")
    page.get_by_test_id("register-link").click()
    assert page.locator("h1").inner_text() == "注册机构并申请准入"
    form = page.get_by_test_id("register-form")
    form.locator("#id_name").fill("福州市鼓楼区健康数据应用中心")
    form.locator("#id_credit_code").fill(code)
    form.locator("#id_type").select_option("data_application")
    form.locator("#id_ownership").select_option("private")
    form.locator("#id_region_province").select_option("350000")
    page.wait_for_selector("#id_region_city option[value='350100']", state="attached")
    form.locator("#id_region_city").select_option("350100")
    page.wait_for_selector("#id_region option[value='350102']", state="attached")
    form.locator("#id_region").select_option("350102")
    for field, value in {
        "address": "福州市鼓楼区五四路1号", "legal_representative": "林一", "top_leader_name": "林二",
        "top_leader_title": "主任", "security_officer_name": "林三", "security_officer_phone": "13812340001",
        "data_department": "数据管理部", "contact_name": "林四", "contact_phone": "0591-87000001",
        "contact_email": "contact@e2e.example", "purpose": "慢病管理数据分析",
        "account-username": "e2e_applicant", "account-full_name": "林申请", "account-identity_number": "11010519491231002X",
        "account-email": "e2e_applicant@example.cn", "account-mobile": "13912340002",
        "account-password": "Applicant-Pass-2026!", "account-password_again": "Applicant-Pass-2026!",
    }.items():
        form.locator(f"[name='{field}']").fill(value)
    for kind, (name, content, mime) in {"licence": ("营业执照.pdf", PDF, "application/pdf"),
                                        "security": ("制度.pdf", PDF, "application/pdf"),
                                        "appointment": ("任命.png", PNG, "image/png")}.items():
        form.locator(f"[name='document_{kind}']").set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": content}])
    form.locator("button[type=submit]").click()
    number = AdmissionApplication.objects.get(institution__credit_code=code).number
    assert number in page.get_by_test_id("application-number").inner_text()
    page.screenshot(path="var/e2e-registration-done-zh.png", full_page=True)

    # 2. The provincial reviewer works in English: the application waits in the work list; approve it.
    sign_out(page)
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, "demo_reviewer")
    page.get_by_test_id("language-switch").locator("button[value=en]").click()
    page.wait_for_load_state()
    page.goto("/institutions/admission/")
    page.get_by_role("link", name=number).click()
    assert page.get_by_test_id("application-status").inner_text() == "Submitted, awaiting review"
    assert page.get_by_test_id("application-documents").locator("li").count() == 3
    page.get_by_role("button", name="Approve admission").click()
    page.wait_for_url(re.compile(r"/institutions/admission/\d+/$"))
    assert page.get_by_test_id("application-status").inner_text() == "Approved"
    page.screenshot(path="var/e2e-admission-approved-en.png", full_page=True)
    assert Institution.objects.get(credit_code=code).status == Institution.Status.ADMITTED

    # 3. The applicant signs in (enrolling a second factor) and sees the institution admitted, in Chinese.
    sign_out(page)
    page.context.set_extra_http_headers({"Accept-Language": "zh-CN"})
    sign_in(page, "e2e_applicant", "Applicant-Pass-2026!")
    page.goto("/")
    if page.locator("html").get_attribute("lang") != "zh-CN":
        page.get_by_test_id("language-switch").locator("button[value=zh-hans]").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("own-status").inner_text() == "已准入"
