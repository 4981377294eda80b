"""Sharing application pages (SVC-2, SEC-4, SEC-8, SEC-9): the applicant's "Our applications", the editor in
sections (answers, resources and fields, recipients, documents), "check and submit", the application page with
the route and the reviewers' comments beside the answers, the recipient's agreement page, withdrawal and
follow-ups. Every rule is in services/applications.py; these views only shape input and output."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.files import file_response
from apps.core.forms import apply_domain_error, run_service
from apps.core.pagination import paginate

from ..models import (
    ApplicationDocument,
    DataField,
    DataResource,
    Recipient,
    RouteStep,
    SharingApplication,
    StepKind,
)
from ..services import application_documents as documents_services
from ..services import applications as services
from ..services.agreements import agreement_current, agreement_text
from .application_forms import (
    AcceptForm,
    AgreementPublishForm,
    AnswersForm,
    DocumentForm,
    FollowupForm,
    PickerForm,
    RecipientForm,
    WithdrawForm,
)

VIEW = services.VIEW
APPLY = "catalog.apply_for_data"
VIEW_DOCUMENT = "catalog.view_applicationdocument"
Status = SharingApplication.Status

# The editor's sections and the problem keys each one answers.
SECTIONS = [
    ("answers", gettext_lazy("Answers"), "catalog:application_edit"),
    ("resources", gettext_lazy("Resources and fields"), "catalog:application_resources"),
    ("recipients", gettext_lazy("Recipients"), "catalog:application_recipients"),
    ("documents", gettext_lazy("Documents"), "catalog:application_documents"),
    ("check", gettext_lazy("Check and submit"), "catalog:application_check"),
]
SECTION_KEYS = {"resources": ("items",), "recipients": ("recipients",), "documents": ("documents",)}


# --- helpers -----------------------------------------------------------------------------------------------


def _application(request, pk, queryset=None) -> SharingApplication:
    """The application if the user may see it (applicant, providers, departments, named recipients), else 404."""
    queryset = queryset if queryset is not None else SharingApplication.objects.select_related(
        "applicant", "applicant_region", "parent", "created_by")
    try:
        return policy.get_object(request.user, queryset, VIEW, pk=pk)
    except errors.NotFound:
        raise Http404 from None


def _editable(request, pk) -> SharingApplication:
    """An application the user may change: 404 invisible, 403 visible but not the applicant's."""
    application = _application(request, pk)
    services.require_editor(application, request.user)
    return application


def _posted(request) -> tuple:
    """(data, files) of a POST, even an empty one (so a form without answers is validated), else (None, None)."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _own_organisation(request):
    organisation = request.user.organisation
    if organisation is None or organisation.kind == "department" or not request.user.has_perm(VIEW):
        raise Http404
    return organisation


def _section_problems(problems: dict) -> dict[str, int]:
    counts = {name: 0 for name, _label, _url in SECTIONS}
    for key, messages_ in problems.items():
        section = next((name for name, keys in SECTION_KEYS.items() if key in keys), "answers")
        if key == "applicant":
            section = "check"
        counts[section] += len(messages_)
    return counts


def _editor_context(application, active: str, problems: dict | None = None) -> dict:
    problems = services.application_problems(application) if problems is None else problems
    counts = _section_problems(problems)
    return {
        "application": application, "active_section": active, "problems": problems,
        "sections": [{"name": name, "label": label, "url": reverse(url, args=[application.pk]),
                      "problems": counts[name]} for name, label, url in SECTIONS],
        "editable": application.status in services.EDITABLE_STATUSES,
        "section_problems": [message for key in SECTION_KEYS.get(active, ()) for message in problems.get(key, [])],
    }


def _not_editable_redirect(request, application):
    messages.info(request, _("Application %(number)s is %(status)s and can no longer be changed.") % {
        "number": application.number, "status": application.get_status_display().lower()})
    return redirect("catalog:application_detail", application.pk)


def _comment_rows(comments: dict, keys) -> list:
    return [comment for key in keys for comment in comments.get(key, [])]


# --- the applicant's list ----------------------------------------------------------------------------------


@login_required
def application_list(request):
    """ "Our applications": counts per status, and each application's current step and its due date."""
    organisation = _own_organisation(request)
    own = policy.visible(request.user, SharingApplication.objects.filter(applicant=organisation), VIEW)
    counts = dict(own.order_by().values_list("status").annotate(total=Count("pk")))
    status = request.GET.get("status", "")
    rows = own.filter(status=status) if status in Status.values else own
    current_steps = RouteStep.objects.filter(status=RouteStep.Status.ACTIVE).select_related("organisation")
    rows = (rows.select_related("parent").prefetch_related(Prefetch("steps", queryset=current_steps,
                                                                    to_attr="current_steps"))
            .order_by("-created_at", "-pk"))
    named = (policy.visible(request.user, SharingApplication.objects.filter(recipients__user=request.user), VIEW)
             .exclude(applicant=organisation).select_related("applicant").order_by("-created_at")[:50])
    return render(request, "catalog/applications/list.html", {
        "page": paginate(request, rows), "status": status,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "total": sum(counts.values()), "named": list(named),
        "may_apply": request.user.has_perm(APPLY), "refusal": services.applicant_refusal(organisation.pk),
    })


