"""Decision letters (SVC-2, SVC-5, SUP-5): one signed PDF per decision of a sharing application, with a
verification code that a public page resolves.

- `letter_issue` is called by the routing service inside the transaction that records the final decision
  (the application's status already approved or refused). It creates the letter row once per
  (application, kind) and enqueues its rendering after commit.
- `letter_render` runs in the `pdf.catalog_letter` task on the pdf queue: it renders the letter in the
  letter's language (the portal's default: a letter is an official act, not a page view), signs it with the
  portal's electronic seal (apps.core.signing), stores file and SHA-256 once, and tells the parties. A failed
  run marks the letter failed and is retried by Celery; a redelivered or repeated run of a ready letter
  does nothing.
- `letter_verify` answers the public verification page: what the letter is and whether the stored file is
  the one issued and its signature holds, without any personal data (SVC-5: no recipients' names).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy, verification
from apps.core.history import save_tracked
from config.celery import running_task

from ..models import (
    DataField,
    DecisionLetter,
    Recipient,
    RouteStep,
    SharingApplication,
)

logger = logging.getLogger(__name__)

Kind = DecisionLetter.Kind
Status = DecisionLetter.Status

# The public page may be asked this many unknown codes per client address per hour (guessing codes).
VERIFICATION_MISSES_PER_HOUR = 20
# How the application must stand for each kind of letter.
_DECISION_STATUS = {Kind.APPROVAL: SharingApplication.Status.APPROVED, Kind.REFUSAL: SharingApplication.Status.REFUSED}
_KIND_SUFFIX = {Kind.APPROVAL: "A", Kind.REFUSAL: "R"}
_DECIDED_STEP = (RouteStep.Status.APPROVED, RouteStep.Status.APPROVED_WITH_CONDITIONS, RouteStep.Status.REFUSED)
# Retries of a failed rendering: the delay doubles from one minute, five attempts at most.
RENDER_RETRY_BASE_SECONDS = 60
RENDER_MAX_RETRIES = 5


# Verification codes and the limit on unknown codes are the portal's (apps/core/verification.py).
CODE_ALPHABET, CODE_LENGTH = verification.CODE_ALPHABET, verification.CODE_LENGTH
VerificationThrottled = verification.VerificationThrottled
new_verification_code = verification.new_code
normalise_code = verification.normalise_code
format_code = verification.format_code
_misses = verification.MissCounter("catalog", VERIFICATION_MISSES_PER_HOUR)
verification_throttled = _misses.throttled


def letter_number(letter: DecisionLetter) -> str:
    """The letter's number: the application's number and A (approval) or R (refusal)."""
    return f"{letter.application.number}-{_KIND_SUFFIX.get(letter.kind, 'X')}"


def verification_url(code: str) -> str:
    """The absolute public address of a letter's verification page (printed on the letter)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("catalog:verify_result", args=[code])


# --- visibility --------------------------------------------------------------------------------------------


def letters_visible(user):
    """Letters of the applications the user may see (SEC-4): applicant, providers, departments of the
    jurisdiction, and people granted the application (recipients, reviewers)."""
    applications = policy.visible(user, SharingApplication.objects.all(), "catalog.view_sharingapplication")
    return DecisionLetter.objects.filter(application__in=applications.values("pk"))


def letters_for_application(application: SharingApplication) -> list[DecisionLetter]:
    """The letters of an application the caller already may see, newest first, each with its `number` and
    `printed_code` (for the application's page: catalog/letters/_application_letters.html)."""
    letters = list(DecisionLetter.objects.filter(application=application).order_by("-issued_at", "-pk"))
    for letter in letters:
        letter.application = application
        letter.number = letter_number(letter)
        letter.printed_code = format_code(letter.verification_code)
    return letters


# --- issuing -------------------------------------------------------------------------------------------


def letter_issue(application: SharingApplication, *, kind: str, by) -> DecisionLetter:
    """Create the decision letter of `application` once and produce it after commit (SVC-2, SUP-5).

    Called by the routing service inside the transaction that records the final decision, after the
    application's status is set (approved for an approval letter, refused for a refusal letter).
    Idempotent per (application, kind): a second call returns the letter already issued."""
    if kind not in Kind.values:
        raise errors.ValidationFailed(field_errors={"kind": [_("Choose an approval or a refusal letter.")]})
    if application.status != _DECISION_STATUS[kind]:
        raise errors.TransitionNotAllowed(
            _("A letter states a decision: application %(number)s is “%(status)s”, not “%(expected)s”.") % {
                "number": application.number, "status": application.get_status_display(),
                "expected": SharingApplication.Status(_DECISION_STATUS[kind]).label})
    existing = DecisionLetter.objects.filter(application=application, kind=kind).first()
    if existing is not None:
        return existing
    letter = None
    for _attempt in range(5):
        code = new_verification_code()
        if DecisionLetter.objects.filter(verification_code=code).exists():
            continue
        try:
            with transaction.atomic():
                letter = save_tracked(
                    DecisionLetter(application=application, kind=kind, verification_code=code,
                                   language=settings.LANGUAGE_CODE, status=Status.PENDING),
                    by=by, reason=f"{kind} letter issued")
        except IntegrityError:
            # Issued meanwhile by a concurrent call (one letter per decision), or a code collision.
            existing = DecisionLetter.objects.filter(application=application, kind=kind).first()
            if existing is not None:
                return existing
            continue
        break
    if letter is None:  # five collisions in a space of 31^16: the random source is broken
        raise RuntimeError("could not draw a unique verification code")
    from ..tasks import render_letter

    render_letter.delay_on_commit(letter.pk)
    return letter


