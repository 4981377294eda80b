"""Signing in through the real pages, second factor included, for the browser journeys."""

import re

from django_otp.oath import totp

from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD
from apps.accounts.models import SecureTOTPDevice


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Password, then enrol or verify the authenticator with a code computed from the stored key."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if "/two-factor/enrol/" in page.url:
        device = SecureTOTPDevice.objects.get(user__username=username, confirmed=False)
        page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
        page.locator("main form button[type=submit]").first.click()
        page.get_by_test_id("continue").click()
    elif "/two-factor/verify/" in page.url:
        device = SecureTOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/(login|two-factor)/).*$"))


def sign_out(page) -> None:
    page.context.clear_cookies()
