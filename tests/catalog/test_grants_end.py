"""The end of a grant (SVC-3, SEC-4): revocation by a department, the grantee's reports and the certificate
of destruction that closes an ended grant."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from apps.catalog import timing
from apps.catalog.models import DataGrant, DestructionCertificate, GrantReport
from apps.catalog.services import grants as grant_services
from apps.core import errors
from apps.institutions.models import CreditEvent
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.factories import department

from .factories import provider_institution
from .grants_helpers import PDF, grant_case, not_a_pdf, pdf, set_period


@pytest.fixture(autouse=True)
def _notifications_in_english(settings):
    """Notifications are written in the portal language; these tests read their English titles."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return grant_case()


def field_errors(raised) -> dict:
    return {key: " ".join(str(m) for m in value) for key, value in raised.value.field_errors.items()}


def expire(grant, *, ended_days_ago=2):
    today = timezone.localdate()
    set_period(grant, today - datetime.timedelta(days=200), today - datetime.timedelta(days=ended_days_ago))
    assert grant_services.grants_expire_due() >= 1
    grant.refresh_from_db()
    return grant


# --- revocation ---------------------------------------------------------------------------------------------


def head_of(region_code="350200", level="municipal"):
    return make_user(department(region_code, level), "department_head")


def test_svc3_a_department_revokes_for_a_breach_destruction_falls_due_and_credit_is_raised(
        case, django_capture_on_commit_callbacks):
    head = head_of()  # Xiamen: the grantee's jurisdiction
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        grant_services.grant_revoke(case.grant, reason="将数据提供给未列名的第三方。", breach=True, by=head)
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert (grant.status, grant.revoked_by, grant.revocation_reason) == ("revoked", head, "将数据提供给未列名的第三方。")
    assert grant.destruction_due_on == today + datetime.timedelta(days=timing.DESTRUCTION_CERTIFICATE_DAYS)
    assert grant.ended_at is not None
    event = CreditEvent.objects.get(institution_id=case.applicant.pk, source_type="catalog.datagrant",
                                    source_id=str(grant.pk))
    assert event.rule.trigger == "sharing.grant_revoked" and event.points < 0
    # Progress reports after the end are no longer due; the final report falls due after the actual end.
    assert set(grant.reports.filter(kind="progress").values_list("status", flat=True)) == {"cancelled"}
    assert grant.reports.get(kind="final").due_on == today + datetime.timedelta(days=timing.FINAL_REPORT_DAYS)
    told = set(Notification.objects.filter(title__contains=grant.number, title__icontains="revoked")
               .values_list("recipient_id", flat=True))
    assert {case.applicant_admin.pk, case.co_recipient.pk, case.provider_admin.pk} <= told


def test_svc3_a_revocation_without_breach_raises_no_credit_event(case):
    grant_services.grant_revoke(case.grant, reason="项目提前终止", breach=False, by=head_of("350100"))  # provider's city
    assert DataGrant.objects.get(pk=case.grant.pk).status == "revoked"
    assert not CreditEvent.objects.filter(source_type="catalog.datagrant").exists()


def test_svc3_revocation_needs_a_reason_and_nothing_is_saved(case):
    with pytest.raises(errors.ValidationFailed) as raised:
        grant_services.grant_revoke(case.grant, reason="  ", breach=True, by=head_of())
    assert "Give the reason for revoking the grant." in field_errors(raised)["reason"]
    assert DataGrant.objects.get(pk=case.grant.pk).status == "active"
    assert not CreditEvent.objects.exists()


def test_sec4_revocation_outside_the_jurisdiction_is_404_and_by_an_institution_403(case):
    with pytest.raises(errors.NotFound):
        grant_services.grant_revoke(case.grant, reason="越权", breach=False, by=head_of("440100"))
    with pytest.raises(errors.PermissionDenied):
        grant_services.grant_revoke(case.grant, reason="越权", breach=False, by=case.applicant_admin)
    with pytest.raises(errors.PermissionDenied):
        grant_services.grant_revoke(case.grant, reason="越权", breach=False, by=case.provider_admin)
    with pytest.raises(errors.PermissionDenied):  # a reviewer of the jurisdiction holds no revoke_grant
        grant_services.grant_revoke(case.grant, reason="越权", breach=False,
                                    by=make_user(department("350200", "municipal"), "reviewer"))
    assert DataGrant.objects.get(pk=case.grant.pk).status == "active"


def test_svc3_an_ended_grant_cannot_be_revoked(case):
    expire(case.grant)
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        grant_services.grant_revoke(case.grant, reason="迟到的撤销", breach=True, by=head_of())
    assert "has already ended" in str(raised.value.message)
    assert DataGrant.objects.get(pk=case.grant.pk).status == "expired"


# --- reports ------------------------------------------------------------------------------------------------


def first_report(case) -> GrantReport:
    return case.grant.reports.order_by("due_on").first()


def test_svc3_a_recipient_of_another_institution_files_a_report_with_an_attachment(case):
    report = grant_services.report_submit(first_report(case), content="已完成数据清洗与初步分析。",
                                          attachment=pdf("进展报告.pdf"), by=case.co_recipient)
    assert (report.status, report.submitted_by, report.attachment_name) == ("submitted", case.co_recipient,
                                                                           "进展报告.pdf")
    assert GrantReport.history.filter(id=report.pk, history_user=case.co_recipient).exists()
    report.attachment.delete(save=False)


