"""Plans, pools, conflicts of interest, the risk ranking and selections (SUP-1, SUP-2): thin HTML views over
services/plans.py, services/risk.py and services/selection.py. Who may see or do what is the services' and
the policy layer's decision; these views only fetch through the policy and render."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate
from apps.institutions.models import Institution
from apps.regions.models import Region

from .. import draw
from ..models import ChecklistVersion, ConflictOfInterest, Inspection, InspectionPlan, TargetSelection
from ..selectors_plans import VIEW_PLAN, VIEW_SELECTION, plan_candidates, plan_list, plan_types
from ..services import plans as plan_services
from ..services import risk as risk_services
from ..services import selection as selection_services
from ..workflows import MANAGE_PLAN

User = get_user_model()
VIEW_CONFLICT = "inspections.view_conflictofinterest"


# --- forms -----------------------------------------------------------------------------------------------


def _scope_region_choices(department) -> list[tuple[str, str]]:
    """The divisions directly below the department (the provinces for the national department)."""
    if department is None:
        return []
    if department.region_id is None:
        rows = Region.objects.filter(level=Region.Level.PROVINCE)
    else:
        rows = Region.objects.filter(Q(parent_id=department.region_id) | Q(pk=department.region_id))
    return [(region.code, f"{region.code} {region.name}") for region in rows.order_by("code")]


class PlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InspectionPlan.Kind.choices)
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), choices=InspectionPlan.Subject.choices,
                                widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial=InspectionPlan.Subject.ROUTINE)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=gettext_lazy("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Ends"), widget=forms.DateInput(attrs={"type": "date"}))
    scope_regions = forms.MultipleChoiceField(
        label=gettext_lazy("Regions"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen = the whole jurisdiction of your department."))
    scope_types = forms.MultipleChoiceField(
        label=gettext_lazy("Institution types"), required=False, choices=Institution.Type.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen = every type (an evaluation of platforms and providers: data service "
                               "providers and data application entities)."))
    checklist = forms.ModelChoiceField(label=gettext_lazy("Checklist"), queryset=ChecklistVersion.objects.none())

    def __init__(self, *args, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_regions"].choices = _scope_region_choices(department)
        self.fields["checklist"].queryset = ChecklistVersion.objects.filter(
            status=ChecklistVersion.Status.PUBLISHED).select_related("template").order_by("template__code")
        self.fields["checklist"].label_from_instance = (
            lambda version: f"{version.template.name} (v{version.number})")


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the plan is cancelled"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PoolAddForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Inspector"), queryset=User.objects.none())

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = plan_services.pool_candidates(plan)
        self.fields["user"].label_from_instance = (
            lambda user: f"{user.get_full_name()} · {user.organisation.name}")


class SelectionForm(forms.Form):
    target_count = forms.IntegerField(label=gettext_lazy("Number of targets"), min_value=1, initial=5)
    team_size = forms.IntegerField(label=gettext_lazy("Inspectors per target"), min_value=1,
                                   max_value=selection_services.MAX_TEAM_SIZE, initial=2)
    void_reason = forms.CharField(
        label=gettext_lazy("Why the selection in force is replaced"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Only when a selection of this method is in force; its planned inspections are "
                               "cancelled and the reason is recorded (and published for a draw)."))


class ConflictForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Inspector"), queryset=User.objects.none(), required=False,
                                  help_text=gettext_lazy("Empty = yourself."))
    credit_code = forms.CharField(label=gettext_lazy("Unified social credit code of the institution"),
                                  max_length=18, min_length=18)
    reason = forms.CharField(label=gettext_lazy("Nature of the tie"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))
    ends_on = forms.DateField(label=gettext_lazy("In force until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=gettext_lazy("Empty = until withdrawn."))

    def __init__(self, *args, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        if by is not None and by.has_perm(MANAGE_PLAN):
            managed = policy.visible(by, InspectionPlan, MANAGE_PLAN)
            self.fields["user"].queryset = User.objects.filter(
                pk__in=managed.values("pool__user_id")).order_by("full_name", "pk")
            self.fields["user"].label_from_instance = lambda user: user.get_full_name()
        else:
            del self.fields["user"]


# --- helpers ---------------------------------------------------------------------------------------------


def _plan(request, pk) -> InspectionPlan:
    return policy.get_object(request.user, InspectionPlan.objects.select_related(
        "department", "checklist__template", "created_by"), VIEW_PLAN, pk=pk)


def _may_manage(user, plan) -> bool:
    return policy.can(user, MANAGE_PLAN, plan)


def _require_manage(user, plan) -> None:
    if not _may_manage(user, plan):
        raise errors.PermissionDenied()


def _plan_data(form) -> dict:
    return dict(form.cleaned_data)


# --- plans -----------------------------------------------------------------------------------------------


@login_required
def plan_list_view(request):
    """The department's plans and those of the departments below it."""
    policy.require(request.user, VIEW_PLAN)
    page = paginate(request, plan_list(request.user, request.GET))
    return render(request, "inspections/plans/list.html", {
        "page": page, "statuses": InspectionPlan.Status.choices, "kinds": InspectionPlan.Kind.choices,
        "may_create": request.user.has_perm(MANAGE_PLAN) and request.user.is_regulator})


