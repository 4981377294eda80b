"""The inspections app's workflows as tables (apps/core/workflows.py). Services check every move against them."""

from django.utils.translation import gettext_lazy as _

from apps.core.workflows import Transition, Workflow

MANAGE_PLAN = "inspections.manage_inspection_plan"
MANAGE_CHECKLIST = "inspections.manage_checklist"
CONDUCT = "inspections.conduct_inspection"  # object grant of the inspection's team members only
VERIFY = "inspections.verify_rectification"  # team members (object grant) or department reviewers
RESPOND = "inspections.respond_rectification"
REFER = "inspections.refer_finding"

CHECKLIST_FLOW = Workflow(_("Checklist version"), [
    Transition("draft", "published", MANAGE_CHECKLIST),
    Transition("published", "retired", MANAGE_CHECKLIST),
])

PLAN_FLOW = Workflow(_("Inspection plan"), [
    Transition("draft", "active", MANAGE_PLAN),
    Transition("draft", "cancelled", MANAGE_PLAN),
    Transition("active", "closed", MANAGE_PLAN),
    Transition("active", "cancelled", MANAGE_PLAN),
])

# The team starts the visit and closes the record; the plan's managers may cancel a visit not yet closed.
INSPECTION_FLOW = Workflow(_("Inspection"), [
    Transition("planned", "in_progress", CONDUCT),
    Transition("in_progress", "closed", CONDUCT),
    Transition("planned", "cancelled", MANAGE_PLAN),
    Transition("in_progress", "cancelled", MANAGE_PLAN),
])

FINDING_FLOW = Workflow(_("Finding"), [
    Transition("open", "confirmed", CONDUCT),  # by closing the inspection
    Transition("open", "withdrawn", CONDUCT),
    Transition("confirmed", "resolved", VERIFY),  # by accepting its order
    Transition("confirmed", "referred", REFER),
    Transition("resolved", "referred", REFER),
])

ORDER_FLOW = Workflow(_("Rectification order"), [
    Transition("issued", "submitted", RESPOND),
    Transition("returned", "submitted", RESPOND),
    Transition("submitted", "accepted", VERIFY),
    # A follow-up inspection found the finding rectified on site (its team verifies; see _settle_carried_orders).
    Transition("issued", "accepted", CONDUCT),
    Transition("returned", "accepted", CONDUCT),
    Transition("submitted", "returned", VERIFY),
    Transition("issued", "cancelled", REFER),  # the finding went to a case that orders its own measures
    Transition("returned", "cancelled", REFER),
    Transition("submitted", "cancelled", REFER),  # also: superseded by a follow-up's order (same finding)
])
