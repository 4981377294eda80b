from .appeals import Appeal
from .cases import (
    Case,
    CaseDocument,
    CaseGroupObjectPermission,
    CaseOfficer,
    CaseParty,
    CaseUserObjectPermission,
)
from .decisions import CaseMeasure, CaseRectification, Decision, RectificationReport
from .procedure import Defence, Hearing, Notice

__all__ = [
    "Appeal", "Case", "CaseDocument", "CaseGroupObjectPermission", "CaseMeasure", "CaseOfficer", "CaseParty",
    "CaseRectification", "CaseUserObjectPermission", "Decision", "Defence", "Hearing", "Notice",
    "RectificationReport",
]
