"""The institutions app's public write API. Other apps import from here, never from the models.

Each area lives in its own module; this package re-exports what other apps and the views use."""

from ..models.credit import CreditTrigger  # the trigger values other apps pass to credit_event_record
from .admission import (
    admission_approve,
    admission_reapply,
    admission_refuse,
    admission_register,
    admission_resubmit,
    admission_return,
)
from .credit import credit_event_record, credit_may_apply_for_data, credit_recompute, credit_recompute_all
from .documents import document_check, document_store
from .exit import status_decision_decide, status_decision_dismiss, status_decision_propose
from .registry import (
    PROFILE_FIELDS,
    institution_clean,
    institution_create,
    institution_set_status,
    institution_update,
    responsible_department,
)

__all__ = [
    "PROFILE_FIELDS", "CreditTrigger", "admission_approve", "admission_reapply", "admission_refuse",
    "admission_register", "admission_resubmit", "admission_return", "credit_event_record",
    "credit_may_apply_for_data", "credit_recompute", "credit_recompute_all", "document_check",
    "document_store", "institution_clean", "institution_create", "institution_set_status",
    "institution_update", "responsible_department", "status_decision_decide", "status_decision_dismiss",
    "status_decision_propose",
]
