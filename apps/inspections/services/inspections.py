"""The on-site record (SUP-1, SUP-2): creating inspections and their teams; recording results, evidence and
findings; closing with an outcome (which confirms findings, orders rectification and issues the report)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import Inspection, InspectionPlan, TeamMember
from ..workflows import CONDUCT, MANAGE_PLAN
from . import numbering


def _check_team(plan: InspectionPlan, institution, team: list, lead) -> None:
    field_errors: dict[str, list[str]] = {}
    if not team:
        field_errors["team"] = [_("Name at least one inspector.")]
    elif lead not in team:
        field_errors["lead"] = [_("The team leader must be one of the team.")]
    for user in team:
        if not user.is_active or user.organisation_id is None or user.organisation.kind != "department":
            field_errors.setdefault("team", []).append(
                _("%(name)s is not an active department user.") % {"name": user.get_full_name() or user.username})
        elif user.organisation_id == institution.pk:
            field_errors.setdefault("team", []).append(
                _("%(name)s belongs to the inspected institution.") % {"name": user.get_full_name() or user.username})
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)


@transaction.atomic
def inspection_create(*, plan: InspectionPlan, institution, team: list, lead, by, scheduled_on: datetime.date | None = None,
                      selection=None, follows: Inspection | None = None, notify: bool = True) -> Inspection:
    """Create a planned inspection of `institution` under `plan` with its team (the lead first); each member
    gets the `conduct_inspection` grant on this inspection only. Called by the selection service for each
    target and by the follow-up service; `by` needs manage_inspection_plan on the plan."""
    policy.require(by, MANAGE_PLAN, plan)
    if plan.status != InspectionPlan.Status.ACTIVE:
        raise errors.TransitionNotAllowed(_("Inspections are added only to a plan in progress."))
    team = list(dict.fromkeys(team))
    _check_team(plan, institution, team, lead)
    inspection = save_tracked(Inspection(
        plan=plan, selection=selection, follows=follows, institution=institution, region_id=institution.region_id,
        number=numbering.inspection_number(plan), checklist=plan.checklist, scheduled_on=scheduled_on,
        created_by=by), by=by, reason="inspection planned")
    for user in [lead, *(member for member in team if member != lead)]:
        save_tracked(TeamMember(inspection=inspection, user=user,
                                role=TeamMember.Role.LEAD if user == lead else TeamMember.Role.MEMBER),
                     by=by, reason="team member assigned")
        policy.grant(user, CONDUCT, inspection)
    if notify:
        transaction.on_commit(lambda: _notify_team(inspection, team))
    return inspection


def _notify_team(inspection: Inspection, team: list) -> None:
    from apps.institutions.services.messages import portal_notify

    portal_notify(recipients=team, title=gettext_lazy("You are on the team of inspection %(number)s"),
                  body=gettext_lazy("Inspection of %(institution)s under plan “%(plan)s”."),
                  params={"number": inspection.number, "institution": inspection.institution.name,
                          "plan": inspection.plan.title},
                  url=reverse("inspections:inspection_detail", args=[inspection.pk]))


# --- the on-site record (SUP-1, SUP-2) ---------------------------------------------------------------------

# Deadlines of rectification orders in working days after closing, by the finding's severity.
DEFAULT_DEADLINE_WORKING_DAYS = {"critical": 10, "major": 20, "minor": 30}
FAILED_RESULTS = ("major_nc", "minor_nc")
MAX_EVIDENCE_PER_INSPECTION = 300
INSTITUTION_ROLES = ("institution_admin", "top_leader", "security_officer")


def lock_inspection(inspection: Inspection) -> Inspection:
    """The inspection row, locked until the end of the transaction (every write to its record takes it, so
    results, findings and the closing never interleave)."""
    return (Inspection.objects.select_for_update(of=("self",)).select_related("institution", "plan")
            .get(pk=inspection.pk))


def require_team(inspection: Inspection, by) -> None:
    """Only the inspection's team records (the `conduct_inspection` object grant): 404 when the user may not
    even see the inspection, 403 when they see it but are not on the team."""
    if policy.can(by, CONDUCT, inspection):
        return
    if not inspections_visible(by).filter(pk=inspection.pk).exists():
        raise errors.NotFound()
    raise errors.PermissionDenied(_("Only the inspection team records results, evidence and findings."))


def inspections_visible(user):
    """Inspections the user may read: the jurisdiction's (view_inspection) and those they are on the team of."""
    from ..models import TeamMember as Member

    rows = policy.visible(user, Inspection.objects.all(), "inspections.view_inspection")
    if not getattr(user, "is_authenticated", False):
        return rows
    team = Inspection.objects.filter(pk__in=Member.objects.filter(user=user).values("inspection"))
    return rows | team


