"""Defects found in the review of the catalog app (issue 4), each with the test that failed before its fix."""

import datetime

import pytest

from apps.catalog.models import DataGrant, RouteStep, SharingApplication
from apps.catalog.services import applications as services
from apps.catalog.services import grants as grant_services
from apps.catalog.services import routing
from apps.core import errors
from tests.catalog import application_helpers as helpers
from tests.catalog.application_helpers import complete, suspend
from tests.catalog.grants_helpers import CHECKSUM, approved_application, grant_case
from tests.conftest import login_verified, make_user
from tests.factories import department

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
provider, provider_admin, resource = helpers.provider, helpers.provider_admin, helpers.resource
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current


def _return(application, provider, provider_admin):
    step = application.steps.get(round=application.round, status="active")
    reviewer = make_user(provider.organisation, "data_steward")
    routing.step_reviewers_assign(step, users=[reviewer], by=provider_admin)
    routing.conflict_declare(step, user=reviewer, statement="本人与申请无利益冲突。")
    routing.step_decide(step, decision="return", comment="请补充出境说明。", by=reviewer)
    application.refresh_from_db()
    return reviewer


# --- SEC-9: a recorded assessment covers the export it assessed -------------------------------------------


def test_sec9_changing_the_export_destination_after_the_assessment_needs_a_new_assessment(
        applicant_admin, resource, provider, provider_admin, current):
    application = services.application_submit(
        complete(applicant_admin, resource, cross_border=True, cross_border_destination="新加坡"), by=applicant_admin)
    fujian = department("350000", "provincial")
    routing.security_assessment_record(application, reference="闽网信评〔2026〕1号", assessed_on=routing.today(),
                                       by=make_user(fujian, "reviewer"))
    reviewer = _return(application, provider, provider_admin)
    assert application.status == "returned"
    services.application_update(application, data={"cross_border_destination": "美国"}, by=applicant_admin)
    application.refresh_from_db()
    assert application.security_assessment_reference == "" and application.security_assessment_date is None
    services.application_resubmit(application, by=applicant_admin)
    step = application.steps.get(round=2, status="active")
    routing.step_reviewers_assign(step, users=[reviewer], by=provider_admin)
    routing.conflict_declare(step, user=reviewer, statement="本人与申请无利益冲突。")
    with pytest.raises(errors.ValidationFailed, match="security assessment"):
        routing.step_decide(step, decision="approve", by=reviewer)
    application.refresh_from_db()
    assert application.status == "in_review" and not DataGrant.objects.filter(application=application).exists()


def test_sec9_an_unchanged_destination_keeps_the_assessment(applicant_admin, resource, provider, provider_admin,
                                                           current):
    application = services.application_submit(
        complete(applicant_admin, resource, cross_border=True, cross_border_destination="新加坡"), by=applicant_admin)
    routing.security_assessment_record(application, reference="闽网信评〔2026〕2号", assessed_on=routing.today(),
                                       by=make_user(department("350000", "provincial"), "reviewer"))
    _return(application, provider, provider_admin)
    services.application_update(application, data={"purpose": "新的用途说明。", "cross_border_destination": "新加坡"},
                                by=applicant_admin)
    application.refresh_from_db()
    assert application.security_assessment_reference == "闽网信评〔2026〕2号"


# --- a suspended provider takes no part in sharing (INS-4) ------------------------------------------------


def test_ins4_a_resource_of_a_suspended_provider_cannot_be_submitted_and_nothing_is_saved(
        applicant_admin, resource, provider, current):
    application = complete(applicant_admin, resource)
    suspend(provider)
    with pytest.raises(errors.ValidationFailed, match="suspended"):
        services.application_submit(application, by=applicant_admin)
    application.refresh_from_db()
    assert application.status == "draft" and application.round == 0
    assert not RouteStep.objects.filter(application=application).exists()


def test_ins4_a_suspended_provider_releases_nothing():
    case = grant_case(legal_basis="medical_treatment")
    suspend(case.provider)
    with pytest.raises(errors.TransitionNotAllowed, match="suspended"):
        grant_services.release_record(case.grant, item=case.item, description="第一批", file_name="batch1.csv",
                                      checksum=CHECKSUM, record_count=10, recipient=case.applicant_admin,
                                      deidentification=None, by=case.provider_admin)
    assert not case.grant.releases.exists()


# --- a grantee suspended while its application was in review (INS-4 -> SVC-3) -----------------------------


def test_svc3_the_grant_of_a_grantee_suspended_during_review_is_created_suspended():
    application, _provider, _provider_admin, applicant, _admin, _co, reviewer = approved_application()
    suspend(applicant)
    grant = grant_services.grant_create(application, by=reviewer)
    assert grant.status == DataGrant.Status.SUSPENDED and grant.suspended_reason
    grant_services.grants_resume_for_institution(applicant.pk, by=reviewer)
    grant.refresh_from_db()
    assert grant.status == DataGrant.Status.ACTIVE


def test_svc3_a_followup_approved_while_the_grantee_is_suspended_does_not_lift_the_suspension():
    case = grant_case()
    application, *_rest, reviewer = approved_application(parent=case.application, kind="amendment",
                                                         start=case.grant.starts_on, end=case.grant.ends_on)
    suspend(case.applicant)
    grant_services.grants_suspend_for_institution(case.applicant.pk, reason="暂停", by=reviewer)
    new = grant_services.grant_create(application, by=reviewer)
    assert new.status == DataGrant.Status.SUSPENDED
    assert SharingApplication.objects.get(pk=application.pk).status == "approved"
    assert datetime.date.today() <= new.ends_on


# --- odd input answers 404 or the page, never 500 ----------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/catalog/public/entries/a%00b/", "/catalog/public/entries/a%00b.jsonld", "/catalog/register/?q=a%00b",
    "/api/v1/catalog/register/?q=a%00b",
])
def test_nul_characters_in_public_addresses_and_searches_are_not_a_server_error(client, url):
    assert client.get(url).status_code in (200, 404)


def test_nul_characters_in_the_register_csv_search_are_not_a_server_error(client):
    response = client.get("/catalog/register.csv?q=a%00b")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("path,query", [
    ("/catalog/applications/new/", "?resource=²"), ("/catalog/applications/{pk}/resources/", "?add=²"),
    ("/api/v1/catalog/steps/", "?application=²"),
    ("/catalog/resources/", "?provider=²&level=²&region=²"), ("/api/v1/catalog/resources/", "?provider=²&level=²"),
])
def test_non_ascii_digits_in_ids_are_not_a_server_error(client, applicant_admin, resource, path, query):
    application = helpers.draft(applicant_admin, resource)
    login_verified(client, applicant_admin)
    assert client.get(path.format(pk=application.pk) + query).status_code < 500


def test_non_ascii_digits_in_posted_resources_are_ignored(client, applicant_admin, resource):
    application = helpers.draft(applicant_admin, resource)
    login_verified(client, applicant_admin)
    response = client.post(f"/catalog/applications/{application.pk}/resources/",
                           {"resource": ["²", str(resource.pk)], f"fields_{resource.pk}": ["²"]})
    assert response.status_code == 400
