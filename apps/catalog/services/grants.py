"""Grants and their end (SVC-3, SEC-4, SEC-8).

The final approval of an application creates its grant (`grant_create`, called by the routing service in
the approval's transaction): which resources and fields, for whom, on which conditions, from when to when,
and the reports the grantee owes. Under the grant the provider records how personal fields were
de-identified (with evidence) and every actual release (what, which catalog version, checksum, to whom,
when). A grant ends in one of three ways (SVC-3):

- **expiry**: the nightly job (`grants_expire_due`) ends grants whose end date has passed; recipients are
  reminded once before (`grant_expiry_reminders_send`);
- **revocation** by a department of the grantee's or a provider's jurisdiction (`grant_revoke`), or by the
  closure of the grantee without a successor (services/grants_transfer.py);
- **supersession** by an approved amendment, extension or renewal: the data continue under the new grant,
  so the old one closes at once without a destruction certificate.

After expiry or revocation the grantee destroys the data and files a certificate of destruction
(`destruction_certify`), which closes the grant. Reports and certificates that are late are flagged and
cost credit (`grant_obligations_flag_overdue`, through the institutions app's credit events). A grantee
whose admission is suspended, revoked or closed has its grants suspended; they resume when it is
admitted again (receivers.py).

Who may do what (all through apps.core.policy):
- see a grant: the grantee and the providers of its resources (owner scope), departments whose
  jurisdiction covers the grantee or a provider, and the named recipients (object grants given here, since
  a recipient may belong to another institution);
- record de-identification and releases: people of the provider of that resource with `catalog.release_data`;
- file reports and the destruction certificate: the grantee's people with `catalog.file_grant_report`
  and the recipients (object grant); a provider never files for the grantee;
- revoke: departments with `catalog.revoke_grant` whose jurisdiction covers the grantee or a provider.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import re
import zlib

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import errors, policy
from apps.core.history import save_tracked

from .. import timing
from ..models import (
    IDENTIFIED_DATA_BASES,
    ApplicationItem,
    DataField,
    DataGrant,
    DataRelease,
    DeidentificationMethod,
    DeidentificationRecord,
    DestructionCertificate,
    GrantReport,
    LegalBasis,
    RouteStep,
    SharingApplication,
)
from ..workflows import GRANT_FLOW

S = DataGrant.Status
VIEW = "catalog.view_datagrant"
REVOKE = "catalog.revoke_grant"
RELEASE = "catalog.release_data"
FILE = "catalog.file_grant_report"
# What a recipient named on a grant is given on it (object grants; they may be of another institution).
RECIPIENT_PERMISSIONS = (VIEW, FILE)
IN_FORCE = (S.ACTIVE, S.SUSPENDED)
ENDED = (S.EXPIRED, S.REVOKED)  # ended, destruction certificate due
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# One advisory lock key for drawing grant numbers (race safe without a sequence table).
_NUMBER_LOCK = zlib.crc32(b"catalog.grant_number")


# --- small helpers ---------------------------------------------------------------------------------------


def stored_text(text, params: dict | None = None) -> str:
    """Text written into records (reasons, credit descriptions) is in the portal's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params if params else str(text)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus `months` calendar months, the day clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def grant_url(grant: DataGrant) -> str:
    return reverse("catalog:grant_detail", args=[grant.pk])


def _locked(grant: DataGrant) -> DataGrant:
    return (DataGrant.objects.select_for_update(of=("self",)).select_related("application", "applicant")
            .get(pk=grant.pk))


def _people(users) -> list[User]:
    seen, people = set(), []
    for user in users:
        if user is not None and user.pk not in seen and user.is_active and not user.is_machine:
            seen.add(user.pk)
            people.append(user)
    return people


def _provider_ids(grant: DataGrant) -> list[int]:
    return list(ApplicationItem.objects.filter(application_id=grant.application_id)
                .values_list("provider_id", flat=True).distinct())


def provider_people(grant: DataGrant) -> list[User]:
    """The people of the grant's providers who release data (holders of catalog.release_data)."""
    return list(User.objects.filter(
        organisation_id__in=_provider_ids(grant), is_active=True, is_machine=False,
        groups__permissions__codename="release_data", groups__permissions__content_type__app_label="catalog",
    ).distinct())


def grantee_admins(grant: DataGrant) -> list[User]:
    return list(User.objects.filter(organisation_id=grant.applicant_id, is_active=True, is_machine=False,
                                    groups__name="institution_admin").distinct())


def notify_about(people, grant: DataGrant, title, body, params: dict | None = None) -> None:
    """Notify after commit, in the portal language (apps.institutions.services.messages.portal_notify)."""
    from apps.institutions.services.messages import portal_notify

    recipients = _people(people)
    if not recipients:
        return
    values = {"number": grant.number, **(params or {})}
    url = grant_url(grant)
    transaction.on_commit(lambda: portal_notify(recipients=recipients, title=title, body=body, params=values,
                                                url=url))


def _required(value, field: str, message, field_errors: dict) -> str:
    text = (value or "").strip()
    if not text:
        field_errors.setdefault(field, []).append(message)
    return text


def _check_upload(upload, field: str, field_errors: dict, *, required: bool) -> str | None:
    """Content-check an upload (PDF, PNG or JPEG by magic bytes, size limit) with the institutions app's
    `document_check`; return its SHA-256, or None (errors collected in `field_errors`)."""
    from apps.institutions.services import document_check

    if upload is None:
        if required:
            field_errors.setdefault(field, []).append(_("Choose a file to upload."))
        return None
    try:
        document_check(upload, field=field)
    except errors.ValidationFailed as error:
        for name, messages in error.field_errors.items():
            field_errors.setdefault(name, []).extend(messages)
        return None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store_upload(field_file, upload, field: str) -> str:
    """Store a checked upload under its content hash (apps.standards evidence helper); the original name."""
    from apps.standards.services.evidence import evidence_attach

    return evidence_attach(field_file, upload, field=field)


