"""Pages of the on-site record (SUP-1, SUP-2): the inspector's work list, the inspection page (overview, team,
results, findings, orders, report, history), the tablet record page where every checklist item saves on its
own (htmx, with a plain POST fallback), findings, closing with deadlines, cancelling, the follow-up visit, and
the one-click referral. Every rule is in services/; these views only shape input and output."""

from __future__ import annotations

import itertools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import apply_domain_error, run_service
from apps.core.pagination import paginate

from .. import selectors
from ..models import (
    ChecklistItem,
    Evidence,
    Finding,
    Inspection,
    InspectionReport,
    ItemResult,
    RectificationOrder,
    Severity,
    TeamMember,
)
from ..services import inspections as services
from ..services import referral
from ..workflows import CONDUCT, MANAGE_PLAN, REFER

# --- forms -------------------------------------------------------------------------------------------------


class ItemForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=ItemResult.Result.choices,
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=gettext_lazy("Evidence (PDF, PNG or JPEG, at most 10 MB)"), required=False)
    caption = forms.CharField(label=gettext_lazy("Caption"), required=False, max_length=200)


class FindingForm(forms.Form):
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    title = forms.CharField(label=gettext_lazy("Finding"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Facts"), widget=forms.Textarea(attrs={"rows": 4}))
    requirement_ids = forms.CharField(label=gettext_lazy("Requirements"), required=False, max_length=100,
                                      help_text=gettext_lazy("For example SEC-2, SVC-3."))
    article = forms.CharField(label=gettext_lazy("Article"), required=False, max_length=60,
                              help_text=gettext_lazy("For example M.18."))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Evidence (PDF, PNG or JPEG, at most 10 MB)"))
    caption = forms.CharField(label=gettext_lazy("Caption"), required=False, max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReferForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Grounds for referral"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Inspection.Outcome.choices,
                                widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    summary = forms.CharField(label=gettext_lazy("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, findings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.findings = list(findings)
        for finding in self.findings:
            self.fields[f"deadline_{finding.pk}"] = forms.DateField(
                label=_("Deadline for F%(number)s “%(title)s”") % {"number": finding.number,
                                                                    "title": finding.title[:60]},
                initial=services.default_deadline(finding.severity),
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def deadlines(self) -> dict:
        return {finding.pk: self.cleaned_data.get(f"deadline_{finding.pk}") for finding in self.findings}


class FollowUpForm(forms.Form):
    team = forms.ModelMultipleChoiceField(label=gettext_lazy("Team"), queryset=None,
                                          widget=forms.CheckboxSelectMultiple)
    lead = forms.ModelChoiceField(label=gettext_lazy("Team leader"), queryset=None)
    scheduled_on = forms.DateField(label=gettext_lazy("Scheduled for"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = people
        self.fields["lead"].queryset = people
        self.fields["team"].label_from_instance = self.fields["lead"].label_from_instance = (
            lambda user: f"{user.get_full_name()} · {user.organisation.name if user.organisation else ''}")


# --- helpers -----------------------------------------------------------------------------------------------


def _inspection(request, pk, queryset=None) -> Inspection:
    """The inspection if the user may read it (jurisdiction, or on its team), else 404."""
    queryset = queryset if queryset is not None else Inspection.objects.select_related(
        "institution", "plan", "checklist", "checklist__template", "follows", "created_by")
    found = queryset.filter(pk=pk, pk__in=services.inspections_visible(request.user).values("pk")).first()
    if found is None:
        raise Http404
    return found


def _team_inspection(request, pk) -> Inspection:
    """An inspection the user records: 404 invisible, 403 visible but not on its team."""
    inspection = _inspection(request, pk)
    services.require_team(inspection, request.user)
    return inspection


def _finding(request, pk) -> Finding:
    finding = (Finding.objects.select_related("inspection", "inspection__institution", "item", "carried_from",
                                              "carried_from__inspection", "referred_by", "created_by")
               .filter(pk=pk, inspection__in=services.inspections_visible(request.user).values("pk")).first())
    if finding is None:
        raise Http404
    return finding


def _report_link(inspection) -> tuple:
    """(report, url of its page) when helper C's report exists and its page is routed."""
    try:
        report = inspection.report
    except InspectionReport.DoesNotExist:
        return None, ""
    try:
        return report, reverse("inspections:report_detail", args=[report.pk])
    except NoReverseMatch:
        return report, ""


def _items_by_section(inspection, *, forms_by_item=None):
    """Checklist rows grouped by section: each with its result, evidence, finding and form."""
    items = list(ChecklistItem.objects.filter(version_id=inspection.checklist_id).order_by("position", "pk"))
    results = {row.item_id: row for row in ItemResult.objects.filter(inspection=inspection)
               .select_related("recorded_by")}
    evidence: dict[int, list] = {}
    for row in inspection.evidence.filter(item__isnull=False).order_by("pk"):
        evidence.setdefault(row.item_id, []).append(row)
    findings = {row.item_id: row for row in inspection.findings.filter(item__isnull=False)
                .exclude(status=Finding.Status.WITHDRAWN)}
    rows = [_item_row(inspection, item, results.get(item.pk), evidence.get(item.pk, []), findings.get(item.pk),
                      (forms_by_item or {}).get(item.pk)) for item in items]
    sections = [{"name": name, "rows": list(group)}
                for name, group in itertools.groupby(rows, key=lambda row: row["item"].section)]
    return sections, len(results), len(items)


def _item_row(inspection, item, result, evidence, finding, form=None) -> dict:
    if form is None:
        form = ItemForm(initial={"result": result.result if result else None, "notes": result.notes if result else ""},
                        prefix=f"item-{item.pk}")
    return {"item": item, "result": result, "evidence": evidence, "finding": finding, "form": form,
            "failed": result is not None and result.result in services.FAILED_RESULTS}


def _progress(inspection) -> dict:
    answered = ItemResult.objects.filter(inspection=inspection).count()
    total = ChecklistItem.objects.filter(version_id=inspection.checklist_id).count()
    return {"answered": answered, "total": total}


# --- work list and lists -----------------------------------------------------------------------------------


@login_required
def my_inspections(request):
    """The inspector's work list: inspections the user is on the team of, open first with their dates."""
    if not request.user.is_regulator and not request.user.is_superuser:
        raise Http404
    page = paginate(request, selectors.my_inspections(request.user, request.GET))
    return render(request, "inspections/inspections/mine.html", {
        "page": page, "show": request.GET.get("show", ""), "today": timezone.localdate()})


@login_required
def inspection_list(request):
    """The jurisdiction's inspections (the dashboard's figures link here, filtered)."""
    if not request.user.has_perm(selectors.VIEW_INSPECTION):
        raise Http404
    page = paginate(request, selectors.inspection_rows(request.user, request.GET))
    status = request.GET.get("status", "")
    return render(request, "inspections/inspections/list.html", {
        "page": page, "status": status, "statuses": Inspection.Status.choices, "q": request.GET.get("q", ""),
        "status_label": dict(Inspection.Status.choices).get(status, ""), "today": timezone.localdate()})


@login_required
def finding_list(request):
    """Findings of the jurisdiction by severity, article or requirement (the dashboard links here)."""
    if not request.user.has_perm(selectors.VIEW_FINDING):
        raise Http404
    page = paginate(request, selectors.finding_rows(request.user, request.GET))
    filters = [str(dict(Severity.choices)[request.GET["severity"]])] if request.GET.get("severity") in \
        Severity.values else []
    if request.GET.get("article"):
        filters.append(request.GET["article"])
    if request.GET.get("requirement"):
        filters.append(request.GET["requirement"])
    if request.GET.get("status") in Finding.Status.values:
        filters.append(str(dict(Finding.Status.choices)[request.GET["status"]]))
    return render(request, "inspections/inspections/findings.html", {"page": page, "filter_label": " · ".join(filters)})


# --- the inspection page -----------------------------------------------------------------------------------


@login_required
def inspection_detail(request, pk: int):
    inspection = _inspection(request, pk)
    user = request.user
    team = list(inspection.team.select_related("user", "user__organisation"))
    findings = list(inspection.findings.select_related("item", "carried_from", "carried_from__inspection")
                    .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
                    .order_by("number"))
    orders = list(RectificationOrder.objects.filter(inspection=inspection).select_related("finding")
                  .order_by("deadline", "pk"))
    sections, answered, total = _items_by_section(inspection)
    report, report_url = _report_link(inspection)
    history = list(inspection.history.select_related("history_user").order_by("-history_date", "-history_id")[:50])
    on_team = policy.can(user, CONDUCT, inspection)
    return render(request, "inspections/inspections/detail.html", {
        "inspection": inspection, "team": team, "findings": findings, "orders": orders, "sections": sections,
        "answered": answered, "total": total, "report": report, "report_url": report_url, "history": history,
        "on_team": on_team, "may_cancel": not inspection.is_closed and services.may_cancel(user, inspection),
        "may_follow_up": inspection.status == Inspection.Status.CLOSED and policy.can(user, MANAGE_PLAN,
                                                                                      inspection.plan),
        "follow_ups": list(inspection.follow_ups.order_by("pk")),
        "general_evidence": list(inspection.evidence.filter(item__isnull=True, finding__isnull=True)),
        "today": timezone.localdate(),
    })


@login_required
def inspection_record(request, pk: int):
    """The tablet page: the checklist by section, each item a form that saves on its own."""
    inspection = _inspection(request, pk)
    return _record_page(request, inspection)


def _record_page(request, inspection, *, forms_by_item=None, status=200, evidence_form=None):
    sections, answered, total = _items_by_section(inspection, forms_by_item=forms_by_item)
    on_team = policy.can(request.user, CONDUCT, inspection)
    findings = list(inspection.findings.select_related("item").order_by("number"))
    return render(request, "inspections/inspections/record.html", {
        "inspection": inspection, "sections": sections, "answered": answered, "total": total,
        "on_team": on_team, "editable": on_team and inspection.status == Inspection.Status.IN_PROGRESS,
        "findings": findings, "evidence_form": evidence_form or EvidenceForm(),
        "general_evidence": list(inspection.evidence.filter(item__isnull=True).select_related("finding")),
    }, status=status)


@login_required
@require_POST
def inspection_start(request, pk: int):
    inspection = _team_inspection(request, pk)
    try:
        services.inspection_start(inspection=inspection, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Inspection %(number)s is on site.") % {"number": inspection.number})
    return redirect("inspections:inspection_record", inspection.pk)


@login_required
@require_POST
def inspection_item_save(request, pk: int, item_pk: int):
    """Save one item (result, notes, optional evidence). htmx gets the item again (and the progress, out of
    band); a plain POST is redirected back to the item. Other items are never touched."""
    inspection = _team_inspection(request, pk)
    item = ChecklistItem.objects.filter(pk=item_pk, version_id=inspection.checklist_id).first()
    if item is None:
        raise Http404
    form = ItemForm(request.POST, request.FILES, prefix=f"item-{item.pk}")
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        saved = run_service(request, form, lambda: services.item_record(
            inspection=inspection, item=item, result=data["result"], notes=data["notes"], by=request.user,
            upload=data.get("file"), caption=data.get("caption", ""))) is not None
    if request.htmx:
        result = ItemResult.objects.filter(inspection=inspection, item=item).first()
        evidence = list(inspection.evidence.filter(item=item).order_by("pk"))
        finding = inspection.findings.filter(item=item).exclude(status=Finding.Status.WITHDRAWN).first()
        row = _item_row(inspection, item, result, evidence, finding, None if saved else form)
        return render(request, "inspections/inspections/_item_response.html", {
            "inspection": inspection, "row": row, "saved": saved, "editable": True, "on_team": True,
            **_progress(inspection)})
    if saved:
        messages.success(request, _("Item %(code)s is saved.") % {"code": item.code})
        return redirect(reverse("inspections:inspection_record", args=[inspection.pk]) + f"#item-{item.pk}")
    return _record_page(request, inspection, forms_by_item={item.pk: form}, status=400)


@login_required
@require_POST
def evidence_upload(request, pk: int):
    """Evidence for the inspection as a whole or for one of its findings (?finding=)."""
    inspection = _team_inspection(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    finding_id = request.POST.get("finding") or None
    if form.is_valid():
        added = run_service(request, form, lambda: services.evidence_add(
            inspection=inspection, upload=form.cleaned_data["file"], caption=form.cleaned_data["caption"],
            finding=finding_id, by=request.user), success_message=_("The evidence is added."))
        if added is not None:
            if added.finding_id:
                return redirect("inspections:finding_detail", added.finding_id)
            return redirect(reverse("inspections:inspection_record", args=[inspection.pk]) + "#evidence")
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    if finding_id and finding_id.isascii() and finding_id.isdigit() \
            and inspection.findings.filter(pk=finding_id).exists():
        return redirect("inspections:finding_detail", finding_id)
    return _record_page(request, inspection, evidence_form=form, status=400)


@login_required
def evidence_download(request, pk: int, evidence_pk: int):
    inspection = _inspection(request, pk)
    evidence = Evidence.objects.filter(pk=evidence_pk, inspection=inspection).first()
    if evidence is None:
        raise Http404
    return file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type,
                         inline=evidence.is_image or evidence.content_type == "application/pdf",
                         audit_request=request, audit_object=evidence)


@login_required
@require_POST
def evidence_remove(request, pk: int, evidence_pk: int):
    inspection = _team_inspection(request, pk)
    evidence = Evidence.objects.filter(pk=evidence_pk, inspection=inspection).first()
    if evidence is None:
        raise Http404
    try:
        services.evidence_remove(evidence=evidence, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": evidence.original_name})
    back = request.POST.get("back", "")
    if back == "finding" and evidence.finding_id:
        return redirect("inspections:finding_detail", evidence.finding_id)
    anchor = f"#item-{evidence.item_id}" if evidence.item_id else "#evidence"
    return redirect(reverse("inspections:inspection_record", args=[inspection.pk]) + anchor)


# --- findings ----------------------------------------------------------------------------------------------


@login_required
def finding_add(request, pk: int):
    """A free-standing finding (form), or, with `item` posted, the one-click finding of a failed item."""
    inspection = _team_inspection(request, pk)
    item_id = request.POST.get("item") if request.method == "POST" else None
    if item_id:
        try:
            finding = services.finding_add(inspection=inspection, item=item_id, by=request.user)
        except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
            problems = [message for group in getattr(error, "field_errors", {}).values() for message in group]
            messages.error(request, " ".join(str(message) for message in problems) or error.message)
            return redirect(reverse("inspections:inspection_record", args=[inspection.pk]) + f"#item-{item_id}")
        messages.success(request, _("Finding F%(number)s is recorded; check its text.") % {"number": finding.number})
        return redirect("inspections:finding_detail", finding.pk)
    form = FindingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        finding = run_service(request, form, lambda: services.finding_add(
            inspection=inspection, by=request.user, **form.cleaned_data))
        if finding is not None:
            messages.success(request, _("Finding F%(number)s is recorded.") % {"number": finding.number})
            return redirect(reverse("inspections:inspection_record", args=[inspection.pk]) + "#findings")
    return render(request, "inspections/inspections/finding_form.html", {
        "inspection": inspection, "form": form, "finding": None}, status=400 if form.errors else 200)


@login_required
def finding_detail(request, pk: int):
    finding = _finding(request, pk)
    inspection = finding.inspection
    on_team = policy.can(request.user, CONDUCT, inspection)
    order = RectificationOrder.objects.filter(finding=finding).first()
    return render(request, "inspections/inspections/finding_detail.html", {
        "finding": finding, "inspection": inspection, "order": order,
        "evidence": list(finding.evidence.order_by("pk")),
        "carried_to": list(finding.carried_to.select_related("inspection")),
        "editable": on_team and inspection.status == Inspection.Status.IN_PROGRESS
        and finding.status == Finding.Status.OPEN,
        "may_refer": finding.status in (Finding.Status.CONFIRMED, Finding.Status.RESOLVED)
        and policy.can(request.user, REFER, finding),
        "refer_form": ReferForm(), "withdraw_form": ReasonForm(), "evidence_form": EvidenceForm(),
        "history": list(finding.history.select_related("history_user").order_by("-history_date")[:30]),
    })


@login_required
def finding_edit(request, pk: int):
    finding = _finding(request, pk)
    services.require_team(finding.inspection, request.user)
    initial = {key: getattr(finding, key) for key in services.FINDING_TEXT_FIELDS}
    form = FindingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        updated = run_service(request, form, lambda: services.finding_update(
            finding=finding, by=request.user, **form.cleaned_data), success_message=_("The finding is saved."))
        if updated is not None:
            return redirect("inspections:finding_detail", finding.pk)
    return render(request, "inspections/inspections/finding_form.html", {
        "inspection": finding.inspection, "form": form, "finding": finding}, status=400 if form.errors else 200)


@login_required
@require_POST
def finding_withdraw(request, pk: int):
    finding = _finding(request, pk)
    services.require_team(finding.inspection, request.user)
    form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    try:
        services.finding_withdraw(finding=finding, reason=reason, by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        apply_domain_error(form, error)
        messages.error(request, " ".join(str(m) for group in form.errors.values() for m in group))
    else:
        messages.success(request, _("Finding F%(number)s is withdrawn.") % {"number": finding.number})
    return redirect("inspections:finding_detail", finding.pk)


@login_required
@require_POST
def finding_refer(request, pk: int):
    """One action: refer the finding to an accountability case (SUP-3 for the next issue)."""
    finding = _finding(request, pk)
    form = ReferForm(request.POST)
    try:
        referral.finding_refer(finding=finding, note=request.POST.get("note", ""), by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        apply_domain_error(form, error)
        messages.error(request, " ".join(str(m) for group in form.errors.values() for m in group))
    else:
        messages.success(request, _("Finding F%(number)s is referred to an accountability case.")
                         % {"number": finding.number})
    return redirect("inspections:finding_detail", finding.pk)


# --- closing, cancelling, following up ---------------------------------------------------------------------


@login_required
def inspection_close(request, pk: int):
    inspection = _team_inspection(request, pk)
    if inspection.is_closed:
        messages.info(request, _("%(number)s is a closed inspection.") % {"number": inspection.number})
        return redirect("inspections:inspection_detail", inspection.pk)
    open_findings = list(inspection.findings.filter(status=Finding.Status.OPEN).order_by("number"))
    form = CloseForm(request.POST if request.method == "POST" else None, findings=open_findings)
    if request.method == "POST" and form.is_valid():
        closed = run_service(request, form, lambda: services.inspection_close(
            inspection=inspection, outcome=form.cleaned_data["outcome"], summary=form.cleaned_data["summary"],
            deadlines=form.deadlines(), by=request.user))
        if closed is not None:
            messages.success(request, _("Inspection %(number)s is closed; the report is being produced.")
                             % {"number": inspection.number})
            return redirect("inspections:inspection_detail", inspection.pk)
    unanswered = list(services.unanswered_items(inspection))
    return render(request, "inspections/inspections/close.html", {
        "inspection": inspection, "form": form, "unanswered": unanswered, "findings": open_findings,
        "deadline_fields": [(finding, form[f"deadline_{finding.pk}"]) for finding in open_findings],
    }, status=400 if form.errors else 200)


@login_required
def inspection_cancel(request, pk: int):
    inspection = _inspection(request, pk)
    policy.require(request.user, MANAGE_PLAN, inspection)
    if not services.may_cancel(request.user, inspection):
        raise errors.PermissionDenied()
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: services.inspection_cancel(
            inspection=inspection, reason=form.cleaned_data["reason"], by=request.user),
            success_message=_("The inspection is cancelled."))
        if done is not None:
            return redirect("inspections:inspection_detail", inspection.pk)
    return render(request, "inspections/inspections/cancel.html", {"inspection": inspection, "form": form},
                  status=400 if form.errors else 200)


def _follow_up_people(inspection):
    from apps.accounts.models import User

    ids = set(inspection.plan.pool.values_list("user_id", flat=True)) | set(
        inspection.team.values_list("user_id", flat=True))
    return User.objects.filter(pk__in=ids, is_active=True).select_related("organisation").order_by("full_name", "pk")


@login_required
def inspection_follow_up(request, pk: int):
    """A follow-up visit that carries the findings still to be put right."""
    inspection = _inspection(request, pk)
    if not policy.can(request.user, MANAGE_PLAN, inspection.plan):
        raise errors.PermissionDenied()  # the inspection is visible: 403, even where its plan is not
    people = _follow_up_people(inspection)
    form = FollowUpForm(request.POST if request.method == "POST" else None, people=people,
                        initial={"team": [member.user_id for member in inspection.team.all()],
                                 "lead": inspection.team.filter(role=TeamMember.Role.LEAD).values_list(
                                     "user_id", flat=True).first()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(request, form, lambda: services.inspection_follow_up_create(
            inspection=inspection, by=request.user, team=list(data["team"]), lead=data["lead"],
            scheduled_on=data["scheduled_on"]))
        if created is not None:
            messages.success(request, _("Follow-up inspection %(number)s is planned.") % {"number": created.number})
            return redirect("inspections:inspection_detail", created.pk)
    return render(request, "inspections/inspections/follow_up.html", {
        "inspection": inspection, "form": form, "carried": list(services.carried_findings(inspection))},
        status=400 if form.errors else 200)


urlpatterns = [
    path("mine/", my_inspections, name="my_inspections"),
    path("list/", inspection_list, name="inspection_list"),
    path("findings/", finding_list, name="finding_list"),
    path("<int:pk>/", inspection_detail, name="inspection_detail"),
    path("<int:pk>/record/", inspection_record, name="inspection_record"),
    path("<int:pk>/record/items/<int:item_pk>/", inspection_item_save, name="inspection_item_save"),
    path("<int:pk>/start/", inspection_start, name="inspection_start"),
    path("<int:pk>/evidence/", evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_pk>/remove/", evidence_remove, name="evidence_remove"),
    path("<int:pk>/findings/add/", finding_add, name="finding_add"),
    path("<int:pk>/close/", inspection_close, name="inspection_close"),
    path("<int:pk>/cancel/", inspection_cancel, name="inspection_cancel"),
    path("<int:pk>/follow-up/", inspection_follow_up, name="inspection_follow_up"),
    path("findings/<int:pk>/", finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", finding_edit, name="finding_edit"),
    path("findings/<int:pk>/withdraw/", finding_withdraw, name="finding_withdraw"),
    path("findings/<int:pk>/refer/", finding_refer, name="finding_refer"),
]
