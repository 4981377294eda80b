from .admission import REQUIRED_DOCUMENTS, AdmissionApplication
from .credit import (
    CreditEvent,
    CreditGrade,
    CreditObjection,
    CreditRule,
    CreditScheme,
    CreditSnapshot,
    CreditTrigger,
)
from .entrustment import Entrustment
from .exit import StatusDecision
from .imports import ImportJob
from .registry import PUBLIC_STATUSES, Document, Institution, ProfileChange
from .transfer import ResponsibilityTransfer, TransferItem

__all__ = [
    "PUBLIC_STATUSES", "REQUIRED_DOCUMENTS", "AdmissionApplication", "CreditEvent", "CreditGrade",
    "CreditObjection", "CreditRule", "CreditScheme", "CreditSnapshot", "CreditTrigger", "Document",
    "Entrustment", "ImportJob", "Institution", "ProfileChange", "ResponsibilityTransfer", "StatusDecision",
    "TransferItem",
]
