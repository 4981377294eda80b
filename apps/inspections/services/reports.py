"""Inspection reports (SUP-5): one signed PDF per closed inspection, in the name and with the key of the
department that inspected, with a verification code that a public page resolves.

- `report_issue` is called by `inspection_close` inside the transaction that closes the inspection. It creates
  the report row once per inspection and enqueues its production after commit.
- `report_render` runs in the `pdf.inspection_report` task on the pdf queue: it renders the report in the
  report's language (the portal's default: a report is an official act, not a page view), signs it with the
  department's key (apps.core.signing), and stores file, SHA-256, page count and certificate fingerprint in
  one transaction that also marks it ready: the file is written only once the whole signed PDF exists. A
  failed run marks the report failed (attempts, last error) and Celery retries it with a growing delay; a
  redelivered or repeated run of a ready report does nothing.
- `report_requeue` produces a failed report again on request of the team or the department.
- `report_verify` answers the public verification page, by code or by an uploaded PDF: which report it is,
  whether the file is the one issued and unchanged and whether the department's signature holds; never a
  person's name.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors, policy, verification
from apps.core.history import save_tracked
from config.celery import running_task

from ..models import (
    ChecklistItem,
    Evidence,
    Finding,
    Inspection,
    InspectionReport,
    ItemResult,
    RectificationOrder,
    TeamMember,
)

logger = logging.getLogger(__name__)

Status = InspectionReport.Status
VIEW_REPORT = "inspections.view_inspectionreport"
VIEW_INSPECTION = "inspections.view_inspection"

# The public page may be asked this many unknown codes or files per client address per hour.
VERIFICATION_MISSES_PER_HOUR = 20
# An uploaded report to check may be this large (a report with many evidence photos).
VERIFY_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Retries of a failed rendering: the delay doubles from one minute, five retries at most.
RENDER_RETRY_BASE_SECONDS = 60
RENDER_MAX_RETRIES = 5
# Evidence photos are embedded as thumbnails of at most this many pixels on their longer side.
THUMBNAIL_PIXELS = 320  # 52 mm at about 150 dpi
# What the progress page shows while the task runs (kept in the cache, not the database).
STAGES = ("queued", "rendering", "signing", "storing")
_STAGE_TTL_SECONDS = 3600


# Verification codes and the limit on unknown codes are the portal's (apps/core/verification.py).
CODE_ALPHABET, CODE_LENGTH = verification.CODE_ALPHABET, verification.CODE_LENGTH
VerificationThrottled = verification.VerificationThrottled
new_verification_code = verification.new_code
normalise_code = verification.normalise_code
format_code = verification.format_code
_misses = verification.MissCounter("inspections", VERIFICATION_MISSES_PER_HOUR)
verification_throttled = _misses.throttled
_current_task = running_task  # a module name, so tests can stand in a task


def report_number(report_or_inspection) -> str:
    """The report's number: the inspection's number and "-R"."""
    inspection = getattr(report_or_inspection, "inspection", report_or_inspection)
    return f"{inspection.number}-R"


def verification_url(code: str) -> str:
    """The absolute public address of a report's verification page (printed on the report)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("inspections:verify_result", args=[code])


# --- visibility and who may act --------------------------------------------------------------------------


def reports_visible(user):
    """Reports the user may read (SEC-4, SUP-4): departments within their jurisdiction (role permission),
    the inspected institution its own, and the members of the inspection's team."""
    rows = policy.visible(user, InspectionReport.objects.all(), VIEW_REPORT)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return rows
    team = TeamMember.objects.filter(user=user).values("inspection_id")
    return InspectionReport.objects.filter(Q(pk__in=rows.values("pk")) | Q(inspection_id__in=team))


def report_get(user, pk) -> InspectionReport:
    """Fetch a report the user may read, else NotFound (missing and invisible alike)."""
    report = (reports_visible(user).select_related("inspection__institution", "inspection__plan", "department")
              .filter(pk=pk).first())
    if report is None:
        raise errors.NotFound()
    return report


