"""The catalog's workflows as tables (apps/core/workflows.py). Services check every move against them."""

from django.utils.translation import gettext_lazy as _

from apps.core.workflows import Transition, Workflow

REGISTER = "catalog.register_resource"
REVIEW = "catalog.review_resource"
APPLY = "catalog.apply_for_data"
DECIDE = "catalog.decide_routestep"  # object grant of the step's named reviewers
REVOKE = "catalog.revoke_grant"

# A catalog entry version (SVC-1, SVC-4): prepared by the provider, reviewed by the department.
RESOURCE_VERSION_FLOW = Workflow(_("Catalog entry"), [
    Transition("draft", "submitted", REGISTER),
    Transition("returned", "submitted", REGISTER),
    Transition("submitted", "published", REVIEW),
    Transition("submitted", "returned", REVIEW),
    Transition("draft", "withdrawn", REGISTER),
    Transition("returned", "withdrawn", REGISTER),
    Transition("published", "superseded", REVIEW),  # by the publication of the next version
])

# A sharing application (SVC-2). Moves out of in_review are made by step decisions (the step's
# reviewer is checked on the step, so these name the applicant's or the step's permission).
APPLICATION_FLOW = Workflow(_("Sharing application"), [
    Transition("draft", "in_review", APPLY),
    Transition("returned", "in_review", APPLY),
    Transition("draft", "withdrawn", APPLY),
    Transition("in_review", "withdrawn", APPLY),
    Transition("returned", "withdrawn", APPLY),
    Transition("in_review", "returned", DECIDE),
    Transition("in_review", "approved", DECIDE),
    Transition("in_review", "refused", DECIDE),
])

# A review step of the route.
STEP_FLOW = Workflow(_("Review step"), [
    Transition("waiting", "active", DECIDE),
    Transition("active", "approved", DECIDE),
    Transition("active", "approved_with_conditions", DECIDE),
    Transition("active", "returned", DECIDE),
    Transition("active", "refused", DECIDE),
    Transition("waiting", "cancelled", APPLY),
    Transition("active", "cancelled", APPLY),
])

# A grant (SVC-3): expiry and suspension by the system account, revocation by a department.
GRANT_FLOW = Workflow(_("Data grant"), [
    Transition("active", "suspended", REVOKE),
    Transition("suspended", "active", REVOKE),
    Transition("active", "expired", REVOKE),
    Transition("suspended", "expired", REVOKE),
    Transition("active", "revoked", REVOKE),
    Transition("suspended", "revoked", REVOKE),
    Transition("expired", "closed", "catalog.file_grant_report"),
    Transition("revoked", "closed", "catalog.file_grant_report"),
    # Superseded by an approved amendment, extension or renewal: the data continue under the new grant, so
    # no destruction certificate is due. Made by the grant service inside the final approval (the approval is
    # the authority; nobody holds decide_routestep on a grant, so no person can make these moves directly).
    # An expired grant renewed this way closes through the "expired -> closed" row above.
    Transition("active", "closed", DECIDE),
    Transition("suspended", "closed", DECIDE),
])
