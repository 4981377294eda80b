"""Rectification orders (SUP-1, INS-3): the institution answers, the inspector verifies, overdue orders are
escalated every morning and cost credit.

Orders are issued by `inspections.inspection_close`. The institution's people holding respond_rectification
answer with a report and evidence; a member of the inspection's team (object grant) or a department reviewer
holding verify_rectification in the jurisdiction accepts or returns the report. Credit events go through the
institutions app: "rectification.timely" or "rectification.late" on acceptance, "rectification.missing" once
when the deadline passes unanswered.
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked
from apps.workdays.services import add_working_days

from ..models import Finding, RectificationOrder, RectificationResponse, ResponseEvidence
from ..workflows import CONDUCT, FINDING_FLOW, ORDER_FLOW, RESPOND, VERIFY
from .inspections import institution_recipients, team_recipients

VIEW_ORDER = "inspections.view_rectificationorder"
MAX_FILES_PER_RESPONSE = 10
OS = RectificationOrder.Status
# Days past the deadline at which each escalation level is reached.
ESCALATION_DAYS = {1: 1, 2: 7, 3: 30}


def lock_order(order: RectificationOrder) -> RectificationOrder:
    return (RectificationOrder.objects.select_for_update(of=("self",))
            .select_related("inspection", "institution", "finding").get(pk=order.pk))


def orders_visible(user):
    """Orders the user may read: the jurisdiction's, the institution's own, and those of inspections the user
    was on the team of (a team may come from outside the institution's jurisdiction)."""
    from ..models import TeamMember

    rows = policy.visible(user, RectificationOrder.objects.all(), VIEW_ORDER)
    if not getattr(user, "is_authenticated", False):
        return rows
    return rows | RectificationOrder.objects.filter(
        inspection_id__in=TeamMember.objects.filter(user=user).values("inspection_id"))


def may_verify(user, order: RectificationOrder) -> bool:
    """A member of the order's inspection team (object grant), or a department user holding
    verify_rectification whose jurisdiction covers the institution."""
    return policy.can(user, CONDUCT, order.inspection) or policy.can(user, VERIFY, order)


def may_respond(user, order: RectificationOrder) -> bool:
    return (getattr(user, "organisation_id", None) == order.institution_id and policy.can(user, RESPOND, order))


def _require_visible(user, order: RectificationOrder) -> None:
    if not orders_visible(user).filter(pk=order.pk).exists():
        raise errors.NotFound()


def _check_files(files) -> list[tuple]:
    """Check every upload before any is stored: [(upload, content type, extension)]."""
    from apps.institutions.services.documents import document_check

    files = [upload for upload in (files or []) if upload is not None]
    if len(files) > MAX_FILES_PER_RESPONSE:
        raise errors.ValidationFailed(field_errors={"files": [
            _("Attach at most %(max)d files to one report.") % {"max": MAX_FILES_PER_RESPONSE}]})
    checked, problems = [], []
    for upload in files:
        try:
            content_type, extension = document_check(upload, field="files")
        except errors.ValidationFailed as error:
            problems.extend(error.field_errors.get("files", [error.message]))
            continue
        checked.append((upload, content_type, extension))
    if problems:
        raise errors.ValidationFailed(field_errors={"files": problems})
    return checked


def order_respond(*, order: RectificationOrder, report: str, files=(), by) -> RectificationResponse:
    """The institution answers an issued or returned order with a report and evidence (SUP-1).

    Only its own people holding respond_rectification; every file is checked (PDF, PNG or JPEG by content,
    at most 10 MB) before any is stored, and stored files are removed again if the answer is not saved."""
    stored: list = []
    try:
        with transaction.atomic():
            order = lock_order(order)
            _require_visible(by, order)
            if not may_respond(by, order):
                raise errors.PermissionDenied(_("Only the institution's people who answer rectification orders "
                                                "may report on this order."))
            ORDER_FLOW.check(by, order, order.status, OS.SUBMITTED)
            report = (report or "").strip()
            if not report:
                raise errors.ValidationFailed(field_errors={"report": [
                    _("Describe the rectification done and how it was checked.")]})
            checked = _check_files(files)
            response = save_tracked(RectificationResponse(
                order=order, round=order.responses.count() + 1, report=report, submitted_by=by),
                by=by, reason="rectification report submitted")
            for upload, content_type, extension in checked:
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                evidence = ResponseEvidence(response=response, original_name=upload.name[-200:],
                                            content_type=content_type, size=upload.size, sha256=digest.hexdigest())
                evidence.file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
                stored.append(evidence.file)
                save_tracked(evidence, by=by, reason="rectification evidence")
            order.status = OS.SUBMITTED
            save_tracked(order, by=by, reason=f"report {response.round} submitted")
            transaction.on_commit(lambda: _notify(
                team_recipients(order.inspection), order,
                gettext_lazy("Rectification report on order %(number)s"),
                gettext_lazy("%(institution)s reported on order %(number)s; please verify it.")))
    except Exception:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return response


# A report submitted in time but returned leaves the institution at least this many working days to answer.
RETURN_WORKING_DAYS = 10


@transaction.atomic
def order_verify(*, order: RectificationOrder, accept: bool, comment: str = "", by) -> RectificationOrder:
    """Accept or return the institution's latest report (SUP-1, INS-3). Returning needs a comment.

    Accepting resolves the finding and raises "rectification.timely" when the accepted report was submitted
    by the deadline, else "rectification.late" (unless the order was escalated: "rectification.missing" has
    then been raised already)."""
    from apps.institutions.services.credit import credit_event_record

    order = lock_order(order)
    _require_visible(by, order)
    if not may_verify(by, order):
        raise errors.PermissionDenied(_("Only the inspection team or a department reviewer may verify this "
                                        "rectification."))
    target = OS.ACCEPTED if accept else OS.RETURNED
    # The permission is decided above (team grant or reviewer role); the table decides the move.
    ORDER_FLOW.transition(order.status, target)
    comment = (comment or "").strip()
    if not accept and not comment:
        raise errors.ValidationFailed(field_errors={"comment": [_("Say what is still missing before returning "
                                                                  "the report.")]})
    response = order.responses.filter(verdict=RectificationResponse.Verdict.PENDING).order_by("-round").first()
    if response is None:
        raise errors.TransitionNotAllowed(_("There is no report awaiting verification."))
    now = timezone.now()
    response.verdict = RectificationResponse.Verdict.ACCEPTED if accept else RectificationResponse.Verdict.RETURNED
    response.verdict_comment, response.decided_by, response.decided_at = comment, by, now
    save_tracked(response, by=by, reason=f"report {response.round} {response.verdict}")
    order.status = target
    if accept:
        order.accepted_at = now
    reason = f"rectification {target}"
    if not accept:
        # A report sent in time but returned near or after the deadline gets time to answer the comments, so
        # the next morning's escalation does not punish it as "not done by the deadline".
        floor = add_working_days(timezone.localdate(), RETURN_WORKING_DAYS)
        if timezone.localdate(response.submitted_at) <= order.deadline < floor:
            reason = f"rectification returned; deadline {order.deadline.isoformat()} -> {floor.isoformat()}"
            order.deadline = floor
    save_tracked(order, by=by, reason=reason[:100])
    if accept:
        finding = Finding.objects.select_for_update().get(pk=order.finding_id)
        if finding.status == Finding.Status.CONFIRMED:
            FINDING_FLOW.transition(finding.status, Finding.Status.RESOLVED)
            finding.status = Finding.Status.RESOLVED
            save_tracked(finding, by=by, reason=f"order {order.number} accepted")
        if order.escalation_level == 0:
            submitted_on = timezone.localdate(response.submitted_at)
            trigger = "rectification.timely" if submitted_on <= order.deadline else "rectification.late"
            credit_event_record(
                institution_id=order.institution_id, trigger=trigger, source=order,
                description=f"{order.number}: {order.finding.title}", by=by, occurred_on=submitted_on,
                source_url=reverse("inspections:order_detail", args=[order.pk]))
    title = (gettext_lazy("Rectification order %(number)s accepted") if accept
             else gettext_lazy("Rectification order %(number)s returned"))
    body = (gettext_lazy("Your rectification of %(number)s is accepted.") if accept
            else gettext_lazy("Your report on %(number)s was returned: %(comment)s"))
    transaction.on_commit(lambda: _notify(institution_recipients(order.institution_id), order, title, body,
                                          comment=comment))
    return order


def _notify(recipients, order: RectificationOrder, title, body, **params) -> None:
    from apps.institutions.services.messages import portal_notify

    portal_notify(recipients=recipients, title=title, body=body,
                  params={"number": order.number, "institution": order.institution.name,
                          "deadline": order.deadline.isoformat(), **params},
                  url=reverse("inspections:order_detail", args=[order.pk]))


# --- escalation (beat) -------------------------------------------------------------------------------------


def escalation_level_for(order: RectificationOrder, today: datetime.date) -> int:
    overdue = (today - order.deadline).days
    return max((level for level, days in ESCALATION_DAYS.items() if overdue >= days), default=0)


def _due_for_escalation(today: datetime.date):
    """Orders still awaiting the institution whose deadline has passed and whose level is behind, one query on
    the (status, deadline) index."""
    behind = Q()
    for level, days in ESCALATION_DAYS.items():
        behind |= Q(deadline__lte=today - datetime.timedelta(days=days), escalation_level__lt=level)
    return (RectificationOrder.objects.filter(status__in=[OS.ISSUED, OS.RETURNED], deadline__lt=today)
            .filter(behind))


def department_recipients(region_code: str, roles: tuple[str, ...]) -> list:
    """Active users holding one of `roles` in a department whose jurisdiction covers `region_code`."""
    from apps.accounts.models import Organisation, User

    prefixes = [region_code[:n] for n in (6, 4, 2)] + [""]
    return list(User.objects.filter(is_active=True, is_machine=False, groups__name__in=roles,
                                    organisation__kind=Organisation.Kind.DEPARTMENT,
                                    organisation__is_active=True,
                                    organisation__jurisdiction_prefix__in=prefixes).distinct())


def orders_escalate_overdue(today: datetime.date | None = None) -> int:
    """Escalate overdue orders (beat `inspections.orders_escalate`, as the system account); return how many
    changed. Idempotent: each level is reached once per order.

    Level 1 when first overdue: the institution and the team are told, "rectification.missing" is raised.
    Level 2 at 7 days: the heads of the departments covering the institution are told. Level 3 at 30 days:
    heads and case officers are told that the order is proposed for an accountability case."""
    from apps.accounts.services import system_account

    today = today or timezone.localdate()
    system = system_account()
    changed = 0
    for order_id in list(_due_for_escalation(today).order_by("deadline", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            order = (_due_for_escalation(today).select_for_update(of=("self",), skip_locked=True)
                     .select_related("inspection", "institution", "finding").filter(pk=order_id).first())
            if order is None:
                continue
            _escalate(order, escalation_level_for(order, today), today, system)
            changed += 1
    return changed


def _escalate(order: RectificationOrder, level: int, today: datetime.date, by) -> None:
    from apps.institutions.services.credit import credit_event_record

    previous = order.escalation_level
    order.escalation_level = level
    order.escalated_at = timezone.now()
    save_tracked(order, by=by, reason=f"escalated to level {level}")
    url = reverse("inspections:order_detail", args=[order.pk])
    if previous < 1 <= level:
        credit_event_record(institution_id=order.institution_id, trigger="rectification.missing", source=order,
                            description=f"{order.number}: {order.finding.title}", by=by,
                            occurred_on=order.deadline + datetime.timedelta(days=1), source_url=url)
    params = {"days": (today - order.deadline).days}
    recipients: list = []
    if previous < 1 <= level:
        recipients += institution_recipients(order.institution_id) + team_recipients(order.inspection)
    if previous < 2 <= level:
        recipients += department_recipients(order.region_id, ("department_head",))
    if previous < 3 <= level:
        recipients += department_recipients(order.region_id, ("department_head", "case_officer"))
    recipients = list({user.pk: user for user in recipients}.values())
    titles = {
        1: gettext_lazy("Rectification order %(number)s is overdue"),
        2: gettext_lazy("Rectification order %(number)s is a week overdue"),
        3: gettext_lazy("Rectification order %(number)s is a month overdue: proposed for an accountability case"),
    }
    body = gettext_lazy("%(institution)s has not reported on order %(number)s, due on %(deadline)s "
                        "(%(days)s day(s) overdue).")
    transaction.on_commit(lambda: _notify(recipients, order, titles[level], body, **params))
