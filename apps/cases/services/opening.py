"""Opening a case and preparing it (SUP-3, SUP-4, SEC-7): the case against an institution with its facts,
articles and evidence; its officers (the grant `handle_case` follows each assignment); the responsible
persons; the start of the investigation."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..ladder import ARTICLES, Severity
from ..models import Case, CaseDocument, CaseOfficer, CaseParty
from ..workflows import CASE_FLOW, HANDLE, OPEN
from . import numbering
from .common import (
    clean,
    heads_of,
    in_portal_language,
    lock_case,
    notify_on_commit,
    require_assigner,
    require_handler,
)
from .documents import documents_store, files_check, files_removed_on_failure

FINDING_SEVERITY = {"critical": Severity.GRAVE, "major": Severity.SERIOUS, "minor": Severity.MINOR}
OFFICER_ROLES = ("case_officer", "department_head")
BEFORE_DECISION = (Case.Status.REGISTERED, Case.Status.INVESTIGATING, Case.Status.NOTIFIED)


def articles_check(articles, *, field: str = "articles") -> list[str]:
    """Article codes of ladder.ARTICLES (at least one), without repeats, in the order given."""
    codes = [clean(code) for code in (articles or []) if clean(code)]
    unknown = [code for code in codes if code not in ARTICLES]
    if unknown:
        raise errors.ValidationFailed(field_errors={field: [
            _("“%(article)s” is not an article of the Measures a case can hold violated.") % {"article": code}
            for code in unknown]})
    if not codes:
        raise errors.ValidationFailed(field_errors={field: [_("Name at least one article violated.")]})
    return list(dict.fromkeys(codes))


def _parties_check(parties) -> list[dict]:
    cleaned, problems = [], []
    for party in parties or ():
        row = {key: clean(party.get(key)) for key in ("name", "position", "responsibility")}
        if not row["name"] or not row["position"]:
            problems.append(_("Give the name and the position of each responsible person."))
        elif len(row["name"]) > 100 or len(row["position"]) > 200:
            problems.append(_("Keep a name under 100 and a position under 200 characters."))
        cleaned.append(row)
    if problems:
        raise errors.ValidationFailed(field_errors={"parties": problems})
    return cleaned


def _case_problems(*, source, title, facts, severity, source_reference, source_url) -> dict:
    problems: dict[str, list] = {}
    if source not in Case.Source.values:
        problems["source"] = [_("Choose what the case is opened from.")]
    if not title:
        problems["title"] = [_("Give the case a subject.")]
    elif len(title) > 200:
        problems["title"] = [_("Keep the subject under 200 characters.")]
    if not facts:
        problems["facts"] = [_("State the facts the case is about.")]
    if severity not in Severity.values:
        problems["severity"] = [_("Choose the severity of the violation.")]
    if len(source_reference) > 200:
        problems["source_reference"] = [_("Keep the reference under 200 characters.")]
    if source_url and (len(source_url) > 300 or not source_url.startswith(("/", "https://", "http://"))):
        problems["source_url"] = [_("Enter a link within the portal (starting with /) or a web address.")]
    return problems


def case_open(*, institution, source, title, facts, articles, severity, by, suspected_illegal=False,
              source_reference="", source_url="", source_record=None, parties=(), files=()) -> Case:
    """Open a case of `by`'s department against `institution` (SUP-3). `by` needs open_case and a
    jurisdiction covering the institution (else NotFound); a case officer opening it becomes its lead officer;
    the department's heads are told. One case per source record."""
    policy.require(by, OPEN)
    department = by.organisation
    if department is None or department.kind != "department":
        raise errors.PermissionDenied(_("Only a health department opens cases."))
    prefix = policy.jurisdiction_prefix(by)
    if prefix is None or not institution.region_id.startswith(prefix):
        raise errors.NotFound()
    with files_removed_on_failure(), transaction.atomic():
        return _case_create(institution=institution, department=department, source=source, title=title,
                            facts=facts, articles=articles, severity=severity, by=by,
                            suspected_illegal=suspected_illegal, source_reference=source_reference,
                            source_url=source_url, source_record=source_record, parties=parties, files=files)