@login_required
def plan_create(request):
    policy.require(request.user, MANAGE_PLAN)
    department = request.user.organisation if request.user.is_regulator else None
    if department is None:
        raise errors.PermissionDenied()
    form = PlanForm(request.POST or None, department=department)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            plan = run_service(request, form, lambda: plan_services.plan_create(data=_plan_data(form), by=request.user),
                               success_message=_("The plan is saved as a draft."))
            if plan is not None:
                return redirect("inspections:plan_detail", plan.pk)
        status = 400
    return render(request, "inspections/plans/form.html", {"form": form, "plan": None}, status=status)


@login_required
def plan_edit(request, pk: int):
    plan = _plan(request, pk)
    _require_manage(request.user, plan)
    initial = {name: getattr(plan, name) for name in plan_services.PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial=initial, department=plan.department)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = run_service(request, form, lambda: plan_services.plan_update(
                plan=plan, data=_plan_data(form), by=request.user), success_message=_("The plan is changed."))
            if saved is not None:
                return redirect("inspections:plan_detail", plan.pk)
        status = 400
    return render(request, "inspections/plans/form.html", {"form": form, "plan": plan}, status=status)


@login_required
def plan_detail(request, pk: int):
    plan = _plan(request, pk)
    selections = list(plan.selections.select_related("drawn_by").order_by("-number"))
    inspections = list(plan.inspections.select_related("institution", "selection").order_by("pk")[:200])
    regions = dict(Region.objects.filter(code__in=plan.scope_regions).values_list("code", "name"))
    return render(request, "inspections/plans/detail.html", {
        "plan": plan, "selections": selections, "inspections": inspections,
        "pool": list(plan.pool.select_related("user__organisation").order_by("user__full_name", "user_id")),
        "scope_regions": [(code, regions.get(code, "")) for code in plan.scope_regions],
        "scope_types": [Institution.Type(value).label for value in plan_types(plan)
                        if value in Institution.Type.values],
        "may_manage": _may_manage(request.user, plan), "cancel_form": CancelForm()})


def _transition(request, pk, call, message):
    plan = _plan(request, pk)
    try:
        call(plan)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("inspections:plan_detail", plan.pk)


@login_required
@require_POST
def plan_activate(request, pk: int):
    return _transition(request, pk, lambda plan: plan_services.plan_activate(plan=plan, by=request.user),
                       _("The plan is in progress: targets can now be selected."))


@login_required
@require_POST
def plan_close(request, pk: int):
    return _transition(request, pk, lambda plan: plan_services.plan_close(plan=plan, by=request.user),
                       _("The plan is closed."))


