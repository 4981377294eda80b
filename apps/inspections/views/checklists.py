"""Checklists (SUP-1, SUP-2): read by every signed-in user with the permission; revised through drafts by the
keeping department or one above it (services/checklists.py decides)."""

from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import run_service

from ..models import ChecklistItem, ChecklistTemplate, ChecklistVersion, Severity
from ..services import checklists as services
from ..workflows import MANAGE_CHECKLIST

VIEW_TEMPLATE = "inspections.view_checklisttemplate"
VIEW_VERSION = "inspections.view_checklistversion"


class TemplateForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=300, required=False)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ItemForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Item code"), max_length=20)
    section = forms.CharField(label=gettext_lazy("Section"), max_length=100)
    section_en = forms.CharField(label=gettext_lazy("English section"), max_length=150, required=False)
    text = forms.CharField(label=gettext_lazy("What is checked"), widget=forms.Textarea(attrs={"rows": 3}))
    text_en = forms.CharField(label=gettext_lazy("English text"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    requirement_ids = forms.CharField(label=gettext_lazy("Requirement IDs"), required=False, max_length=200,
                                      help_text=gettext_lazy("Separated by commas, for example SEC-2, SVC-3."))
    article = forms.CharField(label=gettext_lazy("Article"), max_length=60, required=False,
                              help_text=gettext_lazy("The article of the Measures or other rule, for example M.18."))
    standard_reference = forms.CharField(label=gettext_lazy("Standard checked"), max_length=100, required=False,
                                         help_text=gettext_lazy("For example GB/T 22239-2019."))
    evidence_expected = forms.CharField(label=gettext_lazy("Evidence expected"),
                                        widget=forms.Textarea(attrs={"rows": 2}))
    evidence_expected_en = forms.CharField(label=gettext_lazy("English evidence expected"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=gettext_lazy("Severity when it fails"), choices=Severity.choices)


class PublishForm(forms.Form):
    notes = forms.CharField(label=gettext_lazy("What changed"), widget=forms.Textarea(attrs={"rows": 2}))


def _version(request, pk) -> ChecklistVersion:
    return policy.get_object(request.user, ChecklistVersion.objects.select_related("template"), VIEW_VERSION, pk=pk)


def _item(request, pk) -> ChecklistItem:
    return policy.get_object(request.user, ChecklistItem.objects.select_related("version__template"),
                             "inspections.view_checklistitem", pk=pk)


@login_required
def checklist_list(request):
    """Every template with its versions (the published one first in use)."""
    policy.require(request.user, VIEW_TEMPLATE)
    templates = list(policy.visible(request.user, ChecklistTemplate.objects.select_related("owner"), VIEW_TEMPLATE)
                     .prefetch_related(Prefetch("versions", queryset=ChecklistVersion.objects.order_by("-number")))
                     .order_by("code"))
    return render(request, "inspections/checklists/list.html", {
        "templates": templates, "may_create": request.user.has_perm(MANAGE_CHECKLIST) and request.user.is_regulator})


@login_required
def checklist_create(request):
    policy.require(request.user, MANAGE_CHECKLIST)
    form = TemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            version = run_service(request, form, lambda: services.checklist_template_create(
                **form.cleaned_data, by=request.user), success_message=_("The checklist is created with a draft."))
            if version is not None:
                return redirect("inspections:checklist_detail", version.pk)
        status = 400
    return render(request, "inspections/checklists/form.html", {"form": form, "title": _("New checklist")},
                  status=status)


@login_required
def checklist_detail(request, pk: int):
    """A version's items by section, with the draft's editing tools for those who keep the checklist."""
    version = _version(request, pk)
    items = list(version.items.order_by("position", "pk"))
    sections = [(section, list(rows)) for section, rows in groupby(items, key=lambda item: item.section)]
    may_manage = policy.can(request.user, MANAGE_CHECKLIST, version)
    versions = list(version.template.versions.order_by("-number"))
    has_draft = any(row.status == ChecklistVersion.Status.DRAFT for row in versions)
    return render(request, "inspections/checklists/detail.html", {
        "version": version, "template": version.template, "sections": sections, "item_count": len(items),
        "versions": versions, "may_manage": may_manage, "has_draft": has_draft,
        "editable": may_manage and version.status == ChecklistVersion.Status.DRAFT,
        "publish_form": PublishForm()})


@login_required
@require_POST
def checklist_draft_create(request, pk: int):
    template = policy.get_object(request.user, ChecklistTemplate, VIEW_TEMPLATE, pk=pk)
    try:
        draft = services.checklist_version_draft_create(template=template, by=request.user)
    except errors.ValidationFailed as error:
        messages.error(request, error.message)
        published = template.versions.order_by("-number").first()
        return redirect("inspections:checklist_detail", published.pk) if published else redirect(
            "inspections:checklist_list")
    messages.success(request, _("A new draft is ready: change it, then publish it."))
    return redirect("inspections:checklist_detail", draft.pk)


def _item_initial(item: ChecklistItem) -> dict:
    initial = {name: getattr(item, name) for name in services.ITEM_FIELDS}
    initial["requirement_ids"] = ", ".join(item.requirement_ids)
    return initial


def _item_page(request, version, item):
    form = ItemForm(request.POST or None, initial=_item_initial(item) if item else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if item is None:
                call = lambda: services.checklist_item_add(version=version, data=form.cleaned_data,  # noqa: E731
                                                           by=request.user)
            else:
                call = lambda: services.checklist_item_update(item=item, data=form.cleaned_data,  # noqa: E731
                                                              by=request.user)
            if run_service(request, form, call, success_message=_("The item is saved.")) is not None:
                return redirect("inspections:checklist_detail", version.pk)
        status = 400
    return render(request, "inspections/checklists/item.html", {
        "form": form, "version": version, "template": version.template, "item": item}, status=status)


def _require_draft_editor(request, version) -> None:
    if not policy.can(request.user, MANAGE_CHECKLIST, version):
        raise errors.PermissionDenied()
    if version.status != ChecklistVersion.Status.DRAFT:
        raise errors.TransitionNotAllowed(_("A published or retired version never changes. Make a new draft."))


@login_required
def checklist_item_add(request, pk: int):
    version = _version(request, pk)
    _require_draft_editor(request, version)
    return _item_page(request, version, None)


@login_required
def checklist_item_edit(request, pk: int):
    item = _item(request, pk)
    _require_draft_editor(request, item.version)
    return _item_page(request, item.version, item)


def _item_action(request, pk, call, message):
    item = _item(request, pk)
    try:
        call(item)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("inspections:checklist_detail", item.version_id)


@login_required
@require_POST
def checklist_item_remove(request, pk: int):
    return _item_action(request, pk, lambda item: services.checklist_item_remove(item=item, by=request.user),
                        _("The item is removed from the draft."))


@login_required
@require_POST
def checklist_item_move(request, pk: int):
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _item_action(request, pk, lambda item: services.checklist_item_move(item=item, offset=offset,
                                                                                by=request.user),
                        _("The order is changed."))


@login_required
@require_POST
def checklist_publish(request, pk: int):
    version = _version(request, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_version_publish(version=version, notes=form.cleaned_data["notes"], by=request.user)
        except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
            for problems in getattr(error, "field_errors", {}).values():
                for problem in problems:
                    messages.error(request, problem)
            if not getattr(error, "field_errors", None):
                messages.error(request, error.message)
        else:
            messages.success(request, _("The version is published; the previous one is retired."))
    else:
        messages.error(request, _("Say what changed in this version."))
    return redirect("inspections:checklist_detail", version.pk)


urlpatterns = [
    path("checklists/", checklist_list, name="checklist_list"),
    path("checklists/new/", checklist_create, name="checklist_create"),
    path("checklists/versions/<int:pk>/", checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/draft/", checklist_draft_create, name="checklist_draft_create"),
    path("checklists/versions/<int:pk>/items/new/", checklist_item_add, name="checklist_item_add"),
    path("checklists/versions/<int:pk>/publish/", checklist_publish, name="checklist_publish"),
    path("checklists/items/<int:pk>/edit/", checklist_item_edit, name="checklist_item_edit"),
    path("checklists/items/<int:pk>/remove/", checklist_item_remove, name="checklist_item_remove"),
    path("checklists/items/<int:pk>/move/", checklist_item_move, name="checklist_item_move"),
]
