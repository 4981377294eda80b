"""Decision letters and the public disclosure of decisions (SUP-3, SUP-5, M.35).

The decision letter is produced and verified exactly as inspection reports are
(apps/inspections/services/reports.py):

- `letter_enqueue` is called by `case_decide` inside the decision's transaction; the letter is produced
  after commit by the `pdf.case_decision_letter` task on the pdf queue.
- `letter_render` renders the letter in the decision's language (the portal's default: a decision is an
  official act, not a page view), signs it with the deciding department's key (apps.core.signing) and stores
  file, SHA-256, page count and certificate fingerprint in the one transaction that marks it ready. A failed
  run marks the letter failed (attempts, last error) and Celery retries it with a growing delay; a repeated
  run of a ready letter does nothing.
- `letter_requeue` produces a failed letter again on request of a department user who sees the case.
- `letter_verify` answers the public verification page, by code or by an uploaded PDF: which decision it is,
  whether the file is the one issued and unchanged and whether the department's signature holds; never a
  person's name.

Disclosure: `public_decisions` and `public_decision_facts` are what anyone may read of the decisions the
department chose to disclose while they are in force; only the public columns are loaded, so the facts,
reasons, defence and officers' names cannot reach a public page, and the responsible persons' names only
when the decision discloses them.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy, verification
from apps.core.history import save_tracked
from apps.inspections.services.reports import _css_string, _error_summary, _signature_public
from config.celery import running_task

from ..ladder import ARTICLES, LADDER, Measure
from ..models import CaseDocument, CaseMeasure, CaseOfficer, CaseParty, Decision, Defence, Hearing

logger = logging.getLogger(__name__)

LetterStatus = Decision.LetterStatus
VIEW_DECISION = "cases.view_decision"
VIEW_CASE = "cases.view_case"

# The public page may be asked this many unknown codes or files per client address per hour.
VERIFICATION_MISSES_PER_HOUR = 20
# Retries of a failed rendering: the delay doubles from one minute, five retries at most.
RENDER_RETRY_BASE_SECONDS = 60
RENDER_MAX_RETRIES = 5
# What the progress block shows while the task runs (kept in the cache, not the database).
STAGES = ("queued", "rendering", "signing", "storing")
_PROGRESS = {"queued": 5, "rendering": 35, "signing": 75, "storing": 90}
_STAGE_TTL_SECONDS = 3600

VerificationThrottled = verification.VerificationThrottled
format_code = verification.format_code
normalise_code = verification.normalise_code
_misses = verification.MissCounter("cases", VERIFICATION_MISSES_PER_HOUR)
_current_task = running_task  # a module name, so tests can stand in a task
# Decision numbers as they appear in a signature's reason, whatever text the translation puts around them.
_NUMBER_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*[0-9]")


def verification_url(code: str) -> str:
    """The absolute public address of a letter's verification page (printed on the letter)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("cases:verify_result", args=[code])


def code_hint(code: str) -> str:
    """The first group of a verification code, the rest masked: enough to match a letter one holds, not
    enough to look up its file (SUP-5)."""
    printed = format_code(code)
    return printed[:4] + "".join("-" if ch == "-" else "•" for ch in printed[4:])


# --- visibility and who may act --------------------------------------------------------------------------


def decisions_visible(user) -> QuerySet:
    """Decisions the user may read (SEC-4, SUP-4): departments within their jurisdiction, the institution its
    own once notified (the policy's owner filter)."""
    return policy.visible(user, Decision.objects.all(), VIEW_DECISION)


def decision_get(user, pk) -> Decision:
    """Fetch a decision the user may read, else NotFound (missing and invisible alike)."""
    decision = (decisions_visible(user).select_related("case__institution", "department", "decided_by")
                .filter(pk=pk).first())
    if decision is None:
        raise errors.NotFound()
    return decision


