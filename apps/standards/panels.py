"""Home-page panels of the standards app."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import policy
from apps.core.home import register_panels

# --- plans, adoption and conformance (STD-4, STD-5, STD-6) -------------------------------------------------
_COUNT_CAP = 1000


@register_panels
def workplan_overdue_panel(user):
    """Standards officers: overdue tasks of their department's work plans (STD-4)."""
    if not user.is_regulator or not user.has_perm("standards.change_workplanitem"):
        return []
    from .models import WorkPlanItem

    overdue = (WorkPlanItem.objects.filter(plan__department_id=user.organisation_id,
                                           due_on__lt=timezone.localdate())
               .exclude(status__in=[WorkPlanItem.Status.DONE, WorkPlanItem.Status.CANCELLED]))
    return [{"title": _("Standards work plan"), "template": "standards/panels/workplan.html",
             "context": {"overdue": overdue.order_by()[:_COUNT_CAP].count(), "cap": _COUNT_CAP}}]


@register_panels
def conformance_waiting_panel(user):
    """Departments evaluating conformance: self-assessments waiting in the jurisdiction (STD-6)."""
    if not user.is_regulator or not user.has_perm("standards.evaluate_conformance"):
        return []
    from .models import ConformanceEvaluation

    waiting = policy.visible(user, ConformanceEvaluation.objects.filter(status="self_assessed"),
                              "standards.view_conformanceevaluation")
    return [{"title": _("Conformance self-assessments"), "template": "standards/panels/conformance.html",
             "context": {"waiting": waiting.order_by()[:_COUNT_CAP].count(), "cap": _COUNT_CAP}}]


# --- proposals (STD-2) ----------------------------------------------------------------------------------------


@register_panels
def proposals_waiting_panel(user):
    """Standards officers: proposals from the public waiting for a decision (STD-2)."""
    if not user.is_regulator or not user.has_perm("standards.decide_proposal"):
        return []
    from .models import StandardProposal

    waiting = policy.visible(user, StandardProposal.objects.filter(status=StandardProposal.Status.SUBMITTED),
                             "standards.view_standardproposal")
    return [{"title": _("Standard proposals"), "template": "standards/panels/proposals.html",
             "context": {"waiting": waiting.order_by()[:_COUNT_CAP].count(), "cap": _COUNT_CAP}}]
