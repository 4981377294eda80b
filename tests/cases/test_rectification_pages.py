"""Pages of the rectification ordered in cases (SUP-3, INS-3): the department's list in its jurisdiction, the
institution's own list (another institution's orders are 404), the order page with the report form for the
institution and the verification form for the case's officers, evidence linked to the audited download."""

import pytest
from django.urls import reverse

from apps.cases.models import CaseDocument, RectificationReport
from apps.cases.services import rectification as services
from tests.conftest import login_verified
from tests.inspections import record_helpers
from tests.inspections.record_helpers import exe_as_png, pdf, stored_files

from . import test_rectification_services as shared
from .test_rectification_services import issue

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
s = shared.s  # fixture
order = shared.order  # fixture


def url(name, *args):
    return reverse(f"cases:{name}", args=args)


def test_sup3_department_list_filters_overdue_open_and_status(client, s, order):
    late = issue(s, deadline_days=-3)
    login_verified(client, s.head)
    html = client.get(url("rectification_list")).content.decode()
    assert order.number in html and late.number in html and order.case.number in html
    html = client.get(url("rectification_list"), {"overdue": "1"}).content.decode()
    assert late.number in html and order.number not in html and 'data-testid="overdue"' in html
    html = client.get(url("rectification_list"), {"status": "submitted"}).content.decode()
    assert order.number not in html and late.number not in html
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    services.rectification_verify(rectification=order, accept=True, by=s.officer)
    html = client.get(url("rectification_list"), {"open": "1"}).content.decode()
    assert late.number in html and order.number not in html


def test_sup3_department_list_is_limited_to_the_jurisdiction(client, s, order):
    login_verified(client, s.other_city_head)
    assert order.number not in client.get(url("rectification_list")).content.decode()
    assert client.get(url("rectification_detail", order.pk)).status_code == 404
    assert client.post(url("rectification_verify", order.pk), {"decision": "accept"}).status_code == 404


def test_sup3_institution_sees_only_its_own_orders(client, s, order):
    other = shared.issue_for_other_institution(s)
    login_verified(client, s.admin)
    html = client.get(url("my_rectifications")).content.decode()
    assert order.number in html and other.number not in html
    assert client.get(url("rectification_detail", other.pk)).status_code == 404
    assert client.post(url("rectification_respond", other.pk), {"report": "x"}).status_code == 404
    page = client.get(url("rectification_detail", order.pk)).content.decode()
    assert 'data-testid="respond-form"' in page and 'data-testid="verify-form"' not in page
    assert order.requirement in page
    assert client.get(url("rectification_list")).status_code == 404  # the department list is not theirs


def test_sup3_data_steward_has_no_rectification_pages(client, s, order):
    login_verified(client, s.steward)
    assert client.get(url("my_rectifications")).status_code == 404
    assert client.get(url("rectification_detail", order.pk)).status_code == 404


def test_sup3_institution_reports_through_the_form(client, s, order, media):
    login_verified(client, s.security_officer)
    response = client.post(url("rectification_respond", order.pk), {"report": "", "files": [pdf()]})
    assert response.status_code == 400 and not RectificationReport.objects.exists()
    response = client.post(url("rectification_respond", order.pk), {"report": "已整改", "files": [pdf(), exe_as_png()]})
    assert response.status_code == 400 and "virus.png" in response.content.decode()
    assert not RectificationReport.objects.exists() and stored_files(media) == []
    response = client.post(url("rectification_respond", order.pk), {"report": "已整改", "files": [pdf("记录.pdf")]})
    assert response.status_code == 302 and response["Location"] == url("rectification_detail", order.pk)
    order.refresh_from_db()
    assert order.status == "submitted" and RectificationReport.objects.get().documents.count() == 1


def test_sup3_a_reader_who_may_not_report_gets_403_and_no_form(client, s, order):
    login_verified(client, s.top_leader)
    page = client.get(url("rectification_detail", order.pk)).content.decode()
    assert 'data-testid="respond-form"' not in page
    assert client.post(url("rectification_respond", order.pk), {"report": "已整改"}).status_code == 403
    assert not RectificationReport.objects.exists()


def test_sup3_officer_verifies_through_the_form_and_evidence_links_to_the_audited_download(client, s, order, media):
    report = services.rectification_respond(rectification=order, report="已整改", files=[pdf()], by=s.admin)
    document = CaseDocument.objects.get(rectification_report=report)
    login_verified(client, s.officer)
    page = client.get(url("rectification_detail", order.pk)).content.decode()
    assert 'data-testid="verify-form"' in page and 'data-testid="respond-form"' not in page
    assert url("document_download", document.pk) in page
    answer = client.post(url("rectification_verify", order.pk), {"decision": "return", "comment": ""})
    assert answer.status_code == 400 and "Say what is still missing" in answer.content.decode()
    answer = client.post(url("rectification_verify", order.pk), {"decision": "accept", "comment": "核实通过"})
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted"
    assert 'data-testid="verify-form"' not in client.get(url("rectification_detail", order.pk)).content.decode()


def test_sup3_an_unassigned_officer_reads_but_gets_no_verify_form_and_403(client, s, order):
    services.rectification_respond(rectification=order, report="已整改", by=s.admin)
    login_verified(client, s.officer2)
    page = client.get(url("rectification_detail", order.pk)).content.decode()
    assert 'data-testid="verify-form"' not in page
    assert client.post(url("rectification_verify", order.pk), {"decision": "accept"}).status_code == 403
    order.refresh_from_db()
    assert order.status == "submitted"


def test_sup3_rectification_lists_have_a_query_budget(client, s, django_assert_max_num_queries):
    for _ in range(8):
        issue(s)
    login_verified(client, s.head)
    client.get(url("rectification_list"))
    with django_assert_max_num_queries(12):
        assert client.get(url("rectification_list")).status_code == 200
    client.logout()
    login_verified(client, s.admin)
    client.get(url("my_rectifications"))
    with django_assert_max_num_queries(12):
        assert client.get(url("my_rectifications")).status_code == 200
