"""Malformed input answers a clear status, never a server error; documents are served the same way by the
page and the API."""

import pytest
from django.urls import reverse

from tests.conftest import login_verified, make_user
from tests.institutions import transfer_helpers
from tests.institutions.transfer_helpers import entrust, store_document

pytestmark = pytest.mark.django_db

dept = transfer_helpers.dept
provider = transfer_helpers.provider
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin

# "²" passes str.isdigit(), but int("²") raises ValueError; an id beyond bigint must not overflow the column.
ODD_IDS = ["²", "¹²", "99999999999999999999999"]


@pytest.mark.parametrize("value", ODD_IDS)
def test_transfer_open_form_ignores_a_malformed_source_id(client, dept, source, value):
    login_verified(client, dept)
    response = client.get(reverse("institutions:transfer_open"), {"source": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ODD_IDS)
def test_decision_api_list_ignores_a_malformed_institution_filter(client, gulou, value):
    login_verified(client, make_user(gulou, "inspector"))
    response = client.get(reverse("api:institutions-decisions"), {"institution": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ODD_IDS)
def test_entrustment_api_list_ignores_a_malformed_institution_filter(client, source, source_admin, provider,
                                                                     value):
    entrust(source, provider, source_admin)
    login_verified(client, source_admin)
    response = client.get(reverse("api:institutions-entrustment-list"), {"institution": value})
    assert response.status_code == 200


def test_entrustment_api_list_still_filters_by_a_plain_id(client, source, source_admin, provider):
    entrust(source, provider, source_admin)
    login_verified(client, source_admin)
    response = client.get(reverse("api:institutions-entrustment-list"), {"institution": str(provider.pk)})
    assert len(response.json()["results"]) == 1


def test_api_document_download_of_a_missing_file_is_404_not_500(client, source, source_admin):
    document = store_document(source, source_admin)
    document.file.storage.delete(document.file.name)
    login_verified(client, source_admin)
    response = client.get(reverse("api:institutions-document-download", args=[document.pk]))
    assert response.status_code == 404


def test_api_document_download_is_not_cached(client, source, source_admin):
    document = store_document(source, source_admin)
    login_verified(client, source_admin)
    response = client.get(reverse("api:institutions-document-download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    response.close()


def test_entrustment_refusal_does_not_reveal_the_name_of_an_undisclosed_institution(client, source,
                                                                                     source_admin, provider):
    """An applicant's profile is not public: probing ids through the provider field must not name it."""
    from apps.institutions.models import Document, Entrustment, Institution
    from tests.institutions.factories import make_institution
    from tests.institutions.transfer_helpers import term
    from tests.institutions.uploads import pdf

    applicant = make_institution("350203", Institution.Status.APPLICANT, name="厦门未公开申请医院")
    starts, ends = term()
    login_verified(client, source_admin)
    response = client.post(reverse("api:institutions-entrustment-list"), {
        "institution": source.pk, "provider": applicant.pk, "scope": "storage", "systems": "HIS",
        "security_obligations": "境内存储", "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
        "agreement": pdf("协议.pdf")})
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]
    assert applicant.name not in response.content.decode()
    assert not Entrustment.objects.exists() and not Document.objects.exists()

