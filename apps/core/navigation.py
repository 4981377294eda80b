"""The navigation each role sees. Apps add their entries here as they land; an entry shows when the
user holds any of its permissions (the pages themselves still check access through the policy layer)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    any_permission: tuple[str, ...] = ()
    staff_only: bool = False


NAVIGATION = [
    NavItem(_("Home"), "core:home"),
    NavItem(_("Institutions"), "institutions:list", ("institutions.supervise_institution",)),
    NavItem(_("Admission"), "institutions:admission_list", ("institutions.view_admissionapplication",)),
    NavItem(_("Exit decisions"), "institutions:decision_list", ("institutions.propose_status_decision",
                                                                 "institutions.decide_status_decision")),
    NavItem(_("Credit objections"), "institutions:credit_objections", ("institutions.decide_credit_objection",)),
    NavItem(_("Credit rules"), "institutions:credit_rules", ("institutions.manage_credit_rules",)),
    NavItem(_("Directory"), "institutions:directory"),
    NavItem(_("Blacklist"), "institutions:blacklist"),
    NavItem(_("My institution"), "institutions:my_profile", ("institutions.propose_institution_change",)),
    NavItem(_("Profile changes"), "institutions:profile_change_list", ("institutions.review_institution_change",)),
    NavItem(_("Entity changes"), "institutions:transfer_list", ("institutions.manage_transfer",
                                                                "institutions.confirm_transfer")),
    NavItem(_("Organisations"), "accounts:organisation_list", ("accounts.supervise_organisation",)),
    NavItem(_("Accounts"), "accounts:member_list", ("accounts.manage_members",)),
    NavItem(_("API tokens"), "accounts:token_list", ("accounts.manage_api_tokens",)),
    NavItem(_("Holiday calendar"), "admin:workdays_calendarday_changelist", (), staff_only=True),
    NavItem(_("API documentation"), "api-docs"),
]


def navigation_for(user) -> list[dict]:
    items = []
    for item in NAVIGATION:
        if item.staff_only and not user.is_staff:
            continue
        if item.any_permission and not user.is_superuser and not any(user.has_perm(p) for p in item.any_permission):
            continue
        try:
            items.append({"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name})
        except NoReverseMatch:
            continue
    return items