def may_manage(user, decision: Decision) -> bool:
    """A department user who sees the case (asks for a failed letter again, reads the error); never the
    institution the decision is addressed to."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    organisation = user.organisation
    if organisation is None or organisation.kind != organisation.Kind.DEPARTMENT:
        return False
    return policy.can(user, VIEW_CASE, decision.case)


def stage_of(decision: Decision) -> str:
    """Where the production of a pending letter stands: queued, rendering, signing or storing."""
    if decision.letter_status != LetterStatus.PENDING:
        return ""
    stage = cache.get(_stage_key(decision.pk))
    return stage if stage in STAGES else "queued"


def progress_percent(decision: Decision) -> int:
    if decision.letter_status == LetterStatus.READY:
        return 100
    if decision.letter_status == LetterStatus.FAILED:
        return 0
    return _PROGRESS[stage_of(decision)]


def _stage_key(decision_id: int) -> str:
    return f"cases:letter:{decision_id}:stage"


def _set_stage(decision_id: int, stage: str | None) -> None:
    try:
        if stage is None:
            cache.delete(_stage_key(decision_id))
        else:
            cache.set(_stage_key(decision_id), stage, _STAGE_TTL_SECONDS)
    except Exception:  # progress is a nicety: a cache outage must not fail the letter
        logger.warning("could not record the progress of decision letter %s", decision_id, exc_info=True)


# --- enqueueing ------------------------------------------------------------------------------------------


def letter_enqueue(decision: Decision) -> None:
    """Produce the letter of a decision once the deciding transaction commits (`case_decide` calls it)."""
    from ..tasks import render_decision_letter

    render_decision_letter.delay_on_commit(decision.pk)


# --- the document --------------------------------------------------------------------------------------


def _english(language: str) -> bool:
    return (language or "").lower().startswith("en")


def _name(organisation, english: bool) -> str:
    return (getattr(organisation, "name_en", "") if english else "") or organisation.name


def _defence_context(decision: Decision) -> dict:
    """The institution's statements on the notice decided on, its waiver, and the hearing if one was asked."""
    defences = list(Defence.objects.filter(notice_id=decision.notice_id).order_by("submitted_at", "pk"))
    statements = [row for row in defences if row.kind == Defence.Kind.STATEMENT and row.statement.strip()]
    waiver = next((row for row in defences if row.kind == Defence.Kind.WAIVER or row.waives_period), None)
    documents = CaseDocument.objects.filter(defence__in=defences).count() if defences else 0
    hearings = list(Hearing.objects.filter(notice_id=decision.notice_id).order_by("requested_at", "pk"))
    return {
        "statements": [{"on": timezone.localdate(row.submitted_at), "text": row.statement,
                        "on_paper": row.recorded_on_paper} for row in statements],
        "waiver_on": timezone.localdate(waiver.submitted_at) if waiver else None,
        "defence_documents": documents, "defence_deadline": decision.notice.defence_deadline,
        "hearings": [{"status": row.status, "held_on": timezone.localdate(row.held_at) if row.held_at else None,
                      "scheduled_for": row.scheduled_for, "place": row.place} for row in hearings],
    }


def _measure_entry(measure: CaseMeasure) -> dict:
    parties = sorted(measure.parties.all(), key=lambda party: party.pk)
    return {"kind": measure.kind, "label": measure.get_kind_display(), "details": measure.details,
            "deadline": measure.deadline, "parties": [{"name": p.name, "position": p.position} for p in parties],
            "competent_body": measure.competent_body, "is_proposal": measure.is_proposal,
            "judicial_organ": measure.judicial_organ}


def letter_context(decision: Decision) -> dict:
    """Everything the letter shows, read in a fixed number of queries, in the letter's language."""
    from .appeals import reviewing_department_for

    decision = (Decision.objects.select_related("case__institution", "case__region", "department", "notice")
                .get(pk=decision.pk))
    case, language = decision.case, decision.language
    english = _english(language)
    institution = case.institution
    measures = sorted(decision.measures.prefetch_related("parties"), key=lambda row: LADDER.index(row.kind))
    evidence = list(CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.EVIDENCE)
                    .order_by("uploaded_at", "pk").values("original_name", "description"))
    reviewing = reviewing_department_for(case)
    with translation.override(language):
        title = _("Administrative Decision on Accountability")
        header_left = _css_string(f"{title} {decision.number}")
        header_right = _css_string(_name(decision.department, english))
        articles = [{"code": code, "label": str(ARTICLES.get(code, code))} for code in decision.articles]
        measure_rows = [_measure_entry(measure) for measure in measures]
    return {
        "decision": decision, "case": case, "institution": institution, "department": decision.department,
        "department_name": _name(decision.department, english), "institution_name": _name(institution, english),
        "number": decision.number, "title": title, "articles": articles, "measures": measure_rows,
        "evidence": evidence, **_defence_context(decision),
        # H1 answers None when no active department above covers the institution: the letter then names none.
        "reviewing_department": _name(reviewing, english) if reviewing else "", "appeal_until": decision.appeal_until,
        "decided_on": timezone.localdate(decision.decided_at), "english": english,
        "verification_code": format_code(decision.verification_code),
        "verification_url": verification_url(decision.verification_code),
        "header_left": header_left, "header_right": header_right, "site_name": settings.SITE_NAME,
    }


