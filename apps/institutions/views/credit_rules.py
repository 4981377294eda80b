"""The credit rule table, grades and scheme (INS-3): every department and institution reads them; only
the national department changes them (apps.institutions.services.credit_rules decides)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.forms import run_service

from ..models import CreditGrade, CreditRule
from ..services import credit_rules as rule_services
from ..services.credit import credit_scheme
from .credit_forms import GradeForm, RuleForm, SchemeForm


def localized(obj, field: str) -> str:
    """The English variant of a reference text when English is active and one exists."""
    language = translation.get_language() or ""
    english = getattr(obj, f"{field}_en", "") if not language.startswith("zh") else ""
    return english or getattr(obj, field)


TONES = ("success", "primary", "warning", "danger")


def grade_tones(grades: list[CreditGrade]) -> dict[str, str]:
    """A Bootstrap colour per grade code, from the best (success) to the worst (danger)."""
    ordered = sorted(grades, key=lambda g: -g.min_score)
    last = max(len(ordered) - 1, 1)
    return {g.code: TONES[round(index * (len(TONES) - 1) / last)] for index, g in enumerate(ordered)}


def grade_range_label(grades: list[CreditGrade], index: int) -> str:
    """"≥ 90", "75–89", "< 60" for grades ordered from the highest minimum down."""
    grade = grades[index]
    if index == len(grades) - 1 and index > 0:
        return f"< {grades[index - 1].min_score}"
    if index == 0:
        return f"≥ {grade.min_score}"
    return f"{grade.min_score}–{grades[index - 1].min_score - 1}"


def _require_manager(request) -> None:
    policy.require(request.user, "institutions.manage_credit_rules")
    if not rule_services.credit_rules_may_manage(request.user):
        raise errors.PermissionDenied(_("Only the national health department maintains the credit rules."))


@login_required
def rules_overview(request):
    """The scheme, the grades with their consequences and the rule table, with edit links for the
    national department."""
    policy.require(request.user, "institutions.view_creditrule")
    rules = list(CreditRule.objects.annotate(used=Count("events")).order_by("trigger", "-is_active", "code"))
    for rule in rules:
        rule.display_description = localized(rule, "description")
    grades = list(CreditGrade.objects.order_by("-min_score"))
    tones = grade_tones(grades)
    for index, grade in enumerate(grades):
        grade.display_label = localized(grade, "label")
        grade.tone = tones[grade.code]
        grade.range_label = grade_range_label(grades, index)
    return render(request, "institutions/credit/rules.html", {
        "scheme": credit_scheme(), "grades": grades, "rules": rules,
        "may_manage": rule_services.credit_rules_may_manage(request.user),
    })


@login_required
def rule_create(request):
    _require_manager(request)
    form = RuleForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        rule = run_service(request, form, lambda: rule_services.credit_rule_create(
            data=data, reason=reason, by=request.user),
            success_message=_("The rule has been created."))
        if rule is not None:
            return redirect("institutions:credit_rules")
    return render(request, "institutions/credit/rule_form.html", {"form": form, "rule": None})


@login_required
def rule_edit(request, pk: int):
    _require_manager(request)
    rule = CreditRule.objects.annotate(used=Count("events")).filter(pk=pk).first()
    if rule is None:
        raise Http404
    initial = {f: getattr(rule, f) for f in ("description", "description_en", "points", "duration_days",
                                             "is_active")}
    form = RuleForm(request.POST or None, creating=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        saved = run_service(request, form, lambda: rule_services.credit_rule_update(
            rule=rule, data=data, reason=reason, by=request.user),
            success_message=_("The rule has been changed; it applies to events recorded from now on."))
        if saved is not None:
            return redirect("institutions:credit_rules")
    return render(request, "institutions/credit/rule_form.html", {"form": form, "rule": rule})


@login_required
def grade_edit(request, code: str):
    _require_manager(request)
    grade = CreditGrade.objects.filter(code=code).first()
    if grade is None:
        raise Http404
    initial = {f: getattr(grade, f) for f in ("label", "label_en", "min_score", "inspection_interval_months",
                                              "may_apply_for_data", "on_blacklist", "proposes_suspension")}
    form = GradeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        saved = run_service(request, form, lambda: rule_services.credit_grade_update(
            grade=grade, data=data, reason=reason, by=request.user),
            success_message=_("The grade has been changed; every rating is being recomputed."))
        if saved is not None:
            return redirect("institutions:credit_rules")
    return render(request, "institutions/credit/grade_form.html", {"form": form, "grade": grade})


@login_required
def scheme_edit(request):
    _require_manager(request)
    scheme = credit_scheme()
    initial = {f: getattr(scheme, f) for f in ("base_score", "min_score", "max_score", "readmission_wait_days")}
    form = SchemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        saved = run_service(request, form, lambda: rule_services.credit_scheme_update(
            data=data, reason=reason, by=request.user),
            success_message=_("The scoring scheme has been changed; every rating is being recomputed."))
        if saved is not None:
            return redirect("institutions:credit_rules")
    return render(request, "institutions/credit/scheme_form.html", {"form": form, "scheme": scheme})


urlpatterns = [
    path("credit/rules/", rules_overview, name="credit_rules"),
    path("credit/rules/new/", rule_create, name="credit_rule_create"),
    path("credit/rules/<int:pk>/edit/", rule_edit, name="credit_rule_edit"),
    path("credit/grades/<str:code>/edit/", grade_edit, name="credit_grade_edit"),
    path("credit/scheme/edit/", scheme_edit, name="credit_scheme_edit"),
]
