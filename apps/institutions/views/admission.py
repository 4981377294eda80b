"""Public registration and the admission review (INS-1, INS-2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import apply_domain_error
from apps.core.pagination import paginate

from ..forms import AccountFields, ApplicationFields, DecisionForm, ProfileForm
from ..models import AdmissionApplication, Institution
from ..services import admission as admission_services
from ..services.registry import PROFILE_FIELDS, institution_clean
from .display import profile_rows

REGISTRATIONS_PER_HOUR = 5  # per client address: sign-up is public


def _place_errors(forms, error: errors.DomainError) -> None:
    """Put each field error on the form that has the field; the rest on the first form."""
    leftover = {}
    for field, field_messages in error.field_errors.items():
        target = next((form for form in forms if field in form.fields), None)
        if target is None:
            leftover[field] = field_messages
            continue
        for message in field_messages if isinstance(field_messages, list | tuple) else [field_messages]:
            target.add_error(field, message)
    if leftover or not error.field_errors:
        forms[0].add_error(None, error.message if not leftover else "; ".join(
            str(m) for texts in leftover.values() for m in texts))


def _throttle_key(request) -> str:
    return f"institutions:register:{request.META.get('REMOTE_ADDR', '')}"


def _throttled(request) -> bool:
    """Only successful registrations count: a visitor correcting mistakes is never locked out."""
    return cache.get(_throttle_key(request), 0) >= REGISTRATIONS_PER_HOUR


def register(request):
    """Public sign-up: an applicant account, the institution profile and an admission application."""
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    account, profile, application = AccountFields(data, prefix="account"), ProfileForm(data), ApplicationFields(
        data, files)
    if request.method == "POST":
        if _throttled(request):
            account.add_error(None, _("Too many registrations from your network; try again in an hour."))
        elif not all([account.is_valid(), profile.is_valid(), application.is_valid()]):
            _precheck_profile(profile)
        else:
            try:
                created = admission_services.admission_register(
                    account=account.account_data(), profile=profile.profile_data(),
                    purpose=application.cleaned_data["purpose"], documents=application.documents())
            except errors.ValidationFailed as error:
                _place_errors([account, profile, application], _prefixed(error))
            else:
                cache.set(_throttle_key(request), cache.get(_throttle_key(request), 0) + 1, 3600)
                request.session["registered_application"] = created.number
                return redirect("institutions:register_done")
    return render(request, "institutions/admission/register.html", {
        "account_form": account, "profile_form": profile, "application_form": application})


def _precheck_profile(profile) -> None:
    """Show the profile's rule errors (credit code, region...) together with the forms' own errors."""
    if profile.is_valid():
        try:
            institution_clean(profile.profile_data())
        except errors.ValidationFailed as error:
            _place_errors([profile], error)


def _prefixed(error: errors.ValidationFailed) -> errors.ValidationFailed:
    """Service field names of the account are plain (`username`); the form is prefixed."""
    account_fields = {"username", "full_name", "identity_number", "email", "mobile", "password"}
    return errors.ValidationFailed(error.message, field_errors={
        (f"account-{name}" if name in account_fields else name): texts
        for name, texts in error.field_errors.items()})


def register_done(request):
    number = request.session.get("registered_application")
    if not number:
        return redirect("institutions:register")
    return render(request, "institutions/admission/register_done.html", {"number": number})


@login_required
def admission_list(request):
    """The reviewer's work list (oldest due first) or an institution's own applications."""
    rows = policy.visible(request.user, AdmissionApplication.objects.select_related("institution__region"),
                          "institutions.view_admissionapplication")
    status = request.GET.get("status", "open")
    if status == "open":
        rows = rows.filter(status__in=["submitted", "returned"])
    elif status in AdmissionApplication.Status.values:
        rows = rows.filter(status=status)
    query = (request.GET.get("q") or "").strip()
    if query:
        rows = rows.filter(institution__name__icontains=query) if not query.upper().startswith("ZR") else rows.filter(
            number=query.upper())
    page = paginate(request, rows.order_by("due_on", "submitted_at", "pk"))
    return render(request, "institutions/admission/list.html", {
        "page": page, "status": status, "q": query, "statuses": AdmissionApplication.Status.choices,
        "today": timezone.localdate()})


def _application(request, pk) -> AdmissionApplication:
    try:
        return policy.get_object(
            request.user, AdmissionApplication.objects.select_related("institution__region", "applicant", "reviewer"),
            "institutions.view_admissionapplication", pk=pk)
    except errors.NotFound:
        raise Http404 from None


def _detail_context(request, application: AdmissionApplication) -> dict:
    institution = application.institution
    steps = [
        {"when": row.history_date, "who": row.history_user, "status": row.get_status_display(),
         "reason": row.history_change_reason, "comment": row.review_comment}
        for row in application.history.select_related("history_user").order_by("history_date")
    ]
    return {
        "application": application, "institution": institution,
        "documents": admission_services.application_documents(application).select_related("uploaded_by"),
        "profile_fields": profile_rows(institution),
        "may_review": (application.status == AdmissionApplication.Status.SUBMITTED
                       and policy.can(request.user, "institutions.review_admission", application)),
        "may_resubmit": (application.status == AdmissionApplication.Status.RETURNED
                         and policy.can(request.user, "institutions.change_admissionapplication", application)),
        "decision_form": DecisionForm(), "steps": steps, "today": timezone.localdate(),
    }


@login_required
def admission_detail(request, pk: int):
    application = _application(request, pk)
    return render(request, "institutions/admission/detail.html", _detail_context(request, application))


@login_required
@require_POST
def admission_decide(request, pk: int):
    application = _application(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    action = request.POST.get("action")
    service = {"approve": admission_services.admission_approve, "return": admission_services.admission_return,
               "refuse": admission_services.admission_refuse}.get(action)
    if service is None:
        raise Http404
    try:
        service(application=application, by=request.user, comment=comment)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        apply_domain_error(form, error)
        return render(request, "institutions/admission/detail.html", {
            **_detail_context(request, application), "decision_form": form}, status=400)
    messages.success(request, {"approve": _("The institution is admitted."),
                               "return": _("The application was returned for correction."),
                               "refuse": _("The application was refused.")}[action])
    return redirect("institutions:admission_detail", application.pk)


@login_required
def admission_resubmit(request, pk: int):
    application = _application(request, pk)
    policy.require(request.user, "institutions.change_admissionapplication", application)
    institution = application.institution
    if application.status != AdmissionApplication.Status.RETURNED:
        return redirect("institutions:admission_detail", application.pk)
    initial = {name: getattr(institution, name) for name in PROFILE_FIELDS if name != "region"}
    initial["region"] = institution.region_id
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    profile = ProfileForm(data, initial=initial)
    application_form = ApplicationFields(data, files, documents_required=False,
                                         initial={"purpose": application.purpose})
    if request.method == "POST" and profile.is_valid() and application_form.is_valid():
        changed = {name: profile.cleaned_data[name] for name in profile.changed_data}
        try:
            admission_services.admission_resubmit(
                application=application, by=request.user, profile=changed,
                purpose=application_form.cleaned_data["purpose"], documents=application_form.documents())
        except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
            _place_errors([profile, application_form], error)
        else:
            messages.success(request, _("The application has been resubmitted."))
            return redirect("institutions:admission_detail", application.pk)
    return render(request, "institutions/admission/resubmit.html", {
        "application": application, "profile_form": profile, "application_form": application_form})


@login_required
def admission_reapply(request):
    """A refused or revoked institution applies again (after the waiting period for a revocation)."""
    institution = Institution.objects.filter(pk=request.user.organisation_id).first()
    if institution is None:
        raise Http404
    policy.require(request.user, "institutions.add_admissionapplication", institution)
    form = ApplicationFields(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = admission_services.admission_reapply(
                institution=institution, purpose=form.cleaned_data["purpose"], documents=form.documents(),
                by=request.user)
        except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
            _place_errors([form], error)
        else:
            return redirect("institutions:admission_detail", application.pk)
    return render(request, "institutions/admission/reapply.html", {"institution": institution, "form": form})


urlpatterns = [
    path("register/", register, name="register"),
    path("register/done/", register_done, name="register_done"),
    path("admission/", admission_list, name="admission_list"),
    path("admission/apply-again/", admission_reapply, name="admission_reapply"),
    path("admission/<int:pk>/", admission_detail, name="admission_detail"),
    path("admission/<int:pk>/decide/", admission_decide, name="admission_decide"),
    path("admission/<int:pk>/resubmit/", admission_resubmit, name="admission_resubmit"),
]
