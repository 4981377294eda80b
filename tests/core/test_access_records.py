"""Audited downloads (SUP-5): file_response writes one access record naming the user, object and address."""

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory

from apps.core import errors
from apps.core.files import file_response
from apps.core.models import AccessRecord
from tests.conftest import make_user
from tests.factories import department
from tests.standards.factories import make_standard


@pytest.fixture
def stored_text(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    standard = make_standard()
    standard.text.save("t.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return standard


def test_download_with_audit_writes_a_record(stored_text):
    user = make_user(department("350100", "municipal"), "reviewer")
    request = RequestFactory().get("/x", REMOTE_ADDR="10.1.2.3")
    request.user = user
    response = file_response(stored_text.text, filename="t.pdf", content_type="application/pdf",
                             audit_request=request, audit_object=stored_text)
    assert response.status_code == 200
    record = AccessRecord.objects.get()
    assert (record.user, record.organisation_id, record.action) == (user, user.organisation_id, "download")
    assert (record.object_type, record.object_id, record.label) == ("standards.standard", str(stored_text.pk), "t.pdf")
    assert record.ip_address == "10.1.2.3"


def test_missing_file_writes_no_record(db):
    standard = make_standard()
    request = RequestFactory().get("/x")
    with pytest.raises(errors.NotFound):
        file_response(standard.text, filename="t.pdf", content_type="application/pdf",
                      audit_request=request, audit_object=standard)
    assert not AccessRecord.objects.exists()


def test_without_audit_arguments_nothing_is_recorded(stored_text):
    file_response(stored_text.text, filename="t.pdf", content_type="application/pdf")
    assert not AccessRecord.objects.exists()


def test_a_forged_forwarded_header_is_not_recorded(stored_text):
    request = RequestFactory().get("/x", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user = make_user(department("350100", "municipal"), "reviewer")
    file_response(stored_text.text, filename="t.pdf", content_type="application/pdf",
                  audit_request=request, audit_object=stored_text)
    assert AccessRecord.objects.get().ip_address == "10.1.2.3"
