"""Who may move a standard where (STD-1, STD-3): the one table of the lifecycle, checked by the services."""

from apps.core.workflows import Transition, Workflow

from .models import ConformanceEvaluation as C
from .models import Standard
from .models import StandardProposal as P

S = Standard.Status
MANAGE, APPROVE = "standards.manage_standard", "standards.approve_standard"
REVISE = "standards.assess_effectiveness"

STANDARD_FLOW = Workflow("standard", [
    Transition(S.PROJECT, S.DRAFTING, MANAGE),
    Transition(S.DRAFTING, S.PUBLIC_COMMENT, MANAGE),
    Transition(S.PUBLIC_COMMENT, S.EXPERT_REVIEW, MANAGE),  # period closed, every comment answered
    Transition(S.PUBLIC_COMMENT, S.DRAFTING, MANAGE),
    Transition(S.EXPERT_REVIEW, S.APPROVAL, MANAGE),  # every appointed expert has voted
    Transition(S.EXPERT_REVIEW, S.DRAFTING, MANAGE),
    Transition(S.APPROVAL, S.PUBLISHED, APPROVE),  # a department head approves and publishes
    Transition(S.APPROVAL, S.DRAFTING, APPROVE),
    Transition(S.PUBLISHED, S.IN_FORCE, APPROVE),  # on its in-force date (nightly, as the system) or by hand
    # A revision follows from assessing the standard (M.14, STD-7): officers and heads both assess.
    Transition(S.PUBLISHED, S.UNDER_REVISION, REVISE),
    Transition(S.IN_FORCE, S.UNDER_REVISION, REVISE),
    Transition(S.IN_FORCE, S.SUPERSEDED, APPROVE),  # its revision came into force
    Transition(S.UNDER_REVISION, S.SUPERSEDED, APPROVE),
    Transition(S.UNDER_REVISION, S.IN_FORCE, MANAGE),  # revision abandoned
    Transition(S.UNDER_REVISION, S.PUBLISHED, MANAGE),  # revision abandoned before the in-force date
    Transition(S.PUBLISHED, S.ABOLISHED, APPROVE),
    Transition(S.IN_FORCE, S.ABOLISHED, APPROVE),
    Transition(S.UNDER_REVISION, S.ABOLISHED, APPROVE),
    Transition(S.PROJECT, S.WITHDRAWN, MANAGE),
    Transition(S.DRAFTING, S.WITHDRAWN, MANAGE),
])

PROPOSAL_FLOW = Workflow("standard proposal", [
    Transition(P.Status.SUBMITTED, P.Status.ACCEPTED, "standards.decide_proposal"),
    Transition(P.Status.SUBMITTED, P.Status.REJECTED, "standards.decide_proposal"),
])

CONFORMANCE_FLOW = Workflow("conformance evaluation", [
    Transition(C.Status.SELF_ASSESSED, C.Status.EVALUATED, "standards.evaluate_conformance"),
    Transition(C.Status.SELF_ASSESSED, C.Status.RETURNED, "standards.evaluate_conformance"),
    Transition(C.Status.RETURNED, C.Status.SELF_ASSESSED, "standards.self_assess_conformance"),
])
