from .adoption import AdoptionDeclaration, ConformanceEvaluation, EffectivenessAssessment
from .plans import Milestone, PlannedStandard, WorkPlan, WorkPlanItem
from .registry import (
    ADOPTABLE_STATUSES,
    PUBLIC_STATUSES,
    ExpertReviewer,
    FrameworkCategory,
    PublicComment,
    ReviewOpinion,
    Standard,
    StandardGroupObjectPermission,
    StandardProposal,
    StandardUserObjectPermission,
    WorkingGroupMember,
    normalise_code,
    series_of,
)

__all__ = [
    "ADOPTABLE_STATUSES", "PUBLIC_STATUSES", "AdoptionDeclaration", "ConformanceEvaluation",
    "EffectivenessAssessment", "ExpertReviewer", "FrameworkCategory", "Milestone", "PlannedStandard",
    "PublicComment", "ReviewOpinion", "Standard", "StandardGroupObjectPermission", "StandardProposal",
    "StandardUserObjectPermission", "WorkPlan", "WorkPlanItem", "WorkingGroupMember", "normalise_code",
    "series_of",
]
