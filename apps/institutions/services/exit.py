"""Exit and restoration (INS-4): suspension and revocation of admission, restoration after rectification.

A measure is first *proposed* (by an inspector, case officer or reviewer, or by the nightly credit job
for institutions whose grade proposes suspension), then *decided* or *dismissed* by a head of the
deciding department. Only a decision moves the institution's status, and every decision gets a
numbered decision letter (PDF, generated after commit on the pdf queue). A suspended institution
cannot apply for data and its grants are suspended by the catalog (which listens to
`institution_status_changed`); a revoked one may apply again only after the scheme's waiting period.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Organisation, User
from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.core.pdf import render_pdf

from ..models import Document, Institution, StatusDecision
from ..workflows import DECISION_FLOW, INSTITUTION_FLOW
from .credit import credit_scheme
from .documents import document_store_bytes
from .messages import portal_notify
from .registry import institution_set_status, responsible_department

Measure = StatusDecision.Measure
Ground = StatusDecision.Ground
Status = Institution.Status

# Which status each measure applies to, and where it leads.
MEASURE_FROM = {
    Measure.SUSPEND: (Status.ADMITTED,),
    Measure.REVOKE: (Status.ADMITTED, Status.SUSPENDED),
    Measure.RESTORE: (Status.SUSPENDED,),
}
MEASURE_TARGET = {Measure.SUSPEND: Status.SUSPENDED, Measure.REVOKE: Status.REVOKED, Measure.RESTORE: Status.ADMITTED}
# Restoration rests only on a completed rectification; the sanctions on anything but that.
MEASURE_GROUNDS = {
    Measure.SUSPEND: (Ground.CREDIT_GRADE, Ground.SERIOUS_VIOLATION, Ground.OTHER),
    Measure.REVOKE: (Ground.CREDIT_GRADE, Ground.SERIOUS_VIOLATION, Ground.OTHER),
    Measure.RESTORE: (Ground.RECTIFIED,),
}


def measures_open_to(institution: Institution) -> list[str]:
    """The measures that fit the institution's current status (for forms and the API)."""
    return [measure for measure, sources in MEASURE_FROM.items() if institution.status in sources]


def is_system_account(user) -> bool:
    """The portal's own machine account (apps.accounts.services.system_account)."""
    return bool(getattr(user, "is_machine", False) and getattr(user, "username", "") == "system")


def _authorize_proposal(by, institution: Institution) -> None:
    """Proposing is a department's act, except for one machine: the nightly credit job proposes the
    suspension of institutions whose grade calls for it (INS-3 -> INS-4). The system account has no
    organisation and so no jurisdiction; it is let through by name and kind, never by a role, so no
    API token or person can borrow this path. A proposal decides nothing: a head still decides."""
    if is_system_account(by):
        return
    policy.require(by, "institutions.propose_status_decision", institution)


def _source_of(source) -> tuple[str, str]:
    if source is None:
        return "", ""
    return source._meta.label_lower, str(source.pk)


def _next_number(department: Organisation) -> str:
    """"<department region>-<year>-<serial>", counted per deciding department and year.

    Numbers are given at proposal time (the record needs one); a dismissed proposal keeps its number,
    so a letter series may have gaps. The department row is locked so two proposals never share one."""
    Organisation.objects.select_for_update().filter(pk=department.pk).values_list("pk", flat=True).first()
    prefix = f"{department.region_id or '000000'}-{timezone.localdate().year}-"
    last = (StatusDecision.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:04d}"