def _case_create(*, institution, department, source, title, facts, articles, severity, by, suspected_illegal,
                 source_reference, source_url, source_record, parties, files) -> Case:
    title, facts = clean(title), clean(facts)
    source_reference, source_url = clean(source_reference), clean(source_url)
    problems = _case_problems(source=source, title=title, facts=facts, severity=severity,
                              source_reference=source_reference, source_url=source_url)
    for check, value in ((articles_check, articles), (_parties_check, parties), (files_check, files)):
        try:
            check(value)
        except errors.ValidationFailed as error:
            problems.update(error.field_errors)
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    articles, parties = articles_check(articles), _parties_check(parties)
    source_type, source_id = ((source_record._meta.label_lower, str(source_record.pk)) if source_record is not None
                              else ("", ""))
    if source_id:
        existing = Case.objects.filter(source_type=source_type, source_id=source_id).first()
        if existing is not None:
            raise errors.TransitionNotAllowed(_("Case %(number)s was already opened from this record.")
                                              % {"number": existing.number})
    case = Case(number=numbering.case_number(department, timezone.localdate().year), department=department,
                institution=institution, region_id=institution.region_id, title=title, source=source,
                source_type=source_type, source_id=source_id, source_reference=source_reference,
                source_url=source_url, facts=facts, articles=articles, severity=severity,
                suspected_illegal=bool(suspected_illegal), opened_by=by)
    try:
        with transaction.atomic():
            save_tracked(case, by=by, reason=f"case opened ({source})")
    except IntegrityError:  # the same record referred twice at the same moment
        raise errors.TransitionNotAllowed(_("A case was already opened from this record.")) from None
    for party in parties:
        save_tracked(CaseParty(case=case, added_by=by, **party), by=by, reason="responsible person named")
    if files:
        documents_store(case=case, kind=CaseDocument.Kind.EVIDENCE, files=files, by=by,
                        description=in_portal_language(gettext_noop("Evidence filed when the case was opened")))
    if by.has_role("case_officer"):
        save_tracked(CaseOfficer(case=case, user=by, is_lead=True, assigned_by=by), by=by,
                     reason="opener is the lead officer")
        policy.grant(by, HANDLE, case)
    notify_on_commit(heads_of(department.pk), case, gettext_lazy("New accountability case %(number)s"),
                     gettext_lazy("Case %(number)s against %(institution)s was opened: %(title)s"), title=title)
    return case


def case_open_from_finding(*, finding, note, by) -> Case:
    """The `finding_referred` receiver (SUP-1 -> SUP-3): open the case inside the referral's transaction.

    The referral is the authority: `by` passed finding_refer (refer_finding in the institution's jurisdiction),
    so no open_case is required (inspectors hold none). The case belongs to the referring user's department
    (the inspection plan's department if the referrer has none); facts come from the finding and the grounds,
    the article from the finding when it is one of the Measures' (else Art. 17, the security management duty),
    the severity from the finding's (critical -> grave, major -> serious, minor -> minor)."""
    inspection = finding.inspection
    department = by.organisation if getattr(by.organisation, "kind", "") == "department" else \
        inspection.plan.department
    facts = in_portal_language(
        gettext_noop("Finding F%(finding)s of inspection %(inspection)s: %(title)s\n%(description)s\n"
                     "Grounds of the referral: %(note)s"),
        finding=finding.number, inspection=inspection.number, title=finding.title,
        description=finding.description, note=clean(note))
    article = (finding.article or "").strip()
    with transaction.atomic():
        return _case_create(
            institution=inspection.institution, department=department, source=Case.Source.FINDING,
            title=clean(finding.title)[:200], facts=facts, articles=[article if article in ARTICLES else "M.17"],
            severity=FINDING_SEVERITY.get(finding.severity, Severity.SERIOUS), by=by, suspected_illegal=False,
            source_reference=f"{inspection.number} F{finding.number}"[:200],
            source_url=reverse("inspections:finding_detail", args=[finding.pk]), source_record=finding,
            parties=(), files=())


# --- officers -------------------------------------------------------------------------------------------------


def _officer_problem(case: Case, user) -> str | None:
    organisation = user.organisation
    if (not user.is_active or user.is_machine or not user.has_role(*OFFICER_ROLES) or organisation is None
            or organisation.kind != "department" or not organisation.is_active):
        return _("%(name)s is not an active case officer or department head.") % {"name": user}
    if not case.region_id.startswith(organisation.jurisdiction_prefix or ""):
        return _("%(name)s belongs to %(department)s, whose jurisdiction does not cover %(institution)s.") % {
            "name": user, "department": organisation.name, "institution": case.institution.name}
    return None


