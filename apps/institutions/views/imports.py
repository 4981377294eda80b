"""Bulk import and export pages (INS-1): upload, per-row report, confirmation, progress, downloads.

Thin views over services.imports and services.exports; a job is visible only to the department that
uploaded it (ImportJob.policy_scope), so another department's job answers 404."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import ImportJob, Institution
from ..services.exports import import_template, institutions_export
from ..services.import_files import column_guide
from ..services.imports import (
    IMPORT_PERMISSION,
    RUNNING,
    SYNC_ROW_LIMIT,
    import_job_cancel,
    import_job_confirm,
    import_job_progress,
    import_job_start,
)

VIEW_PERMISSION = "institutions.view_importjob"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A .csv (UTF-8 or GB18030) or .xlsx file laid out like the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ImportConfirmForm(forms.Form):
    only_valid_rows = forms.BooleanField(required=False, widget=forms.HiddenInput)
    skip_invalid = forms.BooleanField(required=False)

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        count = len(job.errors)
        self.fields["skip_invalid"].label = ngettext(
            "I understand that the %(count)d invalid row will be skipped and not imported.",
            "I understand that the %(count)d invalid rows will be skipped and not imported.", count,
        ) % {"count": count}

    def clean(self):
        data = super().clean()
        if data.get("only_valid_rows") and not data.get("skip_invalid"):
            self.add_error("skip_invalid", _("Confirm that the invalid rows will be skipped."))
        return data


def _require_importer(user) -> None:
    policy.require(user, IMPORT_PERMISSION)
    if not user.is_regulator:
        raise errors.PermissionDenied()


def _job(request, pk) -> ImportJob:
    return policy.get_object(request.user, ImportJob.objects.select_related("created_by"), VIEW_PERMISSION, pk=pk)


def _error_rows(job: ImportJob) -> list[dict]:
    """One line per message: row number, column title, message (the report table)."""
    titles = {field.name: str(field.verbose_name) for field in Institution._meta.fields}
    lines = []
    for entry in job.errors:
        for field, field_messages in entry["errors"].items():
            for message in field_messages:
                lines.append({"row": entry["row"], "field": titles.get(field, field), "message": message})
    return lines


@login_required
def import_list(request):
    policy.require(request.user, VIEW_PERMISSION)
    jobs = policy.visible(request.user, ImportJob.objects.select_related("created_by"), VIEW_PERMISSION)
    page = paginate(request, jobs.defer("errors").order_by("-created_at", "-pk"))
    return render(request, "institutions/imports/list.html", {
        "page": page, "may_import": request.user.has_perm(IMPORT_PERMISSION)})


@login_required
def import_start(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = run_service(request, form, lambda: import_job_start(upload=form.cleaned_data["file"],
                                                                   by=request.user))
        if job is not None:
            return redirect("institutions:import_detail", pk=job.pk)
    return render(request, "institutions/imports/start.html", {
        "form": form, "columns": column_guide(), "sync_limit": SYNC_ROW_LIMIT,
        "max_megabytes": settings.INSTITUTION_IMPORT_MAX_BYTES // (1024 * 1024),
    })


def _render_detail(request, job: ImportJob, *, confirm_form=None, status=200):
    return render(request, "institutions/imports/detail.html", {
        "job": job, "progress": import_job_progress(job), "running": job.status in RUNNING,
        "error_page": paginate(request, _error_rows(job), 50) if job.status in (
            ImportJob.Status.VALIDATED, ImportJob.Status.DONE, ImportJob.Status.CANCELLED) else None,
        "invalid_rows": len(job.errors),
        "confirm_form": confirm_form or ImportConfirmForm(job=job),
        "may_import": policy.can(request.user, IMPORT_PERMISSION, job),
    }, status=status)


@login_required
def import_detail(request, pk):
    return _render_detail(request, _job(request, pk))


@login_required
@require_GET
def import_progress(request, pk):
    """The progress bar, polled by htmx every second; once the job stops running, the page reloads."""
    job = policy.get_object(request.user, ImportJob.objects.defer("errors"), VIEW_PERMISSION, pk=pk)
    if job.status not in RUNNING and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "institutions/imports/_progress.html", {
        "job": job, "progress": import_job_progress(job), "running": job.status in RUNNING})


@login_required
@require_POST
def import_confirm(request, pk):
    job = _job(request, pk)
    form = ImportConfirmForm(request.POST, job=job)
    if form.is_valid():
        only_valid = form.cleaned_data["only_valid_rows"]
        result = run_service(request, form, lambda: import_job_confirm(job=job, only_valid_rows=only_valid,
                                                                        by=request.user))
        if result is not None:
            if result.status == ImportJob.Status.DONE:
                messages.success(request, ngettext("%(count)d institution has been imported.",
                                                   "%(count)d institutions have been imported.",
                                                   result.created_rows) % {"count": result.created_rows})
            elif result.status == ImportJob.Status.IMPORTING:
                messages.info(request, _("The import is running; this page shows its progress."))
            return redirect("institutions:import_detail", pk=job.pk)
    return _render_detail(request, job, confirm_form=form, status=400)


@login_required
@require_POST
def import_cancel(request, pk):
    job = _job(request, pk)
    try:
        import_job_cancel(job=job, by=request.user)
    except errors.TransitionNotAllowed:
        messages.error(request, _("This import can no longer be cancelled."))
    else:
        messages.success(request, _("The import has been cancelled; nothing was written."))
    return redirect("institutions:import_detail", pk=job.pk)


@login_required
@require_GET
def import_template_download(request, fmt):
    return import_template(user=request.user, fmt=fmt)


@login_required
@require_GET
def export(request):
    """The institution list with the list page's filters (same query string) as CSV or XLSX."""
    params = request.GET.copy()
    fmt = params.pop("format", ["csv"])[-1]
    return institutions_export(user=request.user, params=params, fmt=fmt)


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/new/", import_start, name="import_start"),
    path("imports/template/<str:fmt>/", import_template_download, name="import_template"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", import_cancel, name="import_cancel"),
    path("export/", export, name="export"),
]