# --- creating and editing ----------------------------------------------------------------------------------


def _preselected_resource(request, organisation) -> DataResource | None:
    """The resource of the catalog entry's "apply" button (?resource=<id>), if it can be requested at all
    (active, published, another institution's)."""
    value = request.GET.get("resource") or request.POST.get("resource") or ""
    if not (value.isascii() and value.isdigit()):
        return None
    return (DataResource.objects.select_related("published_version", "provider")
            .filter(pk=int(value), status=DataResource.Status.ACTIVE, published_version__status="published")
            .exclude(provider=organisation).first())


@login_required
def application_create(request):
    """A new draft: the answers first; then the resources (preselected from the catalog entry) and the rest."""
    organisation = _own_organisation(request)
    if not request.user.has_perm(APPLY):
        raise errors.PermissionDenied()
    resource = _preselected_resource(request, organisation)
    refusal = services.applicant_refusal(organisation.pk)
    form = AnswersForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        application = run_service(request, form, lambda: services.application_create(
            applicant=organisation, data=form.cleaned_data, by=request.user))
        if application is not None:
            messages.success(request, _("Draft %(number)s is saved. Now choose the resources and fields.") % {
                "number": application.number})
            url = reverse("catalog:application_resources", args=[application.pk])
            return redirect(f"{url}?add={resource.pk}" if resource else url)
    return render(request, "catalog/applications/create.html", {
        "form": form, "resource": resource, "refusal": refusal,
    }, status=400 if form.errors else 200)


@login_required
def application_edit(request, pk: int):
    """The answers, with the reviewers' comments of the last round beside each one."""
    application = _editable(request, pk)
    if application.status not in services.EDITABLE_STATUSES:
        return _not_editable_redirect(request, application)
    form = AnswersForm(_posted(request)[0], initial=AnswersForm.initial_from(application))
    if request.method == "POST" and form.is_valid():
        updated = run_service(request, form, lambda: services.application_update(
            application, data=form.cleaned_data, by=request.user), success_message=_("The answers are saved."))
        if updated is not None:
            return redirect("catalog:application_edit", application.pk)
    problems = services.application_problems(application)
    round_, comments = services.latest_review_comments(application)
    rows = [{"field": form[name], "comments": comments.get(name, []), "problems": problems.get(name, [])}
            for name in services.ANSWER_FIELDS]
    context = _editor_context(application, "answers", problems)
    context.update({"form": form, "rows": rows, "comment_round": round_,
                    "general_comments": _comment_rows(comments, ("",)),
                    "other_comments": [c for key, group in comments.items()
                                       if key and key not in services.ANSWER_FIELDS for c in group]})
    return render(request, "catalog/applications/edit_answers.html", context, status=400 if form.errors else 200)


def _picker(request, application, query: str) -> list:
    """Published entries of active resources of other providers, found by the catalog search (SVC-1)."""
    from ..selectors import catalog_search

    rows = catalog_search(request.user, {"q": query}).exclude(resource__provider_id=application.applicant_id)
    return list(rows[:20])