def require_editable(inspection: Inspection) -> None:
    """A closed or cancelled inspection refuses every change to its record (SEC-7: the record stays as closed)."""
    if inspection.is_closed:
        raise errors.TransitionNotAllowed(
            _("%(number)s is a closed inspection (%(status)s): its record can no longer be changed.")
            % {"number": inspection.number, "status": inspection.get_status_display().lower()})


def require_on_site(inspection: Inspection) -> None:
    require_editable(inspection)
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise errors.TransitionNotAllowed(_("Start the inspection on site before recording results."))


@transaction.atomic
def inspection_start(*, inspection: Inspection, by) -> Inspection:
    """The team starts the visit: planned -> on site (SUP-1)."""
    from django.utils import timezone

    from ..workflows import INSPECTION_FLOW

    inspection = lock_inspection(inspection)
    require_team(inspection, by)
    require_editable(inspection)
    INSPECTION_FLOW.check(by, inspection, inspection.status, Inspection.Status.IN_PROGRESS)
    inspection.status = Inspection.Status.IN_PROGRESS
    inspection.started_at = timezone.now()
    return save_tracked(inspection, by=by, reason="inspection started on site")


def _is_id(value) -> bool:
    """Whether a posted value can be a primary key: ASCII digits only (str.isdigit() also accepts "²", which
    int() refuses)."""
    text = str(value)
    return text.isascii() and text.isdigit()


def _checklist_item(inspection: Inspection, item):
    """The item as a row of the inspection's own checklist version, else ValidationFailed on `item`."""
    from ..models import ChecklistItem

    item_id = getattr(item, "pk", item)
    found = ChecklistItem.objects.filter(pk=item_id, version_id=inspection.checklist_id).first() \
        if _is_id(item_id) else None
    if found is None:
        raise errors.ValidationFailed(field_errors={"item": [
            _("This item is not on the checklist of inspection %(number)s.") % {"number": inspection.number}]})
    return found


@transaction.atomic
def item_result_record(*, inspection: Inspection, item, result: str, notes: str = "", by):
    """Record (or change) the result of one checklist item (SUP-1, SUP-2). One item at a time, so saving one
    never touches another; only the team, only while the inspection is on site."""
    from django.utils import timezone

    from ..models import ItemResult

    inspection = lock_inspection(inspection)
    require_team(inspection, by)
    require_on_site(inspection)
    item = _checklist_item(inspection, item)
    if result not in ItemResult.Result.values:
        raise errors.ValidationFailed(field_errors={"result": [_("Choose the result of item %(code)s.")
                                                               % {"code": item.code}]})
    notes = (notes or "").strip()
    row = ItemResult.objects.filter(inspection=inspection, item=item).first()
    if row is None:
        row = ItemResult(inspection=inspection, item=item)
    elif row.result == result and row.notes == notes:
        return row
    row.result, row.notes, row.recorded_by, row.recorded_at = result, notes, by, timezone.now()
    return save_tracked(row, by=by, reason=f"item {item.code}: {result}")


