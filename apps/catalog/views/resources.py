"""Catalog pages for signed-in users (SVC-1, SEC-1, SVC-3, SVC-4).

- Providers: "Our data resources", the entry form (fields as a formset with a server-side "add a field"
  button, the eight stage responsibilities as a fixed formset, standards by code), submission,
  withdrawal, a new version, retirement, and each resource's version history with the field changes.
- Departments: the entries awaiting review in their jurisdiction (oldest first, with the due date) and the
  review page (approve and publish, or return with comments).
- Everyone who reads the catalog: the search and the entry page, with the button to apply for the data.

Who sees what is decided by apps.core.policy (through the selectors): drafts only by their provider and
the departments covering them (others get 404), responsible persons' names likewise (others see the
positions), review only by a department covering the resource (the provider gets 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import apply_domain_error, run_service
from apps.core.pagination import paginate

from .. import selectors
from ..models import DataResource, LifecycleStage, ResourceVersion
from ..services import resources as services
from ..workflows import REGISTER, REVIEW
from .resource_forms import (
    CatalogSearchForm,
    FieldFormSet,
    ResponsibilityFormSet,
    RetireForm,
    ReviewForm,
    VersionForm,
    field_initial,
    responsibility_initial,
    with_extra_field_row,
)

V = ResourceVersion.Status
VIEW_VERSION = selectors.VIEW_VERSION
VIEW_RESOURCE = selectors.VIEW_RESOURCE
APPLY = "catalog.apply_for_data"


def _not_found(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except errors.NotFound:
        raise Http404 from None


def apply_url(resource: DataResource) -> str:
    """The sharing application form for this resource (another area's page; its literal path until the
    route exists)."""
    try:
        base = reverse("catalog:application_create")
    except NoReverseMatch:
        base = "/catalog/applications/new/"
    return f"{base}?resource={resource.pk}"


# --- search and entry pages ----------------------------------------------------------------------------


@login_required
def resource_search(request):
    """The catalog for signed-in users: every published entry, filtered; one page, no COUNT."""
    policy.require(request.user, VIEW_VERSION)
    form = CatalogSearchForm(request.GET or None)
    page = paginate(request, selectors.catalog_search(request.user, request.GET))
    template = "catalog/resources/_results.html" if request.htmx else "catalog/resources/search.html"
    return render(request, template, {"form": form, "page": page})


def _may_apply(user, resource: DataResource, version) -> bool:
    return (version is not None and version.status == V.PUBLISHED and resource.status == DataResource.Status.ACTIVE
            and version.sharing_type != "not_shareable" and user.organisation_id != resource.provider_id
            and user.has_perm(APPLY))


@login_required
def resource_detail(request, pk: int):
    """A catalog entry: its published version (the provider and departments also see an unpublished one)."""
    resource, in_scope = _not_found(selectors.resource_for, request.user, pk)
    user = request.user
    open_version = resource.versions.filter(status__in=services.OPEN_STATUSES).first() if in_scope else None
    version = resource.published_version or (open_version if in_scope else None)
    if version is None and in_scope:
        version = resource.versions.order_by("-number").first()
    if version is None:
        raise Http404
    rows = selectors.version_detail_rows(version)
    return render(request, "catalog/resources/detail.html", {
        "resource": resource, "version": version, "open_version": open_version, "in_scope": in_scope,
        **rows, "stages": selectors.stage_rows(version, rows["responsibilities"]),
        "names_visible": selectors.responsibilities_visible(user, version),
        "may_apply": _may_apply(user, resource, version), "apply_url": apply_url(resource),
        "may_register": in_scope and policy.can(user, REGISTER, resource),
        "may_retire": resource.status == DataResource.Status.ACTIVE and in_scope and (
            policy.can(user, REGISTER, resource) or policy.can(user, REVIEW, resource)),
        "may_review": open_version is not None and open_version.status == V.SUBMITTED
        and policy.can(user, REVIEW, open_version) and user.organisation_id != resource.provider_id,
    })


@login_required
def resource_history(request, pk: int):
    """Every version with its status, reviewer and comments, and what changed in the fields."""
    resource = _not_found(policy.get_object, request.user,
                          DataResource.objects.select_related("provider", "published_version"), VIEW_RESOURCE, pk=pk)
    versions = selectors.versions_of(resource)
    history = []
    for index, version in enumerate(versions):
        older = versions[index + 1] if index + 1 < len(versions) else None
        history.append({"version": version, "diff": selectors.fields_diff(older, version) if older else None})
    return render(request, "catalog/resources/history.html", {"resource": resource, "history": history})


# --- the provider's pages ------------------------------------------------------------------------------


@login_required
def resource_mine(request):
    """Our data resources: each with its published version and the version being prepared or reviewed."""
    user = request.user
    policy.require(user, VIEW_RESOURCE)
    if user.organisation_id is None or user.is_regulator:
        raise Http404
    rows = selectors.resources_of(user.organisation)
    page = paginate(request, policy.visible(user, rows, VIEW_RESOURCE))
    return render(request, "catalog/resources/mine.html", {
        "page": page, "may_register": user.has_perm(REGISTER)})


def _entry_forms(request, *, version=None):
    """The entry form and its two formsets, bound on POST (with one more field row for "add a field")."""
    if request.method == "POST":
        data = request.POST
        if "add_field" in data:
            data = with_extra_field_row(data)
        return (VersionForm(data), FieldFormSet(data, prefix="fields"),
                ResponsibilityFormSet(data, prefix="stages"))
    initial = VersionForm.initial_for(version) if version is not None else {}
    return (VersionForm(initial=initial), FieldFormSet(initial=field_initial(version), prefix="fields"),
            ResponsibilityFormSet(initial=responsibility_initial(version), prefix="stages"))


def _save_entry(request, form, fields, stages, call):
    """Validate the three parts, call the service; errors land on the form or beside the formsets."""
    if "add_field" in request.POST:
        return None, {}
    valid = all([form.is_valid(), fields.is_valid(), stages.is_valid()])
    if not valid:
        return None, {}
    try:
        return call(form.service_data(), fields.rows(), stages.rows(), form.cleaned_data["standards"]), {}
    except errors.ValidationFailed as error:
        field_errors = dict(error.field_errors)
        parts = {"fields": field_errors.pop("fields", []), "responsibilities": field_errors.pop("responsibilities", [])}
        if field_errors or not any(parts.values()):
            apply_domain_error(form, errors.ValidationFailed(error.message, field_errors=field_errors))
        else:
            form.add_error(None, _("Please correct the fields and responsibilities below."))
        return None, parts
    except errors.TransitionNotAllowed as error:
        form.add_error(None, error.message)
        return None, {}


def _entry_context(form, fields, stages, part_errors, **extra) -> dict:
    labels = dict(LifecycleStage.choices)
    return {"form": form, "fields_formset": fields, "stages_formset": stages,
            "stage_forms": [(stage_form, labels.get(stage_form["stage"].value(), "")) for stage_form in stages],
            "field_errors": part_errors.get("fields", []),
            "responsibility_errors": part_errors.get("responsibilities", []), **extra}


@login_required
def resource_create(request):
    """Register a data resource: its first version is saved as a draft."""
    from apps.institutions.selectors import institution_is_admitted

    user = request.user
    if user.organisation_id is None:
        raise Http404
    services.require_register_for(user, user.organisation)
    if not institution_is_admitted(user.organisation_id):
        return render(request, "catalog/resources/not_admitted.html", status=403)
    form, fields, stages = _entry_forms(request)
    part_errors = {}
    if request.method == "POST":
        resource, part_errors = _save_entry(request, form, fields, stages, lambda data, rows, people, codes:
                                            services.resource_register(provider=user.organisation, data=data,
                                                                       fields=rows, responsibilities=people,
                                                                       standards=codes, by=user))
        if resource is not None:
            messages.success(request, _("The resource is registered as %(code)s; its first version is a draft.")
                             % {"code": resource.code})
            return redirect("catalog:version_detail", resource.versions.get(number=1).pk)
    status = 400 if request.method == "POST" and "add_field" not in request.POST else 200
    return render(request, "catalog/resources/form.html", _entry_context(
        form, fields, stages, part_errors, title=_("Register a data resource")), status=status)


@login_required
def version_edit(request, pk: int):
    version = _not_found(selectors.version_for, request.user, pk)
    policy.require(request.user, REGISTER, version.resource)
    if version.status not in services.EDITABLE_STATUSES:
        messages.warning(request, _("Only a draft or a returned version can be changed."))
        return redirect("catalog:version_detail", version.pk)
    form, fields, stages = _entry_forms(request, version=version)
    part_errors = {}
    if request.method == "POST":
        saved, part_errors = _save_entry(request, form, fields, stages, lambda data, rows, people, codes:
                                         services.version_update(version, data=data, fields=rows,
                                                                 responsibilities=people, standards=codes,
                                                                 by=request.user))
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:version_detail", version.pk)
    status = 400 if request.method == "POST" and "add_field" not in request.POST else 200
    return render(request, "catalog/resources/form.html", _entry_context(
        form, fields, stages, part_errors, version=version,
        title=_("Edit version %(number)s of %(code)s") % {"number": version.number,
                                                            "code": version.resource.code}), status=status)


@login_required
def version_detail(request, pk: int):
    """Any version (drafts included) for its provider and the departments covering it."""
    version = _not_found(selectors.version_for, request.user, pk)
    user = request.user
    resource = version.resource
    rows = selectors.version_detail_rows(version)
    may_register = policy.can(user, REGISTER, resource)
    editable = version.status in services.EDITABLE_STATUSES and resource.status == DataResource.Status.ACTIVE
    return render(request, "catalog/resources/version.html", {
        "version": version, "resource": resource, **rows,
        "stages": selectors.stage_rows(version, rows["responsibilities"]),
        "names_visible": selectors.responsibilities_visible(user, version),
        "may_edit": may_register and editable,
        "problems": services.completeness_problems(version) if may_register and editable else {},
        "may_review": version.status == V.SUBMITTED and policy.can(user, REVIEW, version)
        and user.organisation_id != resource.provider_id,
        "due_on": services.review_due_on(version) if version.status == V.SUBMITTED else None,
    })


def _post_action(request, pk: int, call, success: str):
    version = _not_found(selectors.version_for, request.user, pk)
    try:
        call(version)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        problems = [str(message) for values in error.field_errors.values()
                    for message in (values if isinstance(values, list | tuple) else [values])]
        messages.error(request, " ".join(problems) if problems else str(error.message))
    else:
        messages.success(request, success)
    return redirect("catalog:version_detail", version.pk)


@login_required
@require_POST
def version_submit(request, pk: int):
    return _post_action(request, pk, lambda version: services.version_submit(version, by=request.user),
                        _("The version is submitted for review."))


@login_required
@require_POST
def version_withdraw(request, pk: int):
    return _post_action(request, pk, lambda version: services.version_withdraw(version, by=request.user),
                        _("The version is withdrawn."))


@login_required
@require_POST
def resource_new_version(request, pk: int):
    resource = _not_found(policy.get_object, request.user, DataResource, VIEW_RESOURCE, pk=pk)
    try:
        version = services.version_new(resource, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, str(error.message))
        return redirect("catalog:resource_detail", resource.pk)
    messages.success(request, _("Version %(number)s is opened as a draft; the published version stays in the "
                                "catalog until the new one is approved.") % {"number": version.number})
    return redirect("catalog:version_edit", version.pk)


@login_required
def resource_retire(request, pk: int):
    resource = _not_found(policy.get_object, request.user,
                          DataResource.objects.select_related("published_version"), VIEW_RESOURCE, pk=pk)
    if not (policy.can(request.user, REGISTER, resource) or policy.can(request.user, REVIEW, resource)):
        raise errors.PermissionDenied()
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: services.resource_retire(
            resource, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The resource is retired and no longer listed in the catalog."))
        if done is not None:
            return redirect("catalog:resource_detail", resource.pk)
    return render(request, "catalog/resources/retire.html", {"resource": resource, "form": form},
                  status=400 if form.errors else 200)


# --- the department's pages ----------------------------------------------------------------------------


@login_required
def version_review_list(request):
    """Entries awaiting review in the jurisdiction, oldest first, with their due dates (SVC-4)."""
    policy.require(request.user, REVIEW)
    page = paginate(request, selectors.versions_for_review(request.user))
    rows = [{"version": version, "due_on": services.review_due_on(version)} for version in page]
    return render(request, "catalog/resources/review_list.html", {"page": page, "rows": rows})


@login_required
def version_review(request, pk: int):
    """Approve and publish, or return with comments. Only a department covering the resource (403 for the
    provider; 404 for those who cannot see the entry)."""
    version = _not_found(selectors.version_for, request.user, pk)
    policy.require(request.user, REVIEW, version)
    resource = version.resource
    if request.user.organisation_id == resource.provider_id:
        raise errors.PermissionDenied(_("A provider cannot review its own catalog entry."))
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and version.status == V.SUBMITTED and form.is_valid():
        done = run_service(request, form, lambda: services.version_review(
            version, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"],
            by=request.user))
        if done is not None:
            messages.success(request, _("The entry is published.") if done.status == V.PUBLISHED
                             else _("The entry is returned to the provider."))
            return redirect("catalog:resource_review_list")
    rows = selectors.version_detail_rows(version)
    published = resource.published_version if resource.published_version_id != version.pk else None
    return render(request, "catalog/resources/review.html", {
        "version": version, "resource": resource, "form": form, **rows,
        "stages": selectors.stage_rows(version, rows["responsibilities"]), "names_visible": True,
        "diff": selectors.fields_diff(published, version) if published else None, "published": published,
        "due_on": services.review_due_on(version), "problems": services.completeness_problems(version),
    }, status=400 if form.errors else 200)


urlpatterns = [
    path("resources/", resource_search, name="search"),
    path("resources/mine/", resource_mine, name="resource_list"),
    path("resources/new/", resource_create, name="resource_create"),
    path("resources/review/", version_review_list, name="resource_review_list"),
    path("resources/<int:pk>/", resource_detail, name="resource_detail"),
    path("resources/<int:pk>/history/", resource_history, name="resource_history"),
    path("resources/<int:pk>/new-version/", resource_new_version, name="resource_new_version"),
    path("resources/<int:pk>/retire/", resource_retire, name="resource_retire"),
    path("resources/versions/<int:pk>/", version_detail, name="version_detail"),
    path("resources/versions/<int:pk>/edit/", version_edit, name="version_edit"),
    path("resources/versions/<int:pk>/submit/", version_submit, name="version_submit"),
    path("resources/versions/<int:pk>/withdraw/", version_withdraw, name="version_withdraw"),
    path("resources/versions/<int:pk>/review/", version_review, name="version_review"),
]
