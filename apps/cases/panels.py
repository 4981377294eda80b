"""Home-page panels of the cases app (apps.core.home.register_panels): what waits for the user now (SUP-3).

Case officers: their open cases with the next deadline. Institutions: the cases awaiting their defence, with
the deadline, and their appeals under review. Department heads: the cases of their department the defence
period no longer holds up (passed or waived, no hearing pending). Each panel is a query or two."""

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import policy
from apps.core.home import register_panels

SHOWN = 5


def _current(model, **lookup):
    """Rows of `model` on the current notice of the outer case."""
    return model.objects.filter(notice__case=OuterRef("pk"), notice__is_current=True, **lookup)


@register_panels
def officer_panel(user):
    """Department users assigned to cases: their open cases, the next deadline first."""
    if not getattr(user, "is_regulator", False):
        return []
    from .models import CaseOfficer
    from .selectors import work_list

    if not CaseOfficer.objects.filter(user=user, is_active=True).exists():
        return []
    rows = list(work_list(user).select_related("institution")[: SHOWN + 1])
    return [{"title": _("My cases"), "template": "cases/panels/officer.html",
             "context": {"rows": rows[:SHOWN], "more": len(rows) > SHOWN, "today": timezone.localdate(),
                         "url": reverse("cases:work_list")}}]


@register_panels
def institution_panel(user):
    """Institutions: cases awaiting their defence (with the deadline) and their appeals under review."""
    if getattr(user, "is_regulator", False) or not user.organisation_id or not user.has_perm("cases.view_case"):
        return []
    from .models import Appeal, Case, Defence, Notice
    from .selectors import institution_cases

    today = timezone.localdate()
    deadline = Notice.objects.filter(case=OuterRef("pk"), is_current=True).values("defence_deadline")[:1]
    awaiting = list(institution_cases(user).filter(status=Case.Status.NOTIFIED)
                    .annotate(current_deadline=Subquery(deadline))
                    .filter(current_deadline__gte=today)
                    .exclude(Exists(_current(Defence, waives_period=True)))
                    .order_by("current_deadline", "pk")[: SHOWN + 1])
    appeals = list(policy.visible(user, Appeal.objects.filter(case__institution_id=user.organisation_id,
                                                              status=Appeal.Status.LODGED), "cases.view_appeal")
                   .select_related("case", "reviewing_department").order_by("lodged_at")[:SHOWN])
    return [{"title": _("Accountability cases"), "template": "cases/panels/institution.html",
             "context": {"awaiting": awaiting[:SHOWN], "more": len(awaiting) > SHOWN, "appeals": appeals,
                         "today": today, "url": reverse("cases:my_cases")}}]


@register_panels
def head_panel(user):
    """Heads of a department: its notified cases ready for a decision (period passed or waived in writing,
    no hearing pending); the decision page gives the full reason when one is still held up."""
    if not getattr(user, "is_regulator", False) or not user.has_perm("cases.decide_case"):
        return []
    from .models import Case, Defence, Hearing, Notice
    from .services.notice import PENDING_HEARING

    today = timezone.localdate()
    deadline = Notice.objects.filter(case=OuterRef("pk"), is_current=True).values("defence_deadline")[:1]
    rows = (policy.visible(user, Case.objects.filter(department_id=user.organisation_id,
                                                     status=Case.Status.NOTIFIED), "cases.decide_case")
            .annotate(current_deadline=Subquery(deadline))
            .filter(Q(current_deadline__lt=today) | Exists(_current(Defence, waives_period=True)))
            .exclude(Exists(_current(Hearing, status__in=PENDING_HEARING)))
            .select_related("institution").order_by("current_deadline", "pk"))
    ready = list(rows[: SHOWN + 1])
    return [{"title": _("Cases ready for decision"), "template": "cases/panels/head.html",
             "context": {"rows": ready[:SHOWN], "more": len(ready) > SHOWN,
                         "url": reverse("cases:list") + "?status=notified"}}]