@transaction.atomic
def officer_assign(*, case, user, by, lead=False) -> CaseOfficer:
    """Assign a case officer (SUP-3, SUP-4): by a head of the handling department or one above it; the officer
    must be an active case officer or head of a department covering the institution. The first officer, or
    one assigned as lead, leads the case; the grant handle_case follows the assignment."""
    case = lock_case(case)
    require_assigner(by, case)
    if not case.is_open:
        raise errors.TransitionNotAllowed(_("Case %(number)s is closed.") % {"number": case.number})
    problem = _officer_problem(case, user)
    if problem:
        raise errors.ValidationFailed(field_errors={"user": [problem]})
    active = list(CaseOfficer.objects.select_for_update().filter(case=case, is_active=True))
    if any(officer.user_id == user.pk for officer in active):
        raise errors.ValidationFailed(field_errors={"user": [
            _("%(name)s is already assigned to this case.") % {"name": user}]})
    lead = bool(lead) or not any(officer.is_lead for officer in active)
    if lead:
        for officer in active:
            if officer.is_lead:
                officer.is_lead = False
                save_tracked(officer, by=by, reason=f"lead passed to {user.username}")
    officer = save_tracked(CaseOfficer(case=case, user=user, is_lead=lead, assigned_by=by), by=by,
                           reason="lead officer assigned" if lead else "officer assigned")
    policy.grant(user, HANDLE, case)
    notify_on_commit([user], case, gettext_lazy("You are assigned to case %(number)s"),
                     gettext_lazy("Case %(number)s against %(institution)s: %(title)s"), title=case.title)
    return officer


@transaction.atomic
def officer_release(*, case, user, by, reason) -> CaseOfficer:
    """Release an officer from a case with a reason; the grant is revoked. A released lead's role passes to the
    officer assigned longest."""
    case = lock_case(case)
    require_assigner(by, case)
    officer = CaseOfficer.objects.select_for_update().filter(case=case, user=user, is_active=True).first()
    if officer is None:
        raise errors.ValidationFailed(field_errors={"user": [
            _("%(name)s is not assigned to this case.") % {"name": user}]})
    reason = clean(reason)
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the officer is released.")]})
    was_lead = officer.is_lead
    officer.is_active, officer.is_lead, officer.released_at = False, False, timezone.now()
    save_tracked(officer, by=by, reason=f"released: {reason}")
    policy.revoke(user, HANDLE, case)
    if was_lead:
        successor = (CaseOfficer.objects.select_for_update().filter(case=case, is_active=True)
                     .order_by("assigned_at", "pk").first())
        if successor is not None:
            successor.is_lead = True
            save_tracked(successor, by=by, reason="lead after the lead's release")
    return officer


# --- preparing the case ---------------------------------------------------------------------------------------


@transaction.atomic
def party_add(*, case, name, position, responsibility, by) -> CaseParty:
    """Name a responsible person of the institution (for a disciplinary measure): officers, before the
    decision."""
    case = lock_case(case)
    require_handler(by, case)
    if case.status not in BEFORE_DECISION:
        raise errors.TransitionNotAllowed(_("Responsible persons are named before the decision."))
    row = _parties_check([{"name": name, "position": position, "responsibility": responsibility}])[0]
    return save_tracked(CaseParty(case=case, added_by=by, **row), by=by, reason="responsible person named")


def evidence_add(*, case, files, description, by) -> list[CaseDocument]:
    """File evidence on an open case (officers); every file is checked before any is stored."""
    with files_removed_on_failure(), transaction.atomic():
        case = lock_case(case)
        require_handler(by, case)
        if not case.is_open:
            raise errors.TransitionNotAllowed(_("Case %(number)s is closed.") % {"number": case.number})
        if not [upload for upload in (files or []) if upload is not None]:
            raise errors.ValidationFailed(field_errors={"files": [_("Choose the files to add.")]})
        return documents_store(case=case, kind=CaseDocument.Kind.EVIDENCE, files=files, by=by,
                               description=description)


@transaction.atomic
def investigation_start(*, case, by) -> Case:
    """An assigned officer starts the investigation: registered -> investigating."""
    case = lock_case(case)
    require_handler(by, case)
    CASE_FLOW.check(by, case, case.status, Case.Status.INVESTIGATING)
    case.status = Case.Status.INVESTIGATING
    case.investigation_started_at = timezone.now()
    return save_tracked(case, by=by, reason="investigation started")