def letter_pdf(decision: Decision, *, on_stage=None) -> tuple[bytes, int, str]:
    """The letter as signed PDF bytes in its language, its page count and the signing certificate's
    fingerprint. `on_stage(name)` is told when signing starts. The signature's reason names the decision
    number, so a changed copy can still be traced to the decision it claims to be."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from apps.core.pdf import render_pdf
    from apps.core.signing import sign_pdf, signing_identity

    context = letter_context(decision)
    department = context["department"]
    content = render_pdf("cases/letters/letter.html", context, language=decision.language)
    pages = int(PdfFileReader(io.BytesIO(content), strict=False).root["/Pages"]["/Count"])
    if on_stage is not None:
        on_stage("signing")
    with translation.override(decision.language):
        reason = _("Decision letter %(number)s") % {"number": decision.number}
    signed = sign_pdf(content, reason=reason, location=department.name, organisation=department)
    return signed, pages, signing_identity(department).fingerprint


# --- producing -------------------------------------------------------------------------------------------


def _mark_failed(decision_id: int, error: Exception) -> None:
    from apps.accounts.services import system_account

    with transaction.atomic():
        decision = Decision.objects.select_for_update().filter(pk=decision_id).first()
        if decision is None or decision.letter_status == LetterStatus.READY:
            return
        decision.letter_status = LetterStatus.FAILED
        decision.attempts = min(decision.attempts + 1, 32767)
        decision.last_error = _error_summary(error)
        save_tracked(decision, by=system_account(), reason=f"letter failed: {type(error).__name__}"[:100])


def _store(decision_id: int, content: bytes, pages: int, fingerprint: str) -> str:
    """Write the file and mark the letter ready in one transaction; the file goes if the transaction does."""
    from apps.accounts.services import system_account

    digest = hashlib.sha256(content).hexdigest()
    system = system_account()
    stored_name = ""
    try:
        with transaction.atomic():
            locked = Decision.objects.select_for_update().get(pk=decision_id)
            if locked.letter_status == LetterStatus.READY:  # a concurrent run got there first; its file stands
                return "ready"
            locked.file.save(f"{digest[:32]}.pdf", ContentFile(content), save=False)
            stored_name = locked.file.name
            locked.sha256, locked.page_count, locked.certificate_fingerprint = digest, pages, fingerprint
            locked.letter_status = LetterStatus.READY
            locked.attempts = min(locked.attempts + 1, 32767)
            locked.last_error = ""
            locked.rendered_at = timezone.now()
            save_tracked(locked, by=system, reason="decision letter produced and signed")
            transaction.on_commit(lambda: _notify_ready(locked.pk))
    except BaseException:
        if stored_name:  # the row that would have named it was rolled back
            Decision._meta.get_field("file").storage.delete(stored_name)
        raise
    return "ready"


def letter_render(decision_id: int) -> str:
    """Render, sign and store one decision letter (the pdf task). Idempotent: a ready letter is left as it is.

    Returns "ready" (produced now or before) or "missing" (no such decision). On failure the letter is marked
    failed (attempts + 1, last error) and, inside a Celery task, the task is retried with a growing delay;
    nothing is stored and the letter is never ready without its whole signed file (SUP-5)."""
    decision = Decision.objects.filter(pk=decision_id).first()
    if decision is None:
        return "missing"
    if decision.letter_status == LetterStatus.READY:
        return "ready"
    _set_stage(decision_id, "rendering")
    try:
        content, pages, fingerprint = letter_pdf(decision, on_stage=lambda stage: _set_stage(decision_id, stage))
        _set_stage(decision_id, "storing")
        return _store(decision_id, content, pages, fingerprint)
    except Exception as error:
        logger.exception("decision letter %s could not be produced", decision_id)
        _mark_failed(decision_id, error)
        task = _current_task()
        if task is not None and task.request.retries < RENDER_MAX_RETRIES:
            raise task.retry(exc=error, countdown=RENDER_RETRY_BASE_SECONDS * 2 ** task.request.retries,
                             max_retries=RENDER_MAX_RETRIES) from error
        raise
    finally:
        _set_stage(decision_id, None)


@transaction.atomic
def letter_requeue(*, decision: Decision, by) -> Decision:
    """Produce a failed letter again (after its retries ran out or while they wait): a department user who
    sees the case; the institution may not."""
    if not decisions_visible(by).filter(pk=decision.pk).exists():
        raise errors.NotFound()
    locked = Decision.objects.select_for_update().select_related("case").get(pk=decision.pk)
    if not may_manage(by, locked):
        raise errors.PermissionDenied()
    if locked.letter_status != LetterStatus.FAILED:
        raise errors.TransitionNotAllowed(_("Only a letter whose production failed can be produced again."))
    locked.letter_status = LetterStatus.PENDING
    save_tracked(locked, by=by, reason="letter production requested again")
    letter_enqueue(locked)
    return locked


def letters_requeue_stalled(*, older_than: datetime.timedelta, by, dry_run: bool = False) -> list[str]:
    """Failed letters, and letters pending for longer than `older_than` (a task lost with its broker), are
    sent to the pdf queue again (the `cases_letters_requeue` command). Returns their decision numbers."""
    stalled = Decision.objects.filter(
        Q(letter_status=LetterStatus.FAILED)
        | Q(letter_status=LetterStatus.PENDING, decided_at__lt=timezone.now() - older_than)).order_by("pk")
    numbers = []
    for decision in stalled:
        if dry_run:
            numbers.append(decision.number)
            continue
        with transaction.atomic():
            locked = Decision.objects.select_for_update().get(pk=decision.pk)
            if locked.letter_status == LetterStatus.READY:  # produced meanwhile
                continue
            if locked.letter_status == LetterStatus.FAILED:
                locked.letter_status = LetterStatus.PENDING
                save_tracked(locked, by=by, reason="letter production requested again by an operator")
            letter_enqueue(locked)
        numbers.append(decision.number)
    return numbers


def _people_to_notify(decision: Decision) -> list:
    """The case's active officers, the head who decided, and the institution's people who read decisions."""
    from apps.accounts.models import User

    read = Permission.objects.filter(codename="view_decision", content_type__app_label="cases")
    officers = Q(pk__in=CaseOfficer.objects.filter(case_id=decision.case_id, is_active=True).values("user_id"))
    institution = Q(organisation_id=decision.case.institution_id, groups__permissions__in=read)
    return list(User.objects.filter(officers | institution | Q(pk=decision.decided_by_id), is_active=True,
                                    is_machine=False).distinct())


def _notify_ready(decision_id: int) -> None:
    from apps.institutions.services.messages import portal_notify

    decision = Decision.objects.select_related("case__institution", "department").get(pk=decision_id)
    portal_notify(recipients=_people_to_notify(decision),
                  title=gettext_lazy("Decision letter %(number)s is ready"),
                  body=gettext_lazy("The signed decision letter of %(department)s to %(institution)s can be "
                                    "downloaded; its verification code is %(code)s."),
                  params={"number": decision.number, "institution": decision.case.institution.name,
                          "department": decision.department.name, "code": format_code(decision.verification_code)},
                  url=reverse("cases:decision_detail", args=[decision.pk]))


# --- public verification -----------------------------------------------------------------------------------


def _verify_facts(decision: Decision) -> dict:
    """What anyone holding a letter may know of it: no person's name (SEC-7)."""
    ready = decision.letter_status == LetterStatus.READY
    return {
        "code": format_code(decision.verification_code), "number": decision.number,
        "status": decision.letter_status, "status_label": decision.get_letter_status_display(),
        "decision_status": decision.status, "decision_status_label": decision.get_status_display(),
        "institution": decision.case.institution.name, "department": decision.department.name,
        "decided_on": timezone.localdate(decision.decided_at),
        "produced_on": timezone.localdate(decision.rendered_at) if decision.rendered_at else None,
        "sha256": decision.sha256 if ready else "", "page_count": decision.page_count if ready else None,
        "uploaded_sha256": "", "file_matches": None, "signature": None, "genuine": False, "unchanged": None,
    }


