"""Who may move which record where: the one table per process (checked by the services)."""

from apps.core.workflows import Transition, Workflow

from .models import AdmissionApplication as A
from .models import CreditObjection as O
from .models import ImportJob as J
from .models import Institution as I
from .models import ProfileChange as P
from .models import ResponsibilityTransfer as T
from .models import StatusDecision as D

ADMISSION_FLOW = Workflow("admission", [
    Transition(A.Status.SUBMITTED, A.Status.APPROVED, "institutions.review_admission"),
    Transition(A.Status.SUBMITTED, A.Status.RETURNED, "institutions.review_admission"),
    Transition(A.Status.SUBMITTED, A.Status.REFUSED, "institutions.review_admission"),
    Transition(A.Status.RETURNED, A.Status.SUBMITTED, "institutions.change_admissionapplication"),
])

# The institution's own status: only admission and the exit decisions move it (INS-2, INS-4, INS-6).
INSTITUTION_FLOW = Workflow("institution", [
    Transition(I.Status.APPLICANT, I.Status.ADMITTED, "institutions.review_admission"),
    Transition(I.Status.APPLICANT, I.Status.REFUSED, "institutions.review_admission"),
    Transition(I.Status.REFUSED, I.Status.APPLICANT, "institutions.change_admissionapplication"),
    Transition(I.Status.ADMITTED, I.Status.SUSPENDED, "institutions.decide_status_decision"),
    Transition(I.Status.ADMITTED, I.Status.REVOKED, "institutions.decide_status_decision"),
    Transition(I.Status.SUSPENDED, I.Status.REVOKED, "institutions.decide_status_decision"),
    Transition(I.Status.SUSPENDED, I.Status.ADMITTED, "institutions.decide_status_decision"),
    Transition(I.Status.REVOKED, I.Status.APPLICANT, "institutions.change_admissionapplication"),
    Transition(I.Status.ADMITTED, I.Status.CLOSED, "institutions.manage_transfer"),
    Transition(I.Status.SUSPENDED, I.Status.CLOSED, "institutions.manage_transfer"),
    Transition(I.Status.APPLICANT, I.Status.CLOSED, "institutions.manage_transfer"),
    # A revoked or refused entity may still hold data that must be handed over (INS-6).
    Transition(I.Status.REVOKED, I.Status.CLOSED, "institutions.manage_transfer"),
    Transition(I.Status.REFUSED, I.Status.CLOSED, "institutions.manage_transfer"),
])

DECISION_FLOW = Workflow("status decision", [
    Transition(D.Status.PROPOSED, D.Status.DECIDED, "institutions.decide_status_decision"),
    Transition(D.Status.PROPOSED, D.Status.DISMISSED, "institutions.decide_status_decision"),
])

PROFILE_CHANGE_FLOW = Workflow("profile change", [
    Transition(P.Status.SUBMITTED, P.Status.APPROVED, "institutions.review_institution_change"),
    Transition(P.Status.SUBMITTED, P.Status.REJECTED, "institutions.review_institution_change"),
    Transition(P.Status.SUBMITTED, P.Status.WITHDRAWN, "institutions.propose_institution_change"),
])

TRANSFER_FLOW = Workflow("change of responsible entity", [
    Transition(T.Status.DRAFT, T.Status.AWAITING_CONFIRMATION, "institutions.manage_transfer"),
    Transition(T.Status.AWAITING_CONFIRMATION, T.Status.CONFIRMED, "institutions.confirm_transfer"),
    Transition(T.Status.CONFIRMED, T.Status.CLOSED, "institutions.manage_transfer"),
    Transition(T.Status.DRAFT, T.Status.CANCELLED, "institutions.manage_transfer"),
    Transition(T.Status.AWAITING_CONFIRMATION, T.Status.CANCELLED, "institutions.manage_transfer"),
    # The close refuses when the source acquired something after confirmation: cancel, open anew.
    Transition(T.Status.CONFIRMED, T.Status.CANCELLED, "institutions.manage_transfer"),
])

CREDIT_OBJECTION_FLOW = Workflow("credit objection", [
    Transition(O.Status.SUBMITTED, O.Status.UPHELD, "institutions.decide_credit_objection"),
    Transition(O.Status.SUBMITTED, O.Status.REJECTED, "institutions.decide_credit_objection"),
])

IMPORT_FLOW = Workflow("institution import", [
    Transition(J.Status.VALIDATED, J.Status.IMPORTING, "institutions.import_institutions"),
    Transition(J.Status.VALIDATING, J.Status.CANCELLED, "institutions.import_institutions"),
    Transition(J.Status.VALIDATED, J.Status.CANCELLED, "institutions.import_institutions"),
])