# --- rendering -----------------------------------------------------------------------------------------


def _decided_steps(application: SharingApplication) -> list[RouteStep]:
    """The decided steps of the application's last submission round, in route order."""
    return list(application.steps.filter(round=application.round, status__in=_DECIDED_STEP)
                .select_related("organisation", "decided_by").order_by("order", "pk"))


def letter_issuer(letter: DecisionLetter, steps: list[RouteStep]):
    """The organisation in whose name the letter speaks: the department of the last approving (or the
    refusing) department step, else the provider that decided; None when no step decided (a refusal
    at submission by the route table), in which case the portal itself issues it."""
    wanted = (RouteStep.Status.REFUSED,) if letter.kind == Kind.REFUSAL else (
        RouteStep.Status.APPROVED, RouteStep.Status.APPROVED_WITH_CONDITIONS)
    deciding = [step for step in steps if step.status in wanted]
    departments = [step for step in deciding if step.organisation.kind == "department"]
    if departments:
        return departments[-1].organisation
    return deciding[-1].organisation if deciding else None


def _letter_context(letter: DecisionLetter) -> dict:
    application = (SharingApplication.objects.select_related("applicant__region", "parent")
                   .prefetch_related(Prefetch("recipients", Recipient.objects.select_related("user", "agreement")))
                   .get(pk=letter.application_id))
    letter.application = application
    steps = _decided_steps(application)
    items = list(application.items.select_related("resource", "version", "provider").prefetch_related(
        Prefetch("fields", DataField.objects.order_by("position", "pk"))).order_by("pk"))
    grant = getattr(application, "grant", None) if letter.kind == Kind.APPROVAL else None
    refusal_reasons = [step for step in steps if step.status == RouteStep.Status.REFUSED and step.decision_comment]
    decided_at = application.decided_at or letter.issued_at
    return {
        "letter": letter, "application": application, "number": letter_number(letter),
        "issuer": letter_issuer(letter, steps), "site_name": settings.SITE_NAME,
        "decided_on": timezone.localdate(decided_at), "issued_on": timezone.localdate(letter.issued_at),
        "items": items, "recipients": sorted(application.recipients.all(), key=lambda r: (r.role != Recipient.Role.LEAD, r.pk)), "steps": steps, "grant": grant,
        "conditions": [step for step in steps if step.conditions.strip()],
        "refusal_reasons": refusal_reasons,
        "period_start": grant.starts_on if grant else application.period_start,
        "period_end": grant.ends_on if grant else application.period_end,
        "verification_code": format_code(letter.verification_code),
        "verification_url": verification_url(letter.verification_code),
    }


def letter_pdf(letter: DecisionLetter) -> bytes:
    """The letter as signed PDF bytes, in the letter's language."""
    from apps.core.pdf import render_pdf
    from apps.core.signing import sign_pdf

    context = _letter_context(letter)
    content = render_pdf("catalog/letters/letter.html", context, language=letter.language)
    issuer = context["issuer"]
    with translation.override(letter.language):
        reason = _("Decision letter %(number)s") % {"number": context["number"]}
    return sign_pdf(content, reason=reason, location=issuer.name if issuer is not None else str(settings.SITE_NAME))


def _mark_failed(letter_id: int, error: Exception) -> None:
    from apps.accounts.services import system_account

    with transaction.atomic():
        letter = DecisionLetter.objects.select_for_update().filter(pk=letter_id).first()
        if letter is None or letter.status == Status.READY:
            return
        if letter.status != Status.FAILED:
            letter.status = Status.FAILED
            save_tracked(letter, by=system_account(), reason=f"rendering failed: {type(error).__name__}"[:100])