def item_record(*, inspection: Inspection, item, result: str, notes: str = "", by, upload=None,
                caption: str = ""):
    """The tablet form of one item: its result and, optionally, one piece of evidence, in one transaction
    (a refused file leaves the result unsaved too, so the form shows exactly what is stored)."""
    with transaction.atomic():
        row = item_result_record(inspection=inspection, item=item, result=result, notes=notes, by=by)
        if upload is not None:
            evidence_add(inspection=inspection, upload=upload, item=row.item, caption=caption, by=by)
    return row


def evidence_add(*, inspection: Inspection, upload, by, item=None, finding=None, caption: str = ""):
    """Attach one photo or document to the inspection, optionally to an item or a finding (SUP-1, SEC-7).

    Checked by content (PDF, PNG or JPEG, at most 10 MB) before anything is stored; stored under the hash
    of its content; the file is removed again when the row cannot be written."""
    import hashlib

    from apps.institutions.services.documents import document_check

    from ..models import Evidence, Finding

    with transaction.atomic():
        inspection = lock_inspection(inspection)
        require_team(inspection, by)
        require_on_site(inspection)
        problems: dict[str, list] = {}
        if item is not None:
            try:
                item = _checklist_item(inspection, item)
            except errors.ValidationFailed as error:
                problems.update(error.field_errors)
        if finding is not None:
            finding_id = getattr(finding, "pk", finding)
            finding = Finding.objects.filter(pk=finding_id, inspection=inspection).first() \
                if _is_id(finding_id) else None
            if finding is None:
                problems["finding"] = [_("This finding is not part of inspection %(number)s.")
                                       % {"number": inspection.number}]
        caption = (caption or "").strip()
        if len(caption) > 200:
            problems["caption"] = [_("Keep the caption under 200 characters.")]
        if inspection.evidence.count() >= MAX_EVIDENCE_PER_INSPECTION:
            problems["file"] = [_("An inspection holds at most %(max)d files.") % {"max": MAX_EVIDENCE_PER_INSPECTION}]
        if problems:
            raise errors.ValidationFailed(field_errors=problems)
        content_type, extension = document_check(upload, field="file")
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence = Evidence(inspection=inspection, item=item, finding=finding, original_name=upload.name[-200:],
                            content_type=content_type, size=upload.size, sha256=digest.hexdigest(),
                            caption=caption, uploaded_by=by)
        evidence.file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
        try:
            with transaction.atomic():
                save_tracked(evidence, by=by, reason="evidence added")
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


@transaction.atomic
def evidence_remove(*, evidence, by) -> None:
    """Remove a piece of evidence while the inspection is still open (team only)."""
    from ..models import Evidence

    inspection = lock_inspection(evidence.inspection)
    require_team(inspection, by)
    require_editable(inspection)
    evidence = Evidence.objects.filter(pk=evidence.pk, inspection=inspection).first()
    if evidence is None:
        raise errors.NotFound()
    name, storage = evidence.file.name, evidence.file.storage
    evidence._history_user = by
    evidence._change_reason = f"evidence removed: {evidence.original_name}"[:100]
    evidence.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- findings ----------------------------------------------------------------------------------------------

FINDING_TEXT_FIELDS = ("severity", "title", "description", "requirement_ids", "article")


def _finding_problems(values: dict) -> dict[str, list]:
    from ..models import Severity

    problems: dict[str, list] = {}
    if values.get("severity") not in Severity.values:
        problems["severity"] = [_("Choose the severity of the finding.")]
    if not values.get("title"):
        problems["title"] = [_("Say in one line what was found.")]
    elif len(values["title"]) > 200:
        problems["title"] = [_("Keep the finding's line under 200 characters.")]
    if not values.get("description"):
        problems["description"] = [_("Describe the facts found.")]
    if not values.get("requirement_ids") and not values.get("article"):
        problems["requirement_ids"] = [_("Name the requirement or the article the finding is against.")]
    if len(values.get("requirement_ids") or "") > 100:
        problems["requirement_ids"] = [_("Keep the requirements under 100 characters.")]
    if len(values.get("article") or "") > 60:
        problems["article"] = [_("Keep the article under 60 characters.")]
    return problems


