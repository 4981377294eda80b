"""Home-page panels of the inspections app (apps.core.home.register_panels): what waits for the user now.

Inspectors: their open inspections with dates. Institutions: their open rectification orders with deadlines.
Departments overseeing inspections: the overdue orders of the jurisdiction, linked to the filtered list.
Each panel is one or two queries; counts are capped."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import policy
from apps.core.home import register_panels

COUNT_CAP = 1000
SHOWN = 5


@register_panels
def inspector_panel(user):
    """Department users on an inspection team: their open inspections (SUP-1)."""
    if not getattr(user, "is_regulator", False):
        return []
    from .models import TeamMember
    from .selectors import open_inspections_of

    if not TeamMember.objects.filter(user=user).exists():
        return []
    rows, found = open_inspections_of(user, SHOWN)
    return [{"title": _("My inspections"), "template": "inspections/panels/inspector.html",
             "context": {"rows": rows, "more": found > SHOWN, "url": reverse("inspections:my_inspections")}}]


@register_panels
def institution_orders_panel(user):
    """Institutions: open rectification orders with their deadlines (SUP-1, INS-3)."""
    if getattr(user, "is_regulator", False) or not user.organisation_id \
            or not user.has_perm("inspections.view_rectificationorder"):
        return []
    from .selectors import institution_open_orders

    rows = institution_open_orders(user, SHOWN)
    return [{"title": _("Rectification orders"), "template": "inspections/panels/institution.html",
             "context": {"rows": rows[:SHOWN], "more": len(rows) > SHOWN, "today": timezone.localdate(),
                         "url": reverse("inspections:my_orders") + "?open=1"}}]


@register_panels
def department_orders_panel(user):
    """Departments overseeing inspections: overdue orders of the jurisdiction (SUP-4)."""
    if not getattr(user, "is_regulator", False) or policy.jurisdiction_prefix(user) is None \
            or not user.has_perm("inspections.supervise_inspection"):
        return []
    from .selectors import overdue_orders_count

    return [{"title": _("Inspections and rectification"), "template": "inspections/panels/department.html",
             "context": {"overdue": overdue_orders_count(user, COUNT_CAP), "cap": COUNT_CAP,
                         "overdue_url": reverse("inspections:order_list") + "?overdue=1",
                         "dashboard_url": reverse("inspections:dashboard")}}]
