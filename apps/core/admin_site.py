"""The Django admin requires a verified second factor, and signs in through the portal's own login."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite


class PortalAdminSite(OTPAdminSite):
    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


def install_otp_admin(site) -> None:
    site.__class__ = PortalAdminSite
    site.site_header = site.site_title = "Health data supervision portal — administration"
