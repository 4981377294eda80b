"""Case pages (SUP-3, SUP-4, SEC-7): the case officer's work list, the jurisdiction's case list with its
filters, the opening form, the case page (header, defence period, decisions, timeline and the action panels
`selectors.case_actions` allows), the institution's own cases and the audited document download.

Every rule is in services/ and selectors.py; these views only shape input and output."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import run_service
from apps.core.pagination import paginate

from .. import selectors
from ..ladder import ARTICLES, LADDER, Measure, Severity
from ..models import Case, CaseDocument, CaseMeasure, Decision, Notice
from ..services import documents as document_services
from ..services import notice as notice_services
from ..services import opening
from ..workflows import OPEN
from . import forms as case_forms
from .listing import FILTERS, case_rows

VIEW_CASE = "cases.view_case"


# --- helpers -----------------------------------------------------------------------------------------------


def case_for(request, pk) -> Case:
    """The case if the user may read it (jurisdiction, assigned officer, or the institution from the notice
    on), else 404."""
    return selectors.case_get(request.user, pk)


def optional_url(name: str, *args) -> str:
    """The url of another helper's page, or "" while it is not routed (letters, rectification)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def is_department_user(user) -> bool:
    return bool(getattr(user, "is_regulator", False) or user.is_superuser)


def timeline_for(user, case) -> list[dict]:
    """The case's timeline; the institution does not see the department's internal entries."""
    entries = selectors.case_timeline(case)
    if is_department_user(user):
        return entries
    return [entry for entry in entries if not entry.get("department_only")]


def require_action(user, case, actions: dict, key: str) -> None:
    """A form page opens only when the case offers the step to the user now (the service decides again on
    submission); invisible cases are 404 before this is asked."""
    if not actions.get(key):
        raise errors.PermissionDenied(_("This step is not open to you on this case now."))


def articles_of(codes) -> list[dict]:
    return [{"code": code, "label": ARTICLES.get(code, code)} for code in codes or []]


def case_header(case) -> dict:
    return {"case": case, "articles": articles_of(case.articles)}


def action_page(request, case, form, *, title, submit, template="cases/action.html", intro="", **extra):
    """A form page of one step on a case: 200, or 400 with the errors when the submission was refused."""
    return render(request, template, {**case_header(case), "form": form, "title": title, "submit": submit,
                                      "intro": intro, **extra}, status=400 if form.errors else 200)


# --- work lists and lists ----------------------------------------------------------------------------------


@login_required
def work_list(request):
    """The case officer's open cases, the next deadline first; a deadline already passed is marked."""
    if not is_department_user(request.user):
        raise Http404
    rows = selectors.work_list(request.user).select_related("institution", "department")
    return render(request, "cases/work_list.html", {
        "page": paginate(request, rows), "today": timezone.localdate()})


@login_required
def case_list(request):
    """The jurisdiction's cases with filters (the statistics link here with the same parameters)."""
    user = request.user
    if not is_department_user(user) or not user.has_perm(VIEW_CASE):
        raise Http404
    page = paginate(request, case_rows(user, request.GET))
    params = {name: str(request.GET.get(name) or "").strip() for name in FILTERS}
    return render(request, "cases/list.html", {
        "page": page, "params": params, "filter_labels": filter_labels(params), "statuses": Case.Status.choices,
        "sources": Case.Source.choices, "measures": Measure.choices, "severities": Severity.choices,
        "articles": [(code, label) for code, label in ARTICLES.items()],
        "filtered": any(params.values()), "today": timezone.localdate()})


def filter_labels(params: dict) -> list[str]:
    """The filters in force, in words (the statistics link here: the reader sees what a figure counted)."""
    named = {"status": dict(Case.Status.choices), "source": dict(Case.Source.choices),
             "measure": dict(Measure.choices), "severity": dict(Severity.choices), "article": ARTICLES}
    labels = [str(named[key][params[key]]) for key in named if params.get(key) in named[key]]
    if params.get("status") == "open":
        labels.append(_("open cases"))
    if params.get("region"):
        labels.append(_("region %(code)s") % {"code": params["region"]})
    if params.get("year"):
        when = "-".join(filter(None, [params["year"], params.get("month")]))
        labels.append(_("opened in %(year)s") % {"year": when})
    if params.get("decided_year"):
        when = "-".join(filter(None, [params["decided_year"], params.get("decided_month")]))
        labels.append(_("decided in %(year)s") % {"year": when})
    if params.get("q"):
        labels.append(f"“{params['q']}”")
    if params.get("overdue") == "1":
        labels.append(_("overdue"))
    return labels


@login_required
def my_cases(request):
    """The institution's own cases, from the notice on (the investigation is not disclosed to it)."""
    user = request.user
    if user.organisation_id is None or user.is_regulator or not user.has_perm(VIEW_CASE):
        raise Http404
    current = Notice.objects.filter(case=OuterRef("pk"), is_current=True).values("defence_deadline")[:1]
    rows = (selectors.institution_cases(user).select_related("department")
            .annotate(current_deadline=Subquery(current)))
    return render(request, "cases/my_cases.html", {"page": paginate(request, rows), "today": timezone.localdate()})


