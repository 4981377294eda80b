"""Documents of a sharing application (SVC-2, SUP-5): checked by content, stored under their hash, removed
without losing what reviewers saw, downloaded only by those who see the application, every download recorded."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog.models import ApplicationDocument
from apps.catalog.services import applications as services
from apps.catalog.services.application_documents import document_add, document_remove
from apps.core import errors
from apps.core.models import AccessRecord
from tests.catalog import application_helpers as helpers
from tests.catalog.application_helpers import complete, draft, pdf, stored_files
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
provider, provider_admin, resource = helpers.provider, helpers.provider_admin, helpers.resource
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current


def test_svc2_a_pdf_is_stored_under_its_hash(applicant_admin, _media):
    application = draft(applicant_admin)
    document = document_add(application, kind="ethics_approval", upload=pdf("伦理批件.pdf"), by=applicant_admin)
    assert document.original_name == "伦理批件.pdf" and document.content_type == "application/pdf"
    assert document.file.name.endswith(f"{document.sha256[:32]}.pdf") and "伦理" not in document.file.name
    assert document.size == len(helpers.PDF) and len(stored_files(_media)) == 1
    assert document.history.get().history_user == applicant_admin
    png = document_add(application, kind="consent_form", upload=helpers.png(), by=applicant_admin)
    assert png.content_type == "image/png"


def test_a_disguised_file_is_refused_and_nothing_is_stored(applicant_admin, _media):
    application = draft(applicant_admin)
    fake = SimpleUploadedFile("批件.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")
    with pytest.raises(errors.ValidationFailed) as caught:
        document_add(application, kind="ethics_approval", upload=fake, by=applicant_admin)
    assert caught.value.field_errors == {"file": ["“批件.pdf” is not a PDF, PNG or JPEG file."]}
    assert not ApplicationDocument.objects.exists() and stored_files(_media) == []


def test_a_file_over_10_mb_is_refused_and_nothing_is_stored(applicant_admin, _media):
    application = draft(applicant_admin)
    big = SimpleUploadedFile("big.pdf", helpers.PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(errors.ValidationFailed) as caught:
        document_add(application, kind="project_plan", upload=big, by=applicant_admin)
    assert caught.value.field_errors["file"][0] == "“big.pdf” is 10.0\xa0MB; the largest accepted file is 10.0\xa0MB."
    assert not ApplicationDocument.objects.exists() and stored_files(_media) == []


def test_a_document_needs_a_kind_and_an_open_application(applicant_admin, resource, current, _media):
    application = draft(applicant_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        document_add(application, kind="selfie", upload=pdf(), by=applicant_admin)
    assert caught.value.field_errors == {"kind": ["Choose the kind of document."]}
    submitted = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    count = len(stored_files(_media))
    with pytest.raises(errors.TransitionNotAllowed, match="only a draft or a returned application can be changed"):
        document_add(submitted, kind="other", upload=pdf(), by=applicant_admin)
    assert len(stored_files(_media)) == count and submitted.documents.count() == 1


def test_only_the_applicant_adds_documents(applicant_admin, resource, provider_admin, _media):
    application = draft(applicant_admin, resource)
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    with pytest.raises(errors.NotFound):
        document_add(application, kind="other", upload=pdf(), by=stranger)
    with pytest.raises(errors.PermissionDenied):
        document_add(application, kind="other", upload=pdf(), by=provider_admin)
    assert not ApplicationDocument.objects.exists() and stored_files(_media) == []


def test_removing_an_unsubmitted_document_deletes_its_file(applicant_admin, _media,
                                                           django_capture_on_commit_callbacks):
    application = draft(applicant_admin)
    document = document_add(application, kind="other", upload=pdf(), by=applicant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(application, document=document, by=applicant_admin)
    assert not ApplicationDocument.objects.exists() and stored_files(_media) == []
    row = ApplicationDocument.history.filter(history_type="-").get()
    assert row.history_user == applicant_admin


def test_a_document_reviewers_saw_keeps_its_file_when_removed_from_a_returned_application(
        applicant_admin, resource, provider, provider_admin, current, _media, django_capture_on_commit_callbacks):
    from tests.catalog.test_applications_services import return_for_correction

    application = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    return_for_correction(application, provider, provider_admin, {"documents": "批件不清晰。"})
    document = application.documents.get()
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(application, document=document, by=applicant_admin)
    assert not application.documents.exists() and len(stored_files(_media)) == 1


# --- downloads --------------------------------------------------------------------------------------------


def test_sup5_every_download_is_recorded(client, applicant_admin, resource, provider_admin):
    application = draft(applicant_admin, resource)
    document = document_add(application, kind="ethics_approval", upload=pdf("伦理.pdf"), by=applicant_admin)
    for user in (applicant_admin, provider_admin):
        login_verified(client, user)
        response = client.get(reverse("catalog:application_document", args=[document.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == helpers.PDF
        assert response["Cache-Control"] == "private, no-store"
    api = client.get(reverse("api:catalog-application-document", args=[application.pk, document.pk]))
    assert api.status_code == 200
    records = AccessRecord.objects.filter(object_type="catalog.applicationdocument", object_id=str(document.pk))
    assert sorted(records.values_list("user_id", flat=True)) == sorted(
        [applicant_admin.pk, provider_admin.pk, provider_admin.pk])


def test_sec4_downloads_only_for_those_who_see_the_application(client, applicant_admin, resource):
    application = draft(applicant_admin, resource)
    document = document_add(application, kind="ethics_approval", upload=pdf(), by=applicant_admin)
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    partner = make_user(make_institution("350102").organisation, "submitter")
    services.recipient_add(application, user=partner, by=applicant_admin)
    for user in (stranger, partner):
        login_verified(client, user)
        assert client.get(reverse("catalog:application_document", args=[document.pk])).status_code == 404
        assert client.get(reverse("api:catalog-application-document",
                                  args=[application.pk, document.pk])).status_code == 404
    assert not AccessRecord.objects.exists()
