"""The department's inspection dashboard (SUP-1, SUP-2, SUP-4): correct figures for the jurisdiction, every
figure linked to its filtered list, charts with tables, a query count that does not grow with the data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core import errors
from apps.inspections import selectors
from apps.inspections.models import Inspection
from tests.conftest import login_verified
from tests.inspections.factories import make_finding, make_inspection, make_order, make_plan
from tests.institutions.factories import make_institution

from . import record_helpers

pytestmark = pytest.mark.django_db
scene = record_helpers.scene  # fixture


def _world(scene):
    today = timezone.localdate()
    closed = make_inspection(scene.plan, scene.institution, status=Inspection.Status.CLOSED)
    make_finding(scene.inspection, severity="critical")
    f2 = make_finding(closed, severity="major")
    f2.requirement_ids = "SEC-2, SVC-3"
    f2.save()
    f3 = make_finding(closed, severity="minor")
    f3.article = "M.21"
    f3.save()
    make_finding(closed, severity="minor", status="withdrawn")
    make_order(f2, deadline=today - datetime.timedelta(days=10))
    # Xiamen's inspection: outside Fuzhou's jurisdiction.
    xiamen_plan = make_plan(scene.xiamen)
    make_finding(make_inspection(xiamen_plan, make_institution("350203")), severity="critical")


def test_sup4_dashboard_figures_for_the_jurisdiction(scene):
    _world(scene)
    figures = selectors.dashboard_figures(scene.head)
    by_status = {row["status"]: row["count"] for row in figures["by_status"]}
    assert by_status == {"planned": 0, "in_progress": 1, "closed": 1, "cancelled": 0}
    assert {row["severity"]: row["count"] for row in figures["by_severity"]} == {"critical": 1, "major": 1, "minor": 1}
    assert {row["article"]: row["count"] for row in figures["by_article"]} == {"M.18": 2, "M.21": 1}
    assert {row["requirement"]: row["count"] for row in figures["by_requirement"]} == {"SEC-2": 3, "SVC-3": 1}
    assert figures["orders"]["overdue"] == 1 and figures["orders"]["open"] == 1 and figures["orders"]["level_1"] == 0


def test_sup4_dashboard_is_for_departments(scene):
    with pytest.raises(errors.PermissionDenied):
        selectors.dashboard_figures(scene.admin)


def test_sup4_dashboard_page_links_every_figure(client, scene):
    _world(scene)
    login_verified(client, scene.head)
    html = client.get(reverse("inspections:dashboard")).content.decode()
    for chart in ("chart-status", "chart-severity", "chart-article", "chart-requirement"):
        assert f'data-testid="{chart}"' in html and f'data-testid="{chart}-table"' in html
    assert "/inspections/list/?status=closed" in html and "/inspections/findings/?severity=critical" in html
    assert "/inspections/findings/?article=M.21" in html and "/inspections/findings/?requirement=SVC-3" in html
    assert "/inspections/orders/?overdue=1" in html and "/inspections/orders/?overdue=1&amp;level=2" in html
    assert "<script" not in html.split("<main", 1)[1]
    client.logout()
    login_verified(client, scene.admin)
    assert client.get(reverse("inspections:dashboard")).status_code == 403


def test_sup4_dashboard_query_count_does_not_grow_with_data(client, scene, django_assert_max_num_queries):
    _world(scene)
    login_verified(client, scene.head)
    client.get(reverse("inspections:dashboard"))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("inspections:dashboard")).status_code == 200
    for _ in range(3):
        _world(scene)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("inspections:dashboard")).status_code == 200


def test_sup4_dashboard_through_the_api(client, scene):
    _world(scene)
    login_verified(client, scene.head)
    body = client.get(reverse("api:inspections-dashboard")).json()
    assert body["orders"]["overdue"] == 1 and body["findings_total"] == 3
    client.logout()
    login_verified(client, scene.admin)
    assert client.get(reverse("api:inspections-dashboard")).status_code == 403
