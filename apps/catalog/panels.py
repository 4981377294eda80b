"""Home-page panels of the catalog app (SVC-2, SVC-3, SVC-4): what waits for the user now.

Departments' reviewers: review steps they are named to decide, and catalog entries awaiting review in
their jurisdiction. Institutions: their applications returned for correction, their review steps as
provider (and those named to them), and reports due under their grants. Counts are capped: a badge never
needs an exact figure beyond a thousand."""

import datetime

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import policy
from apps.core.home import register_panels

COUNT_CAP = 1000
REPORT_WINDOW_DAYS = 30


def _capped_count(queryset) -> int:
    return queryset.order_by()[:COUNT_CAP].count()


def _url(name: str, fallback: str) -> str:
    """A page of another area by name, else by its agreed path (a panel must never break the home page)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _decide_waiting(user):
    """Active steps the user is a named reviewer of (object grant decide_routestep)."""
    from .models import RouteStep

    return policy.visible(user, RouteStep.objects.filter(status=RouteStep.Status.ACTIVE), "catalog.decide_routestep")


@register_panels
def department_review_panel(user):
    """Department reviewers: steps awaiting their decision, catalog entries awaiting review (SVC-2, SVC-4)."""
    if not user.is_regulator or not (user.has_perm("catalog.view_routestep") or user.has_perm("catalog.review_resource")):
        return []
    from .models import ResourceVersion

    today = timezone.localdate()
    steps = _decide_waiting(user)
    context = {"steps": _capped_count(steps), "steps_overdue": _capped_count(steps.filter(due_on__lt=today)),
               "cap": COUNT_CAP, "steps_url": _url("catalog:review_list", "/catalog/review/"),
               "entries": None, "entries_url": _url("catalog:resource_review_list", "/catalog/review/resources/"),
               "dashboard_url": reverse("catalog:dashboard") if user.has_perm("catalog.view_sharingapplication") else ""}
    if user.has_perm("catalog.review_resource"):
        entries = policy.visible(user, ResourceVersion.objects.filter(status=ResourceVersion.Status.SUBMITTED),
                                 "catalog.review_resource")
        context["entries"] = _capped_count(entries)
    return [{"title": _("Data sharing review"), "template": "catalog/panels/department.html", "context": context}]


@register_panels
def institution_sharing_panel(user):
    """Institutions: applications returned for correction, steps to decide as provider, reports due (SVC-2, SVC-3)."""
    if user.is_regulator or not user.organisation_id or not user.has_perm("catalog.view_sharingapplication"):
        return []
    from .models import GrantReport, RouteStep, SharingApplication

    today = timezone.localdate()
    organisation_id = user.organisation_id
    # One query per table (the home page has a query budget): conditional counts over the visible rows.
    returned = policy.visible(user, SharingApplication.objects.filter(
        applicant_id=organisation_id, status=SharingApplication.Status.RETURNED), "catalog.view_sharingapplication")
    active_steps = policy.visible(user, RouteStep.objects.filter(organisation_id=organisation_id,
                                                                 status=RouteStep.Status.ACTIVE), "catalog.view_routestep")
    provider = Q(kind="provider")
    steps = active_steps.aggregate(
        provider_steps=Count("pk", filter=provider), provider_overdue=Count("pk", filter=provider & Q(due_on__lt=today)),
        mine=Count("pk", filter=Q(pk__in=_decide_waiting(user).values("pk"))))
    reports = policy.visible(user, GrantReport.objects.filter(
        grant__applicant_id=organisation_id, status=GrantReport.Status.DUE,
        due_on__lte=today + datetime.timedelta(days=REPORT_WINDOW_DAYS)), "catalog.view_grantreport").aggregate(
        reports=Count("pk"), reports_overdue=Count("pk", filter=Q(due_on__lt=today)))
    context = {
        "returned": _capped_count(returned), **steps, **reports,
        "cap": COUNT_CAP, "report_window": REPORT_WINDOW_DAYS,
        "applications_url": _url("catalog:application_list", "/catalog/applications/"),
        "incoming_url": reverse("catalog:incoming_list"),
        "review_url": _url("catalog:review_list", "/catalog/review/"),
        "grants_url": _url("catalog:grant_list", "/catalog/grants/"),
    }
    if not any(context[key] for key in ("returned", "provider_steps", "mine", "reports")):
        context["nothing"] = True
    return [{"title": _("Data sharing"), "template": "catalog/panels/institution.html", "context": context}]