def _item_blocks(application, posted: dict | None, add: DataResource | None) -> list[dict]:
    """What the resources section shows: each requested resource with its fields (ticked as saved or as
    posted), plus the resource being added."""
    items = list(application.items.select_related("resource__published_version", "resource__provider", "version")
                 .prefetch_related("fields"))
    blocks, seen = [], set()

    def block(resource, version, chosen, justification, saved):
        fields = list(DataField.objects.filter(version=version).order_by("position", "pk")) if version else []
        return {"resource": resource, "version": version, "fields": fields, "chosen": set(chosen),
                "justification": justification, "saved": saved}

    for item in items:
        if posted is not None and item.resource_id not in posted:
            continue
        version = item.resource.published_version or item.version
        chosen = posted[item.resource_id]["fields"] if posted is not None else [f.pk for f in item.fields.all()]
        justification = posted[item.resource_id]["justification"] if posted is not None else item.justification
        blocks.append(block(item.resource, version, chosen, justification, True))
        seen.add(item.resource_id)
    extra = [] if posted is None else [pk for pk in posted if pk not in seen]
    resources = DataResource.objects.select_related("published_version", "provider").in_bulk(extra)
    for pk in extra:
        if pk in resources:
            resource = resources[pk]
            blocks.append(block(resource, resource.published_version, posted[pk]["fields"],
                                posted[pk]["justification"], False))
            seen.add(pk)
    if add is not None and add.pk not in seen:
        blocks.append(block(add, add.published_version, [], "", False))
    return blocks


def _posted_items(request) -> dict[int, dict]:
    removed = request.POST.get("remove", "")
    posted = {}
    for value in request.POST.getlist("resource"):
        if not (value.isascii() and value.isdigit()) or value == removed:
            continue
        fields = [int(v) for v in request.POST.getlist(f"fields_{value}") if v.isascii() and v.isdigit()]
        posted[int(value)] = {"fields": fields, "justification": request.POST.get(f"justification_{value}", "")}
    return posted


@login_required
def application_resources(request, pk: int):
    """Resources and fields: the requested ones with their fields to tick, and a picker of published entries."""
    application = _editable(request, pk)
    if application.status not in services.EDITABLE_STATUSES:
        return _not_editable_redirect(request, application)
    picker = PickerForm(request.GET or None)
    query = picker.cleaned_data.get("q", "") if picker.is_valid() else ""
    add = None
    add_id = request.GET.get("add") or ""
    if add_id.isascii() and add_id.isdigit():
        add = (DataResource.objects.select_related("published_version", "provider")
               .filter(pk=int(request.GET["add"])).first())
    posted, item_errors, status = None, [], 200
    if request.method == "POST":
        posted = _posted_items(request)
        items = [{"resource": pk_, **values} for pk_, values in posted.items()]
        try:
            services.application_items_set(application, items=items, by=request.user)
        except errors.ValidationFailed as error:
            item_errors = [str(m) for m in error.field_errors.get("items", [])] or [str(error.message)]
            status = 400
        except errors.TransitionNotAllowed as error:
            item_errors, status = [str(error.message)], 409
        else:
            messages.success(request, _("The requested resources and fields are saved."))
            return redirect("catalog:application_resources", application.pk)
    round_, comments = services.latest_review_comments(application)
    context = _editor_context(application, "resources")
    context.update({
        "blocks": _item_blocks(application, posted, add), "item_errors": item_errors, "picker": picker,
        "query": query, "entries": _picker(request, application, query) if query or not application.items.exists()
        else [], "comments": _comment_rows(comments, ("items",)), "comment_round": round_,
    })
    return render(request, "catalog/applications/edit_resources.html", context, status=status)


@login_required
def application_recipients(request, pk: int):
    """Recipients: who they are, whether each accepted the current agreement; add a co-applicant."""
    application = _editable(request, pk)
    if application.status not in services.EDITABLE_STATUSES and request.method == "POST":
        return _not_editable_redirect(request, application)
    form = RecipientForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        from apps.accounts.models import User

        user = (User.objects.select_related("organisation")
                .filter(username__iexact=form.cleaned_data["username"], email__iexact=form.cleaned_data["email"])
                .first())
        if user is None:
            form.add_error(None, _("No account has this account name and e-mail address."))
        else:
            recipient = run_service(request, form, lambda: services.recipient_add(application, user=user,
                                                                                  by=request.user))
            if recipient is not None:
                messages.success(request, _("%(name)s is named as a recipient and is asked to accept the data use "
                                            "agreement.") % {"name": str(user)})
                return redirect("catalog:application_recipients", application.pk)
    round_, comments = services.latest_review_comments(application)
    context = _editor_context(application, "recipients")
    context.update({
        "form": form, "recipients": _recipients(application), "current_agreement": agreement_current(),
        "comments": _comment_rows(comments, ("recipients",)), "comment_round": round_,
    })
    return render(request, "catalog/applications/edit_recipients.html", context, status=400 if form.errors else 200)


def _recipients(application) -> list[Recipient]:
    return services.ordered_recipients(application)