# --- opening -----------------------------------------------------------------------------------------------


@login_required
def case_open(request):
    """Open a case against an institution of the jurisdiction, with persons and evidence."""
    policy.require(request.user, OPEN)
    initial = {}
    preset = case_forms.institution_in_jurisdiction(request.user, request.GET.get("institution", ""))
    if preset is not None:
        initial["institution"] = preset.credit_code or preset.name
    form = case_forms.OpenForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    parties = case_forms.PartyFormSet(request.POST or None, prefix="parties")
    if request.method == "POST":
        parties_valid = parties.is_valid()
        if form.is_valid() and parties_valid:
            data = form.cleaned_data
            case = run_service(request, form, lambda: opening.case_open(
                institution=data["institution"], source=data["source"], title=data["title"], facts=data["facts"],
                articles=data["articles"], severity=data["severity"], suspected_illegal=data["suspected_illegal"],
                source_reference=data["source_reference"], parties=case_forms.parties_of(parties),
                files=data["files"], by=request.user))
            if case is not None:
                messages.success(request, _("Case %(number)s is opened.") % {"number": case.number})
                return redirect("cases:detail", case.pk)
    errors_present = bool(form.errors) or (request.method == "POST" and not parties.is_valid())
    return render(request, "cases/open.html", {"form": form, "parties": parties},
                  status=400 if errors_present else 200)


# --- the case page -----------------------------------------------------------------------------------------


def _decisions(user, case) -> list[Decision]:
    measures = CaseMeasure.objects.select_related("rectification").prefetch_related("parties").order_by("pk")
    decisions = list(policy.visible(user, Decision.objects.filter(case=case), "cases.view_decision")
                     .select_related("decided_by").prefetch_related(Prefetch("measures", queryset=measures))
                     .order_by("-decided_at", "-pk"))
    for decision in decisions:
        decision.page_url = optional_url("cases:decision_detail", decision.pk)
        for measure in decision.measures.all():
            rectification = getattr(measure, "rectification", None) if measure.kind == Measure.RECTIFICATION \
                else None
            measure.order = rectification
            measure.order_url = optional_url("cases:rectification_detail", rectification.pk) if rectification \
                else ""
    return decisions


def case_page_context(request, case) -> dict:
    user = request.user
    actions = selectors.case_actions(user, case)
    period = notice_services.defence_period_state(case)
    notice = period.notice
    if notice is None:
        period = None
    today = timezone.localdate()
    documents = list(policy.visible(user, CaseDocument.objects.filter(case=case), "cases.view_casedocument")
                     .select_related("uploaded_by").order_by("uploaded_at", "pk"))
    hearings = list(case.hearings.select_related("notice").order_by("-requested_at"))
    appeals = list(case.appeals.select_related("reviewing_department", "decision").order_by("-lodged_at"))
    defences = list(case.defences.select_related("submitted_by", "notice").order_by("submitted_at", "pk"))
    decisions = _decisions(user, case)
    in_force = next((decision for decision in decisions if decision.status == Decision.Status.IN_FORCE), None)
    return {
        **case_header(case), "actions": actions, "notice": notice, "period": period, "today": today,
        "days_left": (period.deadline - today).days if period is not None and period.deadline else None,
        "proposed": [{"label": Measure(row["measure"]).label if row.get("measure") in LADDER else row.get("measure"),
                      "details": row.get("details", "")} for row in (notice.proposed_measures if notice else [])],
        "officers": list(case.officers.filter(is_active=True).select_related("user", "user__organisation"))
        if is_department_user(user) else [],
        "parties": list(case.parties.order_by("pk")), "documents": documents, "defences": defences,
        "hearings": hearings, "pending_hearing": next((row for row in hearings if row.is_pending), None),
        "appeals": appeals, "decisions": decisions, "in_force": in_force,
        "timeline": timeline_for(user, case), "is_department": is_department_user(user),
        "is_institution": user.organisation_id == case.institution_id,
        "party_form": case_forms.PartyForm(), "evidence_form": case_forms.EvidenceForm(),
        "drop_form": case_forms.ReasonForm(), "close_form": case_forms.CloseForm(),
        "waiver_form": case_forms.WaiverForm(),
    }


@login_required
def case_detail(request, pk: int):
    case = case_for(request, pk)
    return render(request, "cases/detail.html", case_page_context(request, case))


# --- documents ---------------------------------------------------------------------------------------------


@login_required
def document_download(request, pk: int):
    """One document of a case, if the user may read it (the institution: only what it may see, from the
    notice on); every download is recorded (SUP-5)."""
    document = document_services.document_get(request.user, pk)
    inline = document.content_type in ("application/pdf", "image/png", "image/jpeg")
    return file_response(document.file, filename=document.original_name, content_type=document.content_type,
                         inline=inline, audit_request=request, audit_object=document)


urlpatterns = [
    path("", case_list, name="list"),
    path("mine/", work_list, name="work_list"),
    path("new/", case_open, name="open"),
    path("institution/", my_cases, name="my_cases"),
    path("documents/<int:pk>/", document_download, name="document_download"),
    path("<int:pk>/", case_detail, name="detail"),
]
