from .applications import (
    APPLICATION_PART_SCOPE,
    IDENTIFIED_DATA_BASES,
    ApplicationDocument,
    ApplicationItem,
    DataUseAgreement,
    DeidentificationMethod,
    DeliveryMode,
    LegalBasis,
    Recipient,
    ReviewComment,
    SharingApplication,
    SharingApplicationGroupObjectPermission,
    SharingApplicationUserObjectPermission,
)
from .grants import DataGrant, DataRelease, DeidentificationRecord, DestructionCertificate, GrantReport
from .letters import DecisionLetter
from .resources import (
    SENSITIVITY_LEVELS,
    DataCategory,
    DataField,
    DataResource,
    DataResourceGroupObjectPermission,
    DataResourceUserObjectPermission,
    LifecycleStage,
    OpenForm,
    ResourceVersion,
    SharingType,
    StageResponsibility,
    UpdateFrequency,
)
from .routing import (
    STEP_ORDER,
    ConflictDeclaration,
    Jurisdictions,
    RouteRule,
    RouteStep,
    RouteStepGroupObjectPermission,
    RouteStepUserObjectPermission,
    StepKind,
)

__all__ = [
    "APPLICATION_PART_SCOPE", "IDENTIFIED_DATA_BASES", "SENSITIVITY_LEVELS", "STEP_ORDER", "ApplicationDocument",
    "ApplicationItem", "ConflictDeclaration", "DataCategory", "DataField", "DataGrant", "DataRelease", "DataResource",
    "DataResourceGroupObjectPermission", "DataResourceUserObjectPermission", "DataUseAgreement", "DecisionLetter",
    "DeidentificationMethod", "DeidentificationRecord", "DeliveryMode", "DestructionCertificate", "GrantReport",
    "Jurisdictions", "LegalBasis", "LifecycleStage", "OpenForm", "Recipient", "ResourceVersion", "ReviewComment",
    "RouteRule", "RouteStep", "RouteStepGroupObjectPermission", "RouteStepUserObjectPermission", "SharingApplication",
    "SharingApplicationGroupObjectPermission", "SharingApplicationUserObjectPermission", "SharingType",
    "StageResponsibility", "StepKind", "UpdateFrequency",
]
