"""Registration and admission (INS-1, INS-2): services, each path and each refusal."""

import pytest
from django.test import override_settings

from apps.accounts.models import Organisation, User
from apps.core import errors
from apps.institutions.models import AdmissionApplication, Document, Institution
from apps.institutions.services import admission as admission_services
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.institutions.factories import credit_code, make_institution, profile
from tests.institutions.uploads import fake_pdf, pdf, required_documents

pytestmark = pytest.mark.django_db

ACCOUNT = {"username": "applicant1", "full_name": "申请人", "identity_number": "11010519491231002X",
           "email": "applicant1@example.cn", "mobile": "13912345678", "password": "Applicant-Pass-2026!"}


def register(**overrides):
    data = {"account": dict(ACCOUNT), "profile": profile("350102"), "purpose": "互联网医院数据应用",
            "documents": required_documents()}
    data.update(overrides)
    return admission_services.admission_register(**data)


def counts():
    return (Organisation.objects.count(), Institution.objects.count(), User.objects.count(),
            AdmissionApplication.objects.count(), Document.objects.count())


@pytest.fixture
def reviewers(gulou, fuzhou, xiamen):
    return {"gulou": make_user(gulou, "reviewer"), "fuzhou": make_user(fuzhou, "reviewer"),
            "xiamen": make_user(xiamen, "reviewer")}