def _decisions():
    return Decision.objects.select_related("case__institution", "department")


def _claimed_by(status: dict) -> Decision | None:
    """For a file that is not byte for byte a letter issued: the decision its signature names (the number in
    the signature's reason), if its ready letter was signed with the same certificate."""
    fingerprint = status.get("certificate_fingerprint") or ""
    if not (status.get("signed") and fingerprint):
        return None
    tokens = _NUMBER_TOKEN.findall(str(status.get("reason") or ""))
    if not tokens:
        return None
    return (_decisions().filter(number__in=tokens, certificate_fingerprint=fingerprint,
                                letter_status=LetterStatus.READY).order_by("-pk").first())


def _verify_upload(content: bytes, client_key: str | None) -> dict | None:
    from apps.core.signing import verify_pdf

    digest = hashlib.sha256(content).hexdigest()
    decision = _decisions().filter(sha256=digest, letter_status=LetterStatus.READY).first()
    if decision is None:
        decision = _claimed_by(verify_pdf(content))
        if decision is None:
            _misses.count(client_key)
            return None
    status = verify_pdf(content, organisation=decision.department)
    matches = decision.sha256 == digest
    result = _verify_facts(decision)
    result.update(source="file", uploaded_sha256=digest, file_matches=matches, signature=_signature_public(status),
                  unchanged=bool(matches and status["intact"] and status["covers_whole_file"]),
                  genuine=bool(matches and status["ok"]))
    return result