@login_required
@require_POST
def plan_cancel(request, pk: int):
    plan = _plan(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid() and run_service(request, form, lambda: plan_services.plan_cancel(
            plan=plan, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The plan is cancelled.")) is not None:
        return redirect("inspections:plan_detail", plan.pk)
    return render(request, "inspections/plans/cancel.html", {"form": form, "plan": plan}, status=400)


@login_required
def plan_pool(request, pk: int):
    """The plan's inspector pool: who may be drawn (inspectors and heads of departments in the jurisdiction)."""
    plan = _plan(request, pk)
    may_manage = _may_manage(request.user, plan)
    form = PoolAddForm(request.POST or None, plan=plan) if may_manage else None
    status = 200
    if request.method == "POST":
        _require_manage(request.user, plan)
        if "remove" in request.POST:
            raw = request.POST["remove"]
            user = User.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
            if user is None:
                raise errors.NotFound()
            plan_services.plan_pool_remove(plan=plan, user=user, by=request.user)
            messages.success(request, _("%(name)s is out of the pool.") % {"name": user.get_full_name()})
            return redirect("inspections:plan_pool", plan.pk)
        if form.is_valid() and run_service(request, form, lambda: plan_services.plan_pool_add(
                plan=plan, user=form.cleaned_data["user"], by=request.user),
                success_message=_("The inspector is in the pool.")) is not None:
            return redirect("inspections:plan_pool", plan.pk)
        status = 400
    members = list(plan.pool.select_related("user__organisation").order_by("user__full_name", "user_id"))
    return render(request, "inspections/plans/pool.html", {
        "plan": plan, "members": members, "form": form, "may_manage": may_manage}, status=status)


# --- conflicts of interest -------------------------------------------------------------------------------


@login_required
def conflict_list(request):
    """Declared conflicts of interest in the jurisdiction, and the form to declare one."""
    policy.require(request.user, VIEW_CONFLICT)
    may_declare = request.user.has_perm(plan_services.DECLARE_CONFLICT) or request.user.has_perm(MANAGE_PLAN)
    form = ConflictForm(request.POST or None, by=request.user) if may_declare else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise errors.PermissionDenied()
        if form.is_valid():
            institution = policy.visible(request.user, Institution, "institutions.view_institution").filter(
                credit_code=form.cleaned_data["credit_code"].upper()).first()
            if institution is None:
                form.add_error("credit_code", _("No institution with this code in your jurisdiction."))
            elif run_service(request, form, lambda: plan_services.conflict_declare(
                    user=form.cleaned_data.get("user") or request.user, institution=institution,
                    reason=form.cleaned_data["reason"], ends_on=form.cleaned_data["ends_on"], by=request.user),
                    success_message=_("The conflict of interest is recorded.")) is not None:
                return redirect("inspections:conflict_list")
        status = 400
    rows = policy.visible(request.user, ConflictOfInterest.objects.select_related("user", "institution"),
                          VIEW_CONFLICT).order_by("-declared_at", "-pk")
    return render(request, "inspections/plans/conflicts.html", {"page": paginate(request, rows), "form": form},
                  status=status)


# --- risk ranking and selections -------------------------------------------------------------------------


def _explained(rows: list[dict]) -> list[dict]:
    return [{**row, "why": risk_services.explain(row)} for row in rows]


def _selection_page(request, plan, method, template, extra):
    may_manage = _may_manage(request.user, plan)
    form = SelectionForm(request.POST or None) if may_manage else None
    status = 200
    if request.method == "POST":
        _require_manage(request.user, plan)
        service = (selection_services.selection_draw if method == TargetSelection.Method.RANDOM
                   else selection_services.selection_risk_create)
        if form.is_valid():
            selection = run_service(request, form, lambda: service(
                plan=plan, target_count=form.cleaned_data["target_count"], team_size=form.cleaned_data["team_size"],
                void_reason=form.cleaned_data["void_reason"], by=request.user),
                success_message=_("The targets are selected and their inspections planned."))
            if selection is not None:
                return redirect("inspections:selection_detail", selection.pk)
        status = 400
    in_force = plan.selections.filter(method=method, status=TargetSelection.Status.IN_FORCE).first()
    return render(request, template, {"plan": plan, "form": form, "may_manage": may_manage, "in_force": in_force,
                                      "pool_size": plan.pool.count(), **extra}, status=status)


@login_required
def risk_ranking(request, pk: int):
    """The 100 riskiest candidates of the plan's scope and why (each part with its points)."""
    plan = _plan(request, pk)
    rows = _explained(risk_services.risk_ranking(plan, limit=100))
    return _selection_page(request, plan, TargetSelection.Method.RISK, "inspections/plans/risk.html",
                           {"rows": rows})


@login_required
def draw_view(request, pk: int):
    """The double-random draw form, with the number of candidates and the pool it will read."""
    plan = _plan(request, pk)
    candidates = plan_candidates(plan, TargetSelection.Method.RANDOM).count()
    return _selection_page(request, plan, TargetSelection.Method.RANDOM, "inspections/plans/draw.html",
                           {"candidate_count": candidates})


def _selection(request, pk) -> TargetSelection:
    return policy.get_object(request.user, TargetSelection.objects.select_related(
        "plan__department", "drawn_by"), VIEW_SELECTION, pk=pk)


def selection_rows(selection: TargetSelection) -> list[dict]:
    """The result with institution and inspector names, and the inspection each target became."""
    institution_ids = [row["institution"] for row in selection.result]
    names = dict(Institution.objects.filter(pk__in=institution_ids).values_list("pk", "name"))
    users = {user.pk: user.get_full_name() for user in User.objects.filter(
        pk__in={u for row in selection.result for u in row["inspectors"]}).only("pk", "full_name", "username")}
    inspections = {inspection.institution_id: inspection for inspection in Inspection.objects.filter(
        selection=selection).only("pk", "number", "status", "outcome", "scheduled_on", "institution_id")}
    return [{"institution": row["institution"], "name": names.get(row["institution"], ""),
             "inspectors": [users.get(user, str(user)) for user in row["inspectors"]],
             "inspection": inspections.get(row["institution"])} for row in selection.result]


def exclusion_rows(selection: TargetSelection) -> list[dict]:
    labels = {draw.EXCLUDED_CONFLICT: _("declared conflict of interest"),
              draw.EXCLUDED_AFFILIATED: _("works for the institution"),
              draw.EXCLUDED_LAST_TEAM: _("on the team of its last inspection")}
    ids = [int(key) for key in selection.exclusions]
    names = dict(Institution.objects.filter(pk__in=ids).values_list("pk", "name"))
    users = {user.pk: user.get_full_name() for user in User.objects.filter(
        pk__in={pair[0] for rows in selection.exclusions.values() for pair in rows}).only("pk", "full_name",
                                                                                            "username")}
    return [{"institution": names.get(int(key), key), "user": users.get(user, str(user)),
             "reason": labels.get(reason, reason)}
            for key, rows in selection.exclusions.items() for user, reason in rows]


@login_required
def selection_detail(request, pk: int):
    """A selection: its inputs (ranking and why, or the draw's candidates), result, and a replay."""
    selection = _selection(request, pk)
    replay = None
    if request.method == "POST":
        replay = selection_services.selection_replay(selection)
    return render(request, "inspections/plans/selection.html", {
        "selection": selection, "plan": selection.plan, "rows": selection_rows(selection),
        "exclusions": exclusion_rows(selection), "ranking": _explained(selection.ranking or []),
        "replay": replay, "replay_help": draw.REPLAY_HELP})


def protocol_response(selection: TargetSelection) -> HttpResponse:
    """The selection's protocol as a JSON download (generated, not a stored file)."""
    body = json.dumps(selection_services.selection_protocol(selection), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="selection-{selection.plan.number}-{selection.number}.json"')
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def selection_protocol(request, pk: int):
    return protocol_response(_selection(request, pk))


urlpatterns = [
    path("plans/", plan_list_view, name="plan_list"),
    path("plans/new/", plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:pk>/activate/", plan_activate, name="plan_activate"),
    path("plans/<int:pk>/close/", plan_close, name="plan_close"),
    path("plans/<int:pk>/cancel/", plan_cancel, name="plan_cancel"),
    path("plans/<int:pk>/pool/", plan_pool, name="plan_pool"),
    path("plans/<int:pk>/risk/", risk_ranking, name="risk_ranking"),
    path("plans/<int:pk>/draw/", draw_view, name="draw"),
    path("selections/<int:pk>/", selection_detail, name="selection_detail"),
    path("selections/<int:pk>/protocol.json", selection_protocol, name="selection_protocol"),
    path("conflicts/", conflict_list, name="conflict_list"),
]
