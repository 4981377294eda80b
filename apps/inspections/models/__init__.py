from .checklists import ChecklistItem, ChecklistTemplate, ChecklistVersion, Severity
from .inspections import (
    Evidence,
    Finding,
    Inspection,
    InspectionGroupObjectPermission,
    InspectionUserObjectPermission,
    ItemResult,
    TeamMember,
)
from .plans import ConflictOfInterest, InspectionPlan, PlanInspector, TargetSelection
from .rectification import RectificationOrder, RectificationResponse, ResponseEvidence
from .reports import InspectionReport

__all__ = [
    "ChecklistItem", "ChecklistTemplate", "ChecklistVersion", "ConflictOfInterest", "Evidence", "Finding",
    "Inspection", "InspectionGroupObjectPermission", "InspectionPlan", "InspectionReport",
    "InspectionUserObjectPermission", "ItemResult", "PlanInspector", "RectificationOrder", "RectificationResponse",
    "ResponseEvidence", "Severity", "TargetSelection", "TeamMember",
]
