"""Rectification pages (SUP-1, INS-3): the department's list, the institution's own list (another
institution's orders are 404), the order page with the respond and verify forms, audited downloads."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AccessRecord
from apps.inspections.models import RectificationOrder, RectificationResponse
from apps.inspections.services import rectification as services
from tests.conftest import login_verified
from tests.inspections.factories import make_finding, make_inspection, make_order

from . import record_helpers
from .record_helpers import exe_as_png, pdf, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
scene = record_helpers.scene  # fixture


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


@pytest.fixture
def order(scene):
    return make_order(make_finding(scene.inspection), by=scene.lead)


def _overdue(scene, days=3):
    return make_order(make_finding(scene.inspection), deadline=timezone.localdate() - datetime.timedelta(days=days))


def test_sup1_department_list_filters_overdue_and_status(client, scene, order):
    late = _overdue(scene)
    login_verified(client, scene.head)
    html = client.get(url("order_list")).content.decode()
    assert order.number in html and late.number in html
    html = client.get(url("order_list"), {"overdue": "1"}).content.decode()
    assert late.number in html and order.number not in html and 'data-testid="overdue"' in html
    html = client.get(url("order_list"), {"status": "submitted"}).content.decode()
    assert order.number not in html


def test_sup1_department_list_is_limited_to_the_jurisdiction(client, scene, order):
    login_verified(client, scene.xiamen_head)
    assert order.number not in client.get(url("order_list")).content.decode()
    assert client.get(url("order_detail", order.pk)).status_code == 404


def test_sup1_institution_sees_only_its_own_orders(client, scene, order):
    other_inspection = make_inspection(scene.plan, scene.other_institution, team=[scene.lead])
    other = make_order(make_finding(other_inspection))
    login_verified(client, scene.admin)
    html = client.get(url("my_orders")).content.decode()
    assert order.number in html and other.number not in html
    assert client.get(url("order_detail", other.pk)).status_code == 404
    assert client.post(url("order_respond", other.pk), {"report": "x"}).status_code == 404
    page = client.get(url("order_detail", order.pk)).content.decode()
    assert 'data-testid="respond-form"' in page and 'data-testid="verify-form"' not in page
    assert client.get(url("order_list")).status_code == 404  # the department list is not theirs


def test_sup1_institution_responds_through_the_form(client, scene, order, media):
    login_verified(client, scene.admin)
    response = client.post(url("order_respond", order.pk), {"report": "", "files": [pdf()]})
    assert response.status_code == 400 and not RectificationResponse.objects.exists()
    response = client.post(url("order_respond", order.pk), {"report": "已整改", "files": [pdf(), exe_as_png()]})
    assert response.status_code == 400 and "virus.png" in response.content.decode()
    assert not RectificationResponse.objects.exists() and stored_files(media) == []
    response = client.post(url("order_respond", order.pk), {"report": "已整改", "files": [pdf("记录.pdf")]})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "submitted" and RectificationResponse.objects.get().evidence.count() == 1


def test_sup1_team_verifies_through_the_form_and_downloads_are_recorded(client, scene, order, media):
    response = services.order_respond(order=order, report="已整改", files=[pdf()], by=scene.admin)
    file = response.evidence.get()
    login_verified(client, scene.member)
    page = client.get(url("order_detail", order.pk)).content.decode()
    assert 'data-testid="verify-form"' in page and 'data-testid="respond-form"' not in page
    download = client.get(url("order_response_file", order.pk, file.pk))
    assert download.status_code == 200 and AccessRecord.objects.filter(user=scene.member).exists()
    answer = client.post(url("order_verify", order.pk), {"decision": "return", "comment": ""})
    assert answer.status_code == 400
    client.post(url("order_verify", order.pk), {"decision": "accept", "comment": "核实通过"})
    order.refresh_from_db()
    assert order.status == "accepted"


def test_sup1_team_from_outside_the_jurisdiction_still_reaches_its_orders(client, scene):
    inspection = make_inspection(scene.plan, scene.institution, team=[scene.xiamen_inspector])
    order = make_order(make_finding(inspection))
    login_verified(client, scene.xiamen_inspector)
    assert client.get(url("order_detail", order.pk)).status_code == 200
    assert client.get(url("inspection_detail", inspection.pk)).status_code == 200


def test_sup1_order_lists_have_a_query_budget(client, scene, django_assert_max_num_queries):
    for _ in range(8):
        make_order(make_finding(scene.inspection))
    login_verified(client, scene.head)
    client.get(url("order_list"))
    with django_assert_max_num_queries(12):
        assert client.get(url("order_list")).status_code == 200
    client.logout()
    login_verified(client, scene.admin)
    client.get(url("my_orders"))
    with django_assert_max_num_queries(12):
        assert client.get(url("my_orders")).status_code == 200
    assert RectificationOrder.objects.count() == 8
