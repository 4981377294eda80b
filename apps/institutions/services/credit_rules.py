"""Maintaining the credit rule table, the grades and the scheme (INS-3).

Only the national department maintains them (one rating system for the whole country, M.6); every
department reads them. A rule's points and duration are copied onto each event when it is recorded,
so changing a rule affects future events only. Grades and the scheme apply to every rating at once;
changing them schedules a recompute of everyone after commit."""

from __future__ import annotations

import itertools
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import CreditGrade, CreditRule, CreditScheme, CreditTrigger
from .credit import credit_scheme

RULE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{1,31}$")
POINTS_LIMIT = 100
MAX_DURATION_DAYS = 3650
MIN_REASON = 5


def credit_rules_may_manage(user) -> bool:
    """Holds the permission and acts for the whole country (the national department), or a superuser."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("institutions.manage_credit_rules"):
        return False
    return user.is_superuser or policy.jurisdiction_prefix(user) == ""


def _require_manager(by) -> None:
    policy.require(by, "institutions.manage_credit_rules")
    if not credit_rules_may_manage(by):
        raise errors.PermissionDenied(_("Only the national health department maintains the credit rules."))


def _reason(reason: str, field_errors: dict) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        field_errors["reason"] = [_("Give the reason for the change (at least %(n)d characters).")
                                  % {"n": MIN_REASON}]
    return reason


def _integer(data: dict, field: str, field_errors: dict, *, low: int, high: int) -> int | None:
    try:
        value = int(data.get(field))
    except (TypeError, ValueError):
        field_errors[field] = [_("Enter a whole number.")]
        return None
    if not low <= value <= high:
        field_errors[field] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return value


def _schedule_recompute_of_everyone() -> None:
    from ..tasks import credit_recompute_everyone

    credit_recompute_everyone.delay_on_commit()


# --- rules ------------------------------------------------------------------------------------------


def _clean_rule(data: dict, *, rule: CreditRule | None) -> tuple[dict, dict]:
    field_errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if rule is None:
        code = (data.get("code") or "").strip().upper()
        if not RULE_CODE.match(code):
            field_errors["code"] = [_("Use 2 to 32 capital letters, digits, dots, hyphens or underscores.")]
        elif CreditRule.objects.filter(code=code).exists():
            field_errors["code"] = [_("A rule with this code already exists.")]
        cleaned["code"] = code
        trigger = data.get("trigger") or ""
        if trigger not in CreditTrigger.values:
            field_errors["trigger"] = [_("Choose the event that triggers the rule.")]
        cleaned["trigger"] = trigger
    for field, limit, required in (("description", 200, True), ("description_en", 300, False)):
        value = (data.get(field) or "").strip()
        if required and not value:
            field_errors[field] = [_("This field is required.")]
        elif len(value) > limit:
            field_errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
        cleaned[field] = value
    cleaned["points"] = _integer(data, "points", field_errors, low=-POINTS_LIMIT, high=POINTS_LIMIT)
    cleaned["duration_days"] = _integer(data, "duration_days", field_errors, low=1, high=MAX_DURATION_DAYS)
    cleaned["is_active"] = bool(data.get("is_active"))
    trigger = cleaned.get("trigger") or (rule.trigger if rule else "")
    if cleaned["is_active"] and trigger:
        other = CreditRule.objects.filter(trigger=trigger, is_active=True).exclude(pk=rule.pk if rule else None)
        other = other.first()
        if other is not None:
            field_errors["is_active"] = [
                _("Rule %(code)s is already active for this event; deactivate it first (one active rule per "
                  "event).") % {"code": other.code}]
    return cleaned, field_errors


def _save_rule(rule: CreditRule, *, by, reason: str) -> CreditRule:
    try:
        with transaction.atomic():
            return save_tracked(rule, by=by, reason=reason)
    except IntegrityError:  # a concurrent change activated another rule for the trigger, or took the code
        raise errors.ValidationFailed(field_errors={"is_active": [
            _("Another rule for this event was activated or created at the same time; reload and try again.")
        ]}) from None


@transaction.atomic
def credit_rule_create(*, data: dict, reason: str, by) -> CreditRule:
    """A new rule (INS-3): national department only, one active rule per triggering event."""
    _require_manager(by)
    cleaned, field_errors = _clean_rule(data, rule=None)
    reason = _reason(reason, field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return _save_rule(CreditRule(**cleaned), by=by, reason=f"created: {reason}")


@transaction.atomic
def credit_rule_update(*, rule: CreditRule, data: dict, reason: str, by) -> CreditRule:
    """Change a rule's points, duration, descriptions or activity; events already recorded keep theirs."""
    _require_manager(by)
    rule = CreditRule.objects.select_for_update().get(pk=rule.pk)
    cleaned, field_errors = _clean_rule(data, rule=rule)
    reason = _reason(reason, field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    for field, value in cleaned.items():
        setattr(rule, field, value)
    return _save_rule(rule, by=by, reason=reason)


# --- grades -----------------------------------------------------------------------------------------


@transaction.atomic
def credit_grade_update(*, grade: CreditGrade, data: dict, reason: str, by) -> CreditGrade:
    """Change a grade's minimum score or its consequences (INS-3, INS-4).

    Minimum scores must stay strictly ordered by grade (A above B above C ...), so that every score
    has exactly one grade. Every rating is recomputed after commit."""
    _require_manager(by)
    grades = {g.code: g for g in CreditGrade.objects.select_for_update().order_by("code")}
    grade = grades[grade.code]
    field_errors: dict[str, list[str]] = {}
    label = (data.get("label") or "").strip()
    if not label:
        field_errors["label"] = [_("This field is required.")]
    for field, value in (("label", label), ("label_en", (data.get("label_en") or "").strip())):
        if len(value) > 50:
            field_errors[field] = [_("At most %(limit)d characters.") % {"limit": 50}]
    scheme = credit_scheme()
    min_score = _integer(data, "min_score", field_errors, low=scheme.min_score, high=scheme.max_score)
    interval = _integer(data, "inspection_interval_months", field_errors, low=1, high=120)
    if min_score is not None:
        ordered = [min_score if code == grade.code else g.min_score for code, g in grades.items()]
        if any(higher <= lower for higher, lower in itertools.pairwise(ordered)):
            field_errors["min_score"] = [
                _("Minimum scores must fall strictly from grade to grade (%(order)s); this value breaks the "
                  "order.") % {"order": " > ".join(grades)}]
    reason = _reason(reason, field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    grade.label, grade.label_en = label, (data.get("label_en") or "").strip()
    grade.min_score, grade.inspection_interval_months = min_score, interval
    for flag in ("may_apply_for_data", "on_blacklist", "proposes_suspension"):
        setattr(grade, flag, bool(data.get(flag)))
    save_tracked(grade, by=by, reason=reason)
    _schedule_recompute_of_everyone()
    return grade


# --- scheme -----------------------------------------------------------------------------------------


@transaction.atomic
def credit_scheme_update(*, data: dict, reason: str, by) -> CreditScheme:
    """Change the base score, the range or the re-admission wait; every rating is recomputed after commit."""
    from django.utils import timezone

    _require_manager(by)
    scheme = CreditScheme.objects.select_for_update().get(pk=credit_scheme().pk)
    field_errors: dict[str, list[str]] = {}
    base = _integer(data, "base_score", field_errors, low=0, high=1000)
    low = _integer(data, "min_score", field_errors, low=0, high=1000)
    high = _integer(data, "max_score", field_errors, low=0, high=1000)
    wait = _integer(data, "readmission_wait_days", field_errors, low=0, high=MAX_DURATION_DAYS)
    if None not in (base, low, high):
        if low >= high:
            field_errors["max_score"] = [_("The highest score must be above the lowest.")]
        elif not low <= base <= high:
            field_errors["base_score"] = [_("The base score must lie between the lowest and the highest score.")]
    reason = _reason(reason, field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    scheme.base_score, scheme.min_score, scheme.max_score = base, low, high
    scheme.readmission_wait_days, scheme.updated_at = wait, timezone.now()
    save_tracked(scheme, by=by, reason=reason)
    _schedule_recompute_of_everyone()
    return scheme
