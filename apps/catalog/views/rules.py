"""The approval route table (SVC-2): read by everyone signed in; the national department adds, changes and
takes rules out of use, each time with a reason kept in the rule's history (services/rules.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import run_service

from ..models import RouteRule, StepKind
from ..services import rules as rule_services
from .rules_forms import DeactivateForm, RuleForm


def _require_manager(request) -> None:
    if not rule_services.may_manage_rules(request.user):
        raise errors.PermissionDenied(_("Only the national department maintains the approval route table."))


@login_required
def rule_list(request):
    """The table in the order rules are tried, with the last change of each."""
    rules = list(policy.visible(request.user, RouteRule.objects.select_related("updated_by")).order_by("priority"))
    last_reasons = {}
    for row in (RouteRule.history.filter(id__in=[rule.pk for rule in rules]).order_by("id", "-history_date")
                .distinct("id").values("id", "history_change_reason")):
        last_reasons[row["id"]] = row["history_change_reason"] or ""
    for rule in rules:
        rule.last_reason = last_reasons.get(rule.pk, "")
        rule.step_labels = [StepKind(kind).label for kind in rule.steps]
    return render(request, "catalog/rules/list.html", {
        "rules": rules, "may_manage": rule_services.may_manage_rules(request.user),
        "deactivate_form": DeactivateForm()})


def _rule(request, pk) -> RouteRule:
    return policy.get_object(request.user, RouteRule, pk=pk)


def _initial(rule: RouteRule) -> dict:
    return {name: getattr(rule, name) for name in ("priority", "name", "min_level", "max_level", "category",
                                                   "open_form", "sharing_type", "jurisdictions", "steps", "refuse",
                                                   "refusal_reason", "is_active")}


def _edit(request, rule: RouteRule | None):
    _require_manager(request)
    form = RuleForm(request.POST or None, initial=_initial(rule) if rule else {
        "priority": (RouteRule.objects.order_by("-priority").values_list("priority", flat=True).first() or 0) + 10})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = run_service(request, form, lambda: rule_services.rule_save(
                rule, data=form.rule_data(), reason=form.cleaned_data["reason"], by=request.user),
                success_message=_("The route table is changed; routes computed from now on follow it."))
            if saved is not None:
                return redirect("catalog:rule_list")
        status = 400
    return render(request, "catalog/rules/edit.html", {"form": form, "rule": rule}, status=status)


@login_required
def rule_create(request):
    return _edit(request, None)


@login_required
def rule_edit(request, pk: int):
    return _edit(request, _rule(request, pk))


@login_required
@require_POST
def rule_deactivate(request, pk: int):
    rule = _rule(request, pk)
    _require_manager(request)
    form = DeactivateForm(request.POST)
    if form.is_valid() and run_service(request, form, lambda: rule_services.rule_deactivate(
            rule, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The rule is out of use; routes computed from now on ignore it.")) is not None:
        return redirect("catalog:rule_list")
    return render(request, "catalog/rules/deactivate.html", {"form": form, "rule": rule}, status=400)


urlpatterns = [
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/", rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/deactivate/", rule_deactivate, name="rule_deactivate"),
]
