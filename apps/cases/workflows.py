"""The case workflow as a table (apps/core/workflows.py): who may make which move is decided here, once.

Assigned case officers hold `handle_case` on their case (object grant); heads of a department hold the role
permissions `open_case`, `assign_case_officer` and `decide_case` within their jurisdiction (the services
further require the head to belong to the handling department for a decision); the institution holds
`defend_case` on its own cases; heads of the higher department hold `review_appeal`."""

from django.utils.translation import gettext_lazy as _

from apps.core.workflows import Transition, Workflow

OPEN = "cases.open_case"
ASSIGN = "cases.assign_case_officer"
HANDLE = "cases.handle_case"  # object grant of the assigned officers only
DECIDE = "cases.decide_case"
DEFEND = "cases.defend_case"
REVIEW = "cases.review_appeal"
RESPOND = "cases.respond_case_rectification"
VIEW = "cases.view_case"

CASE_FLOW = Workflow(_("Accountability case"), [
    Transition("registered", "investigating", HANDLE),
    Transition("investigating", "notified", HANDLE),
    Transition("notified", "decided", DECIDE),
    # No violation established: the head closes the case without measures (before or after the notice).
    Transition("registered", "dropped", DECIDE),
    Transition("investigating", "dropped", DECIDE),
    Transition("notified", "dropped", DECIDE),
    Transition("decided", "closed", HANDLE),  # every measure executed
    # The institution's appeal re-opens a decided or closed case; the review ends it one way or another.
    Transition("decided", "under_review", DEFEND),
    Transition("closed", "under_review", DEFEND),
    Transition("under_review", "decided", REVIEW),  # upheld, measures still being executed
    Transition("under_review", "closed", REVIEW),  # upheld (measures done) or quashed
    Transition("under_review", "investigating", REVIEW),  # set aside and sent back for a new notice
])

RECTIFICATION_FLOW = Workflow(_("Case rectification order"), [
    Transition("issued", "submitted", RESPOND),
    Transition("returned", "submitted", RESPOND),
    Transition("submitted", "accepted", HANDLE),
    Transition("submitted", "returned", HANDLE),
    Transition("issued", "cancelled", REVIEW),  # the measure was revoked on appeal
    Transition("submitted", "cancelled", REVIEW),
    Transition("returned", "cancelled", REVIEW),
])