def _verify_stored(decision: Decision) -> dict:
    from apps.core.signing import verify_pdf

    result = _verify_facts(decision)
    result["source"] = "code"
    if decision.letter_status != LetterStatus.READY:
        return result
    try:
        with decision.file.open("rb") as handle:
            stored = handle.read()
    except (FileNotFoundError, ValueError):
        result.update(file_matches=False, unchanged=False)
        return result
    status = verify_pdf(stored, organisation=decision.department)
    matches = hashlib.sha256(stored).hexdigest() == decision.sha256
    result.update(file_matches=matches, signature=_signature_public(status),
                  unchanged=bool(matches and status["intact"] and status["covers_whole_file"]),
                  genuine=bool(matches and status["ok"]))
    return result


def letter_verify(*, code: str | None = None, content: bytes | None = None,
                  client_key: str | None = None) -> dict | None:
    """What the public may know of the decision letter with `code`, or of the letter `content` claims to be;
    None when there is none (SUP-5).

    By code: the stored file is checked against its SHA-256 and the deciding department's signature. By an
    uploaded PDF: its SHA-256 is looked up among the letters issued and its signature checked against that
    decision's department; a file that is not byte for byte a letter issued but carries a letter's signature
    is reported as changed. `genuine` is true only for the file issued with a valid signature. Unknown codes
    and files count against the client (`client_key`: its address), limited per hour."""
    if _misses.throttled(client_key):
        raise VerificationThrottled(_("Too many unknown codes or files from your network; try again in an hour."))
    if content is not None:
        return _verify_upload(content, client_key)
    normalised = normalise_code(code)
    decision = None
    if verification.is_well_formed(normalised):
        decision = _decisions().filter(verification_code=normalised).first()
    if decision is None:
        _misses.count(client_key)
        return None
    return _verify_stored(decision)


# --- public disclosure (M.35) ------------------------------------------------------------------------------

