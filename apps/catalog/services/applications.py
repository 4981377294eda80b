"""Sharing applications from draft to submission, withdrawal, correction and follow-ups (SVC-2, SEC-4, SEC-8,
SEC-9).

An admitted, not suspended institution applies for fields of one or more published resources, possibly of
several providers, for named recipients (co-applicants, who may belong to partner institutions), a purpose, a
legal basis and a period. Drafts are saved freely; `application_validate` collects every problem before
submission; `application_submit` hands the application to the route (services/routing.py). A returned
application is corrected and resubmitted; an approved one is amended, extended or renewed through a new
application linked to it (`parent`).

Who may do what:
- change a draft or returned application (answers, resources, recipients, documents), submit, withdraw, start a
  follow-up: users of the applying institution holding `catalog.apply_for_data` (the policy layer decides
  404/403; providers and departments who see the application get 403);
- accept the data use agreement: each named recipient for themself;
- see the application: the policy scope (applicant, providers, departments of their jurisdictions) and the
  recipients of other institutions through the object grant `catalog.view_sharingapplication` given when they
  are named and taken back when they are removed.
"""

from __future__ import annotations

import datetime
import re

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core import errors, policy
from apps.core.history import save_tracked

from .. import timing
from ..models import (
    IDENTIFIED_DATA_BASES,
    ApplicationDocument,
    ApplicationItem,
    DataField,
    DataResource,
    DeidentificationMethod,
    DeliveryMode,
    LegalBasis,
    OpenForm,
    Recipient,
    SharingApplication,
)
from ..workflows import APPLICATION_FLOW, APPLY
from .agreements import agreement_current

VIEW = "catalog.view_sharingapplication"
Status = SharingApplication.Status
Kind = SharingApplication.Kind

EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
OPEN_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.RETURNED)
FOLLOWUP_KINDS = (Kind.AMENDMENT, Kind.EXTENSION, Kind.RENEWAL)
GRANT_IN_FORCE = ("active", "suspended")

# The answers of the application form, in the order the pages show them.
ANSWER_FIELDS = (
    "title", "purpose", "project_description", "legal_basis", "legal_basis_note", "period_start", "period_end",
    "delivery_mode", "security_measures", "deidentification_method", "deidentification_description",
    "cross_border", "cross_border_destination",
)
TEXT_FIELDS = ("title", "purpose", "project_description", "legal_basis_note", "security_measures",
               "deidentification_description", "cross_border_destination")
DATE_FIELDS = ("period_start", "period_end")
CHOICE_FIELDS = {"legal_basis": LegalBasis, "delivery_mode": DeliveryMode,
                 "deidentification_method": DeidentificationMethod}
# What a draft needs to be saved at all (the database needs them); the rest is checked at submission.
CREATE_REQUIRED = ("title", "legal_basis", "period_start", "period_end", "delivery_mode")

NUMBER_PREFIX = "SQ"
# Key of the PostgreSQL transaction-level advisory lock that serialises number assignment ("SQNO").
_NUMBER_LOCK = 0x53514E4F


def _fail(field: str, message) -> errors.ValidationFailed:
    """One problem with one answer: the message on top and beside the answer."""
    return errors.ValidationFailed(message, field_errors={field: [message]})


# --- who ------------------------------------------------------------------------------------------------


def applicant_refusal(organisation_id) -> str | None:
    """Why the institution may not apply for data now (INS-2, INS-3, INS-4), or None when it may."""
    from apps.institutions.selectors import institution_may_apply_for_data, institution_status

    if organisation_id and institution_may_apply_for_data(organisation_id):
        return None
    status = institution_status(organisation_id) if organisation_id else None
    if status == "suspended":
        return _("Your institution is suspended: it cannot apply for data until the suspension is lifted.")
    if status == "admitted":
        return _("Your institution's credit grade does not allow applications for data.")
    return _("Only admitted institutions apply for data; your institution is not admitted.")


def is_editor(user, application: SharingApplication) -> bool:
    """May `user` change, submit or withdraw the application (the page decides which buttons to show)?"""
    return (getattr(user, "organisation_id", None) == application.applicant_id
            and policy.can(user, APPLY, application))


def require_editor(application: SharingApplication, by) -> None:
    """404 when the application is invisible, 403 when visible but not the applicant's (a provider, a
    department, a recipient of another institution) or without `catalog.apply_for_data`."""
    policy.require(by, APPLY, application)
    if by.organisation_id != application.applicant_id:
        raise errors.PermissionDenied(_("Only the applying institution changes its application."))


