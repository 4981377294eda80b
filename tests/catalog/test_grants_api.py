"""/api/v1/catalog/grants/ (SVC-3, SEC-4, SEC-8): the same rules and scoping as the pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import (
    DataGrant,
    DataRelease,
    DeidentificationRecord,
    DestructionCertificate,
    GrantReport,
)
from apps.catalog.services import grants as grant_services
from apps.core.models import AccessRecord
from apps.institutions.models import CreditEvent
from tests.conftest import login_verified, make_user
from tests.factories import department

from .factories import provider_institution
from .grants_helpers import CHECKSUM, grant_case, pdf, set_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return grant_case()


def api(name, *args):
    return reverse(f"api:catalog-grant-{name}", args=args)


def test_svc3_list_and_detail_scoped_with_a_query_budget(client, django_assert_max_num_queries):
    cases = [grant_case() for _ in range(3)]
    login_verified(client, make_user(department("350000", "provincial"), "reviewer"))
    with django_assert_max_num_queries(10):
        body = client.get(api("list")).json()
    assert {row["number"] for row in body["results"]} == {c.grant.number for c in cases}
    detail = client.get(api("detail", cases[0].grant.pk)).json()
    assert detail["items"][0]["fields"][0]["name"] == "患者姓名"
    assert {r["id"] for r in detail["recipients"]} == {cases[0].applicant_admin.pk, cases[0].co_recipient.pk}
    assert detail["actions"] == {"release": False, "deidentify": False, "file": False, "certify": False,
                                 "revoke": False}
    client.logout()
    login_verified(client, cases[0].applicant_admin)
    assert [row["id"] for row in client.get(api("list")).json()["results"]] == [cases[0].grant.pk]
    assert client.get(api("detail", cases[1].grant.pk)).status_code == 404


def test_svc3_list_filters(client):
    soon, other = grant_case(), grant_case()
    today = timezone.localdate()
    set_period(soon.grant, today - datetime.timedelta(days=3), today + datetime.timedelta(days=10))
    DataGrant.objects.filter(pk=other.grant.pk).update(status="suspended")
    login_verified(client, make_user(department(None, "national"), "reviewer"))
    ids = lambda params: [row["id"] for row in client.get(api("list"), params).json()["results"]]  # noqa: E731
    assert ids({"expiring": 30}) == [soon.grant.pk]
    assert ids({"status": "suspended"}) == [other.grant.pk]
    assert client.get(api("list"), {"status": "bogus"}).status_code == 400
    assert client.get(api("list"), {"expiring": "abc"}).status_code == 400


def test_sec8_release_through_the_api_needs_deidentification_and_ids_stay_within_the_grant(client, case):
    login_verified(client, case.provider_admin)
    body = {"item": case.item.pk, "recipient": case.applicant_admin.pk, "description": "抽取",
            "file_name": "extract.csv", "checksum": CHECKSUM, "record_count": 10}
    response = client.post(api("releases", case.grant.pk), body, content_type="application/json")
    assert response.status_code == 400
    assert "deidentification" in response.json()["error"]["fields"]
    stranger = make_user(provider_institution("350203")[0].organisation, "submitter", full_name="外人")
    response = client.post(api("releases", case.grant.pk), {**body, "recipient": stranger.pk,
                                                            "fields": [case.item.fields.get(name="诊断编码").pk]},
                           content_type="application/json")
    assert response.status_code == 400
    assert "外人" not in response.text and "Choose one of the recipients" in response.text
    response = client.post(api("deidentifications", case.grant.pk), {
        "item": case.item.pk, "method": "generalisation", "description": "年龄分组，地址截断至区县。",
        "evidence": pdf("k匿名评估.pdf")})
    assert response.status_code == 201, response.content
    record_id = response.json()["id"]
    response = client.post(api("releases", case.grant.pk), {**body, "deidentification": record_id},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["version_number"] == case.item.version.number
    assert client.get(api("releases", case.grant.pk)).json()["results"][0]["checksum"] == CHECKSUM
    evidence = client.get(api("deidentification-evidence", case.grant.pk, record_id))
    assert evidence.status_code == 200
    assert AccessRecord.objects.filter(object_type="catalog.deidentificationrecord", object_id=str(record_id)).exists()
    DeidentificationRecord.objects.get(pk=record_id).evidence.delete(save=False)


def test_sec8_deidentification_method_none_is_refused_by_the_api(client, case):
    login_verified(client, case.provider_admin)
    response = client.post(api("deidentifications", case.grant.pk), {
        "item": case.item.pk, "method": "none", "description": "x", "evidence": pdf()})
    assert response.status_code == 400 and "method" in response.json()["error"]["fields"]
    assert not DeidentificationRecord.objects.exists()


def test_sec4_release_by_the_grantee_403_by_a_stranger_404(client, case):
    body = {"item": case.item.pk, "recipient": case.applicant_admin.pk, "description": "x", "file_name": "x",
            "checksum": CHECKSUM}
    login_verified(client, case.applicant_admin)
    assert client.post(api("releases", case.grant.pk), body, content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, provider_institution("350203")[1])
    assert client.post(api("releases", case.grant.pk), body, content_type="application/json").status_code == 404
    assert not DataRelease.objects.exists()


def test_svc3_reports_listed_and_submitted_through_the_api(client, case):
    login_verified(client, case.co_recipient)
    reports = client.get(api("reports", case.grant.pk)).json()["results"]
    assert [r["kind"] for r in reports] == ["progress", "final"]
    url = api("report-submit", case.grant.pk, reports[0]["id"])
    assert client.post(url, {"content": ""}, content_type="application/json").status_code == 400
    response = client.post(url, {"content": "进展顺利"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    client.logout()
    login_verified(client, case.provider_admin)
    final = reports[1]["id"]
    assert client.post(api("report-submit", case.grant.pk, final), {"content": "x"},
                       content_type="application/json").status_code == 403
    assert GrantReport.objects.get(pk=final).status == "due"


def test_svc3_certificate_through_the_api(client, case):
    login_verified(client, case.applicant_admin)
    form = {"destroyed_on": timezone.localdate().isoformat(), "method": "覆写删除", "signed_by_name": "王五"}
    response = client.post(api("certificate", case.grant.pk), {**form, "document": pdf("证明.pdf")})
    assert response.status_code == 409 and "still in force" in response.json()["error"]["message"]
    assert client.get(api("certificate", case.grant.pk)).status_code == 404
    today = timezone.localdate()
    set_period(case.grant, today - datetime.timedelta(days=90), today - datetime.timedelta(days=1))
    grant_services.grants_expire_due()
    response = client.post(api("certificate", case.grant.pk), {**form, "document": pdf("证明.pdf")})
    assert response.status_code == 201, response.content
    assert DataGrant.objects.get(pk=case.grant.pk).status == "closed"
    assert client.get(api("certificate", case.grant.pk)).json()["signed_by_name"] == "王五"
    download = client.get(api("certificate-document", case.grant.pk))
    assert download.status_code == 200
    certificate = DestructionCertificate.objects.get()
    assert AccessRecord.objects.filter(object_type="catalog.destructioncertificate",
                                       object_id=str(certificate.pk)).count() == 1
    certificate.document.delete(save=False)


def test_sec4_revoke_through_the_api(client, case):
    login_verified(client, case.applicant_admin)
    assert client.post(api("revoke", case.grant.pk), {"reason": "x"},
                       content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, make_user(department("440100", "municipal"), "department_head"))
    assert client.post(api("revoke", case.grant.pk), {"reason": "x"},
                       content_type="application/json").status_code == 404
    client.logout()
    login_verified(client, make_user(department("350100", "municipal"), "department_head"))
    response = client.post(api("revoke", case.grant.pk), {"reason": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["reason"]
    response = client.post(api("revoke", case.grant.pk), {"reason": "违约", "breach": True},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert CreditEvent.objects.filter(rule__trigger="sharing.grant_revoked", institution_id=case.applicant.pk).exists()


def test_svc3_overdue_lists_through_the_api(client):
    case = grant_case()
    GrantReport.objects.filter(grant=case.grant, kind="progress").update(
        due_on=timezone.localdate() - datetime.timedelta(days=1))
    login_verified(client, make_user(department("350200", "municipal"), "reviewer"))
    rows = client.get(api("overdue-reports")).json()["results"]
    assert [row["grant"]["number"] for row in rows] == [case.grant.number]
    assert client.get(api("overdue-certificates")).json()["results"] == []
