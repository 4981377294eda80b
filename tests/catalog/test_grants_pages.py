"""Grant pages (SVC-3, SEC-4, SEC-8): who sees which grant, each party's forms, errors shown on the page with
nothing saved, and audited downloads."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import DataGrant, DataRelease, DeidentificationRecord, GrantReport
from apps.catalog.services import grants as grant_services
from apps.core.models import AccessRecord
from tests.conftest import login_verified, make_user
from tests.factories import department

from .factories import provider_institution
from .grants_helpers import CHECKSUM, grant_case, pdf, set_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return grant_case()


def detail_url(grant):
    return reverse("catalog:grant_detail", args=[grant.pk])


def test_svc3_list_shows_each_party_its_grants_with_a_query_budget(client, django_assert_max_num_queries):
    cases = [grant_case() for _ in range(3)]
    login_verified(client, make_user(department("350200", "municipal"), "reviewer"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:grant_list"))
    assert response.status_code == 200
    for case in cases:
        assert case.grant.number in response.text
    client.logout()
    login_verified(client, cases[0].provider_admin)
    response = client.get(reverse("catalog:grant_list"))
    assert cases[0].grant.number in response.text and cases[1].grant.number not in response.text
    client.logout()
    login_verified(client, cases[1].co_recipient)
    response = client.get(reverse("catalog:grant_list"))
    assert cases[1].grant.number in response.text and cases[0].grant.number not in response.text


def test_svc3_list_filters_by_status_expiring_and_overdue(client):
    soon, later, overdue = grant_case(), grant_case(), grant_case()
    today = timezone.localdate()
    set_period(soon.grant, today - datetime.timedelta(days=10), today + datetime.timedelta(days=12))
    GrantReport.objects.filter(grant=overdue.grant, kind="progress").update(due_on=today - datetime.timedelta(days=1))
    DataGrant.objects.filter(pk=later.grant.pk).update(status="suspended")
    login_verified(client, make_user(department(None, "national"), "reviewer"))
    url = reverse("catalog:grant_list")
    numbers = lambda response: {c.grant.number for c in (soon, later, overdue) if c.grant.number in response.text}  # noqa: E731
    assert numbers(client.get(url, {"expiring": "on"})) == {soon.grant.number}
    assert numbers(client.get(url, {"status": "suspended"})) == {later.grant.number}
    assert numbers(client.get(url, {"overdue": "on"})) == {overdue.grant.number}
    assert numbers(client.get(url, {"q": overdue.grant.number})) == {overdue.grant.number}


def test_sec4_detail_is_404_for_another_institution_and_another_jurisdiction(client, case):
    _other, stranger = provider_institution("350203")
    login_verified(client, stranger)
    assert client.get(detail_url(case.grant)).status_code == 404
    client.logout()
    login_verified(client, make_user(department("440100", "municipal"), "department_head"))
    assert client.get(detail_url(case.grant)).status_code == 404


def test_svc3_detail_shows_the_grant_and_each_party_its_forms(client, case):
    login_verified(client, case.provider_admin)
    page = client.get(detail_url(case.grant)).text
    assert case.grant.number in page and "患者姓名" in page and case.co_recipient.get_full_name() in page
    assert f'href="/catalog/applications/{case.application.pk}/"' in page
    assert 'data-testid="release-form"' in page and 'data-testid="deidentification-form"' in page
    assert 'data-testid="revoke-form"' not in page and "report-form-" not in page
    client.logout()
    login_verified(client, case.co_recipient)
    page = client.get(detail_url(case.grant)).text
    assert "report-form-" in page and 'data-testid="release-form"' not in page
    client.logout()
    login_verified(client, make_user(department("350100", "municipal"), "department_head"))
    page = client.get(detail_url(case.grant)).text
    assert 'data-testid="revoke-form"' in page and 'data-testid="release-form"' not in page


def test_sec8_release_through_the_page_needs_deidentification_then_succeeds(client, case):
    login_verified(client, case.provider_admin)
    data = {"release-item": case.item.pk, "release-recipient": case.applicant_admin.pk,
            "release-description": "门诊记录抽取", "release-file_name": "extract.csv", "release-checksum": CHECKSUM,
            "release-record_count": "100"}
    response = client.post(reverse("catalog:grant_release_add", args=[case.grant.pk]), data)
    assert response.status_code == 400
    assert "record the de-identification method and its evidence before the release" in response.text
    assert not DataRelease.objects.exists()
    response = client.post(reverse("catalog:grant_deidentification_add", args=[case.grant.pk]), {
        "deid-item": case.item.pk, "deid-method": "pseudonymisation", "deid-description": "姓名哈希替换",
        "deid-evidence": pdf("去标识化报告.pdf")})
    assert response.status_code == 302
    record = DeidentificationRecord.objects.get()
    response = client.post(reverse("catalog:grant_release_add", args=[case.grant.pk]),
                           {**data, "release-deidentification": record.pk})
    assert response.status_code == 302
    assert DataRelease.objects.get().deidentification == record
    page = client.get(detail_url(case.grant)).text
    assert CHECKSUM in page and "extract.csv" in page
    # The evidence downloads for those who see the grant, and every download is recorded.
    response = client.get(reverse("catalog:grant_deidentification_evidence", args=[case.grant.pk, record.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessRecord.objects.filter(object_type="catalog.deidentificationrecord", object_id=str(record.pk),
                                       user=case.provider_admin).count() == 1
    client.logout()
    _other, stranger = provider_institution("350203")
    login_verified(client, stranger)
    assert client.get(reverse("catalog:grant_deidentification_evidence",
                              args=[case.grant.pk, record.pk])).status_code == 404
    assert AccessRecord.objects.filter(object_type="catalog.deidentificationrecord").count() == 1
    record.evidence.delete(save=False)


def test_sec4_the_grantee_cannot_post_a_release_403(client, case):
    login_verified(client, case.applicant_admin)
    response = client.post(reverse("catalog:grant_release_add", args=[case.grant.pk]), {"release-item": case.item.pk})
    assert response.status_code == 403
    assert not DataRelease.objects.exists()


def test_svc3_report_filed_through_the_page(client, case):
    report = case.grant.reports.order_by("due_on").first()
    login_verified(client, case.co_recipient)
    url = reverse("catalog:grant_report_submit", args=[case.grant.pk, report.pk])
    response = client.post(url, {f"report{report.pk}-content": ""})
    assert response.status_code == 400 and GrantReport.objects.get(pk=report.pk).status == "due"
    response = client.post(url, {f"report{report.pk}-content": "项目进展顺利。"})
    assert response.status_code == 302
    assert GrantReport.objects.get(pk=report.pk).status == "submitted"


def test_svc3_certificate_through_the_page_on_an_active_grant_shows_why_not(client, case):
    login_verified(client, case.applicant_admin)
    response = client.post(reverse("catalog:grant_certificate_file", args=[case.grant.pk]), {
        "certificate-destroyed_on": timezone.localdate().isoformat(), "certificate-method": "删除",
        "certificate-signed_by_name": "王五", "certificate-document": pdf("证明.pdf")})
    assert response.status_code == 400 and "is still in force" in response.text
    assert DataGrant.objects.get(pk=case.grant.pk).status == "active"


def test_sec4_revoke_through_the_page_permissions_and_reason(client, case):
    url = reverse("catalog:grant_revoke", args=[case.grant.pk])
    login_verified(client, case.applicant_admin)
    assert client.post(url, {"revoke-reason": "x"}).status_code == 403
    client.logout()
    login_verified(client, make_user(department("440100", "municipal"), "department_head"))
    assert client.post(url, {"revoke-reason": "x"}).status_code == 404
    client.logout()
    login_verified(client, make_user(department("350200", "municipal"), "department_head"))
    assert client.post(url, {"revoke-reason": ""}).status_code == 400
    assert DataGrant.objects.get(pk=case.grant.pk).status == "active"
    response = client.post(url, {"revoke-reason": "违反数据使用协议第四条", "revoke-breach": "on"})
    assert response.status_code == 302
    grant = DataGrant.objects.get(pk=case.grant.pk)
    assert grant.status == "revoked" and "第四条" in client.get(detail_url(grant)).text


def test_svc3_overdue_obligations_page_for_departments(client):
    case = grant_case()
    GrantReport.objects.filter(grant=case.grant, kind="progress").update(
        due_on=timezone.localdate() - datetime.timedelta(days=3))
    set_period(grant_case().grant, timezone.localdate() - datetime.timedelta(days=300),
               timezone.localdate() - datetime.timedelta(days=60))
    grant_services.grants_expire_due()
    login_verified(client, make_user(department("350200", "municipal"), "reviewer"))
    url = reverse("catalog:grant_obligations")
    assert case.grant.number in client.get(url).text
    certificates = client.get(url, {"show": "certificates"}).text
    assert case.grant.number not in certificates and "SG" in certificates
    client.logout()
    login_verified(client, make_user(department("440100", "municipal"), "reviewer"))
    assert case.grant.number not in client.get(url).text


def test_svc3_detail_page_has_a_query_budget_whatever_it_holds(client, case, django_assert_max_num_queries):
    granted = [case.item.fields.get(name="诊断编码")]
    for number in range(4):
        grant_services.release_record(case.grant, item=case.item, description=f"第{number}批", file_name=f"b{number}.csv",
                                      checksum=CHECKSUM, record_count=number, recipient=case.co_recipient,
                                      deidentification=None, fields=granted, by=case.provider_admin)
    login_verified(client, case.provider_admin)
    with django_assert_max_num_queries(40):
        response = client.get(detail_url(case.grant))
    assert response.status_code == 200 and response.text.count("b3.csv") == 1


def test_svc3_a_superseded_grant_links_its_replacement_and_owes_no_certificate(client):
    from .grants_helpers import approved_application

    old = grant_case()
    application, *_rest, reviewer = approved_application(parent=old.application, kind="amendment")
    new = grant_services.grant_create(application, by=reviewer)
    login_verified(client, old.applicant_admin)
    page = client.get(detail_url(old.grant)).text
    assert reverse("catalog:grant_detail", args=[new.pk]) in page and "no certificate of destruction is due" in page
    assert 'data-testid="certificate-form"' not in page