def test_svc3_report_needs_content_and_a_document_file_nothing_saved(case):
    report = first_report(case)
    with pytest.raises(errors.ValidationFailed) as raised:
        grant_services.report_submit(report, content="", attachment=not_a_pdf("report.pdf"), by=case.applicant_admin)
    messages = field_errors(raised)
    assert "Write the report." in messages["content"] and "not a PDF, PNG or JPEG" in messages["attachment"]
    assert GrantReport.objects.get(pk=report.pk).status == "due"


def test_sec4_reports_are_filed_by_the_grantee_and_recipients_only(case):
    report = first_report(case)
    with pytest.raises(errors.PermissionDenied):  # the provider sees the grant and holds file_grant_report
        grant_services.report_submit(report, content="x", by=case.provider_admin)
    with pytest.raises(errors.PermissionDenied):
        grant_services.report_submit(report, content="x", by=make_user(department("350200", "municipal"), "reviewer"))
    _other, stranger = provider_institution("350203")
    with pytest.raises(errors.NotFound):
        grant_services.report_submit(report, content="x", by=stranger)
    assert GrantReport.objects.get(pk=report.pk).status == "due"


def test_svc3_a_late_report_is_accepted_and_stays_flagged(case):
    report = first_report(case)
    GrantReport.objects.filter(pk=report.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=10))
    assert grant_services.grant_obligations_flag_overdue() == 1
    report = grant_services.report_submit(report, content="补交的进展报告", by=case.applicant_admin)
    report.refresh_from_db()
    assert report.status == "submitted" and report.overdue_flagged_at is not None
    assert CreditEvent.objects.filter(source_type="catalog.grantreport", source_id=str(report.pk)).count() == 1
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        grant_services.report_submit(report, content="again", by=case.applicant_admin)
    assert "already filed" in str(raised.value.message)


# --- certificate of destruction -------------------------------------------------------------------------------


def certify(case, **overrides):
    data = {"destroyed_on": timezone.localdate(), "method": "数据库记录删除并以随机数据覆写三次；备份介质物理销毁。",
            "signed_by_name": "王五", "document": pdf("销毁证明.pdf"), "by": case.applicant_admin}
    data.update(overrides)
    return grant_services.destruction_certify(case.grant, **data)


def test_svc3_certificate_on_an_active_grant_is_refused_the_grant_is_still_in_force(case):
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        certify(case)
    assert "is still in force" in str(raised.value.message)
    assert not DestructionCertificate.objects.exists()
    assert DataGrant.objects.get(pk=case.grant.pk).status == "active"


def test_svc3_certificate_closes_an_expired_grant_and_tells_the_providers(case, django_capture_on_commit_callbacks):
    expire(case.grant)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certify(case, by=case.co_recipient)
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert grant.status == "closed" and certificate.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert DataGrant.history.filter(id=grant.pk, history_user=case.co_recipient, status="closed").exists()
    assert Notification.objects.filter(recipient=case.provider_admin, title__contains="closed").exists()
    with pytest.raises(errors.TransitionNotAllowed):
        certify(case)
    certificate.document.delete(save=False)


def test_svc3_certificate_closes_a_revoked_grant(case):
    grant_services.grant_revoke(case.grant, reason="违反条件", breach=False, by=head_of())
    certificate = certify(case)
    assert DataGrant.objects.get(pk=case.grant.pk).status == "closed"
    certificate.document.delete(save=False)


def test_svc3_certificate_dates_and_inputs_are_checked_nothing_saved(case):
    expire(case.grant)
    today = timezone.localdate()
    with pytest.raises(errors.ValidationFailed) as raised:
        certify(case, destroyed_on=today + datetime.timedelta(days=1), method="", signed_by_name="",
                document=not_a_pdf())
    messages = field_errors(raised)
    assert "cannot be in the future" in messages["destroyed_on"]
    assert {"method", "signed_by_name", "document"} <= set(messages)
    with pytest.raises(errors.ValidationFailed) as raised:
        certify(case, destroyed_on=case.grant.starts_on - datetime.timedelta(days=1))
    assert "before the grant began" in field_errors(raised)["destroyed_on"]
    assert not DestructionCertificate.objects.exists()
    assert DataGrant.objects.get(pk=case.grant.pk).status == "expired"


def test_svc3_data_destroyed_before_the_end_date_may_be_certified_after_the_grant_ended(case):
    expire(case.grant, ended_days_ago=2)
    certificate = certify(case, destroyed_on=case.grant.ends_on - datetime.timedelta(days=10))
    assert certificate.destroyed_on < case.grant.ends_on
    certificate.document.delete(save=False)


def test_sec4_the_provider_files_no_certificate_for_the_grantee(case):
    expire(case.grant)
    with pytest.raises(errors.PermissionDenied):
        certify(case, by=case.provider_admin)
    _other, stranger = provider_institution("350203")
    with pytest.raises(errors.NotFound):
        certify(case, by=stranger)
    assert not DestructionCertificate.objects.exists()


def test_svc3_a_report_no_longer_due_cannot_be_filed(case):
    report = first_report(case)
    GrantReport.objects.filter(pk=report.pk).update(status="cancelled")
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        grant_services.report_submit(report, content="x", by=case.applicant_admin)
    assert "no longer due" in str(raised.value.message)
    assert GrantReport.objects.get(pk=report.pk).submitted_at is None
