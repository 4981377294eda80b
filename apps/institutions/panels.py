"""Home-page panels of the institutions app."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import policy
from apps.core.home import register_panels

from .models import AdmissionApplication, Institution

COUNT_CAP = 1000  # a work-list badge never needs an exact count beyond this


def _capped_count(queryset) -> int:
    return queryset.order_by()[:COUNT_CAP].count()


@register_panels
def admission_panel(user):
    """Reviewers: applications waiting in the jurisdiction, and how many are past their due date (INS-2)."""
    if not user.is_regulator or not user.has_perm("institutions.review_admission"):
        return []
    waiting = policy.visible(user, AdmissionApplication.objects.filter(status="submitted"),
                             "institutions.view_admissionapplication")
    return [{
        "title": _("Admission applications"),
        "template": "institutions/panels/admission.html",
        "context": {"waiting": _capped_count(waiting), "cap": COUNT_CAP,
                    "overdue": _capped_count(waiting.filter(due_on__lt=timezone.localdate()))},
    }]


@register_panels
def own_institution_panel(user):
    """An institution's users: their admission status and what to do next."""
    if user.is_regulator or not user.organisation_id or not user.has_perm("institutions.view_institution"):
        return []
    institution = Institution.objects.filter(pk=user.organisation_id).only(
        "organisation_id", "name", "status", "credit_grade", "credit_score", "readmission_allowed_from").first()
    if institution is None:
        return []
    application = institution.admission_applications.order_by("-submitted_at").only("pk", "number", "status").first()
    return [{
        "title": _("Your institution"),
        "template": "institutions/panels/own.html",
        "context": {"institution": institution, "application": application},
    }]
