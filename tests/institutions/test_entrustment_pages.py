"""Entrustment pages and API (INS-7): the institution tab, the provider's read-only page, the agreement."""

import pytest
from django.urls import reverse

from apps.institutions.models import Document, Entrustment
from tests.conftest import login_verified, make_user
from tests.institutions import transfer_helpers
from tests.institutions.factories import make_institution
from tests.institutions.transfer_helpers import entrust, term
from tests.institutions.uploads import PDF, fake_pdf, pdf

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/institutions/transfer_helpers.py), bound here so pytest finds them.
dept = transfer_helpers.dept
outsider = transfer_helpers.outsider
provider = transfer_helpers.provider
provider_admin = transfer_helpers.provider_admin
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin


def tab_url(institution):
    return reverse("institutions:entrustments", args=[institution.pk])


def form_data(target, **overrides):
    starts, ends = term()
    data = {"provider": target.credit_code, "scope": "both", "systems": "区域影像云", "security_obligations": "等保三级",
            "starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "agreement": pdf("协议.pdf")}
    data.update(overrides)
    return data


def test_tab_lists_both_sides_within_a_query_budget(client, source, source_admin, provider,
                                                    django_assert_max_num_queries):
    entrustments = [entrust(source, provider, source_admin) for _ in range(4)]
    login_verified(client, source_admin)
    with django_assert_max_num_queries(16):
        response = client.get(tab_url(source))
    page = response.content.decode()
    assert response.status_code == 200 and page.count(provider.name) >= 4
    assert 'data-testid="entrustment-table"' in page and "Record an entrustment" in page
    assert reverse("institutions:document_download", args=[entrustments[0].agreement_id]) in page
    assert reverse("institutions:entrustment_end", args=[entrustments[0].pk]) in page


def test_the_providers_own_tab_shows_its_clients_read_only(client, source, source_admin, provider,
                                                           provider_admin):
    entrustment = entrust(source, provider, source_admin)
    login_verified(client, provider_admin)
    page = client.get(tab_url(provider)).content.decode()
    assert "We are the provider" in page and source.name in page
    assert reverse("institutions:entrustment_agreement", args=[entrustment.pk]) in page
    assert reverse("institutions:entrustment_end", args=[entrustment.pk]) not in page


def test_institution_records_through_the_tab(client, source, source_admin, provider):
    login_verified(client, source_admin)
    response = client.post(tab_url(source), form_data(provider))
    assert response.status_code == 302 and response.url == tab_url(source)
    entrustment = Entrustment.objects.get()
    assert entrustment.scope == "both" and entrustment.agreement.original_name == "协议.pdf"


@pytest.mark.parametrize("overrides, message", [
    ({"agreement": fake_pdf()}, "is not a PDF, PNG or JPEG file"),
    ({"ends_on": term()[0].replace(year=term()[0].year - 1).isoformat()}, "cannot end before it starts"),
    ({"provider": "91350102MA0000000X"}, "No registered institution has this code."),
])
def test_tab_form_shows_refusals_and_saves_nothing(overrides, message, client, source, source_admin, provider):
    login_verified(client, source_admin)
    response = client.post(tab_url(source), form_data(provider, **overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Entrustment.objects.exists() and not Document.objects.exists()


def test_non_provider_refused_on_the_form(client, source, source_admin):
    hospital = make_institution("350102")
    login_verified(client, source_admin)
    response = client.post(tab_url(source), form_data(hospital))
    assert "is not an admitted service provider" in response.content.decode()
    assert not Entrustment.objects.exists()


def test_tab_permissions(client, source, source_admin, provider, outsider, dept):
    login_verified(client, outsider)
    assert client.get(tab_url(source)).status_code == 404
    client.logout()
    login_verified(client, make_user(source.organisation, "submitter"))  # no right to see entrustments
    assert client.get(tab_url(source)).status_code == 403
    client.logout()
    login_verified(client, make_user(source.organisation, "security_officer"))
    page = client.get(tab_url(source)).content.decode()
    assert "Record an entrustment" not in page
    assert client.post(tab_url(source), form_data(provider)).status_code == 404
    client.logout()
    login_verified(client, dept)  # a department in the jurisdiction may record
    assert "Record an entrustment" in client.get(tab_url(source)).content.decode()
    client.logout()
    assert client.get(tab_url(source)).status_code == 302


def test_provider_page_is_read_only_INS_7(client, source, source_admin, provider, provider_admin,
                                          django_assert_max_num_queries):
    entrustments = [entrust(source, provider, source_admin) for _ in range(3)]
    login_verified(client, provider_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("institutions:entrusted_to_us"))
    page = response.content.decode()
    assert page.count('data-testid="entrusted-card"') == 3 and source.name in page
    assert "/end/" not in page
    # The provider downloads the agreement it signed…
    agreement = client.get(reverse("institutions:entrustment_agreement", args=[entrustments[0].pk]))
    assert agreement.status_code == 200 and b"".join(agreement.streaming_content) == PDF
    # …but cannot end the entrustment: visible, so 403 rather than 404.
    assert client.get(reverse("institutions:entrustment_end", args=[entrustments[0].pk])).status_code == 403
    assert client.post(reverse("institutions:entrustment_end", args=[entrustments[0].pk]),
                       {"reason": "x"}).status_code == 403
    assert Entrustment.objects.filter(status="active").count() == 3


def test_entrusted_page_for_someone_else_and_anonymous(client, source, source_admin, provider, dept):
    entrust(source, provider, source_admin)
    login_verified(client, source_admin)  # the entrusting side is not the provider
    assert 'data-testid="entrusted-empty"' in client.get(reverse("institutions:entrusted_to_us")).content.decode()
    client.logout()
    login_verified(client, dept)  # a department has no institution profile of its own
    assert client.get(reverse("institutions:entrusted_to_us")).status_code == 404
    client.logout()
    assert client.get(reverse("institutions:entrusted_to_us")).status_code == 302


def test_end_through_the_page(client, source, source_admin, provider):
    entrustment = entrust(source, provider, source_admin)
    login_verified(client, source_admin)
    url = reverse("institutions:entrustment_end", args=[entrustment.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "合同提前终止"})
    assert response.status_code == 302 and response.url == tab_url(source)
    entrustment.refresh_from_db()
    assert entrustment.status == "ended" and entrustment.ended_reason == "合同提前终止"


def test_agreement_of_another_institution_is_404(client, source, source_admin, provider, outsider):
    entrustment = entrust(source, provider, source_admin)
    login_verified(client, outsider)
    assert client.get(reverse("institutions:entrustment_agreement", args=[entrustment.pk])).status_code == 404
    assert client.get(reverse("institutions:entrustment_end", args=[entrustment.pk])).status_code == 404


# --- API -----------------------------------------------------------------------------------------------


def api_data(source, provider, **overrides):
    starts, ends = term()
    data = {"institution": source.pk, "provider": provider.pk, "scope": "storage", "systems": "HIS",
            "security_obligations": "境内存储", "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
            "agreement": pdf("协议.pdf")}
    data.update(overrides)
    return data


def test_api_record_read_and_end(client, source, source_admin, provider, provider_admin):
    login_verified(client, source_admin)
    response = client.post(reverse("api:institutions-entrustment-list"), api_data(source, provider))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"]["id"] == provider.pk and body["status"] == "active"
    client.logout()
    login_verified(client, provider_admin)
    listed = client.get(reverse("api:institutions-entrustment-list") + "?side=provider").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert client.get(body["agreement"]).status_code == 200
    response = client.post(reverse("api:institutions-entrustment-end", args=[body["id"]]), {"reason": "x"},
                           content_type="application/json")
    assert response.status_code == 403
    client.logout()
    login_verified(client, source_admin)
    response = client.post(reverse("api:institutions-entrustment-end", args=[body["id"]]), {"reason": "到期"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "ended"


def test_api_refusals(client, source, source_admin, provider, outsider):
    login_verified(client, source_admin)
    response = client.post(reverse("api:institutions-entrustment-list"),
                           api_data(source, provider, ends_on=term(-400, 10)[1].isoformat()))
    assert response.status_code == 400 and "ends_on" in response.json()["error"]["fields"]
    response = client.post(reverse("api:institutions-entrustment-list"),
                           api_data(source, provider, agreement=fake_pdf()))
    assert response.status_code == 400 and "agreement" in response.json()["error"]["fields"]
    assert not Entrustment.objects.exists() and not Document.objects.exists()
    entrustment = entrust(source, provider, source_admin)
    client.logout()
    login_verified(client, outsider)
    assert client.get(reverse("api:institutions-entrustment-detail", args=[entrustment.pk])).status_code == 404
    response = client.post(reverse("api:institutions-entrustment-list"), api_data(source, provider))
    assert response.status_code == 404


def test_api_list_query_budget(client, source, source_admin, provider, django_assert_max_num_queries):
    for _ in range(4):
        entrust(source, provider, source_admin)
    login_verified(client, source_admin)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("api:institutions-entrustment-list"))
    assert len(response.json()["results"]) == 4
