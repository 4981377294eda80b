"""Done-when of the foundation: a demo regulator signs in, enrols TOTP, sees the home page in Chinese,
switches to English (SEC-5 real-name sign-in with a second factor; bilingual portal)."""

import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD
from apps.accounts.models import SecureTOTPDevice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_regulator_enrols_totp_and_uses_the_portal_in_both_languages(page):
    call_command("seed_demo")
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"

    page.fill("input[name=username]", "demo_reviewer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/enrol/"))
    assert page.get_by_test_id("totp-qr").is_visible()

    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    device = SecureTOTPDevice.objects.get(user__username="demo_reviewer", confirmed=False)
    assert device.base32_key == secret  # the key shown is the key stored (encrypted)
    page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
    page.locator("main form button[type=submit]").first.click()
    codes = page.get_by_test_id("backup-codes").locator("li").all_inner_texts()
    assert len(codes) == 10

    page.get_by_test_id("continue").click()
    heading = page.get_by_test_id("home-heading")
    assert heading.inner_text().startswith("欢迎")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "你的辖区" in page.content() or "辖区" in page.content()
    page.screenshot(path="var/e2e-home-zh.png", full_page=True)

    page.get_by_test_id("language-switch").locator("button[value=en]").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("home-heading").inner_text().startswith("Welcome")
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path="var/e2e-home-en.png", full_page=True)

    page.goto("/accounts/organisations/")
    assert page.locator("table tbody tr").count() > 10
