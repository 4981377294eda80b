"""Entrustment of storage or operation to a service provider (INS-7, M.31, M.32): services and refusals."""

import pytest

from apps.core import errors, policy
from apps.institutions.models import Document, Entrustment, Institution
from apps.institutions.services import entrustment as entrustment_services
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.institutions import transfer_helpers
from tests.institutions.factories import make_institution
from tests.institutions.transfer_helpers import entrust, term
from tests.institutions.uploads import fake_pdf, png

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/institutions/transfer_helpers.py), bound here so pytest finds them.
dept = transfer_helpers.dept
outsider = transfer_helpers.outsider
provider = transfer_helpers.provider
provider_admin = transfer_helpers.provider_admin
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin


def counts():
    return Entrustment.objects.count(), Document.objects.count()


def test_recording_stores_the_agreement_and_tells_the_provider_INS_7(source, source_admin, provider,
                                                                     provider_admin,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entrustment = entrust(source, provider, source_admin, agreement_upload=png("协议扫描件.png"))
    assert entrustment.status == Entrustment.Status.ACTIVE and entrustment.recorded_by == source_admin
    assert entrustment.agreement.kind == Document.Kind.AGREEMENT
    assert entrustment.agreement.institution_id == source.pk and entrustment.agreement.content_type == "image/png"
    assert entrustment.history.first().history_user == source_admin
    assert Notification.objects.filter(recipient=provider_admin, title__contains=source.name).exists()
    assert not Notification.objects.filter(recipient=source_admin).exists()  # it acted itself


def test_department_in_jurisdiction_records_and_the_institution_is_told_INS_7(
        dept, source, source_admin, provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entrust(source, provider, dept)
    assert Notification.objects.filter(recipient=source_admin).exists()


def test_an_admitted_data_service_institution_without_provider_organisation_is_eligible(source, source_admin):
    data_service = make_institution("350102", type="data_service", hospital_grade="")
    assert entrust(source, data_service, source_admin).provider_id == data_service.pk


@pytest.mark.parametrize("overrides, field", [
    ({"starts_on": term()[1], "ends_on": term()[0]}, "ends_on"),
    ({"starts_on": term(-400)[0], "ends_on": term(-400, 30)[1]}, "ends_on"),
    ({"scope": "everything"}, "scope"),
    ({"systems": "  "}, "systems"),
    ({"security_obligations": ""}, "security_obligations"),
    ({"agreement_upload": None}, "agreement"),
    ({"agreement_upload": fake_pdf()}, "agreement"),
])
def test_bad_input_saves_nothing_INS_7(overrides, field, source, source_admin, provider):
    before = counts()
    with pytest.raises(errors.ValidationFailed) as refused:
        entrust(source, provider, source_admin, **overrides)
    assert field in refused.value.field_errors
    assert counts() == before


@pytest.mark.parametrize("case", ["hospital", "not_admitted", "itself"])
def test_only_an_admitted_service_provider_can_be_entrusted_INS_7(case, source, source_admin):
    if case == "hospital":
        target = make_institution("350102")
    elif case == "not_admitted":
        target = make_institution("350102", status=Institution.Status.SUSPENDED, type="data_service",
                                  hospital_grade="")
    else:
        target = source
    before = counts()
    with pytest.raises(errors.ValidationFailed) as refused:
        entrust(source, target, source_admin)
    assert "provider" in refused.value.field_errors
    assert counts() == before


def test_who_may_record(source, provider, provider_admin, outsider):
    with pytest.raises(errors.NotFound):  # the provider cannot record for its client
        entrust(source, provider, provider_admin)
    with pytest.raises(errors.NotFound):
        entrust(source, provider, outsider)
    with pytest.raises(errors.PermissionDenied):  # own institution, but no role to manage entrustments
        entrust(source, provider, make_user(source.organisation, "security_officer"))
    assert counts() == (0, 0)


def test_provider_reads_but_cannot_end_INS_7(source, source_admin, provider, provider_admin):
    entrustment = entrust(source, provider, source_admin)
    assert policy.visible(provider_admin, Entrustment, "institutions.view_entrustment").get() == entrustment
    with pytest.raises(errors.PermissionDenied):
        entrustment_services.entrustment_end(entrustment=entrustment, reason="合同到期", by=provider_admin)
    entrustment.refresh_from_db()
    assert entrustment.status == Entrustment.Status.ACTIVE


def test_ending_needs_a_reason_and_happens_once(source, source_admin, provider, provider_admin,
                                                django_capture_on_commit_callbacks):
    entrustment = entrust(source, provider, source_admin)
    with pytest.raises(errors.ValidationFailed):
        entrustment_services.entrustment_end(entrustment=entrustment, reason="", by=source_admin)
    with django_capture_on_commit_callbacks(execute=True):
        ended = entrustment_services.entrustment_end(entrustment=entrustment, reason="更换服务商", by=source_admin)
    assert ended.status == Entrustment.Status.ENDED and ended.ended_reason == "更换服务商"
    assert ended.history.first().history_user == source_admin
    assert Notification.objects.filter(recipient=provider_admin, body="更换服务商").exists()
    with pytest.raises(errors.TransitionNotAllowed):
        entrustment_services.entrustment_end(entrustment=entrustment, reason="再次", by=source_admin)


def test_department_ends_within_its_jurisdiction_only(dept, outsider, source, source_admin, provider):
    entrustment = entrust(source, provider, source_admin)
    with pytest.raises(errors.NotFound):
        entrustment_services.entrustment_end(entrustment=entrustment, reason="监督检查发现违规", by=outsider)
    assert entrustment_services.entrustment_end(entrustment=entrustment, reason="监督检查发现违规",
                                                by=dept).status == Entrustment.Status.ENDED


def test_another_institution_cannot_see_or_end(source, source_admin, provider):
    entrustment = entrust(source, provider, source_admin)
    stranger = make_user(make_institution("350102").organisation, "institution_admin")
    assert not policy.visible(stranger, Entrustment, "institutions.view_entrustment").exists()
    with pytest.raises(errors.NotFound):
        entrustment_services.entrustment_end(entrustment=entrustment, reason="x", by=stranger)