def _check_proposal(institution: Institution, measure: str, ground: str, facts: str, source,
                    source_url: str) -> None:
    if measure not in Measure.values:
        raise errors.ValidationFailed(field_errors={"measure": [_("Choose a measure.")]})
    if institution.status not in MEASURE_FROM[measure]:
        raise errors.TransitionNotAllowed(
            _("“%(measure)s” cannot be proposed for an institution whose status is “%(status)s”.")
            % {"measure": Measure(measure).label, "status": institution.get_status_display()})
    field_errors: dict[str, list[str]] = {}
    if ground not in MEASURE_GROUNDS[measure]:
        field_errors["ground"] = [
            _("Restoration rests only on a completed rectification.") if measure == Measure.RESTORE
            else _("Choose the ground of the measure.")]
    if not facts:
        field_errors["facts"] = [_("State the facts and reasons the measure rests on.")]
    if source_url and not (source_url.startswith("/") or source_url.startswith(("https://", "http://"))):
        field_errors["source_url"] = [_("Enter a link within the portal (starting with /) or a web address.")]
    if len(source_url) > 300:
        field_errors["source_url"] = [_("At most %(limit)d characters.") % {"limit": 300}]
    if measure == Measure.RESTORE and source is None and not source_url:
        field_errors["source_url"] = [
            _("Link the record of the completed rectification (evidence document, inspection or case).")]
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)


@transaction.atomic
def status_decision_propose(*, institution, measure, ground, facts, by, source=None, source_url=""):
    """Propose suspension, revocation or restoration of an institution's admission (INS-4).

    Guarantees: the measure fits the current status, at most one open proposal per institution (the
    institution row is locked while checking), facts are given, and a restoration names the
    rectification it rests on. The deciding department is the institution's responsible department;
    its heads are notified after commit."""
    institution = Institution.objects.select_for_update().select_related("region").get(pk=institution.pk)
    _authorize_proposal(by, institution)
    facts = (facts or "").strip()
    source_url = (source_url or "").strip()
    _check_proposal(institution, measure, ground, facts, source, source_url)
    open_proposal = StatusDecision.objects.filter(institution=institution,
                                                  status=StatusDecision.Status.PROPOSED).first()
    if open_proposal is not None:
        raise errors.TransitionNotAllowed(
            _("%(name)s already has an open proposal (%(number)s); it must be decided or dismissed first.")
            % {"name": institution.name, "number": open_proposal.number})
    department = responsible_department(institution)
    if department is None:
        raise errors.ValidationFailed(_("No health department covers this institution's region."))
    source_type, source_id = _source_of(source)
    decision = StatusDecision(
        number=_next_number(department), institution=institution, measure=measure, ground=ground, facts=facts,
        source_type=source_type, source_id=source_id, source_url=source_url, proposed_by=by,
        department=department,
    )
    save_tracked(decision, by=by, reason=f"proposed: {measure}")
    transaction.on_commit(lambda: _notify_heads(decision))
    return decision


def _decision_url(decision: StatusDecision) -> str:
    return reverse("institutions:decision_detail", args=[decision.pk])


def _notify_heads(decision: StatusDecision) -> None:
    heads = User.objects.filter(organisation=decision.department_id, is_active=True, is_machine=False,
                                groups__name="department_head").distinct()
    portal_notify(recipients=list(heads), title=gettext_lazy("Proposed %(measure)s: %(name)s"),
                  body=gettext_lazy("Proposal %(number)s awaits your decision."),
                  params={"measure": Measure(decision.measure).label, "name": decision.institution.name,
                          "number": decision.number},
                  url=_decision_url(decision))


def _notify_institution(decision: StatusDecision) -> None:
    people = User.objects.filter(organisation=decision.institution_id, is_active=True, is_machine=False)
    portal_notify(recipients=list(people), title=gettext_lazy("Decision %(number)s: %(measure)s"),
                  body="%(text)s", url=_decision_url(decision),
                  params={"number": decision.number, "measure": Measure(decision.measure).label,
                          "text": decision.decision_text})


