"""De-identification and releases under a grant (SEC-8, SVC-3, SEC-4): every rule has its own message and
nothing is saved when it is broken."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from apps.catalog.models import DataGrant, DataRelease, DeidentificationRecord
from apps.catalog.services import grants as grant_services
from apps.core import errors
from tests.conftest import make_user
from tests.factories import department

from .factories import make_application, make_resource, provider_institution
from .grants_helpers import CHECKSUM, PDF, grant_case, not_a_pdf, pdf, set_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return grant_case()


def deidentify(case, **overrides):
    data = {"item": overrides.pop("item") if "item" in overrides else case.item, "method": "pseudonymisation", "description": "姓名以密钥哈希替换，出生日期保留年份。",
            "evidence_upload": pdf("去标识化报告.pdf"), "by": case.provider_admin}
    data.update(overrides)
    return grant_services.deidentification_record(case.grant, **data)


def release(case, **overrides):
    data = {"item": overrides.pop("item") if "item" in overrides else case.item, "description": "2020-2025年门诊记录抽取", "file_name": "extract-2026-01.csv.gpg",
            "checksum": CHECKSUM, "record_count": 120000, "recipient": case.applicant_admin,
            "deidentification": None, "by": case.provider_admin}
    data.update(overrides)
    return grant_services.release_record(case.grant, **data)


def field_errors(raised) -> dict:
    return {key: " ".join(str(m) for m in value) for key, value in raised.value.field_errors.items()}


# --- de-identification ---------------------------------------------------------------------------------------


def test_sec8_provider_records_deidentification_with_checked_evidence_and_its_hash(case):
    record = deidentify(case)
    assert record.method == "pseudonymisation" and record.evidence_name == "去标识化报告.pdf"
    assert record.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    assert record.evidence.read() == PDF
    assert DeidentificationRecord.history.filter(id=record.pk, history_user=case.provider_admin).exists()
    record.evidence.delete(save=False)


def test_sec8_deidentification_method_none_is_refused_and_nothing_saved(case):
    with pytest.raises(errors.ValidationFailed) as raised:
        deidentify(case, method="none")
    assert "“none” is not a de-identification" in field_errors(raised)["method"]
    assert not DeidentificationRecord.objects.exists()


def test_sec8_deidentification_evidence_is_checked_by_content(case):
    with pytest.raises(errors.ValidationFailed) as raised:
        deidentify(case, evidence_upload=not_a_pdf(), description="")
    messages = field_errors(raised)
    assert "is not a PDF, PNG or JPEG file" in messages["evidence"]
    assert "Describe what was done" in messages["description"]
    with pytest.raises(errors.ValidationFailed) as raised:
        deidentify(case, evidence_upload=None)
    assert "Choose a file" in field_errors(raised)["evidence"]
    assert not DeidentificationRecord.objects.exists()


def test_sec8_only_the_provider_records_deidentification(case):
    with pytest.raises(errors.PermissionDenied):  # the grantee's admin holds release_data for its own data
        deidentify(case, by=case.applicant_admin)
    _other, stranger = provider_institution("350102")
    with pytest.raises(errors.NotFound):
        deidentify(case, by=stranger)
    assert not DeidentificationRecord.objects.exists()


# --- releases -------------------------------------------------------------------------------------------------


def test_svc3_sec8_release_after_deidentification_records_what_version_checksum_whom_when(case):
    record = deidentify(case)
    done = release(case, deidentification=record, checksum=CHECKSUM.upper())
    assert (done.version_number, done.checksum, done.recipient, done.deidentification) == (
        case.item.version.number, CHECKSUM, case.applicant_admin, record)
    assert set(done.fields.values_list("name", flat=True)) == {"患者姓名", "性别", "诊断编码"}
    assert done.released_at is not None and done.released_by == case.provider_admin
    assert DataRelease.history.filter(id=done.pk, history_user=case.provider_admin).exists()
    record.evidence.delete(save=False)


def test_sec8_personal_fields_are_not_released_before_deidentification(case):
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case)
    message = field_errors(raised)["deidentification"]
    assert "includes personal fields (患者姓名、性别)" in message and "before the release" in message
    assert not DataRelease.objects.exists()


def test_sec8_fields_that_are_not_personal_need_no_deidentification(case):
    granted = case.item.fields.get(name="诊断编码")
    done = release(case, fields=[granted])
    assert list(done.fields.all()) == [granted]


def test_sec8_a_legal_basis_for_identified_data_needs_no_deidentification():
    case = grant_case(legal_basis="medical_treatment")
    assert release(case).deidentification is None


def test_svc3_release_of_a_field_not_in_the_grant_is_refused(case):
    ungranted = case.item.version.fields.get(name="就诊日期")  # in the resource, not requested
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, fields=[ungranted])
    assert f"Not granted under {case.grant.number} for this resource: 就诊日期" in field_errors(raised)["fields"]
    assert not DataRelease.objects.exists()


def test_svc3_release_of_a_resource_of_another_application_is_refused(case):
    other_resource = make_resource(case.provider.organisation, by=case.provider_admin)
    other = make_application(case.applicant.organisation, [(other_resource, ["性别"])], by=case.applicant_admin)
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, item=other.items.get())
    assert f"not part of grant {case.grant.number}" in field_errors(raised)["item"]
    assert not DataRelease.objects.exists()


def test_svc3_release_to_someone_not_named_on_the_grant_is_refused(case):
    colleague = make_user(case.applicant.organisation, "submitter", full_name="未列名人员")
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, recipient=colleague, fields=[case.item.fields.get(name="诊断编码")])
    assert f"未列名人员 is not a recipient named on grant {case.grant.number}" in field_errors(raised)["recipient"]
    assert not DataRelease.objects.exists()


@pytest.mark.parametrize("checksum", ["", "abc", "g" * 64, "a" * 63, "a" * 65, "md5:" + "a" * 60])
def test_svc3_release_with_a_malformed_checksum_is_refused(case, checksum):
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, checksum=checksum, fields=[case.item.fields.get(name="诊断编码")])
    assert "64 hexadecimal characters" in field_errors(raised)["checksum"]
    assert not DataRelease.objects.exists()


def test_sec8_a_deidentification_record_of_another_resource_does_not_count(case):
    other_case = grant_case()
    record = deidentify(other_case)
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, deidentification=record)
    assert "belongs to another grant or resource" in field_errors(raised)["deidentification"]
    assert not DataRelease.objects.exists()
    record.evidence.delete(save=False)


def test_svc3_nothing_is_released_under_a_suspended_grant(case):
    DataGrant.objects.filter(pk=case.grant.pk).update(status="suspended", suspended_reason="准入资格暂停")
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        release(case, fields=[case.item.fields.get(name="诊断编码")])
    assert "is suspended (准入资格暂停)" in str(raised.value.message)
    assert not DataRelease.objects.exists()


@pytest.mark.parametrize("status", ["expired", "revoked", "closed"])
def test_svc3_nothing_is_released_under_an_ended_grant(case, status):
    DataGrant.objects.filter(pk=case.grant.pk).update(status=status)
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        release(case, fields=[case.item.fields.get(name="诊断编码")])
    assert "has ended" in str(raised.value.message)
    assert not DataRelease.objects.exists()


def test_svc3_nothing_is_released_before_the_grant_begins(case):
    today = timezone.localdate()
    set_period(case.grant, today + datetime.timedelta(days=5), today + datetime.timedelta(days=50))
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, fields=[case.item.fields.get(name="诊断编码")])
    assert "nothing may be released before" in str(raised.value.message)
    assert not DataRelease.objects.exists()


def test_sec4_release_permissions_provider_only_404_for_strangers_403_for_other_parties(case):
    granted = [case.item.fields.get(name="诊断编码")]
    with pytest.raises(errors.PermissionDenied):  # the grantee sees the grant and holds release_data
        release(case, by=case.applicant_admin, fields=granted)
    with pytest.raises(errors.PermissionDenied):  # a recipient holds no release_data
        release(case, by=case.co_recipient, fields=granted)
    with pytest.raises(errors.PermissionDenied):  # a department sees it, releases nothing
        release(case, by=make_user(department("350100", "municipal"), "reviewer"), fields=granted)
    _other, stranger = provider_institution("350102")
    with pytest.raises(errors.NotFound):
        release(case, by=stranger, fields=granted)
    assert not DataRelease.objects.exists()


def test_sec4_a_provider_of_one_resource_cannot_release_another_providers_resource():
    case = grant_case()
    first = case.item
    second_provider, second_admin = provider_institution("350102")
    resource = make_resource(second_provider.organisation, by=second_admin)
    from apps.catalog.models import ApplicationItem

    item = ApplicationItem.objects.create(application=case.application, resource=resource,
                                          version=resource.published_version, provider=second_provider.organisation)
    item.fields.set(resource.published_version.fields.filter(name="诊断编码"))
    with pytest.raises(errors.PermissionDenied) as raised:
        release(case, by=second_admin, item=first, fields=[first.fields.get(name="诊断编码")])
    assert first.resource.code in str(raised.value.message)
    done = release(case, by=second_admin, item=item)
    assert done.item == item


def test_svc3_nothing_is_released_after_the_end_date_even_before_the_nightly_expiry(case):
    today = timezone.localdate()
    set_period(case.grant, today - datetime.timedelta(days=50), today - datetime.timedelta(days=1))
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, fields=[case.item.fields.get(name="诊断编码")])
    assert "nothing more may be released" in str(raised.value.message)
    assert not DataRelease.objects.exists()


def test_svc3_release_needs_a_description_a_file_name_and_a_sensible_record_count(case):
    with pytest.raises(errors.ValidationFailed) as raised:
        release(case, description=" ", file_name="", record_count=-1, fields=[case.item.fields.get(name="诊断编码")])
    messages = field_errors(raised)
    assert "Describe what was released." in messages["description"]
    assert "Name the file or dataset released." in messages["file_name"]
    assert "0 or more" in messages["record_count"]
    assert not DataRelease.objects.exists()


@pytest.mark.parametrize("status", ["expired", "revoked", "closed"])
def test_sec8_no_deidentification_is_recorded_under_an_ended_grant(case, status):
    DataGrant.objects.filter(pk=case.grant.pk).update(status=status)
    with pytest.raises(errors.TransitionNotAllowed) as raised:
        deidentify(case)
    assert "has ended" in str(raised.value.message)
    assert not DeidentificationRecord.objects.exists()