# --- creation (SVC-3) ------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """"SG<year>-<6-digit serial>". A transaction-scoped advisory lock serialises concurrent approvals, so
    two never draw the same serial (the unique constraint would catch it anyway)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK])
    prefix = f"SG{year}-"
    last = (DataGrant.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


def conditions_of(application: SharingApplication) -> str:
    """The conditions of every approving step of the last round, in route order ("organisation: conditions")."""
    steps = (RouteStep.objects.filter(application=application, round=application.round,
                                      status__in=[RouteStep.Status.APPROVED, RouteStep.Status.APPROVED_WITH_CONDITIONS])
             .exclude(conditions="").select_related("organisation").order_by("order"))
    return "\n".join(f"{step.organisation.name}: {step.conditions.strip()}" for step in steps
                     if step.conditions.strip())


def report_schedule(starts_on: datetime.date, ends_on: datetime.date) -> list[tuple[str, datetime.date]]:
    """(kind, due date) of the reports a grant owes: a progress report every PROGRESS_REPORT_MONTHS months
    strictly within the period (a report that would fall on the last day is covered by the final report, so
    a period of up to that many months has none), and the final report FINAL_REPORT_DAYS after the end."""
    schedule = []
    step = 1
    while True:
        due = add_months(starts_on, timing.PROGRESS_REPORT_MONTHS * step)
        if due >= ends_on:
            break
        schedule.append((GrantReport.Kind.PROGRESS, due))
        step += 1
    schedule.append((GrantReport.Kind.FINAL, ends_on + datetime.timedelta(days=timing.FINAL_REPORT_DAYS)))
    return schedule


@transaction.atomic
def grant_create(application: SharingApplication, *, by) -> DataGrant:
    """The grant of an approved application (SVC-3). Called by the routing service inside the final
    approval's transaction; `by` is the deciding reviewer (the approval is the authority, so no further
    permission is asked here).

    - number "SG<year>-<serial>"; period = the requested period, starting today if the requested start has
      passed (an application whose requested end has passed cannot be granted: the approval is refused with
      that message and nothing is saved);
    - conditions of every approving step of the last round in route order; recipients = the application's
      recipients, each given view and report rights on the grant (they may be of another institution);
    - the report schedule (`report_schedule`);
    - an amendment, extension or renewal supersedes the grant of the application it changes: that grant
      closes at once (`superseded_by`), without a destruction certificate since the data continue under the
      new grant, and its reports not yet due are cancelled (reports already due stay due).
    Recipients and providers are notified after commit."""
    application = (SharingApplication.objects.select_for_update(of=("self",))
                   .select_related("parent").get(pk=application.pk))
    if application.status != SharingApplication.Status.APPROVED:
        raise errors.TransitionNotAllowed(
            _("Only an approved application becomes a grant; %(number)s is “%(status)s”.")
            % {"number": application.number, "status": application.get_status_display()})
    if DataGrant.objects.filter(application=application).exists():
        raise errors.TransitionNotAllowed(_("Application %(number)s already has its grant.")
                                          % {"number": application.number})
    today = timezone.localdate()
    starts_on = max(application.period_start, today)
    if application.period_end < starts_on:
        raise errors.ValidationFailed(
            _("The period requested by %(number)s ended on %(date)s, so nothing is left to grant. Return the "
              "application so that the applicant corrects the period.")
            % {"number": application.number, "date": application.period_end.isoformat()})
    recipients = list(User.objects.filter(pk__in=application.recipients.values("user_id")).order_by("pk"))
    if not recipients:
        raise errors.ValidationFailed(_("Application %(number)s names no recipient of the data.")
                                      % {"number": application.number})
    grant = DataGrant(number=_next_number(today.year), application=application,
                      applicant_id=application.applicant_id, applicant_region_id=application.applicant_region_id,
                      starts_on=starts_on, ends_on=application.period_end, conditions=conditions_of(application))
    suspension = _grantee_suspension(application.applicant_id)
    if suspension:  # the grantee was suspended while the application was in review (INS-4)
        grant.status, grant.suspended_at, grant.suspended_reason = S.SUSPENDED, timezone.now(), suspension
    save_tracked(grant, by=by, reason=f"granted: application {application.number}"
                 + (" (suspended with the grantee)" if suspension else ""))
    grant.recipients.set(recipients)
    for user in recipients:
        for permission in RECIPIENT_PERMISSIONS:
            policy.grant(user, permission, grant)
    for kind, due_on in report_schedule(grant.starts_on, grant.ends_on):
        save_tracked(GrantReport(grant=grant, kind=kind, due_on=due_on), by=by, reason="report scheduled")
    previous = _supersede(application, grant, by=by)
    notify_about(recipients, grant, gettext_lazy("Data grant %(number)s"),
            gettext_lazy("Application %(application)s is approved. You may receive and use the data from "
                         "%(start)s to %(end)s under the grant's conditions."),
            {"application": application.number, "start": grant.starts_on.isoformat(),
             "end": grant.ends_on.isoformat()})
    notify_about(provider_people(grant), grant, gettext_lazy("Data grant %(number)s: release the data"),
            gettext_lazy("Application %(application)s is approved. Record the de-identification and every "
                         "release of your data under grant %(number)s.%(previous)s"),
            {"application": application.number,
             "previous": stored_text(gettext_lazy(" It replaces grant %(old)s."), {"old": previous.number})
             if previous else ""})
    return grant


def _grantee_suspension(organisation_id) -> str:
    """The reason a new grant of this grantee starts suspended (its admission is not in force), else ""."""
    from apps.institutions.models import Institution

    institution = Institution.objects.filter(pk=organisation_id).select_related("organisation").first()
    suspending = (Institution.Status.SUSPENDED, Institution.Status.REVOKED, Institution.Status.CLOSED)
    if institution is None or institution.status not in suspending:
        return ""
    return suspension_reason_for(institution, institution.status)


def _supersede(application: SharingApplication, grant: DataGrant, *, by) -> DataGrant | None:
    """Close the grant of the application that `application` amends, extends or renews (see grant_create).

    A revoked grant is not superseded: the revocation stands and its certificate stays due."""
    if application.parent_id is None:
        return None
    old = DataGrant.objects.select_for_update().filter(application_id=application.parent_id).first()
    if old is None or old.status not in (S.ACTIVE, S.SUSPENDED, S.EXPIRED):
        return None
    if old.status in IN_FORCE and grant.starts_on > timezone.localdate():
        # A renewal approved before its start: the old grant runs to its end (no gap in which nothing may be
        # released) and then closes instead of expiring, with no certificate due (grants_expire_due).
        old.superseded_by = grant
        save_tracked(old, by=by, reason=f"continued by {grant.number} from {grant.starts_on.isoformat()}")
        for report in GrantReport.objects.select_for_update().filter(grant=old, status=GrantReport.Status.DUE,
                                                                     due_on__gt=old.ends_on):
            report.status = GrantReport.Status.CANCELLED
            save_tracked(report, by=by, reason=f"no longer due: continued by {grant.number}")
        return old
    GRANT_FLOW.transition(old.status, S.CLOSED)
    old.status = S.CLOSED
    old.superseded_by = grant
    old.ended_at = old.ended_at or timezone.now()
    old.destruction_due_on = None
    save_tracked(old, by=by, reason=f"superseded by {grant.number}")
    for report in GrantReport.objects.select_for_update().filter(grant=old, status=GrantReport.Status.DUE,
                                                                 due_on__gt=timezone.localdate()):
        report.status = GrantReport.Status.CANCELLED
        save_tracked(report, by=by, reason=f"no longer due: superseded by {grant.number}")
    return old


def _end_reports(grant: DataGrant, *, ended_on: datetime.date, by, reason: str) -> None:
    """A grant ended early: progress reports due after the end are no longer due, and the final report
    falls due FINAL_REPORT_DAYS after the actual end if that is sooner than planned."""
    final_due = ended_on + datetime.timedelta(days=timing.FINAL_REPORT_DAYS)
    for report in GrantReport.objects.select_for_update().filter(grant=grant, status=GrantReport.Status.DUE):
        if report.kind == GrantReport.Kind.PROGRESS and report.due_on > ended_on:
            report.status = GrantReport.Status.CANCELLED
            save_tracked(report, by=by, reason=f"no longer due: {reason}")
        elif report.kind == GrantReport.Kind.FINAL and report.due_on > final_due:
            report.due_on = final_due
            save_tracked(report, by=by, reason=f"due earlier: {reason}")


# --- the nightly jobs (system account) -------------------------------------------------------------------


def grants_expire_due(*, today: datetime.date | None = None) -> int:
    """Nightly (task catalog.grants_expire): grants in force whose end date has passed expire (SVC-3).

    One statement selects them (skipping rows another transaction holds); history rows are written in
    bulk naming the system account. The destruction certificate falls due DESTRUCTION_CERTIFICATE_DAYS
    after the end date. Recipients are told to file it, providers that nothing more may be released.
    Idempotent: an expired grant is not selected again. Returns how many grants expired."""
    from simple_history.utils import bulk_update_with_history

    from apps.accounts.services import system_account

    today = today or timezone.localdate()
    system = system_account()
    with transaction.atomic():
        grants = list(DataGrant.objects.select_for_update(skip_locked=True)
                      .filter(status__in=IN_FORCE, ends_on__lt=today).order_by("pk"))
        if not grants:
            return 0
        now = timezone.now()
        for grant in grants:
            grant.ended_at = now
            if grant.superseded_by_id:  # a renewal continues it: the data stay, no certificate is due
                GRANT_FLOW.transition(grant.status, S.CLOSED)
                grant.status = S.CLOSED
                continue
            GRANT_FLOW.transition(grant.status, S.EXPIRED)
            grant.status = S.EXPIRED
            grant.destruction_due_on = grant.ends_on + datetime.timedelta(days=timing.DESTRUCTION_CERTIFICATE_DAYS)
        bulk_update_with_history(grants, DataGrant, ["status", "ended_at", "destruction_due_on"],
                                 default_user=system, default_change_reason="expired")
        recipients = _recipients_by_grant(grants)
        for grant in grants:
            if grant.status == S.CLOSED:
                continue
            notify_about(recipients.get(grant.pk, []), grant, gettext_lazy("Data grant %(number)s has expired"),
                    gettext_lazy("The grant ended on %(end)s. Destroy every copy of the data and file the "
                                 "certificate of destruction by %(due)s."),
                    {"end": grant.ends_on.isoformat(), "due": grant.destruction_due_on.isoformat()})
            notify_about(provider_people(grant), grant, gettext_lazy("Data grant %(number)s has expired"),
                    gettext_lazy("The grant ended on %(end)s; nothing more may be released under it."),
                    {"end": grant.ends_on.isoformat()})
    return len(grants)


def _recipients_by_grant(grants) -> dict[int, list[User]]:
    through = DataGrant.recipients.through
    rows = through.objects.filter(datagrant_id__in=[g.pk for g in grants]).select_related("user")
    result: dict[int, list[User]] = {}
    for row in rows:
        result.setdefault(row.datagrant_id, []).append(row.user)
    return result


def grant_expiry_reminders_send(*, today: datetime.date | None = None) -> int:
    """Every morning (task catalog.grant_expiry_reminders): recipients of grants in force that end within
    GRANT_EXPIRY_REMINDER_DAYS are reminded once, with the way to continue (extension or renewal) and the
    destruction that follows otherwise. Idempotent through `expiry_reminded_at`. Returns grants reminded."""
    from simple_history.utils import bulk_update_with_history

    from apps.accounts.services import system_account

    today = today or timezone.localdate()
    limit = today + datetime.timedelta(days=timing.GRANT_EXPIRY_REMINDER_DAYS)
    system = system_account()
    with transaction.atomic():
        grants = list(DataGrant.objects.select_for_update(skip_locked=True).filter(
            status=S.ACTIVE, expiry_reminded_at__isnull=True, ends_on__gte=today, ends_on__lte=limit).order_by("pk"))
        if not grants:
            return 0
        now = timezone.now()
        for grant in grants:
            grant.expiry_reminded_at = now
        bulk_update_with_history(grants, DataGrant, ["expiry_reminded_at"], default_user=system,
                                 default_change_reason="expiry reminder sent")
        recipients = _recipients_by_grant(grants)
        for grant in grants:
            notify_about([*recipients.get(grant.pk, []), *grantee_admins(grant)], grant,
                    gettext_lazy("Data grant %(number)s ends on %(end)s"),
                    gettext_lazy("To keep using the data after %(end)s, apply for an extension or a renewal of "
                                 "the application before then. Otherwise destroy every copy of the data after "
                                 "the end and file the certificate of destruction within %(days)d days."),
                    {"end": grant.ends_on.isoformat(), "days": timing.DESTRUCTION_CERTIFICATE_DAYS})
    return len(grants)


def grant_obligations_flag_overdue(*, today: datetime.date | None = None) -> int:
    """Nightly (task catalog.grant_obligations_overdue): flag what the grantee owes and has not filed (SVC-3).

    - a report still due after its due date -> `overdue_flagged_at`, credit event `sharing.report_overdue`;
    - an expired or revoked grant without a certificate after `destruction_due_on` ->
      `certificate_overdue_flagged_at`, credit event `sharing.certificate_overdue`.
    Each item in its own transaction; a flagged item is not selected again and the credit service is
    idempotent per source, so the job may run any number of times. Returns how many items were flagged."""
    from apps.accounts.services import system_account

    today = today or timezone.localdate()
    system = system_account()
    flagged = 0
    report_ids = list(GrantReport.objects.filter(status=GrantReport.Status.DUE, due_on__lt=today,
                                                 overdue_flagged_at__isnull=True).values_list("pk", flat=True))
    for report_id in report_ids:
        flagged += _flag_report(report_id, today=today, by=system)
    grant_ids = list(DataGrant.objects.filter(status__in=ENDED, destruction_due_on__lt=today,
                                              certificate_overdue_flagged_at__isnull=True)
                     .values_list("pk", flat=True))
    for grant_id in grant_ids:
        flagged += _flag_certificate(grant_id, today=today, by=system)
    return flagged


@transaction.atomic
def _flag_report(report_id: int, *, today, by) -> int:
    from apps.institutions.services.credit import credit_event_record

    report = (GrantReport.objects.select_for_update(of=("self",)).select_related("grant")
              .filter(pk=report_id, status=GrantReport.Status.DUE, due_on__lt=today,
                      overdue_flagged_at__isnull=True).first())
    if report is None:
        return 0  # submitted or flagged meanwhile
    grant = report.grant
    report.overdue_flagged_at = timezone.now()
    save_tracked(report, by=by, reason="flagged overdue")
    credit_event_record(
        institution_id=grant.applicant_id, trigger="sharing.report_overdue", source=report, by=by,
        description=stored_text(gettext_lazy("%(kind)s of data grant %(number)s, due %(due)s, not filed"),
                            {"kind": report.get_kind_display(), "number": grant.number,
                             "due": report.due_on.isoformat()}),
        source_url=grant_url(grant))
    notify_about([*grant.recipients.all(), *grantee_admins(grant)], grant,
            gettext_lazy("Overdue: %(kind)s of data grant %(number)s"),
            gettext_lazy("The report was due on %(due)s and has been flagged as overdue, which affects your "
                         "institution's credit. File it now."),
            {"kind": report.get_kind_display(), "due": report.due_on.isoformat()})
    return 1


@transaction.atomic
def _flag_certificate(grant_id: int, *, today, by) -> int:
    from apps.institutions.services.credit import credit_event_record

    grant = (DataGrant.objects.select_for_update().filter(
        pk=grant_id, status__in=ENDED, destruction_due_on__lt=today, certificate_overdue_flagged_at__isnull=True)
        .first())
    if grant is None:
        return 0
    grant.certificate_overdue_flagged_at = timezone.now()
    save_tracked(grant, by=by, reason="destruction certificate flagged overdue")
    credit_event_record(
        institution_id=grant.applicant_id, trigger="sharing.certificate_overdue", source=grant, by=by,
        description=stored_text(gettext_lazy("Certificate of destruction for data grant %(number)s, due %(due)s, "
                                         "not filed"),
                            {"number": grant.number, "due": grant.destruction_due_on.isoformat()}),
        source_url=grant_url(grant))
    notify_about([*grant.recipients.all(), *grantee_admins(grant)], grant,
            gettext_lazy("Overdue: certificate of destruction for data grant %(number)s"),
            gettext_lazy("The certificate was due on %(due)s and has been flagged as overdue, which affects "
                         "your institution's credit. Destroy the data and file the certificate now."),
            {"due": grant.destruction_due_on.isoformat()})
    return 1


# --- the grantee's status (INS-4 -> SVC-3) ---------------------------------------------------------------


def suspension_reason_for(institution, status: str) -> str:
    """The reason stored on grants suspended because the grantee's status became `status`: it names the
    decision (suspension or revocation) or the change of responsible entity that caused it."""
    from apps.institutions.models import ResponsibilityTransfer, StatusDecision

    params = {"name": institution.name}
    if status in ("suspended", "revoked"):
        measure = StatusDecision.Measure.SUSPEND if status == "suspended" else StatusDecision.Measure.REVOKE
        # The signal is sent while the decision is being decided (still "proposed" in that transaction).
        decision = (StatusDecision.objects.filter(institution_id=institution.pk, measure=measure)
                    .exclude(status=StatusDecision.Status.DISMISSED).order_by("-pk").first())
        if decision is not None:
            params["decision"] = decision.number
            text = (gettext_lazy("Admission of %(name)s suspended by decision %(decision)s.") if status == "suspended"
                    else gettext_lazy("Admission of %(name)s revoked by decision %(decision)s."))
            return stored_text(text, params)
    if status == "closed":
        transfer = ResponsibilityTransfer.objects.filter(source_id=institution.pk).order_by("-pk").first()
        if transfer is not None:
            params["transfer"] = transfer.number
            return stored_text(gettext_lazy("%(name)s closed: change of responsible entity %(transfer)s."), params)
    params["status"] = stored_text(institution.get_status_display())
    return stored_text(gettext_lazy("The admission status of %(name)s changed to “%(status)s”."), params)


@transaction.atomic
def grants_suspend_for_institution(organisation_id, *, reason: str, by) -> int:
    """Suspend every grant in force of a grantee whose admission was suspended, revoked or closed (INS-4).

    The institutions app's decision is the authority (checked there), so the move is checked against
    GRANT_FLOW for legality only. Nothing may be released under a suspended grant; it still expires at
    its end date. Grants already suspended (a suspension followed by a revocation) keep their state and
    take the new reason, so the page names the decision in force. Returns how many grants were suspended."""
    grants = list(DataGrant.objects.select_for_update().filter(applicant_id=organisation_id, status__in=IN_FORCE))
    for grant in [g for g in grants if g.status == S.SUSPENDED and g.suspended_reason != reason]:
        grant.suspended_reason = reason
        save_tracked(grant, by=by, reason="suspension continues under a new decision")
    grants = [grant for grant in grants if grant.status == S.ACTIVE]
    now = timezone.now()
    for grant in grants:
        GRANT_FLOW.transition(grant.status, S.SUSPENDED)
        grant.status = S.SUSPENDED
        grant.suspended_at = now
        grant.suspended_reason = reason
        save_tracked(grant, by=by, reason="suspended with the grantee")
        people = [*grant.recipients.all(), *grantee_admins(grant), *provider_people(grant)]
        notify_about(people, grant, gettext_lazy("Data grant %(number)s suspended"),
                gettext_lazy("%(reason)s No data may be released or used under the grant until it is resumed."),
                {"reason": reason})
    return len(grants)


@transaction.atomic
def grants_resume_for_institution(organisation_id, *, by) -> int:
    """The grantee is admitted again: its suspended grants come back into force (INS-4).

    Grants are suspended only through the grantee's status (grants_suspend_for_institution), so every
    suspended grant of the grantee was suspended for that reason. One whose end date passed meanwhile
    expires instead (its destruction certificate falls due). Returns how many grants were resumed."""
    today = timezone.localdate()
    now = timezone.now()
    resumed = 0
    for grant in DataGrant.objects.select_for_update().filter(applicant_id=organisation_id, status=S.SUSPENDED):
        if grant.ends_on < today:
            GRANT_FLOW.transition(grant.status, S.EXPIRED)
            grant.status = S.EXPIRED
            grant.ended_at = now
            grant.destruction_due_on = grant.ends_on + datetime.timedelta(days=timing.DESTRUCTION_CERTIFICATE_DAYS)
            save_tracked(grant, by=by, reason="expired while suspended")
            continue
        GRANT_FLOW.transition(grant.status, S.ACTIVE)
        grant.status = S.ACTIVE
        grant.suspended_at = None
        grant.suspended_reason = ""
        save_tracked(grant, by=by, reason="resumed: grantee admitted again")
        resumed += 1
        notify_about([*grant.recipients.all(), *grantee_admins(grant), *provider_people(grant)], grant,
                gettext_lazy("Data grant %(number)s is in force again"),
                gettext_lazy("The grantee is admitted again; the grant is in force until %(end)s."),
                {"end": grant.ends_on.isoformat()})
    return resumed


# --- revocation (SVC-3, SEC-4) ---------------------------------------------------------------------------


def _end_by_revocation(grant: DataGrant, *, reason: str, by) -> None:
    """Move a locked grant in force to revoked; the destruction certificate falls due. Callers authorize."""
    today = timezone.localdate()
    grant.status = S.REVOKED
    grant.ended_at = timezone.now()
    grant.revoked_by = by
    grant.revocation_reason = reason
    grant.destruction_due_on = today + datetime.timedelta(days=timing.DESTRUCTION_CERTIFICATE_DAYS)
    save_tracked(grant, by=by, reason="revoked")
    _end_reports(grant, ended_on=today, by=by, reason=f"grant {grant.number} revoked")
    notify_about([*grant.recipients.all(), *grantee_admins(grant)], grant,
            gettext_lazy("Data grant %(number)s revoked"),
            gettext_lazy("%(reason)s Stop using the data, destroy every copy and file the certificate of "
                         "destruction by %(due)s."),
            {"reason": reason, "due": grant.destruction_due_on.isoformat()})
    notify_about(provider_people(grant), grant, gettext_lazy("Data grant %(number)s revoked"),
            gettext_lazy("%(reason)s Nothing more may be released under the grant."), {"reason": reason})


@transaction.atomic
def grant_revoke(grant: DataGrant, *, reason: str, breach: bool, by) -> DataGrant:
    """A department revokes a grant in force with a reason (SVC-3).

    Only departments holding `catalog.revoke_grant` whose jurisdiction covers the grantee or a provider
    (others: 404; anyone who sees the grant without the permission: 403). The destruction certificate falls
    due DESTRUCTION_CERTIFICATE_DAYS from today; a revocation for a breach of the grant's conditions raises
    the credit event `sharing.grant_revoked` against the grantee."""
    grant = _locked(grant)
    policy.require(by, REVOKE, grant)
    if grant.status not in IN_FORCE:
        raise errors.TransitionNotAllowed(
            _("Grant %(number)s has already ended (%(status)s); it cannot be revoked.")
            % {"number": grant.number, "status": grant.get_status_display()})
    field_errors: dict[str, list] = {}
    reason = _required(reason, "reason", _("Give the reason for revoking the grant."), field_errors)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    GRANT_FLOW.check(by, grant, grant.status, S.REVOKED)
    _end_by_revocation(grant, reason=reason, by=by)
    if breach:
        from apps.institutions.services.credit import credit_event_record

        credit_event_record(
            institution_id=grant.applicant_id, trigger="sharing.grant_revoked", source=grant, by=by,
            description=stored_text(gettext_lazy("Data grant %(number)s revoked for a breach: %(reason)s"),
                                {"number": grant.number, "reason": reason}),
            source_url=grant_url(grant))
    return grant


def grant_end_for_custody(grant: DataGrant, *, reason: str, by) -> DataGrant:
    """The grantee closed without a successor and its data go into the department's custody (INS-6): a
    grant in force is revoked (no credit event: nobody breached anything). Runs inside the transfer's
    transaction; the transfer is the authority, so GRANT_FLOW is asked for legality only."""
    grant = _locked(grant)
    if grant.status not in IN_FORCE:
        return grant
    GRANT_FLOW.transition(grant.status, S.REVOKED)
    _end_by_revocation(grant, reason=reason, by=by)
    return grant


# --- de-identification and releases (SEC-8, SVC-3) -------------------------------------------------------


def require_provider(by, grant: DataGrant) -> None:
    """People of a provider of the grant's resources with catalog.release_data (404 unseen, 403 otherwise)."""
    policy.require(by, RELEASE, grant)
    if getattr(by, "organisation_id", None) not in _provider_ids(grant):
        raise errors.PermissionDenied(_("Only the providers of the grant's resources record de-identification "
                                        "and releases."))


def _check_item(grant: DataGrant, item, by, field_errors: dict) -> ApplicationItem | None:
    if item is None or item.application_id != grant.application_id:
        field_errors.setdefault("item", []).append(
            _("This resource is not part of grant %(number)s.") % {"number": grant.number})
        return None
    if item.provider_id != by.organisation_id:
        raise errors.PermissionDenied(
            _("Only the provider of “%(resource)s” records how its data were de-identified and released.")
            % {"resource": item.resource.code})
    return item


@transaction.atomic
def deidentification_record(grant: DataGrant, *, item: ApplicationItem, method: str, description: str,
                            evidence_upload, by) -> DeidentificationRecord:
    """The provider of `item` records how its personal fields were de-identified, with evidence (SEC-8).

    The method cannot be "none"; the evidence file is checked by content (PDF, PNG or JPEG) and its SHA-256
    stored. Possible while the grant is in force (also while suspended, to prepare a release)."""
    grant = _locked(grant)
    require_provider(by, grant)
    if grant.status not in IN_FORCE:
        raise errors.TransitionNotAllowed(_("Grant %(number)s has ended (%(status)s): nothing more is released "
                                            "under it.") % {"number": grant.number,
                                                            "status": grant.get_status_display()})
    field_errors: dict[str, list] = {}
    item = _check_item(grant, item, by, field_errors)
    if method not in DeidentificationMethod.values or method == DeidentificationMethod.NONE:
        field_errors.setdefault("method", []).append(
            _("Choose the de-identification method that was applied; “none” is not a de-identification."))
    description = _required(description, "description", _("Describe what was done to the data."), field_errors)
    digest = _check_upload(evidence_upload, "evidence", field_errors, required=True)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    record = DeidentificationRecord(grant=grant, item=item, method=method, description=description,
                                    evidence_sha256=digest, recorded_by=by)
    record.evidence_name = _store_upload(record.evidence, evidence_upload, "evidence")
    return save_tracked(record, by=by, reason="de-identification recorded")


def deidentification_required(application: SharingApplication, fields) -> list[DataField]:
    """The personal fields among `fields` that must be de-identified before release: all of them unless the
    legal basis allows identified data (IDENTIFIED_DATA_BASES, SEC-8)."""
    if application.legal_basis in IDENTIFIED_DATA_BASES:
        return []
    return [field for field in fields if field.personal]


@transaction.atomic
def release_record(grant: DataGrant, *, item: ApplicationItem, description: str, file_name: str, checksum: str,
                   record_count, recipient, deidentification: DeidentificationRecord | None, by,
                   fields=None) -> DataRelease:
    """Record one actual delivery of data under a grant (SVC-3, SEC-8, SUP-5): what, which catalog version,
    checksum, to whom, when. By the provider of the resource (catalog.release_data).

    Rules, each with its own message and nothing saved: the grant is in force (not suspended or ended) and
    today lies within its period; the resource is part of the grant; the released fields (default: every
    granted field of the resource) were granted; the recipient is named on the grant; the checksum is a
    SHA-256 (64 hexadecimal characters); when personal fields are released and the legal basis does not
    allow identified data, a de-identification record of this grant and resource is given — recorded
    before the release, as SEC-8 demands."""
    grant = _locked(grant)
    require_provider(by, grant)
    today = timezone.localdate()
    if grant.status == S.SUSPENDED:
        raise errors.TransitionNotAllowed(
            _("Grant %(number)s is suspended (%(reason)s): no data may be released until it is in force again.")
            % {"number": grant.number, "reason": grant.suspended_reason or "—"})
    if grant.status != S.ACTIVE:
        raise errors.TransitionNotAllowed(_("Grant %(number)s has ended (%(status)s): nothing more is released "
                                            "under it.") % {"number": grant.number,
                                                            "status": grant.get_status_display()})
    from apps.institutions.selectors import institution_is_admitted

    if not institution_is_admitted(by.organisation_id):
        raise errors.TransitionNotAllowed(_("Your institution's admission is suspended or ended: it releases no "
                                            "data until it is admitted again."))
    if today < grant.starts_on:
        raise errors.ValidationFailed(_("Grant %(number)s is valid from %(date)s; nothing may be released "
                                        "before.") % {"number": grant.number, "date": grant.starts_on.isoformat()})
    if today > grant.ends_on:
        raise errors.ValidationFailed(_("Grant %(number)s ended on %(date)s; nothing more may be released.")
                                      % {"number": grant.number, "date": grant.ends_on.isoformat()})
    field_errors: dict[str, list] = {}
    item = _check_item(grant, item, by, field_errors)
    released = []
    if item is not None:
        granted = {field.pk: field for field in item.fields.all()}
        wanted = list(fields) if fields is not None else list(granted.values())
        outside = [field for field in wanted if field.pk not in granted]
        if outside:
            field_errors.setdefault("fields", []).append(
                _("Not granted under %(number)s for this resource: %(names)s.")
                % {"number": grant.number, "names": "、".join(field.name for field in outside)})
        elif not wanted:
            field_errors.setdefault("fields", []).append(_("Choose the fields this release contains."))
        released = [field for field in wanted if field.pk in granted]
        personal = deidentification_required(grant.application, released)
        if deidentification is not None and (deidentification.grant_id != grant.pk
                                             or deidentification.item_id != item.pk):
            field_errors.setdefault("deidentification", []).append(
                _("This de-identification record belongs to another grant or resource."))
        elif personal and deidentification is None:
            field_errors.setdefault("deidentification", []).append(
                _("“%(resource)s” includes personal fields (%(fields)s) and the legal basis “%(basis)s” does not "
                  "allow identified data: record the de-identification method and its evidence before the "
                  "release.")
                % {"resource": item.resource.code, "fields": "、".join(field.name for field in personal),
                   "basis": LegalBasis(grant.application.legal_basis).label})
    if recipient is None:
        field_errors.setdefault("recipient", []).append(
            _("Choose one of the recipients named on grant %(number)s.") % {"number": grant.number})
    elif not grant.recipients.filter(pk=recipient.pk).exists():
        field_errors.setdefault("recipient", []).append(
            _("%(name)s is not a recipient named on grant %(number)s.")
            % {"name": recipient.get_full_name(), "number": grant.number})
    checksum = (checksum or "").strip().lower()
    if not SHA256_HEX.match(checksum):
        field_errors.setdefault("checksum", []).append(
            _("Enter the SHA-256 checksum of the released data: 64 hexadecimal characters."))
    description = _required(description, "description", _("Describe what was released."), field_errors)
    file_name = _required(file_name, "file_name", _("Name the file or dataset released."), field_errors)
    if len(file_name) > 200:
        field_errors.setdefault("file_name", []).append(_("At most %(limit)d characters.") % {"limit": 200})
    if record_count is not None and (not isinstance(record_count, int) or record_count < 0):
        field_errors.setdefault("record_count", []).append(_("Enter the number of records, 0 or more."))
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    release = DataRelease(grant=grant, item=item, version_number=item.version.number, description=description,
                          file_name=file_name, checksum=checksum, record_count=record_count, recipient=recipient,
                          deidentification=deidentification, released_by=by)
    save_tracked(release, by=by, reason=f"released: {item.resource.code} v{release.version_number}")
    release.fields.set(released)
    notify_about([recipient], grant, gettext_lazy("Data released to you under grant %(number)s"),
            gettext_lazy("%(file)s (SHA-256 %(checksum)s). Check the checksum on receipt."),
            {"file": file_name, "checksum": checksum})
    return release


# --- the grantee's obligations (SVC-3) -------------------------------------------------------------------


def may_file_for(user, grant: DataGrant) -> bool:
    """Grantee people with catalog.file_grant_report, or a recipient named on the grant (object grant)."""
    if not policy.can(user, FILE, grant):
        return False
    return (getattr(user, "organisation_id", None) == grant.applicant_id
            or grant.recipients.filter(pk=user.pk).exists())


def require_grantee(by, grant: DataGrant) -> None:
    policy.require(by, FILE, grant)
    if not may_file_for(by, grant):
        raise errors.PermissionDenied(_("Only the grantee's people and the recipients named on the grant file "
                                        "its reports and its certificate of destruction."))


@transaction.atomic
def report_submit(report: GrantReport, *, content: str, attachment=None, by) -> GrantReport:
    """The grantee files a progress or final report (SVC-3). Early filing is allowed; a late one is accepted
    but stays flagged overdue (the credit event it raised stands)."""
    report = GrantReport.objects.select_for_update(of=("self",)).select_related("grant").get(pk=report.pk)
    grant = report.grant
    require_grantee(by, grant)
    if report.status == GrantReport.Status.SUBMITTED:
        raise errors.TransitionNotAllowed(_("This report was already filed on %(date)s.")
                                          % {"date": timezone.localdate(report.submitted_at).isoformat()})
    if report.status == GrantReport.Status.CANCELLED:
        raise errors.TransitionNotAllowed(_("This report is no longer due."))
    field_errors: dict[str, list] = {}
    content = _required(content, "content", _("Write the report."), field_errors)
    _check_upload(attachment, "attachment", field_errors, required=False)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    report.status = GrantReport.Status.SUBMITTED
    report.content = content
    report.submitted_by = by
    report.submitted_at = timezone.now()
    if attachment is not None:
        report.attachment_name = _store_upload(report.attachment, attachment, "attachment")
    save_tracked(report, by=by, reason="submitted late" if report.overdue_flagged_at else "submitted")
    notify_about(provider_people(grant), grant, gettext_lazy("%(kind)s filed for data grant %(number)s"),
            gettext_lazy("The grantee filed its %(kind)s (due %(due)s)."),
            {"kind": report.get_kind_display(), "due": report.due_on.isoformat()})
    return report


@transaction.atomic
def destruction_certify(grant: DataGrant, *, destroyed_on: datetime.date | None, method: str, signed_by_name: str,
                        document, by) -> DestructionCertificate:
    """The grantee certifies that every copy was destroyed; the ended grant closes (SVC-3).

    Only an expired or revoked grant (one in force: "still in force"). The destruction date is not in the
    future and not before the grant began; it may lie before the end date, since a grantee that finished
    early may have destroyed the data early and files once the grant has ended. The signed certificate is
    checked by content and its SHA-256 stored. Providers are notified."""
    grant = _locked(grant)
    require_grantee(by, grant)
    if grant.status in IN_FORCE:
        raise errors.TransitionNotAllowed(
            _("Grant %(number)s is still in force until %(date)s: the certificate of destruction is filed "
              "after it has expired or been revoked.") % {"number": grant.number, "date": grant.ends_on.isoformat()})
    if grant.status == S.CLOSED:
        raise errors.TransitionNotAllowed(_("Grant %(number)s is already closed.") % {"number": grant.number})
    GRANT_FLOW.check(by, grant, grant.status, S.CLOSED)
    field_errors: dict[str, list] = {}
    today = timezone.localdate()
    if destroyed_on is None:
        field_errors["destroyed_on"] = [_("Enter the date the data were destroyed.")]
    elif destroyed_on > today:
        field_errors["destroyed_on"] = [_("The date of destruction cannot be in the future.")]
    elif destroyed_on < grant.starts_on:
        field_errors["destroyed_on"] = [_("The date of destruction cannot be before the grant began (%(date)s).")
                                        % {"date": grant.starts_on.isoformat()}]
    method = _required(method, "method", _("Describe how the data were destroyed."), field_errors)
    signed_by_name = _required(signed_by_name, "signed_by_name", _("Name the person who signed the certificate."),
                               field_errors)
    if len(signed_by_name) > 100:
        field_errors.setdefault("signed_by_name", []).append(_("At most %(limit)d characters.") % {"limit": 100})
    digest = _check_upload(document, "document", field_errors, required=True)
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    certificate = DestructionCertificate(grant=grant, destroyed_on=destroyed_on, method=method,
                                         signed_by_name=signed_by_name, document_sha256=digest, filed_by=by)
    certificate.document_name = _store_upload(certificate.document, document, "document")
    save_tracked(certificate, by=by, reason="certificate of destruction filed")
    grant.status = S.CLOSED
    save_tracked(grant, by=by, reason="closed: destruction certified")
    notify_about(provider_people(grant), grant, gettext_lazy("Data grant %(number)s closed"),
            gettext_lazy("The grantee certified that the data were destroyed on %(date)s."),
            {"date": destroyed_on.isoformat()})
    return certificate


# --- selectors --------------------------------------------------------------------------------------------


def grants_for(user, queryset=None):
    """Grants the user may see: the grantee's own, those on a provider's resources, a department's
    jurisdiction (grantee or a provider), and those naming the user as a recipient."""
    rows = queryset if queryset is not None else DataGrant.objects.all()
    return policy.visible(user, rows, VIEW)


def grants_expiring(user, days: int = 30, *, today: datetime.date | None = None):
    """Grants in force the user sees that end within `days` days (soonest first)."""
    today = today or timezone.localdate()
    return (grants_for(user).filter(status=S.ACTIVE, ends_on__gte=today,
                                    ends_on__lte=today + datetime.timedelta(days=days))
            .select_related("applicant", "application").order_by("ends_on", "pk"))


def reports_overdue(user, *, today: datetime.date | None = None):
    """Reports still due after their due date, on grants the user sees (departments' follow-up list)."""
    today = today or timezone.localdate()
    grants = grants_for(user).values("pk")
    return (GrantReport.objects.filter(grant__in=grants, status=GrantReport.Status.DUE, due_on__lt=today)
            .select_related("grant", "grant__applicant").order_by("due_on", "pk"))


def certificates_overdue(user, *, today: datetime.date | None = None):
    """Expired or revoked grants the user sees whose certificate of destruction is late."""
    today = today or timezone.localdate()
    return (grants_for(user).filter(status__in=ENDED, destruction_due_on__lt=today)
            .select_related("applicant", "application").order_by("destruction_due_on", "pk"))


def grants_with_overdue_obligations(user, *, today: datetime.date | None = None):
    today = today or timezone.localdate()
    late_report = GrantReport.objects.filter(status=GrantReport.Status.DUE, due_on__lt=today).values("grant_id")
    return grants_for(user).filter(Q(pk__in=late_report) | Q(status__in=ENDED, destruction_due_on__lt=today))


def grant_actions(user, grant: DataGrant) -> dict[str, bool]:
    """What `user` may do on a grant it sees (for pages and the API; the services decide again)."""
    provider = getattr(user, "organisation_id", None) in _provider_ids(grant)
    return {
        "release": grant.status == S.ACTIVE and provider and policy.can(user, RELEASE, grant),
        "deidentify": grant.status in IN_FORCE and provider and policy.can(user, RELEASE, grant),
        "file": may_file_for(user, grant),
        "certify": grant.status in ENDED and may_file_for(user, grant),
        "revoke": grant.status in IN_FORCE and policy.can(user, REVOKE, grant),
    }
