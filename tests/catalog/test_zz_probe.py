import pytest
pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("url", [
    "/catalog/public/entries/a%00b/", "/catalog/public/entries/a%00b.jsonld", "/catalog/register/?q=a%00b",
    "/catalog/register.csv?q=a%00b", "/catalog/verify/ab%00cd/", "/catalog/verify/?code=a%00b",
    "/catalog/public/?q=a%00b&provider=x%00&region=%00&standard=%00&level=abc&category=%00",
    "/catalog/public/dcat.jsonld?page=%00", "/catalog/public/dcat.jsonld?page=99999999999999999999",
    "/api/v1/catalog/register/?q=a%00b", "/api/v1/catalog/verify/ab%00cd/", "/catalog/register/?year=%00&status=%00",
    "/catalog/register/?page=abc", "/catalog/public/entries/" + "x" * 5000 + "/",
])
def test_probe(client, url):
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)


from tests.catalog import application_helpers as helpers  # noqa: E402
from tests.catalog.application_helpers import draft  # noqa: E402
from tests.conftest import login_verified  # noqa: E402

_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
provider, provider_admin, resource = helpers.provider, helpers.provider_admin, helpers.resource
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current


@pytest.mark.parametrize("path,query", [
    ("new", "?resource=²"), ("resources", "?add=²"), ("resources", "?add=99999999999999999999"),
    ("resources", "?q=a%00b"), ("list", "?status=%00"),
    ("api-steps", "?application=²"), ("api-steps", "?application=99999999999999999999"),
    ("search", "?provider=²&level=²&region=²&q=%00&standard=%00"),
    ("api-search", "?provider=²&level=²&region=²&q=%00&standard=%00"),
    ("grants", "?q=SG%00&status=%00&expiring=%00"), ("api-grants", "?expiring=²&status=%00"),
    ("incoming", "?status=%00&turn=%00&level=²"), ("dashboard-steps", "?kind=%00&level=²&category=%00"),
    ("api-letters", "?application=²&kind=%00"),
])
def test_probe_signed_in(client, applicant_admin, resource, path, query):
    application = draft(applicant_admin, resource)
    login_verified(client, applicant_admin)
    urls = {"new": "/catalog/applications/new/", "resources": f"/catalog/applications/{application.pk}/resources/",
            "list": "/catalog/applications/", "api-steps": "/api/v1/catalog/steps/",
            "search": "/catalog/resources/", "api-search": "/api/v1/catalog/resources/",
            "grants": "/catalog/grants/", "api-grants": "/api/v1/catalog/grants/", "incoming": "/catalog/incoming/",
            "dashboard-steps": "/catalog/dashboard/steps/", "api-letters": "/api/v1/catalog/letters/"}
    response = client.get(urls[path] + query)
    assert response.status_code < 500, (path, query, response.status_code)


def test_probe_post_resources(client, applicant_admin, resource):
    application = draft(applicant_admin, resource)
    login_verified(client, applicant_admin)
    response = client.post(f"/catalog/applications/{application.pk}/resources/",
                           {"resource": ["²", "99999999999999999999", str(resource.pk)], f"fields_{resource.pk}": ["²"]})
    assert response.status_code < 500
    response = client.post(f"/catalog/applications/{application.pk}/recipients/",
                           {"username": "a\x00b", "email": "x@example.com"})
    assert response.status_code < 500
