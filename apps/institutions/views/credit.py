"""Credit pages (INS-3): the institution's "Credit rating" tab (score, grade and its consequences, the
breakdown item by item, the trend), adjustments by a department, objections by the institution and
the department's work list of open objections. Rules, grades and the scheme: views/credit_rules.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import CreditEvent, CreditGrade, CreditObjection, CreditSnapshot, Institution
from ..services import credit_actions
from ..services.credit import credit_scheme
from . import credit_rules
from .credit_chart import trend_chart
from .credit_forms import AdjustForm, ObjectionDecisionForm, ObjectionForm
from .credit_rules import grade_tones, localized

TREND_POINTS = 60  # the latest changes drawn in the trend
PAST_ITEMS = 50  # expired and withdrawn items listed under the current ones
SAFE_LINKS = ("/", "https://", "http://")  # source links come from other apps; never a javascript: URL


def item_state(event: CreditEvent, today) -> str:
    if event.status == CreditEvent.Status.WITHDRAWN:
        return "withdrawn"
    if event.effective_until < today:
        return "expired"
    if event.occurred_on > today:
        return "pending"
    return "in_force"


ITEM_STATE_LABELS = {
    "in_force": translation.gettext_lazy("In force"), "pending": translation.gettext_lazy("Not yet in force"),
    "expired": translation.gettext_lazy("Expired"), "withdrawn": translation.gettext_lazy("Withdrawn"),
}


def _institution(request, pk: int) -> Institution:
    institution = policy.get_object(request.user, Institution.objects.select_related("region__parent"),
                                    "institutions.view_institution", pk=pk)
    policy.require(request.user, "institutions.view_creditevent", institution)
    return institution


def _items(institution: Institution, user, today):
    """Current items (in force or not yet) and past ones (expired or withdrawn), each with its state,
    its latest objection and whether the viewer may object to it."""
    objections = Prefetch("objections", queryset=CreditObjection.objects.order_by("-submitted_at", "-pk"))
    events = (CreditEvent.objects.filter(institution=institution).select_related("rule")
              .prefetch_related(objections).order_by("-occurred_on", "-pk"))
    may_object = (user.organisation_id == institution.pk
                  and user.has_perm("institutions.add_creditobjection"))
    current, past = [], []
    live = events.filter(status=CreditEvent.Status.IN_FORCE, effective_until__gte=today)
    ended = events.exclude(pk__in=live.values("pk"))[:PAST_ITEMS]
    for event in [*live, *ended]:
        event.state = item_state(event, today)
        event.state_label = ITEM_STATE_LABELS[event.state]
        event.rule_description = localized(event.rule, "description")
        event.is_adjustment = event.source_type == credit_actions.ADJUSTMENT_SOURCE
        event.source_link = event.source_url if event.source_url.startswith(SAFE_LINKS) else ""
        latest = event.objections.all()[0] if event.objections.all() else None
        event.objection = latest
        event.may_object = (may_object and event.state == "in_force"
                            and (latest is None or latest.status != CreditObjection.Status.SUBMITTED))
        (current if event.state in ("in_force", "pending") else past).append(event)
    return current, past


def _tab_context(request, institution: Institution, *, adjust_form=None) -> dict:
    today = timezone.localdate()
    scheme = credit_scheme()
    grades = list(CreditGrade.objects.order_by("-min_score"))
    grade = next((g for g in grades if g.code == institution.credit_grade), None)
    if grade is not None:
        grade.display_label = localized(grade, "label")
    current, past = _items(institution, request.user, today)
    in_force_total = sum(e.points for e in current if e.state == "in_force")
    snapshots = list(CreditSnapshot.objects.filter(institution=institution).order_by("-computed_at")
                     [:TREND_POINTS])[::-1]
    may_adjust = policy.can(request.user, "institutions.adjust_credit", institution)
    return {
        "institution": institution, "tab": "credit", "scheme": scheme, "grade": grade, "grades": grades,
        "grade_tone": grade_tones(grades).get(institution.credit_grade, "secondary"),
        "current_items": current, "past_items": past, "in_force_total": in_force_total,
        "clamped": scheme.base_score + in_force_total != institution.credit_score,
        "chart": trend_chart(snapshots, grades=grades, low=scheme.min_score, high=scheme.max_score,
                             now=timezone.now()),
        "may_adjust": may_adjust, "adjust_form": adjust_form or (AdjustForm() if may_adjust else None),
    }


@login_required
def credit_tab(request, pk: int):
    """The rating explained item by item, each item linking to the record that caused it (INS-3)."""
    institution = _institution(request, pk)
    return render(request, "institutions/credit/tab.html", _tab_context(request, institution))


@login_required
@require_POST
def credit_adjust(request, pk: int):
    institution = _institution(request, pk)
    policy.require(request.user, "institutions.adjust_credit", institution)
    form = AdjustForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        event = run_service(request, form, lambda: credit_actions.credit_adjust(
            institution=institution, points=data["points"], reason=data["reason"], until=data["until"],
            by=request.user), success_message=_("The rating has been adjusted."))
        if event is not None:
            return redirect("institutions:credit", institution.pk)
    institution.refresh_from_db()
    return render(request, "institutions/credit/tab.html",
                  _tab_context(request, institution, adjust_form=form), status=400)


def _event(request, pk: int) -> CreditEvent:
    return policy.get_object(request.user, CreditEvent.objects.select_related("institution__region", "rule"),
                             "institutions.view_creditevent", pk=pk)


@login_required
def credit_object(request, pk: int):
    """The institution contests one item of its rating; its department decides."""
    event = _event(request, pk)
    policy.require(request.user, "institutions.add_creditobjection", event)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        objection = run_service(request, form, lambda: credit_actions.credit_objection_submit(
            event=event, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("Your objection has been submitted; the department will decide on it."))
        if objection is not None:
            return redirect("institutions:credit", event.institution_id)
    event.rule_description = localized(event.rule, "description")
    return render(request, "institutions/credit/object.html", {
        "institution": event.institution, "tab": "credit", "event": event, "form": form,
        "in_force": credit_actions.is_in_force(event),
    })


@login_required
def objection_list(request):
    """The department's work list: objections waiting for a decision in the jurisdiction first."""
    policy.require(request.user, "institutions.decide_credit_objection")
    rows = policy.visible(request.user, CreditObjection.objects.select_related("institution", "event__rule"),
                          "institutions.view_creditobjection")
    state = request.GET.get("status", CreditObjection.Status.SUBMITTED)
    if state in CreditObjection.Status.values:
        rows = rows.filter(status=state)
    return render(request, "institutions/credit/objection_list.html", {
        "page": paginate(request, rows.order_by("submitted_at", "pk") if state == "submitted"
                         else rows.order_by("-submitted_at", "-pk")),
        "state": state, "states": CreditObjection.Status.choices,
    })


