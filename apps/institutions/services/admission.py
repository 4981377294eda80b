"""Registration and admission (INS-1, INS-2): a public sign-up opens an application that the
department of the institution's jurisdiction approves, returns for correction or refuses."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Organisation, User
from apps.accounts.services import applicant_account_create
from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.workdays.services import add_working_days

from ..models import REQUIRED_DOCUMENTS, AdmissionApplication, Document, Institution
from ..workflows import ADMISSION_FLOW, INSTITUTION_FLOW
from .documents import document_check, document_store
from .messages import portal_notify
from .registry import institution_clean, institution_create, institution_set_status, institution_update

REVIEW_WORKING_DAYS = 20  # time a department has to decide an application
PROVIDER_TYPES = (Institution.Type.DATA_SERVICE,)


def _number() -> str:
    today = timezone.localdate()
    count = AdmissionApplication.objects.filter(submitted_at__date=today).count() + 1
    number = f"ZR{today:%Y%m%d}{count:04d}"
    while AdmissionApplication.objects.filter(number=number).exists():
        count += 1
        number = f"ZR{today:%Y%m%d}{count:04d}"
    return number


def _check_documents(documents: dict, *, required: bool) -> None:
    """documents: kind -> upload. All required kinds must be present on a first submission."""
    field_errors = {}
    for kind in REQUIRED_DOCUMENTS:
        if required and not documents.get(kind):
            field_errors[f"document_{kind}"] = [_("This document is required.")]
    for kind, upload in documents.items():
        if upload is None:
            continue
        try:
            document_check(upload, field=f"document_{kind}")
        except errors.ValidationFailed as error:
            field_errors.update(error.field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)


def _reviewers(institution: Institution):
    """Reviewers of every department whose jurisdiction covers the institution, most local first."""
    prefixes = [institution.region_id[:n] for n in (6, 4, 2)] + [""]
    return (User.objects.filter(is_active=True, is_machine=False, groups__name="reviewer",
                                organisation__kind=Organisation.Kind.DEPARTMENT,
                                organisation__jurisdiction_prefix__in=prefixes)
            .distinct())


def _notify_applicant(application: AdmissionApplication, title, body, params=None) -> None:
    recipients = User.objects.filter(organisation=application.institution.organisation_id, is_active=True,
                                     is_machine=False, groups__name="institution_admin").distinct()
    portal_notify(recipients=list(recipients), title=title, body=body, params={
        "number": application.number, "date": application.due_on, "comment": application.review_comment,
        **(params or {})}, url=reverse("institutions:admission_detail", args=[application.pk]))


@transaction.atomic
def admission_register(*, account: dict, profile: dict, purpose: str, documents: dict) -> AdmissionApplication:
    """Public sign-up (INS-1, INS-2): applicant account + organisation + profile + application, or nothing.

    `account`: username, full_name, email, mobile, identity_number, password.
    `documents`: document kind -> uploaded file (REQUIRED_DOCUMENTS must all be there)."""
    field_errors: dict = {}
    try:
        institution_clean({**profile})
    except errors.ValidationFailed as error:
        field_errors.update(error.field_errors)
    if not (purpose or "").strip():
        field_errors["purpose"] = [_("Describe the health data activities you apply for.")]
    if not (account.get("identity_number") or "").strip():
        field_errors["identity_number"] = [_("Applicants register with their real name and identity number.")]
    try:
        _check_documents(documents, required=True)
    except errors.ValidationFailed as error:
        field_errors.update(error.field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    kind = Organisation.Kind.PROVIDER if profile.get("type") in PROVIDER_TYPES else Organisation.Kind.INSTITUTION
    institution = institution_create(data=profile, by=None, kind=kind, reason="registered (public sign-up)")
    applicant = applicant_account_create(organisation=institution.organisation, **account)
    _attribute_creation(institution, applicant)
    return _application_open(institution=institution, applicant=applicant, purpose=purpose,
                             documents=documents)


def _attribute_creation(institution: Institution, applicant: User) -> None:
    """The rows written before the account existed are the applicant's own doing."""
    institution.history.filter(history_user__isnull=True).update(history_user=applicant)
    institution.organisation.history.filter(history_user__isnull=True).update(history_user=applicant)


def _application_open(*, institution: Institution, applicant: User, purpose: str, documents: dict):
    submitted = timezone.now()
    application = AdmissionApplication(
        number=_number(), institution=institution, applicant=applicant, purpose=purpose.strip(),
        submitted_at=submitted, due_on=add_working_days(timezone.localdate(), REVIEW_WORKING_DAYS),
    )
    save_tracked(application, by=applicant, reason="submitted")
    for kind, upload in documents.items():
        if upload is not None:
            document_store(institution=institution, kind=kind, upload=upload, by=applicant,
                           application=application, field=f"document_{kind}")
    transaction.on_commit(lambda: _announce(application))
    return application


def _announce(application: AdmissionApplication) -> None:
    portal_notify(recipients=list(_reviewers(application.institution)),
                  title=gettext_lazy("New admission application %(number)s"), body="%(name)s",
                  params={"number": application.number, "name": application.institution.name},
                  url=reverse("institutions:admission_detail", args=[application.pk]))
    _notify_applicant(application, gettext_lazy("Application %(number)s received"),
                      gettext_lazy("Your application has been received; the review is due by %(date)s."))