def test_registration_creates_account_institution_and_application_INS_1_INS_2(reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = register()
    institution = application.institution
    assert institution.status == Institution.Status.APPLICANT
    assert institution.organisation.kind == Organisation.Kind.INSTITUTION
    applicant = User.objects.get(username="applicant1")
    assert applicant.organisation_id == institution.pk and applicant.has_role("institution_admin")
    assert application.status == AdmissionApplication.Status.SUBMITTED and application.number.startswith("ZR")
    assert application.due_on is not None
    assert sorted(application.documents.values_list("kind", flat=True)) == ["appointment", "licence", "security"]
    # History of the profile names the applicant, not an anonymous actor.
    assert institution.history.first().history_user == applicant
    # Reviewers whose jurisdiction covers Gulou are told; Xiamen's is not.
    told = set(Notification.objects.filter(title__contains=application.number).values_list("recipient__username",
                                                                                            flat=True))
    assert reviewers["gulou"].username in told and reviewers["fuzhou"].username in told
    assert reviewers["xiamen"].username not in told
    assert applicant.username in told


@pytest.mark.parametrize("change, field", [
    ({"profile": {"credit_code": "91350100M000100Y4Z"}}, "credit_code"),
    ({"profile": {"region": "999999"}}, "region"),
    ({"profile": {"region": "350100"}}, "region"),  # a city is not a county-level division
    ({"profile": {"contact_email": "not-an-address"}}, "contact_email"),
    ({"profile": {"security_officer_phone": "12"}}, "security_officer_phone"),
    ({"profile": {"name": ""}}, "name"),
    ({"documents": {"licence": pdf(), "security": pdf()}}, "document_appointment"),
    ({"documents": {"licence": fake_pdf(), "security": pdf(), "appointment": pdf()}}, "document_licence"),
    ({"purpose": "  "}, "purpose"),
    ({"account": {**ACCOUNT, "identity_number": ""}}, "identity_number"),
    ({"account": {**ACCOUNT, "identity_number": "110105194912310021"}}, "identity_number"),
    ({"account": {**ACCOUNT, "password": "short"}}, "password"),
])
def test_registration_refuses_bad_input_and_saves_nothing(gulou, change, field):
    base = profile("350102")
    if "profile" in change:
        change = {**change, "profile": {**base, **change["profile"]}}
    before = counts()
    with pytest.raises(errors.ValidationFailed) as caught:
        register(**change)
    assert field in caught.value.field_errors
    assert counts() == before


def test_registration_refuses_duplicate_credit_code(gulou):
    existing = make_institution("350102")
    before = counts()
    with pytest.raises(errors.ValidationFailed) as caught:
        register(profile=profile("350102", credit_code=existing.credit_code))
    assert "already registered" in caught.value.field_errors["credit_code"][0]
    assert counts() == before


@override_settings(INSTITUTION_DOCUMENT_MAX_BYTES=100)
def test_registration_refuses_oversized_upload(gulou):
    big = pdf("big.pdf", b"%PDF-1.4\n" + b"0" * 500)
    before = counts()
    with pytest.raises(errors.ValidationFailed) as caught:
        register(documents={**required_documents(), "licence": big})
    assert "largest accepted" in caught.value.field_errors["document_licence"][0]
    assert counts() == before


def test_approval_admits_the_institution_and_tells_the_applicant(gulou, reviewers, django_capture_on_commit_callbacks):
    application = register()
    with django_capture_on_commit_callbacks(execute=True):
        admission_services.admission_approve(application=application, by=reviewers["gulou"], comment="材料齐全")
    institution = Institution.objects.get(pk=application.institution_id)
    assert institution.status == Institution.Status.ADMITTED and institution.admitted_at is not None
    application.refresh_from_db()
    assert application.status == "approved" and application.reviewer == reviewers["gulou"]
    assert institution.history.first().history_user == reviewers["gulou"]
    told = Notification.objects.get(recipient__username="applicant1")
    assert application.number in told.title and told.url.endswith(f"/admission/{application.pk}/")


def test_return_needs_a_comment_then_applicant_corrects_and_resubmits(gulou, reviewers):
    application = register()
    with pytest.raises(errors.ValidationFailed):
        admission_services.admission_return(application=application, by=reviewers["fuzhou"], comment=" ")
    admission_services.admission_return(application=application, by=reviewers["fuzhou"], comment="请补充营业执照")
    applicant = User.objects.get(username="applicant1")
    admission_services.admission_resubmit(application=application, by=applicant,
                                          profile={"address": "福州市鼓楼区新地址2号"},
                                          documents={"licence": pdf("licence-v2.pdf")})
    application.refresh_from_db()
    assert application.status == "submitted" and application.resubmissions == 1
    assert application.institution.address == "福州市鼓楼区新地址2号"
    assert application.documents.filter(kind="licence").count() == 2


def test_refusal_needs_reasons_and_the_institution_may_apply_again(gulou, reviewers):
    application = register()
    with pytest.raises(errors.ValidationFailed):
        admission_services.admission_refuse(application=application, by=reviewers["gulou"], comment="")
    admission_services.admission_refuse(application=application, by=reviewers["gulou"], comment="不具备数据安全管理制度")
    institution = Institution.objects.get(pk=application.institution_id)
    assert institution.status == Institution.Status.REFUSED
    applicant = User.objects.get(username="applicant1")
    again = admission_services.admission_reapply(institution=institution, purpose="重新申请",
                                                 documents=required_documents(), by=applicant)
    assert again.status == "submitted"
    assert Institution.objects.get(pk=institution.pk).status == Institution.Status.APPLICANT


def test_reapplication_waits_for_the_period_after_a_revocation_INS_4(gulou):
    import datetime

    from django.utils import timezone

    institution = make_institution("350102", status=Institution.Status.REVOKED)
    institution.readmission_allowed_from = timezone.localdate() + datetime.timedelta(days=30)
    institution.save()
    admin = make_user(institution.organisation, "institution_admin")
    with pytest.raises(errors.ValidationFailed) as caught:
        admission_services.admission_reapply(institution=institution, purpose="x", documents=required_documents(),
                                             by=admin)
    assert "waiting period" in caught.value.message
    assert AdmissionApplication.objects.count() == 0


def test_reviewer_outside_the_jurisdiction_cannot_see_the_application(gulou, reviewers):
    application = register()
    with pytest.raises(errors.NotFound):
        admission_services.admission_approve(application=application, by=reviewers["xiamen"])


def test_department_user_without_the_review_role_is_refused(gulou):
    application = register()
    inspector = make_user(gulou, "inspector")
    with pytest.raises(errors.PermissionDenied):
        admission_services.admission_approve(application=application, by=inspector)


def test_applicant_cannot_approve_their_own_application(gulou):
    application = register()
    with pytest.raises(errors.PermissionDenied):
        admission_services.admission_approve(application=application, by=User.objects.get(username="applicant1"))


def test_decided_application_cannot_be_decided_again(gulou, reviewers):
    application = register()
    admission_services.admission_approve(application=application, by=reviewers["gulou"])
    with pytest.raises(errors.TransitionNotAllowed):
        admission_services.admission_refuse(application=application, by=reviewers["gulou"], comment="迟到的拒绝")


def test_provider_types_register_as_provider_organisations(gulou):
    application = register(profile=profile("350102", type="data_service", hospital_grade="3a",
                                           credit_code=credit_code("350102", 990001)))
    institution = application.institution
    assert institution.organisation.kind == Organisation.Kind.PROVIDER
    assert institution.hospital_grade == ""  # a grade only applies to hospitals