def may_manage(user, inspection: Inspection) -> bool:
    """The team of the inspection or a department user who sees it in the jurisdiction (requeue, issue)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if TeamMember.objects.filter(inspection=inspection, user=user).exists():
        return True
    return policy.can(user, VIEW_INSPECTION, inspection)


def stage_of(report: InspectionReport) -> str:
    """Where the production of a pending report stands: queued, rendering, signing or storing."""
    if report.status != Status.PENDING:
        return ""
    stage = cache.get(_stage_key(report.pk))
    return stage if stage in STAGES else "queued"


def progress_percent(report: InspectionReport) -> int:
    if report.status == Status.READY:
        return 100
    if report.status == Status.FAILED:
        return 0
    return {"queued": 5, "rendering": 35, "signing": 75, "storing": 90}[stage_of(report)]


def _stage_key(report_id: int) -> str:
    return f"inspections:report:{report_id}:stage"


def _set_stage(report_id: int, stage: str | None) -> None:
    try:
        if stage is None:
            cache.delete(_stage_key(report_id))
        else:
            cache.set(_stage_key(report_id), stage, _STAGE_TTL_SECONDS)
    except Exception:  # progress is a nicety: a cache outage must not fail the report
        logger.warning("could not record the progress of report %s", report_id, exc_info=True)


# --- issuing -------------------------------------------------------------------------------------------


def report_issue(inspection: Inspection, *, by) -> InspectionReport:
    """Create the report of a closed inspection once and produce it after commit (SUP-5).

    Called by `inspection_close` inside its transaction, after the inspection's status is closed. The
    report is issued by the plan's department and signed with its key. Idempotent: a second call returns
    the report already issued."""
    if inspection.status != Inspection.Status.CLOSED:
        raise errors.TransitionNotAllowed(
            _("A report is issued for a closed inspection: inspection %(number)s is “%(status)s”.") % {
                "number": inspection.number, "status": inspection.get_status_display()})
    existing = InspectionReport.objects.filter(inspection=inspection).first()
    if existing is not None:
        return existing
    if not may_manage(by, inspection):
        if reports_visible(by).filter(inspection=inspection).exists() or policy.can_see(by, inspection):
            raise errors.PermissionDenied()
        raise errors.NotFound()
    department_id = inspection.plan.department_id
    report = None
    for _attempt in range(5):
        code = new_verification_code()
        if InspectionReport.objects.filter(verification_code=code).exists():
            continue
        try:
            with transaction.atomic():
                report = save_tracked(
                    InspectionReport(inspection=inspection, department_id=department_id, verification_code=code,
                                     language=settings.LANGUAGE_CODE, status=Status.PENDING),
                    by=by, reason="inspection report issued")
        except IntegrityError:
            # Issued meanwhile by a concurrent call (one report per inspection), or a code collision.
            existing = InspectionReport.objects.filter(inspection=inspection).first()
            if existing is not None:
                return existing
            continue
        break
    if report is None:  # five collisions in a space of 31^16: the random source is broken
        raise RuntimeError("could not draw a unique verification code")
    from ..tasks import render_report

    render_report.delay_on_commit(report.pk)
    return report


# --- the document --------------------------------------------------------------------------------------


def _english(language: str) -> bool:
    return (language or "").lower().startswith("en")


def _css_string(text: str) -> str:
    """A CSS string literal for running headers: quotes and backslashes escaped, no way out of <style>."""
    flat = " ".join(str(text).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ") + '"'


def _thumbnail(evidence: Evidence) -> str:
    """A PNG or JPEG evidence file as a small JPEG data URI, or "" when it cannot be read."""
    from PIL import Image, ImageOps

    try:
        with evidence.file.open("rb") as handle, Image.open(handle) as image:
            image.draft("RGB", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))  # fast downscale of JPEG on decoding
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS), reducing_gap=2.0)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                converted = image.convert("RGBA")
                background.paste(converted, mask=converted.getchannel("A"))
                image = background
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=80)
    except Exception:  # a damaged or oversized image is listed by name instead
        logger.warning("evidence %s could not be made into a thumbnail", evidence.pk, exc_info=True)
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(output.getvalue()).decode("ascii")


def _thumbnails(evidence_rows: list[Evidence]) -> dict[int, str]:
    """Thumbnails of the image evidence, made in a few threads (Pillow decodes without holding the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    images = [evidence for evidence in evidence_rows if evidence.finding_id and evidence.is_image]
    if len(images) < 4:
        return {evidence.pk: _thumbnail(evidence) for evidence in images}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(zip([evidence.pk for evidence in images], pool.map(_thumbnail, images), strict=True))


def _evidence_entry(evidence: Evidence, thumbnails: dict[int, str]) -> dict:
    return {"name": evidence.original_name, "caption": evidence.caption, "thumbnail": thumbnails.get(evidence.pk, ""),
            "is_image": evidence.is_image, "size": evidence.size, "sha256": evidence.sha256}


def report_context(report: InspectionReport) -> dict:
    """Everything the PDF template shows, read in a fixed number of queries."""
    inspection = (Inspection.objects.select_related("plan__department", "institution", "region",
                                                    "checklist__template", "follows")
                  .get(pk=report.inspection_id))
    report.inspection = inspection
    english = _english(report.language)
    plan = inspection.plan
    department = report.department if report.department_id == plan.department_id else plan.department
    from apps.regions.models import Region

    regions = list(Region.objects.filter(code__in=[code for code in plan.scope_regions if code]).order_by("code"))
    team = list(TeamMember.objects.filter(inspection=inspection).select_related("user").order_by("role", "pk"))
    items = list(ChecklistItem.objects.filter(version_id=inspection.checklist_id).order_by("position", "pk"))
    results = {row.item_id: row for row in ItemResult.objects.filter(inspection=inspection)}
    evidence_rows = list(Evidence.objects.filter(inspection=inspection).order_by("pk"))
    thumbnails = _thumbnails(evidence_rows)
    by_finding: dict[int, list[dict]] = {}
    by_item: dict[int, list[str]] = {}
    for evidence in evidence_rows:
        if evidence.finding_id:
            by_finding.setdefault(evidence.finding_id, []).append(_evidence_entry(evidence, thumbnails))
        elif evidence.item_id:
            by_item.setdefault(evidence.item_id, []).append(evidence.original_name)
    sections: OrderedDict[str, list[dict]] = OrderedDict()
    counts: dict[str, int] = {}
    for item in items:
        section = (item.section_en if english and item.section_en else item.section) or "—"
        result = results.get(item.pk)
        if result is not None:
            counts[result.result] = counts.get(result.result, 0) + 1
        sections.setdefault(section, []).append({
            "code": item.code, "text": item.text_en if english and item.text_en else item.text,
            "requirements": ", ".join([*item.requirement_ids, *([item.article] if item.article else [])]),
            "result": result.result if result else "", "result_label": result.get_result_display() if result else "",
            "notes": result.notes if result else "", "evidence": by_item.get(item.pk, []),
        })
    findings = list(Finding.objects.filter(inspection=inspection).exclude(status=Finding.Status.WITHDRAWN)
                    .select_related("item", "carried_from__inspection").order_by("number"))
    for finding in findings:
        finding.report_evidence = by_finding.get(finding.pk, [])
    orders = list(RectificationOrder.objects.filter(inspection=inspection).select_related("finding")
                  .order_by("finding__number", "pk"))
    result_summary = [{"label": label, "count": counts.get(value, 0)} for value, label in ItemResult.Result.choices]
    from apps.institutions.models import Institution

    type_labels = dict(Institution.Type.choices)
    number = report_number(inspection)
    with translation.override(report.language):
        title = _("Inspection Report")
        header_left = _css_string(f"{title} {number}")
        header_right = _css_string(department.name)
    return {
        "report": report, "inspection": inspection, "plan": plan, "department": department,
        "institution": inspection.institution, "number": number, "title": title, "regions": regions,
        "institution_types": [type_labels.get(code, code) for code in plan.scope_types],
        "team": team, "sections": list(sections.items()), "item_count": len(items),
        "recorded_count": len(results), "result_summary": result_summary, "findings": findings,
        "orders": orders, "site_name": settings.SITE_NAME,
        "inspected_on": timezone.localdate(inspection.started_at) if inspection.started_at else inspection.scheduled_on,
        "closed_on": timezone.localdate(inspection.closed_at) if inspection.closed_at else None,
        "issued_on": timezone.localdate(report.issued_at),
        "checklist_name": (inspection.checklist.template.name_en if english and inspection.checklist.template.name_en
                           else inspection.checklist.template.name),
        "verification_code": format_code(report.verification_code),
        "verification_url": verification_url(report.verification_code),
        "header_left": header_left, "header_right": header_right, "english": english,
    }


def report_pdf(report: InspectionReport, *, on_stage=None) -> tuple[bytes, int, str]:
    """The report as signed PDF bytes in its language, its page count and the signing certificate's
    fingerprint. `on_stage(name)` is told when signing starts."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from apps.core.pdf import render_pdf
    from apps.core.signing import sign_pdf, signing_identity

    context = report_context(report)
    department = context["department"]
    content = render_pdf("inspections/reports/report.html", context, language=report.language)
    pages = int(PdfFileReader(io.BytesIO(content), strict=False).root["/Pages"]["/Count"])
    if on_stage is not None:
        on_stage("signing")
    with translation.override(report.language):
        reason = _("Inspection report %(number)s") % {"number": context["number"]}
    signed = sign_pdf(content, reason=reason, location=department.name, organisation=department)
    return signed, pages, signing_identity(department).fingerprint


# --- producing -------------------------------------------------------------------------------------------


def _error_summary(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _mark_failed(report_id: int, error: Exception) -> None:
    from apps.accounts.services import system_account

    with transaction.atomic():
        report = InspectionReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status == Status.READY:
            return
        report.status = Status.FAILED
        report.attempts = min(report.attempts + 1, 32767)
        report.last_error = _error_summary(error)
        save_tracked(report, by=system_account(), reason=f"production failed: {type(error).__name__}"[:100])


def report_render(report_id: int) -> str:
    """Render, sign and store one report (the pdf task). Idempotent: a ready report is left as it is.

    Returns "ready" (produced now or before) or "missing" (no such report). On failure the report is
    marked failed (attempts + 1, last error) and, inside a Celery task, the task is retried with a growing
    delay; nothing is stored and the report is never ready without its whole signed file."""
    report = InspectionReport.objects.select_related("inspection", "department").filter(pk=report_id).first()
    if report is None:
        return "missing"
    if report.status == Status.READY:
        return "ready"
    _set_stage(report_id, "rendering")
    try:
        content, pages, fingerprint = report_pdf(report, on_stage=lambda stage: _set_stage(report_id, stage))
    except Exception as error:
        logger.exception("inspection report %s could not be produced", report_id)
        _set_stage(report_id, None)
        _mark_failed(report_id, error)
        task = _current_task()
        if task is not None and task.request.retries < RENDER_MAX_RETRIES:
            raise task.retry(exc=error, countdown=RENDER_RETRY_BASE_SECONDS * 2 ** task.request.retries,
                             max_retries=RENDER_MAX_RETRIES) from error
        raise
    _set_stage(report_id, "storing")
    digest = hashlib.sha256(content).hexdigest()
    from apps.accounts.services import system_account

    system = system_account()
    stored_name = ""
    try:
        with transaction.atomic():
            locked = (InspectionReport.objects.select_for_update()
                      .select_related("inspection__institution", "department").get(pk=report_id))
            if locked.status == Status.READY:  # a concurrent run got there first; its file stands
                return "ready"
            # The stored name is the content hash; the file is written last, after every check, inside
            # the transaction that marks the report ready (a failure here leaves it not ready).
            locked.file.save(f"{digest[:32]}.pdf", ContentFile(content), save=False)
            stored_name = locked.file.name
            locked.sha256 = digest
            locked.page_count = pages
            locked.signed = True
            locked.certificate_fingerprint = fingerprint
            locked.status = Status.READY
            locked.attempts = min(locked.attempts + 1, 32767)
            locked.last_error = ""
            locked.rendered_at = timezone.now()
            save_tracked(locked, by=system, reason="report produced and signed")
            transaction.on_commit(lambda: _notify_ready(locked))
    except BaseException:
        if stored_name:  # the row that would have named it was rolled back
            InspectionReport._meta.get_field("file").storage.delete(stored_name)
        raise
    finally:
        _set_stage(report_id, None)
    return "ready"


def report_requeue(report: InspectionReport, *, by) -> InspectionReport:
    """Produce a failed report again (after its retries ran out or while they wait): the team of the
    inspection or a department user who sees it; the inspected institution may not."""
    if not reports_visible(by).filter(pk=report.pk).exists():
        raise errors.NotFound()
    inspection = Inspection.objects.get(pk=report.inspection_id)
    if not may_manage(by, inspection):
        raise errors.PermissionDenied()
    with transaction.atomic():
        locked = InspectionReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != Status.FAILED:
            raise errors.TransitionNotAllowed(_("Only a report whose production failed can be produced again."))
        locked.status = Status.PENDING
        save_tracked(locked, by=by, reason="production requested again")
        from ..tasks import render_report

        render_report.delay_on_commit(locked.pk)
    return locked


def _people_to_notify(report: InspectionReport) -> list:
    """The inspection's team and the inspected institution's people who read its reports."""
    from apps.accounts.models import User

    read = Permission.objects.filter(codename="view_inspectionreport", content_type__app_label="inspections")
    team = Q(pk__in=TeamMember.objects.filter(inspection_id=report.inspection_id).values("user_id"))
    institution = Q(organisation_id=report.inspection.institution_id, groups__permissions__in=read)
    return list(User.objects.filter(team | institution, is_active=True, is_machine=False).distinct())


def _notify_ready(report: InspectionReport) -> None:
    from apps.institutions.services.messages import portal_notify

    inspection = report.inspection
    portal_notify(recipients=_people_to_notify(report),
                  title=gettext_lazy("Inspection report %(number)s is ready"),
                  body=gettext_lazy("The signed report of the inspection of %(institution)s by %(department)s can "
                                    "be downloaded; its verification code is %(code)s."),
                  params={"number": report_number(inspection), "institution": inspection.institution.name,
                          "department": report.department.name, "code": format_code(report.verification_code)},
                  url=reverse("inspections:report_detail", args=[report.pk]))


# --- public verification -----------------------------------------------------------------------------------


def verification_upload_read(upload, *, field: str = "file") -> bytes:
    """The bytes of a report uploaded to be checked: present, at most 20 MB, a PDF by its content."""
    if upload is None:
        raise errors.ValidationFailed(field_errors={field: [_("Choose the PDF file of the report.")]})
    if upload.size > VERIFY_UPLOAD_MAX_BYTES:
        raise errors.ValidationFailed(field_errors={field: [
            _("“%(name)s” is %(size)s; the largest file that can be checked is %(limit)s.") % {
                "name": upload.name, "size": filesizeformat(upload.size),
                "limit": filesizeformat(VERIFY_UPLOAD_MAX_BYTES)}]})
    if upload.size == 0:
        raise errors.ValidationFailed(field_errors={field: [_("“%(name)s” is empty.") % {"name": upload.name}]})
    upload.seek(0)
    content = upload.read(VERIFY_UPLOAD_MAX_BYTES + 1)
    upload.seek(0)
    if not content.lstrip(b"\r\n\t ")[:5] == b"%PDF-":
        raise errors.ValidationFailed(field_errors={field: [
            _("“%(name)s” is not a PDF file.") % {"name": upload.name}]})
    return content


def _signature_public(status: dict) -> dict:
    return {key: status[key] for key in (
        "signed", "intact", "valid", "trusted", "covers_whole_file", "ok", "signer", "signed_at",
        "certificate_fingerprint")}


def _public_facts(report: InspectionReport) -> dict:
    """What anyone may know of a report: no person's name (SEC-7)."""
    inspection = report.inspection
    return {
        "code": format_code(report.verification_code), "number": report_number(inspection),
        "status": report.status, "status_label": report.get_status_display(),
        "institution": inspection.institution.name, "department": report.department.name,
        "inspected_on": timezone.localdate(inspection.started_at) if inspection.started_at else inspection.scheduled_on,
        "closed_on": timezone.localdate(inspection.closed_at) if inspection.closed_at else None,
        "issued_on": timezone.localdate(report.issued_at),
        "produced_on": timezone.localdate(report.rendered_at) if report.rendered_at else None,
        "sha256": report.sha256 if report.status == Status.READY else "",
        "page_count": report.page_count if report.status == Status.READY else None,
        "uploaded_sha256": "", "file_matches": None, "signature": None, "genuine": False, "unchanged": None,
    }


def _reports():
    return InspectionReport.objects.select_related("inspection__institution", "department")


def _report_claimed_by(status: dict) -> InspectionReport | None:
    """For a file that is not byte for byte a report issued: the report its signature names (the number
    in the signature's reason), if a ready report of that number was signed with the same certificate."""
    fingerprint = status.get("certificate_fingerprint") or ""
    if not (status.get("signed") and fingerprint):
        return None
    tokens = [token for token in str(status.get("reason") or "").split() if token.endswith("-R")]
    if not tokens:
        return None
    return (_reports().filter(inspection__number=tokens[-1][:-2], certificate_fingerprint=fingerprint,
                              status=Status.READY).first())


def report_verify(*, code: str | None = None, content: bytes | None = None,
                  client_key: str | None = None) -> dict | None:
    """What the public may know of the report with `code`, or of the report `content` claims to be; None
    when there is none (SUP-5).

    By code: the stored file is checked against its SHA-256 and its department's signature. By an uploaded
    PDF: its SHA-256 is looked up among the reports issued and its signature checked against that report's
    department; a file that is not byte for byte a report issued but carries a report's signature is
    reported as changed. `genuine` is true only for a file that is the one issued with a valid signature.
    Unknown codes and files count against the client (`client_key`: its address), limited per hour."""
    from apps.core.signing import verify_pdf

    if verification_throttled(client_key):
        raise VerificationThrottled(_("Too many unknown codes or files from your network; try again in an hour."))
    if content is not None:
        digest = hashlib.sha256(content).hexdigest()
        report = _reports().filter(sha256=digest, status=Status.READY).first()
        if report is not None:
            status = verify_pdf(content, organisation=report.department)
            result = _public_facts(report)
            result.update(uploaded_sha256=digest, file_matches=True, signature=_signature_public(status),
                          unchanged=bool(status["intact"] and status["covers_whole_file"]), source="file")
            result["genuine"] = bool(status["ok"])
            return result
        claimed = _report_claimed_by(verify_pdf(content))
        if claimed is None:
            _misses.count(client_key)
            return None
        status = verify_pdf(content, organisation=claimed.department)
        result = _public_facts(claimed)
        result.update(uploaded_sha256=digest, file_matches=False, signature=_signature_public(status),
                      unchanged=False, genuine=False, source="file")
        return result
    normalised = normalise_code(code)
    report = None
    if verification.is_well_formed(normalised):
        report = _reports().filter(verification_code=normalised).first()
    if report is None:
        _misses.count(client_key)
        return None
    result = _public_facts(report)
    result["source"] = "code"
    if report.status != Status.READY:
        return result
    try:
        with report.file.open("rb") as handle:
            stored = handle.read()
    except (FileNotFoundError, ValueError):
        result["file_matches"] = False
        result["unchanged"] = False
        return result
    result["file_matches"] = hashlib.sha256(stored).hexdigest() == report.sha256
    status = verify_pdf(stored, organisation=report.department)
    result["signature"] = _signature_public(status)
    result["unchanged"] = bool(result["file_matches"] and status["intact"] and status["covers_whole_file"])
    result["genuine"] = bool(result["file_matches"] and status["ok"])
    return result