@transaction.atomic
def admission_reapply(*, institution: Institution, purpose: str, documents: dict, by) -> AdmissionApplication:
    """A refused or revoked institution applies again (after the waiting period, INS-4)."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    policy.require(by, "institutions.add_admissionapplication", institution)
    if institution.status not in (Institution.Status.REFUSED, Institution.Status.REVOKED):
        raise errors.TransitionNotAllowed(_("Only a refused or revoked institution can apply again."))
    wait = institution.readmission_allowed_from
    if wait and timezone.localdate() < wait:
        raise errors.ValidationFailed(_("A new application is accepted from %(date)s, after the waiting period.")
                                      % {"date": wait})
    if not (purpose or "").strip():
        raise errors.ValidationFailed(field_errors={"purpose": [
            _("Describe the health data activities you apply for.")]})
    _check_documents(documents, required=True)
    INSTITUTION_FLOW.check(by, institution, institution.status, Institution.Status.APPLICANT)
    institution_set_status(institution=institution, status=Institution.Status.APPLICANT, by=by, reason="reapplied")
    return _application_open(institution=institution, applicant=by, purpose=purpose, documents=documents)


@transaction.atomic
def admission_resubmit(*, application: AdmissionApplication, by, profile: dict | None = None,
                       purpose: str | None = None, documents: dict | None = None) -> AdmissionApplication:
    """The applicant corrects a returned application and sends it back (INS-2)."""
    application = AdmissionApplication.objects.select_for_update().get(pk=application.pk)
    ADMISSION_FLOW.check(by, application, application.status, AdmissionApplication.Status.SUBMITTED)
    documents = {k: v for k, v in (documents or {}).items() if v is not None}
    _check_documents(documents, required=False)
    if profile:
        institution_update(institution=application.institution, data=profile, by=by,
                           reason="corrected for admission", check_permission=False)
    if purpose is not None:
        if not purpose.strip():
            raise errors.ValidationFailed(field_errors={"purpose": [
                _("Describe the health data activities you apply for.")]})
        application.purpose = purpose.strip()
    for kind, upload in documents.items():
        document_store(institution=application.institution, kind=kind, upload=upload, by=by,
                       application=application, field=f"document_{kind}")
    application.status = AdmissionApplication.Status.SUBMITTED
    application.resubmissions += 1
    application.due_on = add_working_days(timezone.localdate(), REVIEW_WORKING_DAYS)
    save_tracked(application, by=by, reason="resubmitted")
    transaction.on_commit(lambda: portal_notify(
        recipients={*_reviewers(application.institution), *([application.reviewer] if application.reviewer else [])},
        title=gettext_lazy("Application %(number)s resubmitted"), body="%(name)s",
        params={"number": application.number, "name": application.institution.name},
        url=reverse("institutions:admission_detail", args=[application.pk])))
    return application


def _decide(application: AdmissionApplication, target: str, comment: str, by) -> AdmissionApplication:
    application = AdmissionApplication.objects.select_for_update().select_related("institution").get(pk=application.pk)
    ADMISSION_FLOW.check(by, application, application.status, target)
    application.status = target
    application.review_comment = (comment or "").strip()
    application.reviewer = by
    if target != AdmissionApplication.Status.RETURNED:
        application.decided_at = timezone.now()
    save_tracked(application, by=by, reason=target)
    return application


@transaction.atomic
def admission_approve(*, application: AdmissionApplication, by, comment: str = "") -> AdmissionApplication:
    """Admission lets the institution use the catalog and sharing (INS-2)."""
    application = _decide(application, AdmissionApplication.Status.APPROVED, comment, by)
    institution = Institution.objects.select_for_update().get(pk=application.institution_id)
    INSTITUTION_FLOW.check(by, institution, institution.status, Institution.Status.ADMITTED)
    institution.readmission_allowed_from = None
    institution_set_status(institution=institution, status=Institution.Status.ADMITTED, by=by,
                           reason=f"admitted ({application.number})")
    transaction.on_commit(lambda: _notify_applicant(
        application, gettext_lazy("Application %(number)s approved"),
        gettext_lazy("Your institution is admitted and can now use the catalog and data sharing.")))
    return application


@transaction.atomic
def admission_return(*, application: AdmissionApplication, by, comment: str) -> AdmissionApplication:
    if not (comment or "").strip():
        raise errors.ValidationFailed(field_errors={"comment": [_("Say what the applicant must correct.")]})
    application = _decide(application, AdmissionApplication.Status.RETURNED, comment, by)
    transaction.on_commit(lambda: _notify_applicant(
        application, gettext_lazy("Application %(number)s returned for correction"), "%(comment)s"))
    return application


@transaction.atomic
def admission_refuse(*, application: AdmissionApplication, by, comment: str) -> AdmissionApplication:
    if not (comment or "").strip():
        raise errors.ValidationFailed(field_errors={"comment": [_("A refusal must state its reasons.")]})
    application = _decide(application, AdmissionApplication.Status.REFUSED, comment, by)
    institution = Institution.objects.select_for_update().get(pk=application.institution_id)
    INSTITUTION_FLOW.check(by, institution, institution.status, Institution.Status.REFUSED)
    institution_set_status(institution=institution, status=Institution.Status.REFUSED, by=by,
                           reason=f"refused ({application.number})")
    transaction.on_commit(lambda: _notify_applicant(
        application, gettext_lazy("Application %(number)s refused"), "%(comment)s"))
    return application


def application_documents(application: AdmissionApplication):
    return Document.objects.filter(application=application).order_by("kind", "-uploaded_at")
