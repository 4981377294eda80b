"""The one place that decides access (SEC-4, SUP-4, M.28 hierarchical authorization).

Three sources of access, combined the same way for HTML views, the API, tasks and commands:

1. **Role permissions** (`app.codename`), held through the user's roles (Django groups).
2. **Scope**: a department acts within its jurisdiction, the region-code prefix of its region
   (national: everything); an institution or provider acts on its own records.
3. **Object grants** (django-guardian, direct foreign-key tables): a named person assigned to one
   record (a reviewer to a request, an inspector to an inspection) may act on it even outside the
   role/scope rule.

A model takes part by declaring a `PolicyScope` as `policy_scope`: which field holds the region code
that jurisdiction applies to and which field holds the owning organisation. Something a user may not
see is answered with NotFound, never PermissionDenied, so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from . import errors


@dataclass(frozen=True)
class PolicyScope:
    # Path(s) to a Region FK (its value is the GB/T 2260 code); several = any of them. A path through a
    # reverse or many-to-many relation (an application's items' providers) is compiled as a subquery.
    region_field: str | tuple[str, ...] | None
    owner_field: str | tuple[str, ...] | None  # path(s) to the owning Organisation FK; several = any of them
    public_filter: Q | None = None  # what anonymous visitors may see; None = nothing
    # Reference data every signed-in user with the permission may see whole (standards, catalogues of
    # codes): no jurisdiction or ownership applies; writes still need the role and the workflow.
    shared: bool = False
    # For shared rows: where the custodian's region is (e.g. the responsible department's). Any
    # permission other than view_* then needs a department whose jurisdiction covers it; rows without
    # a custodian region are the national department's. Object grants still apply (drafters, experts).
    custodian_region_field: str | None = None
    # Rows an owner sees of its own, when not all of them (an institution sees its accountability case
    # only from the notice on: an investigation is not disclosed to its subject). None = all its rows.
    owner_filter: Q | None = None


def _scope_of(model) -> PolicyScope:
    scope = getattr(model, "policy_scope", None)
    if scope is None:
        raise TypeError(f"{model.__name__} declares no policy_scope; add one before authorizing access to it")
    return scope


def _code_lookup(field: str) -> str:
    # Region's primary key is its code, so Django trims the join: `<fk>__code` compiles to `<fk>_id`.
    return f"{field}__code"


def jurisdiction_prefix(user) -> str | None:
    """The region prefix a department user acts within ("" = the whole country), else None."""
    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.kind != "department":
        return None
    return organisation.jurisdiction_prefix


def _codename(perm: str) -> str:
    return perm.split(".", 1)[1] if "." in perm else perm


def _granted_q(user, model, perm: str | None) -> Q:
    """Rows of `model` on which `user` (or one of its groups) holds an object grant."""
    user_rows = get_user_obj_perms_model(model).objects.filter(user=user)
    group_rows = get_group_obj_perms_model(model).objects.filter(group__user=user)
    if perm:
        user_rows = user_rows.filter(permission__codename=_codename(perm))
        group_rows = group_rows.filter(permission__codename=_codename(perm))
    return Q(pk__in=user_rows.values("content_object_id")) | Q(pk__in=group_rows.values("content_object_id"))


def scope_filter(user, model) -> Q | None:
    """The Q that limits `model` to the user's role scope, or None when the user has no scope."""
    scope = _scope_of(model)
    if not getattr(user, "is_authenticated", False):
        return scope.public_filter
    if user.is_superuser:
        return Q()
    if user.organisation_id is not None and not user.organisation.is_active:
        return None  # a suspended or closed organisation acts on nothing
    if scope.shared:
        return Q()
    prefix = jurisdiction_prefix(user)
    if prefix is not None and scope.region_field:
        if prefix == "":
            return Q()
        return _any_of(model, scope.region_field, lambda path: {f"{_code_lookup(path)}__startswith": prefix})
    if user.organisation_id and scope.owner_field:
        def owner_lookup(owner):
            return {owner if owner in ("pk", "id") or owner.endswith("_id") else f"{owner}_id": user.organisation_id}

        owned = _any_of(model, scope.owner_field, owner_lookup)
        return owned & scope.owner_filter if scope.owner_filter is not None else owned
    return None