@transaction.atomic
def status_decision_decide(*, decision, decision_text, disclosed=True, by):
    """A department head decides a proposal (INS-4): the institution's status moves at once.

    Suspension -> suspended; revocation -> revoked, with re-admission possible only after the credit
    scheme's waiting period; restoration -> admitted. The decision letter is generated after commit
    by the `pdf.institutions.decision_letter` task; the institution's people are notified."""
    decision = StatusDecision.objects.select_for_update().get(pk=decision.pk)
    DECISION_FLOW.check(by, decision, decision.status, StatusDecision.Status.DECIDED)
    decision_text = (decision_text or "").strip()
    if not decision_text:
        raise errors.ValidationFailed(field_errors={"decision_text": [_("Write the operative text of the decision.")]})
    institution = Institution.objects.select_for_update().select_related("organisation").get(
        pk=decision.institution_id)
    if institution.status not in MEASURE_FROM[decision.measure]:
        raise errors.TransitionNotAllowed(
            _("The institution's status has changed to “%(status)s” since the proposal; dismiss it instead.")
            % {"status": institution.get_status_display()})
    target = MEASURE_TARGET[decision.measure]
    INSTITUTION_FLOW.check(by, institution, institution.status, target)
    if decision.measure == Measure.REVOKE:
        institution.readmission_allowed_from = (
            timezone.localdate() + datetime.timedelta(days=credit_scheme().readmission_wait_days))
    institution_set_status(institution=institution, status=target, by=by,
                           reason=f"{decision.measure} ({decision.number})")
    decision.status = StatusDecision.Status.DECIDED
    decision.decision_text = decision_text
    decision.disclosed = bool(disclosed)
    decision.decided_by = by
    decision.decided_at = timezone.now()
    save_tracked(decision, by=by, reason="decided")
    from ..tasks import decision_letter

    decision_letter.delay_on_commit(decision.pk)
    transaction.on_commit(lambda: _notify_institution(decision))
    return decision


@transaction.atomic
def status_decision_dismiss(*, decision, reason, by):
    """A department head dismisses a proposal with reasons (INS-4); the institution is unaffected."""
    decision = StatusDecision.objects.select_for_update().get(pk=decision.pk)
    DECISION_FLOW.check(by, decision, decision.status, StatusDecision.Status.DISMISSED)
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Give the reasons for dismissing the proposal.")]})
    decision.status = StatusDecision.Status.DISMISSED
    decision.decision_text = reason
    decision.disclosed = False
    decision.decided_by = by
    decision.decided_at = timezone.now()
    save_tracked(decision, by=by, reason="dismissed")
    transaction.on_commit(lambda: portal_notify(
        recipients=[decision.proposed_by], title=gettext_lazy("Proposal %(number)s dismissed"), body="%(reason)s",
        params={"number": decision.number, "reason": reason}, url=_decision_url(decision)))
    return decision


# --- the decision letter -------------------------------------------------------------------------------


def status_decision_letter_pdf(decision: StatusDecision) -> bytes:
    """The decision letter as PDF bytes, in the portal's default language (apps.core.pdf), signed with the
    portal's electronic seal (apps.core.signing, SUP-5)."""
    from apps.core.signing import sign_pdf

    institution = decision.institution
    content = render_pdf("institutions/exit/letter_pdf.html", {
        "decision": decision, "institution": institution, "department": decision.department,
        "region_name": institution.region.full_name,
        "decided_on": timezone.localdate(decision.decided_at) if decision.decided_at else None,
    })
    return sign_pdf(content, reason=f"{decision.number}", location=decision.department.name)


def status_decision_letter_generate(*, decision_id: int) -> Document | None:
    """Render, store and link the letter of a decided decision. Idempotent: a second run (a redelivered
    task) returns the letter already linked. Rendering happens outside the row lock; only linking
    takes it, so a concurrent run's file is simply not linked."""
    decision = (StatusDecision.objects.select_related("institution__region", "department")
                .filter(pk=decision_id).first())
    if decision is None or decision.status != StatusDecision.Status.DECIDED:
        return None
    if decision.letter_id:
        return decision.letter
    content = status_decision_letter_pdf(decision)
    with transaction.atomic():
        locked = StatusDecision.objects.select_for_update().get(pk=decision_id)
        if locked.letter_id:
            return locked.letter
        document = document_store_bytes(
            institution=decision.institution, kind=Document.Kind.DECISION, name=f"{decision.number}.pdf",
            content=content, content_type="application/pdf", by=locked.decided_by)
        locked.letter = document
        save_tracked(locked, by=locked.decided_by, reason="decision letter generated")
    return document
