"""The approval route table (SVC-2, SEC-4): one table, maintained by the national department.

"Unified hierarchical authorization": every department applies the same table, so only the national
department changes it (a provincial administrator holding manage_route_rules is refused). Every change
carries a reason in the rule's history. A change affects routes computed afterwards only: the steps of
routes already started keep the rule they were computed with (RouteStep.rule)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import DataCategory, Jurisdictions, OpenForm, RouteRule, SharingType, StepKind

MANAGE = "catalog.manage_route_rules"
RULE_FIELDS = ("priority", "name", "min_level", "max_level", "category", "open_form", "sharing_type",
               "jurisdictions", "steps", "refuse", "refusal_reason", "is_active")
_NAME_MAX = RouteRule._meta.get_field("name").max_length
_REASON_MAX = RouteRule._meta.get_field("refusal_reason").max_length
_PRIORITY_MAX = 32767


def may_manage_rules(user) -> bool:
    """Holders of manage_route_rules in the national department (or a platform superuser)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return (user.has_perm(MANAGE) and policy.jurisdiction_prefix(user) == ""
            and user.organisation is not None and user.organisation.is_active)


def _require_manager(user) -> None:
    policy.require(user, MANAGE)
    if not may_manage_rules(user):
        raise errors.PermissionDenied(_("Only the national department maintains the approval route table."))


def _change_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the table changes; the reason is kept in "
                                                                 "the rule's history.")]})
    return reason


def _as_int(value, name: str, problems: dict):
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        problems.setdefault(name, []).append(_("Enter a whole number."))
        return None


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _clean(values: dict, *, rule: RouteRule | None) -> dict:
    """Validate a complete set of rule values; ValidationFailed with every problem found."""
    problems: dict[str, list] = {}
    cleaned = {}
    priority = _as_int(values.get("priority"), "priority", problems)
    if priority is not None:
        if not 1 <= priority <= _PRIORITY_MAX:
            problems.setdefault("priority", []).append(_("The priority is a number from 1 to %(max)s.")
                                                       % {"max": _PRIORITY_MAX})
        else:
            taken = RouteRule.objects.filter(priority=priority)
            if rule is not None and rule.pk:
                taken = taken.exclude(pk=rule.pk)
            other = taken.first()
            if other is not None:
                problems.setdefault("priority", []).append(
                    _("Rule “%(name)s” already has priority %(priority)s; each rule has its own.")
                    % {"name": _(other.name), "priority": priority})
    cleaned["priority"] = priority
    name = str(values.get("name") or "").strip()
    if not name:
        problems.setdefault("name", []).append(_("Give the rule a name."))
    elif len(name) > _NAME_MAX:
        problems.setdefault("name", []).append(_("Keep the name under %(count)s characters.") % {"count": _NAME_MAX})
    cleaned["name"] = name
    levels = {}
    for key in ("min_level", "max_level"):
        level = _as_int(values.get(key), key, problems)
        if level is not None and not 1 <= level <= 5:
            problems.setdefault(key, []).append(_("Sensitivity levels go from 1 to 5."))
            level = None
        levels[key] = level
    if levels["min_level"] is not None and levels["max_level"] is not None and levels["min_level"] > levels["max_level"]:
        problems.setdefault("max_level", []).append(_("The upper level must not be below the lower level."))
    cleaned.update(levels)
    for key, choices in (("category", DataCategory), ("open_form", OpenForm), ("sharing_type", SharingType)):
        value = str(values.get(key) or "")
        if value and value not in choices.values:
            problems.setdefault(key, []).append(_("Choose one of the listed values, or none for any."))
        cleaned[key] = value
    jurisdictions = str(values.get("jurisdictions") or Jurisdictions.ANY)
    if jurisdictions not in Jurisdictions.values:
        problems.setdefault("jurisdictions", []).append(_("Choose one of the listed values."))
    cleaned["jurisdictions"] = jurisdictions
    refuse = _as_bool(values.get("refuse"))
    cleaned["refuse"] = refuse
    steps = values.get("steps") or []
    if isinstance(steps, str):
        steps = [steps]
    steps = [str(step) for step in steps]
    unknown = [step for step in steps if step not in StepKind.values]
    if unknown:
        problems.setdefault("steps", []).append(_("Unknown kind of step: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    if len(set(steps)) != len(steps):
        problems.setdefault("steps", []).append(_("Each kind of step appears once in a rule."))
    if refuse and steps:
        problems.setdefault("steps", []).append(_("A refusing rule has no review steps: leave them empty."))
    if not refuse and not steps:
        problems.setdefault("steps", []).append(_("Choose the review steps, or make the rule refuse."))
    # Steps are kept in the order they are decided, whatever order they were given in.
    order = {str(kind): index for index, kind in enumerate(StepKind.values)}
    cleaned["steps"] = sorted(steps, key=lambda step: order.get(step, len(order)))
    refusal_reason = str(values.get("refusal_reason") or "").strip()
    if refuse and not refusal_reason:
        problems.setdefault("refusal_reason", []).append(_("A refusing rule tells the applicant why."))
    if not refuse and refusal_reason:
        problems.setdefault("refusal_reason", []).append(_("Only a refusing rule gives a reason: leave it empty."))
    if len(refusal_reason) > _REASON_MAX:
        problems.setdefault("refusal_reason", []).append(
            _("Keep the reason under %(count)s characters.") % {"count": _REASON_MAX})
    cleaned["refusal_reason"] = refusal_reason
    cleaned["is_active"] = _as_bool(values.get("is_active", True))
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    return cleaned


def rule_save(rule: RouteRule | None, *, data: dict, reason: str, by) -> RouteRule:
    """Create (rule=None) or change a rule of the route table. `data` holds any of RULE_FIELDS; a change
    keeps the values it does not name. Routes already started are not affected."""
    _require_manager(by)
    reason = _change_reason(reason)
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise errors.ValidationFailed(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    if rule is None:
        values = {"jurisdictions": Jurisdictions.ANY, "min_level": 1, "max_level": 5, "is_active": True, **data}
        target = RouteRule()
    else:
        target = RouteRule.objects.get(pk=rule.pk)
        values = {name: getattr(target, name) for name in RULE_FIELDS}
        values.update(data)
    cleaned = _clean(values, rule=target)
    for name, value in cleaned.items():
        setattr(target, name, value)
    target.updated_by, target.updated_at = by, timezone.now()
    try:
        with transaction.atomic():
            save_tracked(target, by=by, reason=reason)
    except IntegrityError:
        raise errors.ValidationFailed(field_errors={"priority": [
            _("Another rule took this priority in the meantime; choose another.")]}) from None
    return target


@transaction.atomic
def rule_deactivate(rule: RouteRule, *, reason: str, by) -> RouteRule:
    """Take a rule out of use (it stays in the table and in the history of the routes it made)."""
    _require_manager(by)
    reason = _change_reason(reason)
    target = RouteRule.objects.select_for_update().get(pk=rule.pk)
    if not target.is_active:
        raise errors.TransitionNotAllowed(_("This rule is already out of use."))
    target.is_active = False
    target.updated_by, target.updated_at = by, timezone.now()
    return save_tracked(target, by=by, reason=reason)


def rules_table() -> list[RouteRule]:
    """The whole table, in the order rules are tried (inactive rules included, for the record)."""
    return list(RouteRule.objects.select_related("updated_by").order_by("priority"))