def _clean_text(values: dict) -> dict:
    return {key: (values.get(key) or "").strip() if isinstance(values.get(key), str) else values.get(key)
            for key in FINDING_TEXT_FIELDS if key in values}


def _next_finding_number(inspection: Inspection) -> int:
    from django.db.models import Max

    return (inspection.findings.aggregate(top=Max("number"))["top"] or 0) + 1


@transaction.atomic
def finding_add(*, inspection: Inspection, by, item=None, severity: str | None = None, title: str = "",
                description: str = "", requirement_ids: str = "", article: str = ""):
    """Record a finding (SUP-1, SUP-2), either from a failed checklist item (its requirement IDs and article
    are copied, its severity is the default, its text and the result's notes prefill the rest: one click),
    or free-standing with a severity, the facts and the requirement or article it breaks."""
    from ..models import Finding, ItemResult

    inspection = lock_inspection(inspection)
    require_team(inspection, by)
    require_on_site(inspection)
    values = _clean_text({"severity": severity, "title": title, "description": description,
                          "requirement_ids": requirement_ids, "article": article})
    if item is not None:
        item = _checklist_item(inspection, item)
        result = ItemResult.objects.filter(inspection=inspection, item=item).first()
        if result is None or result.result not in FAILED_RESULTS:
            raise errors.ValidationFailed(field_errors={"item": [
                _("Item %(code)s has no non-conformity recorded; record its result first.") % {"code": item.code}]})
        existing = inspection.findings.filter(item=item).exclude(status=Finding.Status.WITHDRAWN).first()
        if existing is not None:
            raise errors.ValidationFailed(field_errors={"item": [
                _("Item %(code)s already has finding F%(number)s.") % {"code": item.code, "number": existing.number}]})
        values = {
            "severity": values.get("severity") or item.severity,
            "title": values.get("title") or f"{item.code} {item.text}"[:200],
            "description": values.get("description") or result.notes or item.text,
            "requirement_ids": values.get("requirement_ids") or ", ".join(item.requirement_ids),
            "article": values.get("article") or item.article,
        }
    problems = _finding_problems(values)
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    finding = Finding(inspection=inspection, item=item, number=_next_finding_number(inspection),
                      created_by=by, **values)
    return save_tracked(finding, by=by, reason="finding recorded")


def _open_finding(finding, by):
    from ..models import Finding

    inspection = lock_inspection(finding.inspection)
    require_team(inspection, by)
    require_on_site(inspection)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.status != Finding.Status.OPEN:
        raise errors.TransitionNotAllowed(_("Finding F%(number)s is %(status)s and can no longer be changed.") % {
            "number": finding.number, "status": finding.get_status_display().lower()})
    return inspection, finding


@transaction.atomic
def finding_update(*, finding, by, **changes):
    """Change the severity, text, requirements or article of an open finding while the team is on site."""
    unknown = set(changes) - set(FINDING_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"finding_update() got unexpected fields: {', '.join(sorted(unknown))}")
    _inspection, finding = _open_finding(finding, by)
    values = {key: getattr(finding, key) for key in FINDING_TEXT_FIELDS}
    values.update(_clean_text(changes))
    problems = _finding_problems(values)
    if problems:
        raise errors.ValidationFailed(field_errors=problems)
    for key, value in values.items():
        setattr(finding, key, value)
    return save_tracked(finding, by=by, reason="finding changed")


