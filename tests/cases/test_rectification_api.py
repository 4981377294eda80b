"""Rectification ordered in cases through /api/v1/cases/rectifications/ (SUP-3, INS-3): lists scoped like the
pages, multipart reports with checked files, verification by the case's officers."""

import pytest
from django.urls import reverse

from apps.cases.models import CaseDocument, RectificationReport
from tests.conftest import login_verified
from tests.inspections import record_helpers
from tests.inspections.record_helpers import exe_as_png, pdf, stored_files

from . import test_rectification_services as shared
from .test_rectification_services import issue

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
s = shared.s  # fixture
order = shared.order  # fixture


def api(name, *args):
    return reverse(f"api:cases-rectification-{name}", args=args)


def test_sup3_rectifications_are_scoped_to_the_institution(client, s, order):
    other = shared.issue_for_other_institution(s)
    login_verified(client, s.admin)
    assert [row["id"] for row in client.get(api("list")).json()["results"]] == [order.pk]
    assert client.get(api("detail", other.pk)).status_code == 404
    assert client.post(api("respond", other.pk), {"report": "x"}).status_code == 404
    client.logout()
    login_verified(client, s.head)
    assert {row["id"] for row in client.get(api("list")).json()["results"]} == {order.pk, other.pk}
    client.logout()
    login_verified(client, s.other_city_head)
    assert client.get(api("list")).json()["results"] == []


def test_sup3_detail_shows_the_order_its_decision_and_reports(client, s, order):
    login_verified(client, s.officer)
    body = client.get(api("detail", order.pk)).json()
    assert body["number"] == order.number and body["case_number"] == order.case.number
    assert body["decision_number"] == order.measure.decision.number and body["articles"] == ["M.18"]
    assert body["status"] == "issued" and body["overdue"] is False and body["reports"] == []


def test_sup3_respond_multipart_checks_every_file_first(client, s, order, media):
    login_verified(client, s.admin)
    refused = client.post(api("respond", order.pk), {"report": "已整改", "files": [pdf(), exe_as_png()]})
    assert refused.status_code == 400 and "files" in refused.json()["error"]["fields"]
    assert not RectificationReport.objects.exists() and stored_files(media) == []
    empty = client.post(api("respond", order.pk), {"report": " "})
    assert empty.status_code == 400 and "report" in empty.json()["error"]["fields"]
    done = client.post(api("respond", order.pk), {"report": "已整改", "files": [pdf()]})
    assert done.status_code == 201 and done.json()["status"] == "submitted"
    documents = done.json()["reports"][0]["documents"]
    assert len(documents) == 1
    document = CaseDocument.objects.get()
    assert documents[0]["download_url"] == reverse("cases:document_download", args=[document.pk])


def test_sup3_verify_through_the_api(client, s, order):
    login_verified(client, s.admin)
    client.post(api("respond", order.pk), {"report": "已整改"})
    assert client.post(api("verify", order.pk), {"accept": True}, content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, s.officer2)
    assert client.post(api("verify", order.pk), {"accept": True}, content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, s.officer)
    returned = client.post(api("verify", order.pk), {"accept": False}, content_type="application/json")
    assert returned.status_code == 400 and "comment" in returned.json()["error"]["fields"]
    accepted = client.post(api("verify", order.pk), {"accept": True}, content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = client.post(api("verify", order.pk), {"accept": True}, content_type="application/json")
    assert again.status_code == 409


def test_sup3_rectification_list_filters_and_query_budget(client, s, django_assert_max_num_queries):
    for _ in range(8):
        issue(s)
    late = issue(s, deadline_days=-2)
    login_verified(client, s.head)
    client.get(api("list"))
    with django_assert_max_num_queries(10):
        rows = client.get(api("list"), {"overdue": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [late.pk] and rows[0]["overdue"] is True
    with django_assert_max_num_queries(10):
        assert len(client.get(api("list")).json()["results"]) == 9
