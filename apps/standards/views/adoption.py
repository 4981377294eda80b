"""Adoption pages (STD-5): the institution's "Standards we apply" and the departments' monitor."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..adoption_selectors import (
    adoption_by_region,
    adoption_by_standard,
    institutions_missing,
    monitor_prefix,
    rate_of,
)
from ..charts import bar_chart
from ..models import ADOPTABLE_STATUSES, AdoptionDeclaration, Standard
from ..services import adoption as adoption_services
from ..services.evidence import evidence_content_type
from .adoption_forms import AdoptionFilterForm, ChangesFilterForm, DeclareForm, WithdrawForm

VIEW = "standards.view_adoptiondeclaration"


def _own_organisation(request):
    organisation = request.user.organisation
    if organisation is None or organisation.kind == "department" or not request.user.has_perm(VIEW):
        raise Http404
    return organisation


def adoptable_codes():
    return Standard.objects.filter(status__in=ADOPTABLE_STATUSES).order_by("code").values_list("code", "title")


@login_required
def my_adoption(request):
    """The institution's own declarations, the declare form and a withdraw button per active declaration."""
    organisation = _own_organisation(request)
    may_declare = request.user.has_perm("standards.declare_adoption")
    form = DeclareForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_declare:
            raise errors.PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            declaration = run_service(request, form, lambda: adoption_services.adoption_declare(
                organisation=organisation, standard=data["standard"], since=data["since"], systems=data["systems"],
                evidence_upload=data.get("evidence"), by=request.user))
            if declaration is not None:
                messages.success(request, _("%(code)s is recorded as applied.") % {"code": declaration.standard.code})
                for older in declaration.replaced:
                    messages.info(request, _("Your declaration of the older version %(code)s was withdrawn: "
                                             "the new version replaces it.") % {"code": older.standard.code})
                return redirect("standards:my_adoption")
    rows = (policy.visible(request.user, AdoptionDeclaration.objects.filter(organisation=organisation), VIEW)
            .select_related("standard", "declared_by").order_by("status", "standard__code", "-declared_at"))
    return render(request, "standards/adoption/mine.html", {
        "page": paginate(request, rows, page_size=50), "form": form, "may_declare": may_declare,
        "withdraw_form": WithdrawForm(), "codes": adoptable_codes(), "organisation": organisation,
    }, status=400 if form.errors else 200)


def _declaration(request, pk) -> AdoptionDeclaration:
    try:
        return policy.get_object(request.user, AdoptionDeclaration.objects.select_related("standard"), VIEW, pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
@require_POST
def adoption_withdraw(request, pk: int):
    declaration = _declaration(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the standard is no longer applied."))
        return redirect("standards:my_adoption")
    try:
        adoption_services.adoption_withdraw(declaration=declaration, reason=form.cleaned_data["reason"],
                                            by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(code)s is no longer declared.") % {"code": declaration.standard.code})
    return redirect("standards:my_adoption")


@login_required
def adoption_evidence(request, pk: int):
    """Evidence files are served only after the policy check (the institution, its departments)."""
    declaration = _declaration(request, pk)
    return file_response(declaration.evidence, filename=declaration.evidence_name or "evidence",
                         content_type=evidence_content_type(declaration.evidence.name))


# --- departments -----------------------------------------------------------------------------------------


def _monitor(request) -> str:
    """403 for anyone but a department user holding standards.monitor_adoption."""
    return monitor_prefix(request.user)


@login_required
def adoption_overview(request):
    """Adoption rate per standard in the jurisdiction (mandatory standards by default), table and chart."""
    _monitor(request)
    form = AdoptionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    mandatory_only = (data.get("scope") or "mandatory") == "mandatory"
    rows = adoption_by_standard(request.user, mandatory_only=mandatory_only, category=data.get("category"))
    population = rows[0].population if rows else None
    chart = bar_chart(
        [(row.standard.code, row.rate, f"{row.declared}/{row.population}") for row in rows],
        summary=_("Adoption rate of %(n)d standards among the admitted institutions of your jurisdiction.")
        % {"n": len(rows)})
    return render(request, "standards/adoption/overview.html", {
        "rows": rows, "chart": chart, "form": form, "population": population, "mandatory_only": mandatory_only,
    })


@login_required
def adoption_standard(request, pk: int):
    """One standard: by region (table and chart) and the drill-down to institutions that have not declared it."""
    _monitor(request)
    try:
        standard = policy.get_object(request.user, Standard.objects.select_related("category"),
                                     "standards.view_standard", pk=pk)
    except errors.NotFound:
        raise Http404 from None
    regions = adoption_by_region(request.user, standard)
    declared, population = sum(r.declared for r in regions), sum(r.population for r in regions)
    chart = bar_chart([(r.name, r.rate, f"{r.declared}/{r.population}") for r in regions],
                      summary=_("Adoption rate of %(code)s by region.") % {"code": standard.code})
    return render(request, "standards/adoption/standard.html", {
        "standard": standard, "regions": regions, "chart": chart, "declared": declared, "population": population,
        "rate": rate_of(declared, population), "missing": paginate(request, institutions_missing(request.user,
                                                                                                 standard)),
    })


@login_required
def adoption_changes(request):
    """Declarations made and withdrawn lately in the jurisdiction: what the nightly digest sums up."""
    prefix = _monitor(request)
    form = ChangesFilterForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 1
    since = timezone.now() - datetime.timedelta(days=days)
    changes = adoption_services.adoption_changes_since(prefix, since, limit=500)
    return render(request, "standards/adoption/changes.html", {
        "changes": changes, "form": form, "days": days, "since": since, "limit": 500})


urlpatterns = [
    path("adoption/", adoption_overview, name="adoption"),
    path("adoption/mine/", my_adoption, name="my_adoption"),
    path("adoption/changes/", adoption_changes, name="adoption_changes"),
    path("adoption/<int:pk>/", adoption_standard, name="adoption_standard"),
    path("adoption/declarations/<int:pk>/withdraw/", adoption_withdraw, name="adoption_withdraw"),
    path("adoption/declarations/<int:pk>/evidence/", adoption_evidence, name="adoption_evidence"),
]
