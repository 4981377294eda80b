"""Rectification orders through /api/v1/inspections/orders/ (SUP-1, INS-3): lists scoped like the pages,
multipart answers with checked files, verification by the team."""

import pytest
from django.urls import reverse

from apps.inspections.models import RectificationResponse
from tests.conftest import login_verified
from tests.inspections.factories import make_finding, make_inspection, make_order

from . import record_helpers
from .record_helpers import exe_as_png, pdf, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
scene = record_helpers.scene  # fixture


def api(name, *args):
    return reverse(f"api:inspections-{name}", args=args)


@pytest.fixture
def order(scene):
    return make_order(make_finding(scene.inspection), by=scene.lead)


def test_sup1_orders_are_scoped_to_the_institution(client, scene, order):
    other = make_order(make_finding(make_inspection(scene.plan, scene.other_institution)))
    login_verified(client, scene.admin)
    assert [row["id"] for row in client.get(api("order-list")).json()["results"]] == [order.pk]
    assert client.get(api("order-detail", other.pk)).status_code == 404
    assert client.post(api("order-respond", other.pk), {"report": "x"}).status_code == 404
    client.logout()
    login_verified(client, scene.head)
    assert {row["id"] for row in client.get(api("order-list")).json()["results"]} == {order.pk, other.pk}


def test_sup1_respond_multipart_checks_every_file_first(client, scene, order, media):
    login_verified(client, scene.admin)
    refused = client.post(api("order-respond", order.pk), {"report": "已整改", "files": [pdf(), exe_as_png()]})
    assert refused.status_code == 400 and "files" in refused.json()["error"]["fields"]
    assert not RectificationResponse.objects.exists() and stored_files(media) == []
    done = client.post(api("order-respond", order.pk), {"report": "已整改", "files": [pdf()]})
    assert done.status_code == 201 and done.json()["status"] == "submitted"
    assert len(done.json()["responses"][0]["evidence"]) == 1
    file_id = done.json()["responses"][0]["evidence"][0]["id"]
    assert client.get(api("order-file", order.pk, file_id)).status_code == 200


def test_sup1_verify_through_the_api(client, scene, order):
    login_verified(client, scene.admin)
    client.post(api("order-respond", order.pk), {"report": "已整改"})
    assert client.post(api("order-verify", order.pk), {"accept": True}, content_type="application/json"
                       ).status_code == 403
    client.logout()
    login_verified(client, scene.lead)
    returned = client.post(api("order-verify", order.pk), {"accept": False}, content_type="application/json")
    assert returned.status_code == 400 and "comment" in returned.json()["error"]["fields"]
    accepted = client.post(api("order-verify", order.pk), {"accept": True}, content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def test_sup1_order_list_query_budget(client, scene, django_assert_max_num_queries):
    for _ in range(8):
        make_order(make_finding(scene.inspection))
    login_verified(client, scene.head)
    client.get(api("order-list"))
    with django_assert_max_num_queries(10):
        rows = client.get(api("order-list"), {"overdue": "true"}).json()["results"]
    assert rows == []
    with django_assert_max_num_queries(10):
        assert len(client.get(api("order-list")).json()["results"]) == 8