@transaction.atomic
def finding_withdraw(*, finding, reason: str, by):
    """Withdraw an open finding with a reason (a mistake, or, in a follow-up, a carried finding found rectified)."""
    from ..models import Finding
    from ..workflows import FINDING_FLOW

    inspection, finding = _open_finding(finding, by)
    reason = (reason or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the finding is withdrawn.")]})
    # The team's grant is on the inspection (findings have no grants of their own).
    FINDING_FLOW.check(by, inspection, finding.status, Finding.Status.WITHDRAWN)
    finding.status = Finding.Status.WITHDRAWN
    finding.withdrawn_reason = reason
    return save_tracked(finding, by=by, reason="finding withdrawn")


# --- closing, cancelling, following up ---------------------------------------------------------------------


def default_deadline(severity: str, today: datetime.date | None = None) -> datetime.date:
    """Working days after closing by severity: 10 (critical), 20 (major), 30 (minor)."""
    from django.utils import timezone

    from apps.workdays.services import add_working_days

    return add_working_days(today or timezone.localdate(), DEFAULT_DEADLINE_WORKING_DAYS.get(severity, 20))


def unanswered_items(inspection: Inspection):
    """Items of the inspection's checklist without a result, in checklist order."""
    from ..models import ChecklistItem

    return (ChecklistItem.objects.filter(version_id=inspection.checklist_id)
            .exclude(pk__in=inspection.results.values("item_id")).order_by("position", "pk"))


def _deadline_problems(open_findings, deadlines: dict, today) -> tuple[dict, dict]:
    """(deadline per finding id, problems): a given deadline must be after today; else the default applies."""
    given = {}
    problems: dict[str, list] = {}
    for key, value in (deadlines or {}).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            problems.setdefault("deadlines", []).append(_("“%(key)s” is not a finding.") % {"key": key})
    by_id = {finding.pk: finding for finding in open_findings}
    for finding_id in given:
        if finding_id not in by_id:
            problems.setdefault("deadlines", []).append(
                _("Finding #%(id)s is not an open finding of this inspection.") % {"id": finding_id})
    chosen = {}
    for finding in open_findings:
        value = given.get(finding.pk)
        if value in (None, ""):
            chosen[finding.pk] = default_deadline(finding.severity, today)
            continue
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                problems[f"deadline_{finding.pk}"] = [
                    _("F%(number)s: “%(value)s” is not a date.") % {"number": finding.number, "value": value}]
                continue
        if isinstance(value, datetime.datetime):
            value = value.date()
        if value <= today:
            problems[f"deadline_{finding.pk}"] = [
                _("F%(number)s “%(title)s”: the deadline must be after today.") % {
                    "number": finding.number, "title": finding.title[:60]}]
            continue
        chosen[finding.pk] = value
    return chosen, problems


def _order_requirement(finding) -> str:
    """What the order asks, written in the portal's language (the order is a document of record)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        basis = ", ".join(part for part in (finding.requirement_ids, finding.article) if part)
        text = _("Rectify finding F%(number)s “%(title)s”%(basis)s and report the measures taken, with "
                 "evidence, by the deadline.") % {
            "number": finding.number, "title": finding.title,
            "basis": f" ({basis})" if basis else ""}
        if finding.item_id and finding.item.evidence_expected:
            text += "\n" + _("Evidence expected: %(evidence)s") % {"evidence": finding.item.evidence_expected}
    return text


@transaction.atomic
def inspection_close(*, inspection: Inspection, outcome: str, summary: str = "", deadlines: dict | None = None,
                     by) -> Inspection:
    """Close the on-site record with an outcome (SUP-1, SUP-2, SUP-5).

    Needs a result for every checklist item; "no action" only without findings. Every open finding is
    confirmed and gets a rectification order (deadline given per finding, else 10/20/30 working days for
    critical/major/minor; never today or earlier) and raises a credit event ("finding.<severity>"). The
    report is then issued (rendered after commit) and the institution is told of its orders."""
    from django.utils import timezone

    from apps.institutions.services.credit import credit_event_record

    from ..models import Finding, RectificationOrder
    from ..workflows import FINDING_FLOW, INSPECTION_FLOW

    inspection = lock_inspection(inspection)
    require_team(inspection, by)
    require_editable(inspection)
    if inspection.status == Inspection.Status.PLANNED:
        raise errors.TransitionNotAllowed(_("Start the inspection on site before closing it."))
    INSPECTION_FLOW.check(by, inspection, inspection.status, Inspection.Status.CLOSED)
    today = timezone.localdate()
    problems: dict[str, list] = {}
    if outcome not in Inspection.Outcome.values:
        problems["outcome"] = [_("Choose the outcome of the inspection.")]
    missing = list(unanswered_items(inspection).values_list("code", flat=True))
    if missing:
        problems["results"] = [_("Record a result for every item first; unanswered: %(codes)s.")
                               % {"codes": ", ".join(missing)}]
    open_findings = list(inspection.findings.filter(status=Finding.Status.OPEN).select_related("item")
                         .order_by("number"))
    if outcome == Inspection.Outcome.NO_ACTION and open_findings:
        problems["outcome"] = [_("“No action” is not possible while %(count)d finding(s) remain; withdraw them "
                                 "or choose another outcome.") % {"count": len(open_findings)}]
    elif outcome in Inspection.Outcome.values and outcome != Inspection.Outcome.NO_ACTION and not open_findings:
        problems["outcome"] = [_("This outcome needs at least one finding; without findings choose “No action”.")]
    chosen, deadline_problems = _deadline_problems(open_findings, deadlines or {}, today)
    problems.update(deadline_problems)
    if problems:
        raise errors.ValidationFailed(field_errors=problems)

    now = timezone.now()
    orders = []
    for finding in open_findings:
        FINDING_FLOW.check(by, inspection, finding.status, Finding.Status.CONFIRMED)
        finding.status = Finding.Status.CONFIRMED
        finding.confirmed_at = now
        save_tracked(finding, by=by, reason="finding confirmed at closing")
        finding.inspection = inspection
        order = save_tracked(RectificationOrder(
            finding=finding, inspection=inspection, institution_id=inspection.institution_id,
            region_id=inspection.region_id, number=numbering.order_number(finding),
            requirement=_order_requirement(finding), deadline=chosen[finding.pk], issued_by=by, issued_at=now),
            by=by, reason="rectification ordered")
        orders.append(order)
        if finding.carried_from_id is None:  # a carried finding's facts raised their credit event already
            credit_event_record(
                institution_id=inspection.institution_id, trigger=f"finding.{finding.severity}", source=finding,
                description=f"{inspection.number} F{finding.number} {finding.title}", by=by, occurred_on=today,
                source_url=reverse("inspections:finding_detail", args=[finding.pk]))
    _settle_carried_orders(inspection, orders, by=by, today=today)
    inspection.status = Inspection.Status.CLOSED
    inspection.closed_at = now
    inspection.outcome = outcome
    inspection.summary = (summary or "").strip()
    save_tracked(inspection, by=by, reason=f"inspection closed: {outcome}")

    from .reports import report_issue  # helper C's service: idempotent, renders after commit (SUP-5)

    report_issue(inspection, by=by)
    if orders:
        transaction.on_commit(lambda: _notify_institution_of_orders(inspection, orders))
    return inspection


def _settle_carried_orders(inspection: Inspection, orders: list, *, by, today) -> None:
    """At a follow-up's closing, the orders of the findings it carried are settled (SUP-1, INS-3): a finding
    confirmed again has its new order, so the old one is cancelled (superseded; it no longer escalates and its
    facts keep the one credit event they raised); a carried finding withdrawn during the follow-up was found
    rectified on site, so the old order is accepted (on time or late against its deadline, unless it was
    escalated) and the old finding resolved."""
    from apps.institutions.services.credit import credit_event_record

    from ..models import Finding, RectificationOrder
    from ..workflows import FINDING_FLOW, ORDER_FLOW

    new_order_of = {order.finding.carried_from_id: order for order in orders if order.finding.carried_from_id}
    carried = inspection.findings.filter(carried_from__isnull=False).exclude(status=Finding.Status.OPEN)
    for finding in carried.select_related("carried_from"):
        old_order = (RectificationOrder.objects.select_for_update().filter(finding_id=finding.carried_from_id)
                     .exclude(status__in=[RectificationOrder.Status.ACCEPTED, RectificationOrder.Status.CANCELLED])
                     .first())
        if old_order is None:
            continue
        if finding.status == Finding.Status.CONFIRMED and finding.carried_from_id in new_order_of:
            ORDER_FLOW.transition(old_order.status, RectificationOrder.Status.CANCELLED)
            old_order.status = RectificationOrder.Status.CANCELLED
            save_tracked(old_order, by=by, reason=f"superseded by {new_order_of[finding.carried_from_id].number}")
        elif finding.status == Finding.Status.WITHDRAWN:
            ORDER_FLOW.transition(old_order.status, RectificationOrder.Status.ACCEPTED)
            old_order.status = RectificationOrder.Status.ACCEPTED
            old_order.accepted_at = timezone_now()
            save_tracked(old_order, by=by, reason=f"found rectified at follow-up {inspection.number}")
            original = Finding.objects.select_for_update().get(pk=finding.carried_from_id)
            if original.status == Finding.Status.CONFIRMED:
                FINDING_FLOW.transition(original.status, Finding.Status.RESOLVED)
                original.status = Finding.Status.RESOLVED
                save_tracked(original, by=by, reason=f"found rectified at follow-up {inspection.number}")
            if old_order.escalation_level == 0:
                credit_event_record(
                    institution_id=old_order.institution_id, source=old_order, by=by, occurred_on=today,
                    trigger="rectification.timely" if today <= old_order.deadline else "rectification.late",
                    description=f"{old_order.number}: {original.title}",
                    source_url=reverse("inspections:order_detail", args=[old_order.pk]))


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def institution_recipients(institution_id) -> list:
    """The institution's people who answer orders or answer for data security."""
    from apps.accounts.models import User

    return list(User.objects.filter(organisation_id=institution_id, is_active=True, is_machine=False,
                                    groups__name__in=INSTITUTION_ROLES).distinct())


def team_recipients(inspection: Inspection) -> list:
    from apps.accounts.models import User

    return list(User.objects.filter(pk__in=inspection.team.values("user_id"), is_active=True))


def _notify_institution_of_orders(inspection: Inspection, orders: list) -> None:
    from apps.institutions.services.messages import portal_notify

    earliest = min(order.deadline for order in orders)
    portal_notify(recipients=institution_recipients(inspection.institution_id),
                  title=gettext_lazy("Inspection %(number)s: %(count)s rectification order(s)"),
                  body=gettext_lazy("The inspection of %(institution)s is closed with %(count)s rectification "
                                    "order(s); the first is due on %(deadline)s. Answer each with a report and "
                                    "evidence before its deadline."),
                  params={"number": inspection.number, "count": len(orders), "deadline": earliest.isoformat(),
                          "institution": inspection.institution.name},
                  url=reverse("inspections:my_orders"))


@transaction.atomic
def inspection_cancel(*, inspection: Inspection, reason: str, by) -> Inspection:
    """The plan's managers cancel a visit that is not closed, with a reason; its open findings lapse."""
    from ..models import Finding
    from ..workflows import FINDING_FLOW, INSPECTION_FLOW

    inspection = lock_inspection(inspection)
    if not inspections_visible(by).filter(pk=inspection.pk).exists() and not by.is_superuser:
        raise errors.NotFound()
    require_editable(inspection)
    INSPECTION_FLOW.check(by, inspection, inspection.status, Inspection.Status.CANCELLED)
    if not may_cancel(by, inspection):
        raise errors.PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise errors.ValidationFailed(field_errors={"reason": [_("Say why the inspection is cancelled.")]})
    for finding in inspection.findings.filter(status=Finding.Status.OPEN):
        # Part of the cancellation the manager is allowed to make (the workflow move itself is checked).
        FINDING_FLOW.transition(finding.status, Finding.Status.WITHDRAWN)
        finding.status = Finding.Status.WITHDRAWN
        finding.withdrawn_reason = _("The inspection was cancelled: %(reason)s") % {"reason": reason}
        save_tracked(finding, by=by, reason="inspection cancelled")
    inspection.status = Inspection.Status.CANCELLED
    inspection.cancel_reason = reason
    save_tracked(inspection, by=by, reason="inspection cancelled")
    revoke_team_grants(inspection)
    transaction.on_commit(lambda: _notify_cancelled(inspection, reason))
    return inspection


def may_cancel(user, inspection: Inspection) -> bool:
    """The managers of the inspection's plan (manage_inspection_plan on the plan, i.e. its department or one
    above it), not any planner whose jurisdiction happens to cover the institution: a county or city
    department does not cancel the provincial or national department's visits."""
    return policy.can(user, MANAGE_PLAN, inspection) and policy.can(user, MANAGE_PLAN, inspection.plan)


def revoke_team_grants(inspection: Inspection) -> None:
    """A cancelled visit leaves no `conduct_inspection` grant behind (the team stays listed, read only)."""
    for member in inspection.team.select_related("user"):
        policy.revoke(member.user, CONDUCT, inspection)


def _notify_cancelled(inspection: Inspection, reason: str) -> None:
    from apps.institutions.services.messages import portal_notify

    portal_notify(recipients=team_recipients(inspection), title=gettext_lazy("Inspection %(number)s is cancelled"),
                  body=gettext_lazy("Reason: %(reason)s"), params={"number": inspection.number, "reason": reason},
                  url=reverse("inspections:inspection_detail", args=[inspection.pk]))


def carried_findings(inspection: Inspection):
    """Findings of a closed inspection still to be put right: ordered, and the order not accepted (nor
    cancelled because the finding went to an accountability case)."""
    from ..models import Finding, RectificationOrder

    return (inspection.findings.filter(status=Finding.Status.CONFIRMED, order__isnull=False)
            .exclude(order__status__in=[RectificationOrder.Status.ACCEPTED, RectificationOrder.Status.CANCELLED])
            .select_related("item").order_by("number"))


def _check_follow_up_team(source: Inspection, people: list) -> None:
    """A follow-up team comes from the plan's pool or the team of the inspection followed up; anyone else must
    meet the pool rule (an inspector or head of a department in the plan department's jurisdiction), so the
    API cannot hand the record's grant to any department user in the country."""
    from .plans import _check_pool_member

    allowed = set(source.plan.pool.values_list("user_id", flat=True)) | set(
        source.team.values_list("user_id", flat=True))
    for user in dict.fromkeys(people):
        if user is not None and user.pk not in allowed:
            _check_pool_member(source.plan, user)


@transaction.atomic
def inspection_follow_up_create(*, inspection: Inspection, by, team: list, lead,
                                scheduled_on: datetime.date | None = None) -> Inspection:
    """A follow-up visit of a closed inspection (SUP-1): same plan, institution and checklist; every finding
    whose order is not accepted is carried over as a new open finding (same severity and text, `carried_from`).
    At its closing the team confirms a carried finding (a new order) or withdraws it as rectified."""
    from ..models import Finding

    source = Inspection.objects.select_related("plan", "institution").get(pk=inspection.pk)
    if not inspections_visible(by).filter(pk=source.pk).exists() and not by.is_superuser:
        raise errors.NotFound()
    if not policy.can(by, MANAGE_PLAN, source.plan):
        raise errors.PermissionDenied()  # the inspection is visible: 403, even where its plan is not
    if source.status != Inspection.Status.CLOSED:
        raise errors.TransitionNotAllowed(_("Only a closed inspection can be followed up."))
    _check_follow_up_team(source, [*team, lead])
    follow_up = inspection_create(plan=source.plan, institution=source.institution, team=team, lead=lead, by=by,
                                  scheduled_on=scheduled_on, follows=source)
    for number, finding in enumerate(carried_findings(source), start=1):
        save_tracked(Finding(
            inspection=follow_up, item=finding.item if finding.item and finding.item.version_id ==
            follow_up.checklist_id else None, carried_from=finding, number=number, severity=finding.severity,
            title=finding.title, description=finding.description, requirement_ids=finding.requirement_ids,
            article=finding.article, created_by=by), by=by, reason=f"carried over from {source.number}")
    return follow_up
