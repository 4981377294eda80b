"""Home-page panels of the institutions app."""

from django.db.models import Q
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


@register_panels
def credit_objections_panel(user):
    """Departments deciding objections: how many wait in the jurisdiction (INS-3)."""
    if not user.is_regulator or not user.has_perm("institutions.decide_credit_objection"):
        return []
    from .models import CreditObjection

    waiting = policy.visible(user, CreditObjection.objects.filter(status=CreditObjection.Status.SUBMITTED),
                             "institutions.view_creditobjection")
    return [{
        "title": _("Objections to credit items"),
        "template": "institutions/panels/credit_objections.html",
        "context": {"waiting": _capped_count(waiting), "cap": COUNT_CAP},
    }]


@register_panels
def own_credit_panel(user):
    """An institution's users: their credit grade and score, and where the breakdown is (INS-3)."""
    if user.is_regulator or not user.organisation_id or not user.has_perm("institutions.view_creditevent"):
        return []
    from .models import CreditGrade

    row = Institution.objects.filter(pk=user.organisation_id).values("pk", "credit_score", "credit_grade").first()
    if row is None:
        return []
    from .views.credit_rules import grade_tones

    grades = list(CreditGrade.objects.all())
    grade = next((g for g in grades if g.code == row["credit_grade"]), None)
    return [{
        "title": _("Your credit rating"),
        "template": "institutions/panels/credit_own.html",
        "context": {"institution_id": row["pk"], "score": row["credit_score"], "grade": grade,
                    "grade_code": row["credit_grade"],
                    "tone": grade_tones(grades).get(row["credit_grade"], "secondary")},
    }]


@register_panels
def status_decisions_panel(user):
    """Department heads: proposals of suspension, revocation or restoration awaiting a decision (INS-4)."""
    if not user.is_regulator or not user.has_perm("institutions.decide_status_decision"):
        return []
    from .models import StatusDecision

    waiting = policy.visible(user, StatusDecision.objects.filter(status=StatusDecision.Status.PROPOSED),
                             "institutions.view_statusdecision")
    return [{
        "title": _("Suspension, revocation and restoration"),
        "template": "institutions/panels/status_decisions.html",
        "context": {"waiting": _capped_count(waiting), "cap": COUNT_CAP},
    }]


@register_panels
def profile_changes_panel(user):
    """Reviewers: proposed profile changes waiting in the jurisdiction (INS-1)."""
    if not user.is_regulator or not user.has_perm("institutions.review_institution_change"):
        return []
    from .models import ProfileChange

    waiting = policy.visible(user, ProfileChange.objects.filter(status=ProfileChange.Status.SUBMITTED),
                             "institutions.view_profilechange")
    return [{
        "title": _("Proposed profile changes"),
        "template": "institutions/panels/profile_changes.html",
        "context": {"waiting": _capped_count(waiting), "cap": COUNT_CAP},
    }]


@register_panels
def transfers_panel(user):
    """Changes of responsible entity needing the user: the department closes confirmed ones, each side
    confirms those awaiting it (INS-6)."""
    from .models import ResponsibilityTransfer as T

    if user.is_regulator and user.has_perm("institutions.manage_transfer"):
        waiting = policy.visible(user, T.objects.filter(status=T.Status.CONFIRMED),
                                 "institutions.view_responsibilitytransfer")
    elif user.organisation_id and user.has_perm("institutions.confirm_transfer"):
        waiting = policy.visible(user, T.objects.filter(status=T.Status.AWAITING_CONFIRMATION),
                                 "institutions.view_responsibilitytransfer").filter(
            Q(source=user.organisation_id, source_confirmed_at__isnull=True)
            | Q(successor=user.organisation_id, successor_confirmed_at__isnull=True))
    else:
        return []
    count = _capped_count(waiting)
    if not count:
        return []
    return [{
        "title": _("Changes of responsible entity"),
        "template": "institutions/panels/transfers.html",
        "context": {"waiting": count, "cap": COUNT_CAP, "to_close": user.is_regulator},
    }]