@login_required
@require_POST
def recipient_remove(request, pk: int, recipient_pk: int):
    application = _editable(request, pk)
    recipient = Recipient.objects.filter(pk=recipient_pk, application=application).first()
    if recipient is None:
        raise Http404
    try:
        services.recipient_remove(application, recipient=recipient, by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, " ".join(str(m) for ms in error.field_errors.values() for m in ms) or error.message)
    else:
        messages.success(request, _("%(name)s is no longer a recipient.") % {"name": str(recipient.user)})
    return redirect("catalog:application_recipients", application.pk)


@login_required
def application_documents(request, pk: int):
    """Documents: ethics approval, plans, consent forms; upload (checked by content) and remove."""
    application = _editable(request, pk)
    if application.status not in services.EDITABLE_STATUSES and request.method == "POST":
        return _not_editable_redirect(request, application)
    form = DocumentForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        document = run_service(request, form, lambda: documents_services.document_add(
            application, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user))
        if document is not None:
            messages.success(request, _("“%(name)s” is attached.") % {"name": document.original_name})
            return redirect("catalog:application_documents", application.pk)
    round_, comments = services.latest_review_comments(application)
    context = _editor_context(application, "documents")
    context.update({
        "form": form, "documents": list(application.documents.select_related("uploaded_by").order_by("kind", "pk")),
        "comments": _comment_rows(comments, ("documents",)), "comment_round": round_,
    })
    return render(request, "catalog/applications/edit_documents.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def document_remove(request, pk: int, document_pk: int):
    application = _editable(request, pk)
    document = ApplicationDocument.objects.filter(pk=document_pk, application=application).first()
    if document is None:
        raise Http404
    try:
        documents_services.document_remove(application, document=document, by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": document.original_name})
    return redirect("catalog:application_documents", application.pk)


# --- check and submit --------------------------------------------------------------------------------------


def _plan_rows(plan) -> list[dict]:
    """The planned route as rows for the page, whatever shape the routing service gives each step."""
    rows = []
    for position, step in enumerate(plan or [], start=1):
        def value(name, default=None, _step=step):
            return _step.get(name, default) if isinstance(_step, dict) else getattr(_step, name, default)

        kind = value("kind", "")
        rule = value("rule")
        codes = value("resource_codes") or value("resources") or []
        rows.append({
            "order": value("order") or position,
            "kind": StepKind(kind).label if kind in StepKind.values else kind,
            "organisation": value("organisation"),
            "rule": rule,
            # Default rules' names are msgids (services/defaults.py); a department's own text stays as typed.
            "reason": value("reason") or (_(rule.name) if getattr(rule, "name", "") else ""),
            "resources": [getattr(code, "code", code) for code in codes],
            "working_days": value("working_days"),
        })
    return rows


def planned_route(application) -> tuple[list[dict], str]:
    """(the planned steps, the refusal reason) for the check page; no plan while nothing is requested."""
    from ..services import routing

    if not application.items.exists():
        return [], ""
    application.level = services.requested_level(application)
    try:
        return _plan_rows(routing.route_plan(application)), ""
    except errors.ValidationFailed as error:
        return [], str(error.message)


def _problem_url(application, key: str) -> str:
    """Where a problem is corrected: its section, or the answer itself in the answers section."""
    if key == "applicant":
        return ""
    for name, keys in SECTION_KEYS.items():
        if key in keys:
            return reverse(f"catalog:application_{name}", args=[application.pk])
    return reverse("catalog:application_edit", args=[application.pk]) + f"#id_{key}"


@login_required
def application_check(request, pk: int):
    """Every problem of `application_validate`, the planned route (who decides, in what order, why — or why
    the application would be refused) and the submit button."""
    application = _editable(request, pk)
    if application.status not in services.EDITABLE_STATUSES:
        return _not_editable_redirect(request, application)
    status, error_message = 200, ""
    if request.method == "POST":
        try:
            services.application_submit(application, by=request.user)
        except errors.ValidationFailed as error:
            status, error_message = 400, str(error.message)
        except errors.TransitionNotAllowed as error:
            status, error_message = 409, str(error.message)
        else:
            messages.success(request, _("Application %(number)s is submitted; you can follow its review here.") % {
                "number": application.number})
            return redirect("catalog:application_detail", application.pk)
    application.refresh_from_db()
    problems = services.application_problems(application)
    plan, refusal = planned_route(application)
    labels = {name: SharingApplication._meta.get_field(name).verbose_name for name in services.ANSWER_FIELDS}
    labels.update({"items": _("Resources and fields"), "recipients": _("Recipients"), "documents": _("Documents"),
                   "applicant": _("Applicant")})
    context = _editor_context(application, "check", problems)
    context.update({
        "problem_rows": [(labels.get(key, key), messages_, _problem_url(application, key))
                         for key, messages_ in problems.items()],
        "plan": plan, "refusal": refusal, "error_message": error_message,
        "resubmission": application.status == Status.RETURNED,
    })
    return render(request, "catalog/applications/check.html", context, status=status)


# --- the application page ----------------------------------------------------------------------------------


@login_required
def application_detail(request, pk: int):
    """Answers with the reviewers' comments beside them, the route, documents, recipients and their acceptance,
    linked applications and the history, for everyone who may see the application."""
    application = _application(request, pk)
    user = request.user
    round_, comments = services.latest_review_comments(application)
    answers = [{"name": name, "label": SharingApplication._meta.get_field(name).verbose_name,
                "value": services.answer_display(application, name), "comments": comments.get(name, [])}
               for name in services.ANSWER_FIELDS]
    items = list(application.items.select_related("resource", "version", "provider").prefetch_related(
        Prefetch("fields", queryset=DataField.objects.order_by("position", "pk"))))
    steps = list(application.steps.select_related("organisation", "decided_by", "rule").order_by("round", "order"))
    # The review step's own page is for the deciding organisation and the departments above it.
    step_pages = set(policy.visible(user, RouteStep.objects.filter(application=application), "catalog.view_routestep")
                     .values_list("pk", flat=True)) if steps else set()
    for step in steps:
        step.has_page = step.pk in step_pages
    current_round = [step for step in steps if step.round == application.round]
    earlier_rounds = [step for step in steps if step.round != application.round]
    recipients = _recipients(application)
    own_recipient = next((r for r in recipients if r.user_id == user.pk), None)
    editor = services.is_editor(user, application)
    current_agreement = agreement_current()
    grant = getattr(application, "grant", None)
    documents = list(application.documents.select_related("uploaded_by").order_by("kind", "pk"))
    may_download = bool(documents) and policy.visible(
        user, ApplicationDocument.objects.filter(pk=documents[0].pk), VIEW_DOCUMENT).exists()
    history = list(application.history.select_related("history_user").order_by("-history_date")[:100])
    followup_open = services.open_followup(application) if application.status == Status.APPROVED else None
    return render(request, "catalog/applications/detail.html", {
        "application": application, "answers": answers, "comment_round": round_,
        "general_comments": _comment_rows(comments, ("",)),
        "item_comments": comments.get("items", []), "recipient_comments": comments.get("recipients", []),
        "document_comments": comments.get("documents", []),
        "items": items, "current_steps": current_round, "earlier_steps": earlier_rounds,
        "recipients": recipients, "current_agreement": current_agreement, "documents": documents,
        "may_download": may_download, "history": history, "grant": grant,
        "followups": list(application.followups.order_by("-created_at")),
        "editor": editor, "editable": editor and application.status in services.EDITABLE_STATUSES,
        "may_withdraw": editor and application.status in services.OPEN_STATUSES,
        "may_follow_up": (editor and application.status == Status.APPROVED and grant is not None
                          and grant.status in services.GRANT_IN_FORCE and followup_open is None),
        "followup_open": followup_open,
        "must_accept": (own_recipient is not None and application.status in services.EDITABLE_STATUSES
                        and (current_agreement is None or own_recipient.agreement_id != current_agreement.pk)),
        "withdraw_form": WithdrawForm(), "followup_form": FollowupForm(),
    })


@login_required
def application_agreement(request, pk: int):
    """A named recipient reads the data use agreement in the current language and accepts it (SVC-2, SEC-4)."""
    application = _application(request, pk)
    recipient = application.recipients.select_related("agreement").filter(user=request.user).first()
    if recipient is None:
        raise errors.PermissionDenied(_("Only the people named as recipients accept the agreement for this "
                                        "application."))
    current = agreement_current()
    form = AcceptForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        accepted = run_service(request, form, lambda: services.agreement_accept(application, user=request.user))
        if accepted is not None:
            messages.success(request, _("You accepted the data use agreement, version %(version)s.") % {
                "version": accepted.agreement.version})
            return redirect("catalog:application_detail", application.pk)
    return render(request, "catalog/applications/agreement.html", {
        "application": application, "recipient": recipient, "agreement": current,
        "text": agreement_text(current) if current else "", "form": form,
        "accepted_current": current is not None and recipient.agreement_id == current.pk,
        "open": application.status in services.EDITABLE_STATUSES,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def application_withdraw(request, pk: int):
    application = _application(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        services.require_editor(application, request.user)
        messages.error(request, _("Say why the application is withdrawn."))
        return redirect("catalog:application_detail", application.pk)
    try:
        services.application_withdraw(application, reason=form.cleaned_data["reason"], by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Application %(number)s is withdrawn.") % {"number": application.number})
    return redirect("catalog:application_detail", application.pk)


@login_required
@require_POST
def application_followup(request, pk: int):
    application = _application(request, pk)
    form = FollowupForm(request.POST)
    if not form.is_valid():
        services.require_editor(application, request.user)
        messages.error(request, _("Choose amendment, extension or renewal."))
        return redirect("catalog:application_detail", application.pk)
    try:
        child = services.application_followup_create(application, kind=form.cleaned_data["kind"], by=request.user)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        apply_domain_error(form, error)
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()) or error.message)
        return redirect("catalog:application_detail", application.pk)
    messages.success(request, _("Draft %(number)s (%(kind)s of %(parent)s) is ready; check and change it, then "
                                "submit it.") % {"number": child.number, "kind": child.get_kind_display().lower(),
                                                 "parent": application.number})
    return redirect("catalog:application_edit", child.pk)


@login_required
def document_download(request, pk: int):
    """A document of an application, for those who see it (applicant, providers, departments); audited."""
    try:
        document = policy.get_object(request.user, ApplicationDocument.objects.select_related("application"),
                                     VIEW_DOCUMENT, pk=pk)
    except errors.NotFound:
        raise Http404 from None
    return file_response(document.file, filename=document.original_name,
                         content_type=documents_services.document_content_type(document),
                         audit_request=request, audit_object=document)


# --- the data use agreement's versions ---------------------------------------------------------------------


@login_required
def agreement_versions(request):
    """Every version of the data use agreement; the national department publishes a new one here (SVC-2)."""
    from django.utils import timezone

    from ..models import DataUseAgreement
    from ..services.agreements import agreement_publish

    if not request.user.has_perm("catalog.view_datauseagreement"):
        raise errors.PermissionDenied()
    may_publish = request.user.has_perm("catalog.manage_agreement") and (
        policy.jurisdiction_prefix(request.user) == "" or request.user.is_superuser)
    form = AgreementPublishForm(_posted(request)[0], initial={"effective_from": timezone.localdate()})
    if request.method == "POST":
        if not may_publish:
            raise errors.PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            published = run_service(request, form, lambda: agreement_publish(
                version=data["version"], text=data["text"], text_en=data["text_en"],
                effective_from=data["effective_from"], by=request.user))
            if published is not None:
                messages.success(request, _("Version %(version)s of the data use agreement is in force; recipients "
                                            "of open applications are asked to accept it.") % {
                    "version": published.version})
                return redirect("catalog:agreement_versions")
    versions = list(DataUseAgreement.objects.select_related("created_by").order_by("-effective_from", "-pk"))
    current = next((version for version in versions if version.is_current), None)
    return render(request, "catalog/applications/agreements.html", {
        "versions": versions, "current": current, "text": agreement_text(current) if current else "",
        "form": form, "may_publish": may_publish,
    }, status=400 if form.errors else 200)


urlpatterns = [
    path("applications/", application_list, name="application_list"),
    path("applications/new/", application_create, name="application_create"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path("applications/<int:pk>/resources/", application_resources, name="application_resources"),
    path("applications/<int:pk>/recipients/", application_recipients, name="application_recipients"),
    path("applications/<int:pk>/recipients/<int:recipient_pk>/remove/", recipient_remove,
         name="application_recipient_remove"),
    path("applications/<int:pk>/documents/", application_documents, name="application_documents"),
    path("applications/<int:pk>/documents/<int:document_pk>/remove/", document_remove,
         name="application_document_remove"),
    path("applications/<int:pk>/check/", application_check, name="application_check"),
    path("applications/<int:pk>/agreement/", application_agreement, name="application_agreement"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/follow-up/", application_followup, name="application_followup"),
    path("applications/documents/<int:pk>/", document_download, name="application_document"),
    path("agreements/", agreement_versions, name="agreement_versions"),
]
