"""The navigation each role sees. Apps add their entries here as they land; an entry shows when the
user holds any of its permissions (the pages themselves still check access through the policy layer)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

SUPERVISION = _("Supervision")
MY_INSTITUTION = _("My institution")
STANDARDS = _("Standards")
INSPECTIONS = _("Inspections")
CASES = _("Accountability")
PUBLIC = _("Public information")
ADMINISTRATION = _("Administration")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    any_permission: tuple[str, ...] = ()
    staff_only: bool = False
    group: str | None = None  # items of one group share a dropdown menu
    organisation_kinds: tuple[str, ...] = ()  # shown only to members of these kinds of organisation


_I = "institutions."
_S = "standards."
_C = "catalog."
_N = "inspections."
_K = "cases."
NAVIGATION = [
    NavItem(_("Home"), "core:home"),
    # --- departments ------------------------------------------------------------------------------
    NavItem(_("Institutions"), "institutions:list", (_I + "supervise_institution",), group=SUPERVISION),
    NavItem(_("Admission applications"), "institutions:admission_list", (_I + "review_admission",),
            group=SUPERVISION),
    NavItem(_("Profile changes"), "institutions:profile_change_list", (_I + "review_institution_change",),
            group=SUPERVISION),
    NavItem(_("Credit objections"), "institutions:credit_objections", (_I + "decide_credit_objection",),
            group=SUPERVISION),
    NavItem(_("Exit decisions"), "institutions:decision_list",
            (_I + "propose_status_decision", _I + "decide_status_decision"), group=SUPERVISION),
    NavItem(_("Changes of responsible entity"), "institutions:transfer_list", (_I + "manage_transfer",),
            group=SUPERVISION),
    NavItem(_("Imports"), "institutions:import_list", (_I + "import_institutions",), group=SUPERVISION),
    NavItem(_("Credit rules and grades"), "institutions:credit_rules", (_I + "view_creditrule",),
            group=SUPERVISION, organisation_kinds=("department",)),
    # --- standards: registry and proposals (STD-1, STD-2, STD-8) -------------------------------------------
    NavItem(_("Standards registry"), "standards:list", (_S + "view_standard",), group=STANDARDS),
    NavItem(_("Standard proposals"), "standards:proposal_list", (_S + "view_standardproposal",), group=STANDARDS,
            organisation_kinds=("department",)),
    # --- standards: lifecycle work lists (STD-3); anyone may be named to a working group or as an expert --------
    NavItem(_("My drafts"), "standards:my_drafts", (_S + "view_standard",), group=STANDARDS),
    NavItem(_("Reviews assigned to me"), "standards:my_reviews", (_S + "view_standard",), group=STANDARDS),
    # --- standards: plans, adoption, conformance, effectiveness (STD-4 to STD-7) ---------------------------
    NavItem(_("Framework plan"), "standards:framework", (_S + "view_frameworkcategory",), group=STANDARDS,
            organisation_kinds=("department",)),
    NavItem(_("Annual work plans"), "standards:workplans", (_S + "view_workplan",), group=STANDARDS,
            organisation_kinds=("department",)),
    NavItem(_("Adoption of standards"), "standards:adoption", (_S + "monitor_adoption",), group=STANDARDS,
            organisation_kinds=("department",)),
    NavItem(_("Conformance evaluations"), "standards:conformance_list", (_S + "evaluate_conformance",),
            group=STANDARDS, organisation_kinds=("department",)),
    NavItem(_("Effectiveness assessments"), "standards:assessment_list",
            (_S + "assess_effectiveness", _S + "approve_standard"), group=STANDARDS,
            organisation_kinds=("department",)),
    # --- catalog and sharing: departments (SVC-1, SVC-2, SVC-4) ---------------------------------------------
    NavItem(_("Catalog review"), "catalog:resource_review_list", (_C + "review_resource",), group=SUPERVISION,
            organisation_kinds=("department",)),
    NavItem(_("Sharing applications review"), "catalog:review_list", (_C + "view_routestep",), group=SUPERVISION,
            organisation_kinds=("department",)),
    NavItem(_("Sharing dashboard"), "catalog:dashboard", (_C + "view_sharingapplication",), group=SUPERVISION,
            organisation_kinds=("department",)),
    NavItem(_("Data grants"), "catalog:grant_list", (_C + "view_datagrant",), group=SUPERVISION,
            organisation_kinds=("department",)),
    NavItem(_("Data catalog"), "catalog:search", (_C + "view_resourceversion",), group=SUPERVISION,
            organisation_kinds=("department",)),
    NavItem(_("Route rules"), "catalog:rule_list", (_C + "view_routerule",), group=SUPERVISION,
            organisation_kinds=("department",)),
    # --- inspections: departments (SUP-1, SUP-2) ------------------------------------------------------------
    NavItem(_("My inspections"), "inspections:my_inspections", (_N + "view_inspection",), group=INSPECTIONS,
            organisation_kinds=("department",)),
    NavItem(_("Inspection plans"), "inspections:plan_list", (_N + "view_inspectionplan",), group=INSPECTIONS,
            organisation_kinds=("department",)),
    NavItem(_("Rectification orders"), "inspections:order_list", (_N + "view_rectificationorder",),
            group=INSPECTIONS, organisation_kinds=("department",)),
    NavItem(_("Inspection dashboard"), "inspections:dashboard", (_N + "supervise_inspection",), group=INSPECTIONS,
            organisation_kinds=("department",)),
    NavItem(_("Checklists"), "inspections:checklist_list", (_N + "view_checklisttemplate",), group=INSPECTIONS,
            organisation_kinds=("department",)),
    NavItem(_("Conflicts of interest"), "inspections:conflict_list", (_N + "view_conflictofinterest",),
            group=INSPECTIONS, organisation_kinds=("department",)),
    # --- accountability cases: departments (SUP-3, SUP-4) --------------------------------------------------
    NavItem(_("My cases"), "cases:work_list", (_K + "view_case",), group=CASES, organisation_kinds=("department",)),
    NavItem(_("Cases"), "cases:list", (_K + "view_case",), group=CASES, organisation_kinds=("department",)),
    NavItem(_("Appeals to review"), "cases:appeal_list", (_K + "review_appeal",), group=CASES,
            organisation_kinds=("department",)),
    NavItem(_("Case statistics"), "cases:dashboard", (_K + "supervise_case",), group=CASES,
            organisation_kinds=("department",)),
    NavItem(_("Case rectification orders"), "cases:rectification_list", (_K + "view_caserectification",),
            group=CASES, organisation_kinds=("department",)),
    # --- institutions and providers -----------------------------------------------------------------
    NavItem(_("Profile and rating"), "institutions:my_profile", (_I + "view_institution",), group=MY_INSTITUTION,
            organisation_kinds=("institution", "provider")),
    NavItem(_("Admission applications"), "institutions:admission_list", (_I + "view_admissionapplication",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Changes of responsible entity"), "institutions:transfer_list", (_I + "confirm_transfer",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Entrusted to us"), "institutions:entrusted_to_us", (_I + "view_entrustment",),
            group=MY_INSTITUTION, organisation_kinds=("provider",)),
    NavItem(_("Standards we apply"), "standards:my_adoption", (_S + "view_adoptiondeclaration",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Conformance with standards"), "standards:conformance_mine", (_S + "view_conformanceevaluation",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    # --- catalog and sharing: institutions and providers (SVC-1 to SVC-3) ------------------------------------
    NavItem(_("Our data resources"), "catalog:resource_list", (_C + "register_resource",), group=MY_INSTITUTION,
            organisation_kinds=("institution", "provider")),
    NavItem(_("Our data applications"), "catalog:application_list", (_C + "view_sharingapplication",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Applications for our data"), "catalog:incoming_list", (_C + "view_sharingapplication",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Our review steps"), "catalog:review_list", (_C + "view_routestep",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Data grants"), "catalog:grant_list", (_C + "view_datagrant",), group=MY_INSTITUTION,
            organisation_kinds=("institution", "provider")),
    NavItem(_("Data catalog"), "catalog:search", (_C + "view_resourceversion",), group=MY_INSTITUTION,
            organisation_kinds=("institution", "provider")),
    NavItem(_("Rectification orders"), "inspections:my_orders", (_N + "view_rectificationorder",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Inspection reports"), "inspections:my_reports", (_N + "view_inspectionreport",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    NavItem(_("Accountability cases"), "cases:my_cases", (_K + "view_case",), group=MY_INSTITUTION,
            organisation_kinds=("institution", "provider")),
    NavItem(_("Case rectification"), "cases:my_rectifications", (_K + "view_caserectification",),
            group=MY_INSTITUTION, organisation_kinds=("institution", "provider")),
    # --- everyone -------------------------------------------------------------------------------------
    NavItem(_("Directory of institutions"), "institutions:directory", group=PUBLIC),
    NavItem(_("Blacklist"), "institutions:blacklist", group=PUBLIC),
    NavItem(_("Standards"), "standards:public_list", group=PUBLIC),
    NavItem(_("Open for comment"), "standards:open_comments", group=PUBLIC),
    NavItem(_("Propose a standard"), "standards:propose", group=PUBLIC),
    NavItem(_("Data catalog"), "catalog:public_list", group=PUBLIC),
    NavItem(_("Register of approved data uses"), "catalog:public_register", group=PUBLIC),
    NavItem(_("Verify a decision letter"), "catalog:verify", group=PUBLIC),
    NavItem(_("Inspection results"), "inspections:public_results", group=PUBLIC),
    NavItem(_("Verify an inspection report"), "inspections:verify", group=PUBLIC),
    NavItem(_("Disclosed decisions"), "cases:public_list", group=PUBLIC),
    NavItem(_("Verify a case decision letter"), "cases:verify", group=PUBLIC),
    # --- administration -------------------------------------------------------------------------------
    NavItem(_("Organisations"), "accounts:organisation_list", ("accounts.supervise_organisation",),
            group=ADMINISTRATION),
    NavItem(_("Accounts"), "accounts:member_list", ("accounts.manage_members",), group=ADMINISTRATION),
    NavItem(_("API tokens"), "accounts:token_list", ("accounts.manage_api_tokens",), group=ADMINISTRATION),
    NavItem(_("Holiday calendar"), "admin:workdays_calendarday_changelist", (), staff_only=True,
            group=ADMINISTRATION),
    NavItem(_("API documentation"), "api-docs", group=ADMINISTRATION),
]


def _visible(item: NavItem, user) -> bool:
    if item.staff_only and not user.is_staff:
        return False
    if item.organisation_kinds and not user.is_superuser:
        organisation = getattr(user, "organisation", None)
        if organisation is None or organisation.kind not in item.organisation_kinds:
            return False
    return not (item.any_permission and not user.is_superuser
                and not any(user.has_perm(p) for p in item.any_permission))


def navigation_for(user) -> list[dict]:
    """Top-level entries; grouped items become one entry with `children` (a dropdown), in first-seen order."""
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for item in NAVIGATION:
        if not _visible(item, user):
            continue
        try:
            entry = {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
        except NoReverseMatch:
            continue
        if item.group is None:
            entries.append(entry)
            continue
        group = groups.get(str(item.group))
        if group is None:
            group = groups[str(item.group)] = {"label": item.group, "children": [], "url_names": []}
            entries.append(group)
        if entry["url_name"] not in group["url_names"]:
            group["children"].append(entry)
            group["url_names"].append(entry["url_name"])
    return entries
