"""Conformance evaluation of institutions against standards (STD-6, M.13).

The institution submits a self-assessment; a department of its jurisdiction evaluates it (result and
level) or returns it for completion. Results feed the credit rating through the institutions app's
`credit_event_record`:

- conforms, level excellent -> trigger `conformance.excellent`;
- conforms, level good or pass -> trigger `conformance.passed`;
- partly conforms or does not conform -> no credit event: a shortfall is not a finding by itself; the
  department follows it up through an inspection (SUP-1), whose confirmed findings carry the credit effect.

Which standards may be self-assessed: any adoptable one (published, in force, under revision), declared or
not. A department may ask an institution about a mandatory standard it has not declared, and "does not
conform" is exactly the answer of an institution that does not apply it; requiring a declaration first
would hide those cases."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import ConformanceEvaluation, Standard
from ..workflows import CONFORMANCE_FLOW
from .adoption import adoptability_error
from .evidence import evidence_attach

C = ConformanceEvaluation
OPEN_STATUSES = (C.Status.SELF_ASSESSED, C.Status.RETURNED)
# Which levels go with which result (a department cannot call a failing institution "excellent").
LEVELS_FOR_RESULT = {
    C.Result.CONFORMS: (C.Level.EXCELLENT, C.Level.GOOD, C.Level.PASS),
    C.Result.PARTLY: (C.Level.PASS, C.Level.FAIL),
    C.Result.DOES_NOT: (C.Level.FAIL,),
}


def credit_trigger_for(result: str, level: str) -> str | None:
    if result != C.Result.CONFORMS:
        return None
    return "conformance.excellent" if level == C.Level.EXCELLENT else "conformance.passed"


def _check_self_assessment(result: str, assessment: str) -> str:
    if result not in C.Result.values:
        raise errors.ValidationFailed(field_errors={"result": [_("Choose the result of your self-assessment.")]})
    assessment = (assessment or "").strip()
    if len(assessment) < 10:
        raise errors.ValidationFailed(field_errors={"assessment": [
            _("Describe how the institution applies the standard (at least 10 characters).")]})
    return assessment


@transaction.atomic
def conformance_self_assess(*, organisation, standard: Standard, result: str, assessment: str,
                            evidence_upload=None, by) -> ConformanceEvaluation:
    """The institution's self-assessment against an adoptable standard (STD-6); one open evaluation per
    institution and standard at a time."""
    if not (getattr(by, "is_authenticated", False) and by.has_perm("standards.self_assess_conformance")):
        raise errors.PermissionDenied()
    if by.organisation_id != organisation.pk or not organisation.is_active:
        raise errors.PermissionDenied(_("You may assess your own institution only."))
    from apps.institutions.selectors import institution_status

    if institution_status(organisation.pk) is None:
        raise errors.ValidationFailed(_("Only registered institutions submit conformance self-assessments."))
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    problem = adoptability_error(standard)
    if problem:
        raise errors.ValidationFailed(problem, field_errors={"standard": [problem]})
    assessment = _check_self_assessment(result, assessment)
    open_one = C.objects.filter(organisation=organisation, standard=standard, status__in=OPEN_STATUSES).first()
    if open_one is not None:
        message = _("A self-assessment of %(code)s is already open (%(status)s); complete that one.") % {
            "code": standard.code, "status": open_one.get_status_display()}
        raise errors.ValidationFailed(message, field_errors={"standard": [message]})
    if organisation.region_id is None:
        raise errors.ValidationFailed(_("Your institution has no region; correct its profile first."))
    evaluation = C(organisation=organisation, region_id=organisation.region_id, standard=standard,
                   self_result=result, self_assessment=assessment, submitted_by=by, submitted_at=timezone.now())
    if evidence_upload is not None:
        evidence_attach(evaluation.self_evidence, evidence_upload, field="evidence")
    return save_tracked(evaluation, by=by, reason="self-assessed")


@transaction.atomic
def conformance_resubmit(*, evaluation: ConformanceEvaluation, result: str, assessment: str,
                         evidence_upload=None, by) -> ConformanceEvaluation:
    """A returned self-assessment, completed and submitted again (STD-6)."""
    evaluation = C.objects.select_for_update().get(pk=evaluation.pk)
    CONFORMANCE_FLOW.check(by, evaluation, evaluation.status, C.Status.SELF_ASSESSED)
    evaluation.self_assessment = _check_self_assessment(result, assessment)
    evaluation.self_result = result
    if evidence_upload is not None:
        evidence_attach(evaluation.self_evidence, evidence_upload, field="evidence")
    evaluation.status, evaluation.submitted_by, evaluation.submitted_at = C.Status.SELF_ASSESSED, by, timezone.now()
    return save_tracked(evaluation, by=by, reason="resubmitted")


def _notify_institution(evaluation: ConformanceEvaluation, title, body) -> None:
    from apps.institutions.services.messages import portal_notify

    url = reverse("standards:conformance_detail", args=[evaluation.pk])
    params = {"code": evaluation.standard.code}
    recipient = evaluation.submitted_by
    transaction.on_commit(lambda: portal_notify(recipients=[recipient], title=title, body=body, url=url,
                                                params=params))


@transaction.atomic
def conformance_evaluate(*, evaluation: ConformanceEvaluation, result: str, level: str, findings: str,
                         by) -> ConformanceEvaluation:
    """The department's evaluation (STD-6): result, level, findings (required unless it conforms).

    A conforming result raises the credit event of the institution (M.13) in the same transaction; see the
    module docstring for the mapping."""
    evaluation = C.objects.select_for_update().select_related("standard").get(pk=evaluation.pk)
    CONFORMANCE_FLOW.check(by, evaluation, evaluation.status, C.Status.EVALUATED)
    if result not in C.Result.values:
        raise errors.ValidationFailed(field_errors={"result": [_("Choose a result.")]})
    if level not in LEVELS_FOR_RESULT[result]:
        allowed = ", ".join(str(C.Level(value).label) for value in LEVELS_FOR_RESULT[result])
        raise errors.ValidationFailed(field_errors={"level": [
            _("With the result “%(result)s” the level is one of: %(levels)s.") % {
                "result": C.Result(result).label, "levels": allowed}]})
    findings = (findings or "").strip()
    if result != C.Result.CONFORMS and not findings:
        raise errors.ValidationFailed(field_errors={"findings": [
            _("Record the findings: the institution must know what does not conform.")]})
    evaluation.result, evaluation.level, evaluation.findings = result, level, findings
    evaluation.status, evaluation.evaluated_by, evaluation.evaluated_at = C.Status.EVALUATED, by, timezone.now()
    save_tracked(evaluation, by=by, reason=f"evaluated: {result}/{level}")
    trigger = credit_trigger_for(result, level)
    if trigger:
        from apps.institutions.services import credit_event_record

        credit_event_record(
            institution_id=evaluation.organisation_id, trigger=trigger, source=evaluation, by=by,
            description=_("Conformance with %(code)s: %(result)s, level %(level)s") % {
                "code": evaluation.standard.code, "result": evaluation.get_result_display(),
                "level": evaluation.get_level_display()},
            source_url=reverse("standards:conformance_detail", args=[evaluation.pk]))
    _notify_institution(evaluation, gettext_lazy("Conformance with %(code)s evaluated"),
                        gettext_lazy("The department has evaluated your self-assessment; open it for the result."))
    return evaluation


@transaction.atomic
def conformance_return(*, evaluation: ConformanceEvaluation, reason: str, by) -> ConformanceEvaluation:
    """Back to the institution for completion, with what is missing (STD-6)."""
    evaluation = C.objects.select_for_update().select_related("standard").get(pk=evaluation.pk)
    CONFORMANCE_FLOW.check(by, evaluation, evaluation.status, C.Status.RETURNED)
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say what the self-assessment is missing.")]})
    evaluation.status, evaluation.findings = C.Status.RETURNED, reason
    save_tracked(evaluation, by=by, reason="returned")
    _notify_institution(evaluation, gettext_lazy("Conformance self-assessment of %(code)s returned"),
                        gettext_lazy("The department returned your self-assessment for completion."))
    return evaluation


def may_evaluate(user, evaluation: ConformanceEvaluation) -> bool:
    return evaluation.status == C.Status.SELF_ASSESSED and policy.can(user, "standards.evaluate_conformance",
                                                                       evaluation)


def may_resubmit(user, evaluation: ConformanceEvaluation) -> bool:
    return evaluation.status == C.Status.RETURNED and policy.can(user, "standards.self_assess_conformance",
                                                                  evaluation)