@login_required
def objection_detail(request, pk: int):
    objection = policy.get_object(
        request.user,
        CreditObjection.objects.select_related("institution__region__parent", "event__rule", "submitted_by",
                                               "decided_by"),
        "institutions.view_creditobjection", pk=pk)
    may_decide = (objection.status == CreditObjection.Status.SUBMITTED
                  and policy.can(request.user, "institutions.decide_credit_objection", objection))
    form = ObjectionDecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            policy.require(request.user, "institutions.decide_credit_objection", objection)
            return redirect("institutions:credit_objection", objection.pk)  # already decided
        if form.is_valid():
            decided = run_service(request, form, lambda: credit_actions.credit_objection_decide(
                objection=objection, uphold=form.cleaned_data["decision"], reason=form.cleaned_data["reason"],
                by=request.user), success_message=_("The decision has been recorded; the institution is told."))
            if decided is not None:
                return redirect("institutions:credit_objection", objection.pk)
    objection.event.rule_description = localized(objection.event.rule, "description")
    return render(request, "institutions/credit/objection_detail.html", {
        "objection": objection, "event": objection.event, "institution": objection.institution, "tab": "credit",
        "form": form,
    })


urlpatterns = [
    path("<int:pk>/credit/", credit_tab, name="credit"),
    path("<int:pk>/credit/adjust/", credit_adjust, name="credit_adjust"),
    path("credit/items/<int:pk>/object/", credit_object, name="credit_object"),
    path("credit/objections/", objection_list, name="credit_objections"),
    path("credit/objections/<int:pk>/", objection_detail, name="credit_objection"),
    *credit_rules.urlpatterns,
]
