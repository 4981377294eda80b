"""Work lists and home panels (SUP-1, SUP-4): the inspector's inspections (open first, with dates), the
jurisdiction's inspection and finding lists, and what the home page shows each role."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.inspections.models import Inspection
from apps.inspections.selectors import my_inspections
from tests.conftest import login_verified
from tests.inspections.factories import make_finding, make_inspection, make_order

from . import record_helpers

pytestmark = pytest.mark.django_db
scene = record_helpers.scene  # fixture


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


def test_sup1_my_inspections_lists_open_first_with_dates(scene):
    today = timezone.localdate()
    closed = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED,
                             closed_at=timezone.now())
    make_order(make_finding(closed), deadline=today + datetime.timedelta(days=5))
    later = make_inspection(scene.plan, scene.institution, team=[scene.member, scene.lead],
                            scheduled_on=today + datetime.timedelta(days=20))
    make_inspection(scene.plan, scene.institution, team=[scene.member])  # not the lead's
    rows = list(my_inspections(scene.lead))
    assert [row.pk for row in rows] == [scene.inspection.pk, later.pk, closed.pk]
    assert rows[0].my_role == "lead" and rows[1].my_role == "member"
    assert rows[2].next_deadline == today + datetime.timedelta(days=5) and rows[0].total_items == 3


def test_sup1_my_inspections_page_and_its_query_budget(client, scene, django_assert_max_num_queries):
    for _ in range(6):
        make_inspection(scene.plan, scene.institution, team=[scene.lead])
    login_verified(client, scene.lead)
    client.get(url("my_inspections"))
    with django_assert_max_num_queries(10):
        response = client.get(url("my_inspections"))
    assert response.status_code == 200 and scene.inspection.number in response.content.decode()
    assert "0 of 3" in response.content.decode()
    client.logout()
    login_verified(client, scene.admin)
    assert client.get(url("my_inspections")).status_code == 404


def test_sup1_inspection_and_finding_lists_for_the_jurisdiction(client, scene, django_assert_max_num_queries):
    finding = make_finding(scene.inspection, title="机房无门禁")
    for _ in range(5):
        make_finding(make_inspection(scene.plan, scene.institution), severity="minor")
    login_verified(client, scene.head)
    html = client.get(url("inspection_list"), {"status": "in_progress"}).content.decode()
    assert scene.inspection.number in html
    client.get(url("finding_list"))
    with django_assert_max_num_queries(10):
        html = client.get(url("finding_list"), {"severity": "major"}).content.decode()
    assert "机房无门禁" in html
    assert "机房无门禁" in client.get(url("finding_list"), {"requirement": "SEC-2"}).content.decode()
    assert "机房无门禁" not in client.get(url("finding_list"), {"requirement": "SEC-20"}).content.decode()
    with django_assert_max_num_queries(10):
        client.get(url("inspection_list"))
    client.logout()
    login_verified(client, scene.xiamen_head)
    assert finding.title not in client.get(url("finding_list")).content.decode()


def test_sup1_home_panels_per_role(client, scene):
    overdue = make_order(make_finding(scene.inspection), deadline=timezone.localdate() - datetime.timedelta(days=2))
    login_verified(client, scene.lead)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="panel-my-inspections"' in html and scene.inspection.number in html
    client.logout()
    login_verified(client, scene.admin)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="panel-orders"' in html and overdue.number in html
    client.logout()
    login_verified(client, scene.head)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="panel-overdue-orders"' in html and "?overdue=1" in html
    assert '<a class="fs-5 text-danger" href="/inspections/orders/?overdue=1" data-testid="overdue-count">1</a>' in html