def _any_of(model, paths: str | tuple[str, ...], lookup_for) -> Q:
    """OR of one lookup per path; paths through to-many relations become `pk IN (subquery)` so rows are
    never repeated by the join."""
    condition = Q()
    for path in paths if isinstance(paths, tuple) else (paths,):
        lookup = lookup_for(path)
        if _is_to_many(model, path):
            condition |= Q(pk__in=model._default_manager.filter(**lookup).values("pk"))
        else:
            condition |= Q(**lookup)
    return condition


def _is_to_many(model, path: str) -> bool:
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except Exception:
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def visible(user, queryset: QuerySet | type[models.Model], perm: str | None = None) -> QuerySet:
    """Rows of `queryset` the user may see (or act on with `perm`): role scope OR object grant."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    model = queryset.model
    scope_q = scope_filter(user, model)
    if scope_q is not None and perm and getattr(user, "is_authenticated", False) and not user.has_perm(perm):
        scope_q = None  # a scope alone grants nothing without the role permission
    if not getattr(user, "is_authenticated", False):
        return queryset.filter(scope_q) if scope_q is not None else queryset.none()
    if scope_q is not None and not scope_q:  # Q(): the whole country or a superuser
        return queryset
    if not _has_direct_grants(model):
        return queryset.filter(scope_q) if scope_q is not None else queryset.none()
    grants = _granted_q(user, model, perm)
    return queryset.filter(scope_q | grants if scope_q is not None else grants)


def _has_direct_grants(model) -> bool:
    """Object grants are honoured only through direct foreign-key tables (fast, joinable)."""
    try:
        field = get_user_obj_perms_model(model)._meta.get_field("content_object")
    except Exception:
        return False
    return bool(getattr(field, "many_to_one", False)) and field.related_model is model


def can(user, perm: str, obj: models.Model) -> bool:
    """May `user` use `perm` on `obj`? Role permission within scope, or an object grant."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.has_perm(perm) and _in_scope(user, obj) and _custodian_allows(user, perm, obj):
        return True
    return _has_direct_grants(type(obj)) and user.has_perm(perm, obj)


def _custodian_allows(user, perm: str, obj) -> bool:
    """Shared reference data is read by all, but changed only by its custodian department or one above it."""
    scope = _scope_of(type(obj))
    if not (scope.shared and scope.custodian_region_field) or _codename(perm).startswith("view_"):
        return True
    prefix = jurisdiction_prefix(user)
    if prefix is None:
        return False
    if prefix == "":
        return True
    condition = Q(**{f"{_code_lookup(scope.custodian_region_field)}__startswith": prefix})
    return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


def _in_scope(user, obj) -> bool:
    condition = scope_filter(user, type(obj))
    if condition is None:
        return False
    if not condition:
        return True
    return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


def can_see(user, obj: models.Model) -> bool:
    model = type(obj)
    return visible(user, model._default_manager.filter(pk=obj.pk)).exists()


def require(user, perm: str, obj: models.Model | None = None) -> None:
    """Raise NotFound when `obj` is invisible to the user, PermissionDenied when visible but not allowed."""
    if obj is None:
        if not (getattr(user, "is_authenticated", False) and user.has_perm(perm)):
            raise errors.PermissionDenied()
        return
    if can(user, perm, obj):
        return
    if not can_see(user, obj):
        raise errors.NotFound()
    raise errors.PermissionDenied()


def get_object(user, queryset: QuerySet | type[models.Model], perm: str | None = None, **lookup):
    """Fetch and authorize in one call: NotFound for both missing and forbidden rows."""
    rows = visible(user, queryset, perm)
    try:
        return rows.get(**lookup)
    except rows.model.DoesNotExist:
        raise errors.NotFound() from None


def grant(user, perm: str, obj: models.Model) -> None:
    """Give `user` an object grant. Call from services only, inside their transaction."""
    assign_perm(perm, user, obj)


def revoke(user, perm: str, obj: models.Model) -> None:
    remove_perm(perm, user, obj)
