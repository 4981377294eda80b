"""Roles are named sets of permission codenames, defined here in code (requirements.md "Actors").

`roles_sync()` makes one Django group per role with exactly these permissions; it runs after every
`migrate` (post_migrate), so the database always matches this table. Later apps add their
permissions to the roles here; a codename whose model does not exist yet is reported and skipped.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DEPARTMENT = "department"
INSTITUTION = "institution"
PROVIDER = "provider"


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    organisation_kinds: tuple[str, ...]
    permissions: tuple[str, ...]


_SEE_ORGANISATIONS = ("accounts.view_organisation", "accounts.supervise_organisation")
_OWN_ACCOUNTS = ("accounts.view_user", "accounts.add_user", "accounts.change_user", "accounts.manage_members")

_I = "institutions."
# Read access to institutions and everything about them, within the jurisdiction (SUP-4).
_SEE_INSTITUTIONS = tuple(_I + p for p in (
    "view_institution", "supervise_institution", "view_document", "view_admissionapplication",
    "view_creditevent", "view_creditobjection", "view_creditrule", "view_creditgrade", "view_statusdecision",
    "view_responsibilitytransfer", "view_entrustment", "view_profilechange",
))
_REVIEW_INSTITUTIONS = tuple(_I + p for p in (
    "add_institution", "change_institution", "review_admission", "review_institution_change",
    "import_institutions", "export_institutions", "view_importjob", "propose_status_decision",
    "decide_credit_objection", "manage_transfer",
))
# An institution's own records (owner scope: its organisation only).
_OWN_INSTITUTION = tuple(_I + p for p in (
    "view_institution", "view_document", "view_admissionapplication", "view_creditevent",
    "view_creditobjection", "view_creditrule", "view_creditgrade", "view_statusdecision",
    "view_responsibilitytransfer", "view_entrustment", "view_profilechange",
))
_MANAGE_OWN_INSTITUTION = tuple(_I + p for p in (
    "add_admissionapplication", "change_admissionapplication", "propose_institution_change",
    "add_creditobjection", "confirm_transfer", "manage_entrustment",
))

_S = "standards."
_READ_STANDARDS = tuple(_S + p for p in (
    "view_standard", "view_frameworkcategory", "view_plannedstandard", "view_workplan", "view_workplanitem",
    "view_milestone", "view_publiccomment", "view_reviewopinion", "view_effectivenessassessment",
))
_SEE_ADOPTION = (_S + "view_adoptiondeclaration", _S + "view_conformanceevaluation", _S + "monitor_adoption")
_MANAGE_STANDARDS = tuple(_S + p for p in (
    "manage_standard", "add_standard", "change_standard", "answer_comment", "decide_proposal",
    "view_standardproposal", "view_workinggroupmember", "view_expertreviewer", "evaluate_conformance",
    "assess_effectiveness", "add_frameworkcategory", "change_frameworkcategory", "add_plannedstandard",
    "change_plannedstandard", "add_workplan", "change_workplan", "add_workplanitem", "change_workplanitem",
    "add_milestone", "change_milestone",
))
_OWN_STANDARDS_WORK = (_S + "view_adoptiondeclaration", _S + "view_conformanceevaluation")

_C = "catalog."
# The published catalog and the rules of the game, for everyone signed in (SVC-1, SVC-2).
_READ_CATALOG = tuple(_C + p for p in (
    "view_dataresource", "view_resourceversion", "view_datafield", "view_stageresponsibility", "view_routerule",
    "view_datauseagreement",
))
# Applications, routes, grants and letters: a department's jurisdiction, an institution's own (as applicant
# or provider); the policy layer scopes them.
_SEE_SHARING = tuple(_C + p for p in (
    "view_sharingapplication", "view_applicationitem", "view_recipient", "view_applicationdocument",
    "view_reviewcomment", "view_routestep", "view_conflictdeclaration", "view_datagrant", "view_datarelease",
    "view_deidentificationrecord", "view_grantreport", "view_destructioncertificate", "view_decisionletter",
))
_REVIEW_CATALOG = (_C + "review_resource", _C + "assign_step_reviewers", _C + "record_security_assessment")
_PROVIDE_DATA = (_C + "register_resource", _C + "release_data", _C + "assign_step_reviewers")
_USE_DATA = (_C + "apply_for_data", _C + "file_grant_report")

_N = "inspections."
# Reference data read by everyone signed in: the checklists (SUP-1).
_READ_CHECKLISTS = tuple(_N + p for p in ("view_checklisttemplate", "view_checklistversion", "view_checklistitem"))
# Plans, draws, inspections, findings, orders and reports within the jurisdiction (SUP-1, SUP-2, SUP-4).
_SEE_INSPECTIONS = (*_READ_CHECKLISTS, *(_N + p for p in (
    "view_inspectionplan", "view_planinspector", "view_targetselection", "view_conflictofinterest",
    "view_inspection", "view_teammember", "view_itemresult", "view_finding", "view_evidence",
    "view_rectificationorder", "view_rectificationresponse", "view_responseevidence", "view_inspectionreport",
    "supervise_inspection",
)))
# Planning: plans, pools, draws, checklists. Recording an inspection is an object grant of its team.
_PLAN_INSPECTIONS = (_N + "manage_inspection_plan", _N + "manage_checklist")
# An institution's own orders and reports (owner scope).
_OWN_INSPECTION_RESULTS = (*_READ_CHECKLISTS, *(_N + p for p in (
    "view_rectificationorder", "view_rectificationresponse", "view_responseevidence", "view_inspectionreport",
)))

_K = "cases."
# Accountability cases of the jurisdiction, their decisions, rectification and appeals (SUP-3, SUP-4).
_SEE_CASES = tuple(_K + p for p in (
    "view_case", "view_caseofficer", "view_caseparty", "view_casedocument", "view_notice", "view_defence",
    "view_hearing", "view_decision", "view_casemeasure", "view_caserectification", "view_rectificationreport",
    "view_appeal", "supervise_case",
))
# An institution's own cases, from the notice on (the policy's owner filter).
_OWN_CASES = tuple(_K + p for p in (
    "view_case", "view_caseparty", "view_casedocument", "view_notice", "view_defence", "view_hearing",
    "view_decision", "view_casemeasure", "view_caserectification", "view_rectificationreport", "view_appeal",
))
# Handling a case (investigating, notifying, executing) is an object grant of its assigned officers.
_HEAD_CASES = (_K + "open_case", _K + "assign_case_officer", _K + "decide_case", _K + "review_appeal")

ROLES: dict[str, Role] = {role.code: role for role in [
    # --- health administrative departments (M.6, M.28) ---------------------------------------
    Role("department_admin", _("Department administrator"), (DEPARTMENT,),
         (*_SEE_ORGANISATIONS, *_OWN_ACCOUNTS, "accounts.manage_api_tokens", "workdays.view_calendarday",
          "workdays.add_calendarday", "workdays.change_calendarday", "workdays.delete_calendarday",
          *_SEE_INSTITUTIONS, *_REVIEW_INSTITUTIONS, _I + "manage_credit_rules", _I + "adjust_credit", *_READ_STANDARDS, *_SEE_ADOPTION,
          *_READ_CATALOG, *_SEE_SHARING, _C + "manage_route_rules", _C + "manage_agreement", _C + "assign_step_reviewers", *_SEE_INSPECTIONS, *_PLAN_INSPECTIONS, *_SEE_CASES)),
    Role("reviewer", _("Reviewer"), (DEPARTMENT,),
         (*_SEE_ORGANISATIONS, "accounts.view_user", *_SEE_INSTITUTIONS, *_REVIEW_INSTITUTIONS, *_READ_STANDARDS, *_SEE_ADOPTION,
          *_READ_CATALOG, *_SEE_SHARING, *_REVIEW_CATALOG, *_SEE_INSPECTIONS, *_SEE_CASES)),
    Role("inspector", _("Inspector"), (DEPARTMENT,),
         (*_SEE_ORGANISATIONS, *_SEE_INSTITUTIONS, _I + "propose_status_decision", *_READ_STANDARDS, *_SEE_ADOPTION,
          *_READ_CATALOG, *_SEE_SHARING, *_SEE_INSPECTIONS, _N + "add_conflictofinterest", _N + "refer_finding", *_SEE_CASES)),
    Role("case_officer", _("Case officer"), (DEPARTMENT,),
         (*_SEE_ORGANISATIONS, *_SEE_INSTITUTIONS, _I + "propose_status_decision", *_READ_STANDARDS, *_READ_CATALOG,
          *_SEE_SHARING, *_SEE_INSPECTIONS, *_SEE_CASES, _K + "open_case")),
    Role("standards_officer", _("Standards officer"), (DEPARTMENT,), (*_SEE_ORGANISATIONS, *_SEE_INSTITUTIONS, *_READ_STANDARDS, *_SEE_ADOPTION, *_MANAGE_STANDARDS, *_READ_CATALOG, *_READ_CHECKLISTS)),
    Role("department_head", _("Department head"), (DEPARTMENT,),
         (*_SEE_ORGANISATIONS, "accounts.view_user", *_SEE_INSTITUTIONS, *_REVIEW_INSTITUTIONS,
          _I + "decide_status_decision", _I + "adjust_credit", *_READ_STANDARDS, *_SEE_ADOPTION, _S + "approve_standard", _S + "view_standardproposal", _S + "assess_effectiveness",
          _S + "add_standard",  # a head's "revise" decision registers the revision project (STD-7)
          *_READ_CATALOG, *_SEE_SHARING, *_REVIEW_CATALOG, _C + "revoke_grant", *_SEE_INSPECTIONS, *_PLAN_INSPECTIONS, _N + "verify_rectification", _N + "refer_finding", *_SEE_CASES, *_HEAD_CASES)),
    Role("auditor", _("Auditor"), (DEPARTMENT,),
         (*_SEE_ORGANISATIONS, "accounts.view_user", *_SEE_INSTITUTIONS, _I + "view_importjob", *_READ_STANDARDS, *_SEE_ADOPTION, _S + "view_standardproposal",
          *_READ_CATALOG, *_SEE_SHARING, *_SEE_INSPECTIONS, *_SEE_CASES)),
    # --- responsible entities (M.5, M.17, M.28) ----------------------------------------------
    Role("institution_admin", _("Institution administrator"), (INSTITUTION, PROVIDER),
         ("accounts.view_organisation", *_OWN_ACCOUNTS, "accounts.manage_api_tokens",
          *_OWN_INSTITUTION, *_MANAGE_OWN_INSTITUTION, *_READ_STANDARDS, *_OWN_STANDARDS_WORK, _S + "declare_adoption", _S + "self_assess_conformance",
          *_READ_CATALOG, *_SEE_SHARING, *_PROVIDE_DATA, *_USE_DATA, *_OWN_INSPECTION_RESULTS, _N + "respond_rectification", *_OWN_CASES, _K + "defend_case", _K + "respond_case_rectification")),
    Role("top_leader", _("Top leader responsible for data security"), (INSTITUTION,),
         ("accounts.view_organisation", "accounts.view_user", *_OWN_INSTITUTION, _I + "confirm_transfer",
          _I + "add_creditobjection", *_READ_STANDARDS, *_OWN_STANDARDS_WORK, *_READ_CATALOG, *_SEE_SHARING, *_OWN_INSPECTION_RESULTS, *_OWN_CASES, _K + "defend_case")),
    Role("security_officer", _("Data security officer"), (INSTITUTION, PROVIDER),
         ("accounts.view_organisation", "accounts.view_user", *_OWN_INSTITUTION, *_READ_STANDARDS, *_OWN_STANDARDS_WORK, _S + "self_assess_conformance",
          *_READ_CATALOG, *_SEE_SHARING, _C + "release_data", *_OWN_INSPECTION_RESULTS, _N + "respond_rectification", *_OWN_CASES, _K + "respond_case_rectification")),
    Role("data_steward", _("Data steward"), (INSTITUTION, PROVIDER),
         ("accounts.view_organisation", _I + "view_institution", _I + "view_entrustment", *_READ_STANDARDS, *_OWN_STANDARDS_WORK, _S + "declare_adoption",
          *_READ_CATALOG, *_SEE_SHARING, *_PROVIDE_DATA, *_USE_DATA, *_READ_CHECKLISTS)),
    Role("submitter", _("Submitter"), (INSTITUTION, PROVIDER),
         ("accounts.view_organisation", _I + "view_institution", *_READ_STANDARDS, *_READ_CATALOG, *_SEE_SHARING, *_USE_DATA, *_READ_CHECKLISTS)),
]}


def roles_for_kind(kind: str) -> list[Role]:
    return [role for role in ROLES.values() if kind in role.organisation_kinds]


def roles_sync(verbosity: int = 1) -> list[str]:
    """Create or update one group per role with exactly its permissions; return unknown codenames."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for role in ROLES.values() for perm in role.permissions}
    by_name = {}
    for permission in Permission.objects.filter(
        codename__in={perm.split(".", 1)[1] for perm in wanted}
    ).select_related("content_type"):
        by_name[f"{permission.content_type.app_label}.{permission.codename}"] = permission
    missing = sorted(wanted - by_name.keys())
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.code)
        group.permissions.set([by_name[perm] for perm in role.permissions if perm in by_name])
    if missing and verbosity:
        print(f"roles_sync: permissions not (yet) defined, skipped: {', '.join(missing)}")
    return missing