# The columns a public page loads: the decision's identity and public summary, the institution's name and
# region, the department's name. Facts, reasons, the defence answer and every user stay in the database.
PUBLIC_FIELDS = (
    "id", "number", "decided_at", "status", "disclosed", "disclose_persons", "public_summary", "articles",
    "verification_code", "case_id", "department_id", "department__name", "department__name_en",
    "case__institution_id", "case__region_id", "case__institution__organisation_id", "case__institution__name",
    "case__institution__name_en", "case__institution__credit_code", "case__institution__region__code",
    "case__institution__region__name", "case__institution__region__parent__code",
    "case__institution__region__parent__name", "case__institution__region__parent__parent__code",
    "case__institution__region__parent__parent__name",
)


def _region_prefix(value: str) -> str:
    """A region code typed or chosen (350000, 350100, 350102) or a bare prefix (35, 3501) as a prefix."""
    from apps.institutions.disclosure import _region_prefix as significant

    value = (value or "").strip()
    if not value.isdigit():
        return ""
    if len(value) == 6:
        return significant(value)
    return value if len(value) in (2, 4) else ""


def public_decisions(*, params) -> QuerySet:
    """Decisions disclosed and in force, newest first, read as an anonymous visitor would (the model's
    public filter), whoever asks. Filters from `params` (a query dict): `region` (a region code or prefix of
    the institution's region), `measure` (a ladder measure), `year` (of the decision), `q` (a fragment of the
    institution's name). A quashed or remitted decision is no longer in force and disappears."""
    rows = policy.visible(AnonymousUser(), Decision.objects.all())
    prefix = _region_prefix(params.get("region") or "")
    if prefix:
        rows = rows.filter(case__region__code__startswith=prefix)
    measure = params.get("measure") or ""
    if measure in Measure.values:
        rows = rows.filter(pk__in=CaseMeasure.objects.filter(kind=measure).values("decision_id"))
    year = str(params.get("year") or "").strip()
    if year.isdigit() and len(year) == 4:
        rows = rows.filter(decided_at__year=int(year))
    query = (params.get("q") or "").strip()[:100]
    if query:
        rows = rows.filter(Q(case__institution__name__icontains=query) | Q(case__institution__name_en__icontains=query)
                           if query.isascii() else Q(case__institution__name__icontains=query))
    measures = Prefetch("measures", queryset=CaseMeasure.objects.only("id", "decision_id", "kind"))
    return (rows.select_related("department", "case__institution__region__parent__parent")
            .only(*PUBLIC_FIELDS).prefetch_related(measures).order_by("-decided_at", "-pk"))


def public_decision_get(number: str) -> Decision:
    """A disclosed decision in force by its number, else NotFound (undisclosed, quashed and unknown alike)."""
    decision = public_decisions(params={}).filter(number=number).first()
    if decision is None:
        raise errors.NotFound()
    return decision


def _disclosed_persons(decision: Decision) -> list[dict]:
    """The names and positions of the persons named in the disciplinary measure, when the decision discloses
    them; nothing else of them (their responsibility in the facts stays undisclosed)."""
    if not decision.disclose_persons:
        return []
    parties = (CaseParty.objects.filter(measures__decision_id=decision.pk, measures__kind=Measure.DISCIPLINARY)
               .order_by("pk").distinct().values("name", "position"))
    return [{"name": row["name"], "position": row["position"]} for row in parties]


def public_decision_facts(decision: Decision, *, detail: bool = False) -> dict:
    """What anyone may read of a disclosed decision (SUP-3, M.35): number, date, department, institution and
    its region, measures, articles and the public summary; with `detail`, the verification code's hint and,
    only when the decision discloses them, the responsible persons' names and positions."""
    from apps.institutions.disclosure import region_label

    institution = decision.case.institution
    measures = sorted(decision.measures.all(), key=lambda row: LADDER.index(row.kind))
    facts = {
        "number": decision.number, "decided_on": timezone.localdate(decision.decided_at),
        "department": decision.department.name, "institution": institution.name,
        "institution_name_en": institution.name_en, "credit_code": institution.credit_code,
        "region": region_label(institution),
        "measures": [{"kind": row.kind, "label": str(row.get_kind_display())} for row in measures],
        "articles": [{"code": code, "label": str(ARTICLES.get(code, code))} for code in decision.articles],
        "public_summary": decision.public_summary,
    }
    if detail:
        facts["code_hint"] = code_hint(decision.verification_code)
        facts["persons"] = _disclosed_persons(decision)
    return facts