def letter_render(letter_id: int) -> str:
    """Render, sign and store one letter (the pdf task). Idempotent: a ready letter is left as it is.

    Returns "ready" (produced now or before) or "missing" (no such letter). On failure the letter is
    marked failed and, inside a Celery task, the task is retried with a growing delay."""
    letter = DecisionLetter.objects.select_related("application").filter(pk=letter_id).first()
    if letter is None:
        return "missing"
    if letter.status == Status.READY:
        return "ready"
    try:
        content = letter_pdf(letter)
    except Exception as error:
        logger.exception("decision letter %s could not be produced", letter_id)
        _mark_failed(letter_id, error)
        task = running_task()
        if task is not None and task.request.retries < RENDER_MAX_RETRIES:
            raise task.retry(exc=error, countdown=RENDER_RETRY_BASE_SECONDS * 2 ** task.request.retries,
                             max_retries=RENDER_MAX_RETRIES) from error
        raise
    digest = hashlib.sha256(content).hexdigest()
    from apps.accounts.services import system_account

    system = system_account()
    with transaction.atomic():
        locked = DecisionLetter.objects.select_for_update().select_related("application").get(pk=letter_id)
        if locked.status == Status.READY:  # a concurrent run got there first; its file stands
            return "ready"
        # The stored name is the content hash; the file is written last, after every check.
        locked.file.save(f"{digest[:32]}.pdf", ContentFile(content), save=False)
        locked.sha256 = digest
        locked.signed = True
        locked.status = Status.READY
        locked.rendered_at = timezone.now()
        save_tracked(locked, by=system, reason="letter produced and signed")
        transaction.on_commit(lambda: _notify_ready(locked))
    return "ready"


def letter_requeue(letter: DecisionLetter, *, by) -> DecisionLetter:
    """Produce a failed letter again (after its retries ran out); anyone who sees the letter may ask."""
    if not letters_visible(by).filter(pk=letter.pk).exists():
        raise errors.NotFound()
    with transaction.atomic():
        locked = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.status != Status.FAILED:
            raise errors.TransitionNotAllowed(_("Only a letter whose production failed can be produced again."))
        locked.status = Status.PENDING
        save_tracked(locked, by=by, reason="production requested again")
        from ..tasks import render_letter

        render_letter.delay_on_commit(locked.pk)
    return locked


def _people_to_notify(application: SharingApplication) -> list:
    """The applicant's side (who created the application, its recipients) and the providers' people who
    manage their resources."""
    from apps.accounts.models import User

    applicant_side = Q(pk=application.created_by_id) | Q(pk__in=application.recipients.values("user_id"))
    register = Permission.objects.filter(codename="register_resource", content_type__app_label="catalog")
    providers = Q(organisation_id__in=application.items.values("provider_id"), groups__permissions__in=register)
    return list(User.objects.filter(applicant_side | providers, is_active=True, is_machine=False).distinct())


def _notify_ready(letter: DecisionLetter) -> None:
    from apps.institutions.services.messages import portal_notify

    application = letter.application
    title = (gettext_lazy("Approval letter for %(number)s is ready") if letter.kind == Kind.APPROVAL
             else gettext_lazy("Refusal letter for %(number)s is ready"))
    portal_notify(recipients=_people_to_notify(application), title=title,
                  body=gettext_lazy("The signed decision letter on “%(title)s” can be downloaded; its verification "
                                    "code is %(code)s."),
                  params={"number": application.number, "title": application.title,
                          "code": format_code(letter.verification_code)},
                  url=reverse("catalog:letter_download", args=[letter.pk]))


# --- public verification (SVC-5) -------------------------------------------------------------------------


def letter_verify(code: str, *, client_key: str | None = None) -> dict | None:
    """What the public may know of the letter with `code`, or None when there is none (SVC-5, SUP-5).

    Number, kind, applicant (an organisation), issuer, decision date, SHA-256 of the issued file and
    the state of its electronic signature as checked now; never a person's name. `client_key` (the
    client's address) limits how many unknown codes one client may try per hour."""
    if verification_throttled(client_key):
        raise VerificationThrottled(_("Too many unknown codes from your network; try again in an hour."))
    normalised = normalise_code(code)
    letter = None
    if verification.is_well_formed(normalised):
        letter = (DecisionLetter.objects.select_related("application__applicant")
                  .filter(verification_code=normalised).first())
    if letter is None:
        _misses.count(client_key)
        return None
    application = letter.application
    result = {
        "code": format_code(letter.verification_code), "number": letter_number(letter), "kind": letter.kind,
        "kind_label": letter.get_kind_display(), "status": letter.status, "status_label": letter.get_status_display(),
        "application_number": application.number, "applicant": application.applicant.name,
        "issuer": None, "decided_on": timezone.localdate(application.decided_at or letter.issued_at),
        "issued_on": timezone.localdate(letter.issued_at), "sha256": letter.sha256 if letter.status == Status.READY else "",
        "file_matches": None, "signature": None,
    }
    if letter.status != Status.READY:
        return result
    steps = _decided_steps(application)
    issuer = letter_issuer(letter, steps)
    result["issuer"] = issuer.name if issuer is not None else str(settings.SITE_NAME)
    try:
        with letter.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, ValueError):
        result["file_matches"] = False
        return result
    result["file_matches"] = hashlib.sha256(content).hexdigest() == letter.sha256
    from apps.core.signing import verify_pdf

    status = verify_pdf(content)
    result["signature"] = {key: status[key] for key in (
        "signed", "intact", "valid", "trusted", "covers_whole_file", "ok", "signer", "signed_at",
        "certificate_fingerprint")}
    return result