def require_editable(application: SharingApplication) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise errors.TransitionNotAllowed(
            _("Application %(number)s is %(status)s: only a draft or a returned application can be changed.")
            % {"number": application.number, "status": application.get_status_display().lower()})


def lock_for_change(application: SharingApplication) -> SharingApplication:
    return SharingApplication.objects.select_for_update().get(pk=application.pk)


# --- answers --------------------------------------------------------------------------------------------


def _as_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        return None


def _clean_answers(data: dict, *, required: tuple[str, ...] = ()) -> dict:
    """The answers present in `data`, normalised; ValidationFailed naming each bad one."""
    values, problems = {}, {}
    for name in ANSWER_FIELDS:
        if name not in data:
            if name in required:
                problems[name] = [_("This answer is required.")]
            continue
        raw = data[name]
        if name in TEXT_FIELDS:
            value = ("" if raw is None else str(raw)).replace("\r\n", "\n").strip()
            limit = SharingApplication._meta.get_field(name).max_length
            if limit and len(value) > limit:
                problems[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
                continue
        elif name in DATE_FIELDS:
            value = _as_date(raw)
            if value is None and raw not in (None, ""):
                problems[name] = [_("Enter a valid date (YYYY-MM-DD).")]
                continue
        elif name in CHOICE_FIELDS:
            value = "" if raw is None else str(raw)
            if value and value not in CHOICE_FIELDS[name].values:
                problems[name] = [_("“%(value)s” is not one of the choices.") % {"value": value}]
                continue
        else:  # cross_border
            value = raw in (True, "true", "True", "1", "on", 1)
        if name in required and value in ("", None):
            problems[name] = [_("This answer is required.")]
            continue
        if name in DATE_FIELDS and value is None:
            problems[name] = [_("This answer is required.")]
            continue
        if name in CHOICE_FIELDS and not value:
            problems[name] = [_("Choose one of the options.")]
            continue
        values[name] = value
    start, end = values.get("period_start"), values.get("period_end")
    if start and end and end < start:
        problems.setdefault("period_end", []).append(period_order_message())
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    return values


def period_order_message() -> str:
    return _("The end date is before the start date.")


def _next_number() -> str:
    """SQ<year>-<6-digit serial>, serialised by a transaction-level advisory lock (call inside atomic)."""
    prefix = f"{NUMBER_PREFIX}{timezone.localdate().year}-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK])
    # The range lets the unique index on `number` answer; the pattern leaves out numbers of other shapes.
    last = (SharingApplication.objects.filter(number__gte=f"{prefix}000000", number__lte=f"{prefix}999999",
                                              number__regex=rf"^{re.escape(prefix)}[0-9]{{6}}$")
            .aggregate(last=Max("number"))["last"])
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


def application_create(*, applicant, data: dict, by) -> SharingApplication:
    """Start a draft application of `applicant` (SVC-2); the creator becomes its lead recipient (a machine
    account of the API names the lead person afterwards).

    Refuses: a user without `catalog.apply_for_data` or of another organisation (403), an institution that
    may not apply (not admitted, suspended, credit grade), missing title / legal basis / period / delivery mode,
    an end date before the start date."""
    policy.require(by, APPLY)
    if applicant is None or by.organisation_id != applicant.pk:
        raise errors.PermissionDenied(_("You apply on behalf of your own institution only."))
    refusal = applicant_refusal(applicant.pk)
    if refusal:
        raise errors.ValidationFailed(refusal, code="applicant_may_not_apply")
    values = _clean_answers(data, required=CREATE_REQUIRED)
    if applicant.region_id is None:
        raise errors.ValidationFailed(_("Your institution has no region; correct its profile first."))
    with transaction.atomic():
        application = SharingApplication(applicant=applicant, applicant_region_id=applicant.region_id,
                                         created_by=by, number=_next_number(), **values)
        save_tracked(application, by=by, reason="created")
        if not by.is_machine:  # an API token's machine account names the lead person with recipient_add
            save_tracked(Recipient(application=application, user=by, role=Recipient.Role.LEAD), by=by,
                         reason="lead applicant")
    return application


def application_update(application: SharingApplication, *, data: dict, by) -> SharingApplication:
    """Change the answers of a draft or returned application (only the keys present in `data`).

    An extension changes the end date only (SVC-2)."""
    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        require_editable(application)
        values = _clean_answers(data)
        problems = {}
        if application.kind == Kind.EXTENSION:
            for name, value in values.items():
                if name != "period_end" and getattr(application, name) != value:
                    problems[name] = [_("An extension changes only the end date; apply for an amendment to "
                                        "change anything else.")]
        start = values.get("period_start", application.period_start)
        end = values.get("period_end", application.period_end)
        if start and end and end < start:
            problems.setdefault("period_end", []).append(period_order_message())
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        changed = [name for name, value in values.items() if getattr(application, name) != value]
        if not changed:
            return application
        for name in changed:
            setattr(application, name, values[name])
        reason = "answers changed: " + ", ".join(changed)
        if application.security_assessment_reference and {"cross_border", "cross_border_destination"} & set(changed):
            # SEC-9: the assessment covered the export as it was described; a changed export needs a new one.
            application.security_assessment_reference = ""
            application.security_assessment_date = None
            application.security_assessment_recorded_by = None
            reason = "security assessment no longer applies; " + reason
        return save_tracked(application, by=by, reason=reason)


# --- resources and fields -------------------------------------------------------------------------------


def _pk(value):
    pk = getattr(value, "pk", value)
    try:
        return int(pk)
    except (TypeError, ValueError):
        return None


def application_items_set(application: SharingApplication, *, items: list[dict], by) -> list[ApplicationItem]:
    """Replace the requested resources and fields (SVC-2, SEC-1).

    `items`: [{"resource": DataResource or id, "fields": [DataField ids], "justification": str}]. Each resource
    is active with a published catalog entry, requested once, not the applicant's own (its own data need no
    application); each item names at least one field, all of them fields of that published entry (the message
    names those that are not). Every problem is reported at once; nothing is saved unless all are right."""
    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        require_editable(application)
        if application.kind == Kind.EXTENSION:
            raise _fail("items", _("An extension keeps the requested resources and fields; only the end date "
                                   "changes."))
        cleaned = _clean_items(application, items)
        current = {item.resource_id: item for item in application.items.all()}
        kept = []
        for resource, version, fields, justification in cleaned:
            item = current.pop(resource.pk, None)
            if item is None:
                item = save_tracked(ApplicationItem(application=application, resource=resource, version=version,
                                                    provider_id=resource.provider_id, justification=justification),
                                    by=by, reason=f"resource requested: {resource.code}")
                item.fields.set(fields)
            elif ((item.version_id, item.provider_id, item.justification) != (version.pk, resource.provider_id,
                                                                               justification)
                  or set(item.fields.values_list("pk", flat=True)) != set(fields)):
                # The fields are a many-to-many set: the history row records the change and who made it.
                item.version, item.provider_id, item.justification = version, resource.provider_id, justification
                item.fields.set(fields)
                save_tracked(item, by=by, reason=f"request changed: {resource.code}")
            kept.append(item)
        for item in current.values():
            item._history_user = by
            item._change_reason = "resource no longer requested"
            item.delete()
    return kept


def _clean_items(application: SharingApplication, items) -> list[tuple]:
    if not isinstance(items, list | tuple):
        raise _fail("items", _("Give the requested resources as a list."))
    resource_ids = [_pk(item.get("resource")) if isinstance(item, dict) else None for item in items]
    resources = DataResource.objects.select_related("published_version").in_bulk(
        [pk for pk in resource_ids if pk is not None])
    field_ids = set()
    for item in items:
        for value in (item.get("fields") or []) if isinstance(item, dict) else []:
            if _pk(value) is not None:
                field_ids.add(_pk(value))
    fields = DataField.objects.select_related("version").in_bulk(list(field_ids))
    problems, cleaned, seen = [], [], set()
    for position, (item, pk) in enumerate(zip(items, resource_ids, strict=True), start=1):
        resource = resources.get(pk) if pk is not None else None
        if resource is None:
            problems.append(_("Requested resource %(position)d: no such resource in the catalog.")
                            % {"position": position})
            continue
        label = {"code": resource.code}
        version = resource.published_version
        if resource.status != DataResource.Status.ACTIVE:
            problems.append(_("%(code)s is retired and can no longer be requested.") % label)
            continue
        if version is None or version.status != "published":
            problems.append(_("%(code)s has no published catalog entry and cannot be requested.") % label)
            continue
        label["title"] = version.title
        if resource.provider_id == application.applicant_id:
            problems.append(_("%(code)s is your institution's own resource: using your own data needs no "
                              "application.") % label)
            continue
        if resource.pk in seen:
            problems.append(_("%(code)s is requested more than once; request each resource once.") % label)
            continue
        seen.add(resource.pk)
        wanted = [_pk(value) for value in item.get("fields") or []]
        if not wanted:
            problems.append(_("Choose at least one field of %(title)s (%(code)s).") % label)
            continue
        outside = []
        for field_pk in dict.fromkeys(wanted):
            field = fields.get(field_pk) if field_pk is not None else None
            if field is None or field.version_id != version.pk:
                outside.append(field.name if field is not None else f"#{field_pk if field_pk is not None else '?'}")
        if outside:
            problems.append(_("Fields not in the resource %(code)s: %(names)s.") % {
                **label, "names": "、".join(outside)})
            continue
        justification = str(item.get("justification") or "").strip()
        cleaned.append((resource, version, list(dict.fromkeys(wanted)), justification))
    if problems:
        raise errors.ValidationFailed(problems[0] if len(problems) == 1 else None, field_errors={"items": problems})
    return cleaned


# --- recipients and the agreement ------------------------------------------------------------------------


def recipient_problem(user) -> str | None:
    """Why `user` cannot be named as a recipient, or None: active people of admitted institutions only."""
    from apps.institutions.selectors import institution_is_admitted

    name = {"name": str(user)}
    if user is None:
        return _("No such account.")
    if not user.is_active or user.is_machine:
        return _("%(name)s's account is not active and cannot receive data.") % name
    organisation = user.organisation
    if organisation is None or organisation.kind == "department" or not organisation.is_active:
        return _("%(name)s does not belong to an institution; only people of admitted institutions receive data.") \
            % name
    if not institution_is_admitted(organisation.pk):
        return _("%(name)s's institution is not admitted (or is suspended); its people cannot receive data.") % name
    return None


NAMED_TITLE = gettext_lazy("You are named as a recipient of application %(number)s")
NAMED_BODY = gettext_lazy("%(institution)s names you as a recipient of the data requested by application "
                          "%(number)s (%(title)s). Read and accept the data use agreement before it is submitted.")


def recipient_add(application: SharingApplication, *, user, role: str = Recipient.Role.CO_APPLICANT,
                  by) -> Recipient:
    """Name a recipient (co-applicant); a person of another institution gets view access to the application."""
    from django.urls import reverse

    from apps.institutions.services.messages import portal_notify

    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        require_editable(application)
        if application.kind == Kind.EXTENSION:
            raise _fail("user", _("An extension keeps the recipients; apply for an amendment to change "
                                  "them."))
        if role not in Recipient.Role.values:
            raise _fail("role", _("Choose the recipient's role."))
        if role == Recipient.Role.LEAD and application.recipients.filter(role=Recipient.Role.LEAD).exists():
            raise _fail("role", _("The application already has a lead applicant; name further people as "
                                  "co-applicants."))
        problem = recipient_problem(user)
        if problem:
            raise errors.ValidationFailed(problem, field_errors={"user": [problem]})
        if role == Recipient.Role.LEAD and user.organisation_id != application.applicant_id:
            raise _fail("role", _("The lead applicant is a person of the applying institution."))
        if application.recipients.filter(user=user).exists():
            message = _("%(name)s is already a recipient of this application.") % {"name": str(user)}
            raise errors.ValidationFailed(message, field_errors={"user": [message]})
        recipient = save_tracked(Recipient(application=application, user=user, role=role), by=by,
                                 reason=f"recipient named: {user.username}")
        if user.organisation_id != application.applicant_id:
            policy.grant(user, VIEW, application)
        if user.pk != by.pk:
            params = {"number": application.number, "title": application.title,
                      "institution": application.applicant.name}
            url = reverse("catalog:application_agreement", args=[application.pk])
            transaction.on_commit(lambda: portal_notify(recipients=[user], title=NAMED_TITLE, body=NAMED_BODY,
                                                        params=params, url=url))
    return recipient


def recipient_remove(application: SharingApplication, *, recipient: Recipient, by) -> None:
    """Remove a co-applicant; a person of another institution loses the view access given when named."""
    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        require_editable(application)
        recipient = Recipient.objects.select_related("user").filter(pk=recipient.pk, application=application).first()
        if recipient is None:
            raise errors.NotFound()
        if application.kind == Kind.EXTENSION:
            raise _fail("user", _("An extension keeps the recipients; apply for an amendment to change "
                                  "them."))
        if recipient.role == Recipient.Role.LEAD:
            raise _fail("user", _("The lead applicant cannot be removed."))
        user = recipient.user
        recipient._history_user = by
        recipient._change_reason = f"recipient removed: {user.username}"
        recipient.delete()
        if user.organisation_id != application.applicant_id:
            policy.revoke(user, VIEW, application)


def agreement_accept(application: SharingApplication, *, user) -> Recipient:
    """The named recipient `user` accepts the data use agreement in force; version, person and time are stored
    on the recipient (SVC-2, SEC-4). Accepting the same version again changes nothing."""
    with transaction.atomic():
        application = lock_for_change(application)
        if not policy.can_see(user, application):
            raise errors.NotFound()
        recipient = application.recipients.select_for_update().filter(user=user).first()
        if recipient is None:
            raise errors.PermissionDenied(_("Only the people named as recipients accept the agreement for this "
                                            "application."))
        if application.status not in EDITABLE_STATUSES:
            raise errors.TransitionNotAllowed(_("The agreement is accepted before the application is submitted; "
                                                "application %(number)s is %(status)s.") % {
                "number": application.number, "status": application.get_status_display().lower()})
        current = agreement_current()
        if current is None:
            raise errors.ValidationFailed(_("No data use agreement is in force yet; the national department "
                                            "publishes it."))
        if recipient.agreement_id == current.pk:
            return recipient
        recipient.agreement, recipient.accepted_at = current, timezone.now()
        return save_tracked(recipient, by=user, reason=f"accepted agreement {current.version}")


# --- checking before submission ------------------------------------------------------------------------


def application_problems(application: SharingApplication) -> dict[str, list[str]]:
    """Every reason the application cannot be submitted, keyed by the answer or section it concerns
    ("items", "recipients", "documents", "applicant"), so each is shown beside its answer (SVC-2, SEC-8, SEC-9)."""
    problems: dict[str, list[str]] = {}

    def add(key, message):
        problems.setdefault(key, []).append(message)

    refusal = applicant_refusal(application.applicant_id)
    if refusal:
        add("applicant", refusal)
    for name, message in (("title", _("Give the project a title.")),
                          ("purpose", _("Describe the purpose for which the data are used.")),
                          ("project_description", _("Describe the project.")),
                          ("security_measures", _("Describe the security measures that protect the data.")),):
        if not (getattr(application, name) or "").strip():
            add(name, message)
    _period_problems(application, add)
    items = list(application.items.select_related("resource__published_version", "version")
                 .prefetch_related("fields"))
    _item_problems(application, items, add)
    _deidentification_problems(application, items, add)
    if application.legal_basis == LegalBasis.SCIENTIFIC_RESEARCH and not application.documents.filter(
            kind=ApplicationDocument.Kind.ETHICS_APPROVAL).exists():
        add("documents", _("Scientific research needs the approval of an ethics committee: upload it under "
                           "Documents."))
    if application.cross_border and not application.cross_border_destination.strip():
        add("cross_border_destination", _("Name the country or region the data go to; the export also needs a "
                                          "security assessment recorded by the department before approval."))
    _recipient_problems(application, add)
    return problems


def _period_problems(application: SharingApplication, add) -> None:
    start, end = application.period_start, application.period_end
    if not (start and end):
        add("period_start", _("Give the requested period."))
        return
    if end < start:
        add("period_end", period_order_message())
        return
    days = (end - start).days + 1
    if days > timing.MAX_PERIOD_DAYS:
        add("period_end", _("The requested period is %(days)d days; at most %(max)d days are granted at once "
                            "(a renewal continues it).") % {"days": days, "max": timing.MAX_PERIOD_DAYS})
    first_submission = application.status == Status.DRAFT and application.kind in (Kind.NEW, Kind.RENEWAL)
    if first_submission and start < timezone.localdate():
        add("period_start", _("The requested period starts in the past (%(date)s); data are granted from the "
                              "approval onwards.") % {"date": start.isoformat()})
    if application.parent_id:
        _followup_period_problems(application, add)


def _followup_period_problems(application: SharingApplication, add) -> None:
    parent = application.parent
    grant = getattr(parent, "grant", None)
    if grant is None or grant.status not in GRANT_IN_FORCE:
        add("applicant", _("Application %(number)s has no grant in force any more; a new application is needed.")
            % {"number": parent.number})
        return
    values = {"number": parent.number, "date": grant.ends_on.isoformat()}
    if application.kind == Kind.EXTENSION and application.period_end <= grant.ends_on:
        add("period_end", _("The grant of %(number)s runs until %(date)s; an extension ends later.") % values)
    elif application.kind == Kind.AMENDMENT and application.period_end > grant.ends_on:
        add("period_end", _("The grant of %(number)s runs until %(date)s; apply for an extension to use the data "
                            "longer.") % values)
    elif application.kind == Kind.RENEWAL and application.period_start <= grant.ends_on:
        add("period_start", _("The grant of %(number)s runs until %(date)s; a renewal starts after it.") % values)


def _item_problems(application: SharingApplication, items: list[ApplicationItem], add) -> None:
    if not items:
        add("items", _("Choose at least one resource and the fields you need."))
        return
    enclave_only = []
    for item in items:
        resource = item.resource
        label = {"code": resource.code, "title": item.version.title}
        published = resource.published_version
        if resource.status != DataResource.Status.ACTIVE:
            add("items", _("%(code)s is retired and can no longer be requested; remove it.") % label)
            continue
        if published is None:
            add("items", _("%(code)s is no longer published in the catalog; remove it.") % label)
            continue
        if published.pk != item.version_id:
            add("items", _("The catalog entry of %(code)s has changed (now version %(number)d); choose its fields "
                           "again.") % {**label, "number": published.number})
            continue
        fields = list(item.fields.all())
        if not fields:
            add("items", _("Choose at least one field of %(title)s (%(code)s).") % label)
        outside = [field.name for field in fields if field.version_id != item.version_id]
        if outside:
            add("items", _("Fields not in the resource %(code)s: %(names)s.") % {**label, "names": "、".join(outside)})
        if resource.provider_id == application.applicant_id:
            add("items", _("%(code)s is your institution's own resource: using your own data needs no "
                           "application.") % label)
        if published.open_form == OpenForm.ENCLAVE:
            enclave_only.append(resource.code)
    if enclave_only and application.delivery_mode != DeliveryMode.ENCLAVE:
        add("delivery_mode", _("%(codes)s can only be analysed inside the provider's environment: choose the "
                               "enclave delivery mode.") % {"codes": "、".join(enclave_only)})


def _deidentification_problems(application: SharingApplication, items: list[ApplicationItem], add) -> None:
    """SEC-8: personal fields are de-identified unless the legal basis allows identified data."""
    personal = [f"{field.name} ({item.resource.code})" for item in items for field in item.fields.all()
                if field.personal]
    method = application.deidentification_method
    if personal and method == DeidentificationMethod.NONE and application.legal_basis not in IDENTIFIED_DATA_BASES:
        add("deidentification_method", _(
            "Personal fields without de-identification or legal basis: %(fields)s. Choose a de-identification "
            "method, or a legal basis under which identified data may be used.") % {"fields": "、".join(personal)})
    if method != DeidentificationMethod.NONE and not application.deidentification_description.strip():
        add("deidentification_description", _("Describe how the data will be de-identified."))


def ordered_recipients(application: SharingApplication) -> list[Recipient]:
    """The recipients, the lead first, with their accounts, institutions and accepted agreements."""
    rows = application.recipients.select_related("user__organisation", "agreement").order_by("pk")
    return sorted(rows, key=lambda recipient: recipient.role != Recipient.Role.LEAD)


def _recipient_problems(application: SharingApplication, add) -> None:
    recipients = ordered_recipients(application)
    if not any(recipient.role == Recipient.Role.LEAD for recipient in recipients):
        add("recipients", _("Name the lead applicant, the person responsible for the use of the data."))
    for recipient in recipients:
        problem = recipient_problem(recipient.user)
        if problem:
            add("recipients", problem)
    if not recipients:
        return
    current = agreement_current()
    if current is None:
        add("recipients", _("No data use agreement is in force yet; the national department publishes it."))
        return
    missing = [str(recipient.user) for recipient in recipients if recipient.agreement_id != current.pk]
    if missing:
        add("recipients", ngettext(
            "%(names)s has not accepted the current data use agreement (version %(version)s).",
            "%(names)s have not accepted the current data use agreement (version %(version)s).",
            len(missing)) % {"names": "、".join(missing), "version": current.version})


def application_validate(application: SharingApplication) -> None:
    """Raise ValidationFailed with every problem (field_errors keyed by answer), or return None."""
    problems = application_problems(application)
    if problems:
        count = sum(len(messages) for messages in problems.values())
        raise errors.ValidationFailed(ngettext(
            "The application cannot be submitted yet: %(count)d problem to correct.",
            "The application cannot be submitted yet: %(count)d problems to correct.", count) % {"count": count},
            field_errors=problems, code="incomplete")


def requested_level(application: SharingApplication) -> int | None:
    """The highest sensitivity level of the requested resources' catalog entries (the route's input)."""
    return application.items.aggregate(level=Max("version__level"))["level"]


# --- submission, withdrawal ------------------------------------------------------------------------------


def application_submit(application: SharingApplication, *, by) -> SharingApplication:
    """Submit a draft, or resubmit a corrected returned application, to its route (SVC-2).

    Every problem of `application_validate` first; then the route plan, whose refusal ("not shareable") is
    raised with the rule's reason and leaves the application as it was. The route starts (or resumes after
    a return) in the same transaction."""
    from . import routing

    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        source = application.status
        APPLICATION_FLOW.check(by, application, source, Status.IN_REVIEW)
        application_validate(application)
        application.level = requested_level(application)
        routing.route_plan(application)
        application.status = Status.IN_REVIEW
        application.round += 1
        application.submitted_at = timezone.now()
        resubmission = source == Status.RETURNED
        save_tracked(application, by=by, reason=f"{'resubmitted' if resubmission else 'submitted'} "
                                                f"(round {application.round})")
        if resubmission:
            routing.route_resume(application, by=by)
        else:
            routing.route_start(application, by=by)
    return application


def application_resubmit(application: SharingApplication, *, by) -> SharingApplication:
    """A corrected returned application goes back on its route (the same checks as a first submission)."""
    return application_submit(application, by=by)


WITHDRAWN_TITLE = gettext_lazy("Application %(number)s was withdrawn")
WITHDRAWN_BODY = gettext_lazy("%(institution)s withdrew application %(number)s (%(title)s): %(reason)s")


def application_withdraw(application: SharingApplication, *, reason: str, by) -> SharingApplication:
    """The applicant withdraws a draft, an application in review or a returned one, with a reason; a started
    route is cancelled (SVC-2). The recipients of other institutions are told."""
    from . import routing

    with transaction.atomic():
        application = lock_for_change(application)
        require_editor(application, by)
        APPLICATION_FLOW.check(by, application, application.status, Status.WITHDRAWN)
        reason = (reason or "").strip()
        if not reason:
            raise _fail("reason", _("Say why the application is withdrawn."))
        had_route = application.steps.exists()
        application.status = Status.WITHDRAWN
        application.withdrawn_reason = reason
        save_tracked(application, by=by, reason=f"withdrawn: {reason}")
        if had_route:
            routing.route_cancel(application, by=by)
        _notify_recipients(application, WITHDRAWN_TITLE, WITHDRAWN_BODY, {"reason": reason}, exclude=by)
    return application


def _notify_recipients(application: SharingApplication, title, body, params: dict, *, exclude=None) -> None:
    from django.urls import reverse

    from apps.institutions.services.messages import portal_notify

    people = [recipient.user for recipient in application.recipients.select_related("user")
              if recipient.user.is_active and recipient.user_id != getattr(exclude, "pk", None)]
    if not people:
        return
    values = {"number": application.number, "title": application.title, "institution": application.applicant.name,
              **params}
    url = reverse("catalog:application_detail", args=[application.pk])
    transaction.on_commit(lambda: portal_notify(recipients=people, title=title, body=body, params=values, url=url))


# --- follow-ups: amendment, extension, renewal ------------------------------------------------------------


def open_followup(parent: SharingApplication) -> SharingApplication | None:
    return parent.followups.filter(status__in=OPEN_STATUSES).order_by("-created_at").first()


def application_followup_create(parent: SharingApplication, *, kind: str, by) -> SharingApplication:
    """Start an amendment (fields, recipients, purpose), an extension (a later end date only) or a renewal
    (a new period after the granted one) of an approved application whose grant is in force (SVC-2).

    The new draft copies the answers, the requested resources and fields (mapped by name onto each resource's
    current catalog entry), the recipients (who accept the agreement again) and the documents. A second open
    follow-up of the same application is refused."""
    with transaction.atomic():
        parent = lock_for_change(parent)
        policy.require(by, APPLY, parent)
        if by.organisation_id != parent.applicant_id:
            raise errors.PermissionDenied(_("Only the applying institution changes its application."))
        if kind not in FOLLOWUP_KINDS:
            raise _fail("kind", _("Choose amendment, extension or renewal."))
        if parent.status != Status.APPROVED:
            raise errors.TransitionNotAllowed(_("Only an approved application can be amended, extended or renewed; "
                                                "%(number)s is %(status)s.") % {
                "number": parent.number, "status": parent.get_status_display().lower()})
        grant = getattr(parent, "grant", None)
        if grant is None or grant.status not in GRANT_IN_FORCE:
            raise errors.ValidationFailed(_("Application %(number)s has no grant in force: an ended grant is "
                                            "followed by a new application.") % {"number": parent.number})
        refusal = applicant_refusal(parent.applicant_id)
        if refusal:
            raise errors.ValidationFailed(refusal, code="applicant_may_not_apply")
        existing = open_followup(parent)
        if existing is not None:
            raise errors.ValidationFailed(_("Application %(number)s already has an open follow-up, %(other)s "
                                            "(%(kind)s); finish or withdraw it first.") % {
                "number": parent.number, "other": existing.number, "kind": existing.get_kind_display().lower()})
        child = _copy_application(parent, grant, kind, by)
    return child


def _followup_period(grant, kind: str) -> tuple[datetime.date, datetime.date]:
    if kind == Kind.RENEWAL:
        start = grant.ends_on + datetime.timedelta(days=1)
        length = min((grant.ends_on - grant.starts_on).days, timing.MAX_PERIOD_DAYS - 1)
        return start, start + datetime.timedelta(days=length)
    return grant.starts_on, grant.ends_on


def _copy_application(parent: SharingApplication, grant, kind: str, by) -> SharingApplication:
    start, end = _followup_period(grant, kind)
    answers = {name: getattr(parent, name) for name in ANSWER_FIELDS}
    answers.update(period_start=start, period_end=end)
    applicant = parent.applicant
    child = SharingApplication(applicant=applicant, applicant_region_id=applicant.region_id or parent.applicant_region_id,
                               kind=kind, parent=parent, created_by=by, number=_next_number(), **answers)
    save_tracked(child, by=by, reason=f"{kind} of {parent.number}")
    for item in parent.items.select_related("resource__published_version").prefetch_related("fields"):
        version = item.resource.published_version or item.version
        if version.pk == item.version_id:
            field_ids = [field.pk for field in item.fields.all()]
        else:  # the entry was updated since: the same fields by name in the current version
            names = [field.name for field in item.fields.all()]
            field_ids = list(version.fields.filter(name__in=names).values_list("pk", flat=True))
        copy = save_tracked(ApplicationItem(application=child, resource=item.resource, version=version,
                                            provider_id=item.resource.provider_id,
                                            justification=item.justification),
                            by=by, reason=f"copied from {parent.number}")
        copy.fields.set(field_ids)
    for recipient in parent.recipients.select_related("user"):
        save_tracked(Recipient(application=child, user=recipient.user, role=recipient.role), by=by,
                     reason=f"copied from {parent.number}")
        if recipient.user.organisation_id != child.applicant_id:
            policy.grant(recipient.user, VIEW, child)
    for document in parent.documents.all():
        save_tracked(ApplicationDocument(
            application=child, kind=document.kind, file=document.file.name, original_name=document.original_name,
            content_type=document.content_type, size=document.size, sha256=document.sha256,
            uploaded_by=document.uploaded_by, uploaded_at=document.uploaded_at), by=by,
            reason=f"copied from {parent.number}")
    return child


# --- reads for the pages and the API -------------------------------------------------------------------


def latest_review_comments(application: SharingApplication) -> tuple[int | None, dict[str, list]]:
    """The reviewers' comments of the latest round that has any, keyed by the answer they concern ("" for
    general remarks), for showing beside each answer while it is corrected (SVC-2)."""
    from ..models import ReviewComment

    latest = application.comments.aggregate(latest=Max("round"))["latest"]
    if latest is None:
        return None, {}
    comments: dict[str, list] = {}
    rows = (ReviewComment.objects.filter(application=application, round=latest)
            .select_related("author__organisation", "step__organisation").order_by("created_at", "pk"))
    for comment in rows:
        comments.setdefault(comment.field_name or "", []).append(comment)
    return latest, comments


def answer_display(application: SharingApplication, name: str) -> str:
    """One answer as the pages show it (choice labels, ISO dates, yes/no)."""
    value = getattr(application, name)
    if name in CHOICE_FIELDS:
        return getattr(application, f"get_{name}_display")()
    if name in DATE_FIELDS:
        return value.isoformat() if value else ""
    if name == "cross_border":
        return _("Yes") if value else _("No")
    return value or ""
