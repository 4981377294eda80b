"""The department's case statistics (SUP-3, SUP-4): cases by measure, article, region and month for a year as
SVG charts with tables, every number a link to the case list that lists exactly the cases it counts; only the
jurisdiction; a year selector; a query count that does not grow with the data; the same figures in the API."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cases.models import Case
from tests.cases.factories import make_case
from tests.conftest import login_verified
from tests.institutions.factories import make_institution

from .test_opening_helpers import s

pytestmark = pytest.mark.django_db
__all__ = ["s"]  # fixture
LINK = re.compile(r'<a href="(/cases/\?[^"]*)"[^>]*>(\d+)</a>')
ROW = re.compile(r'<a href="/cases/(\d+)/">')


def _as(client, user):
    client.logout()
    return login_verified(client, user)


def _world(s):
    """Cases of Fuzhou this year in two districts and two months, one last year, one of Xiamen."""
    now = timezone.now()
    first_month = timezone.make_aware(datetime.datetime(now.year, 1, 15, 10, 0))
    make_case(s, status="decided", measures=("interview", "admonition"), articles=["M.18", "M.21"])
    make_case(s, status="decided", measures=("interview",), severity="minor")
    make_case(s, status="notified", articles=["M.25"], opened_at=first_month)
    make_case(s, status="registered", source=Case.Source.COMPLAINT)
    taijiang = make_case(s, status="investigating")
    Case.objects.filter(pk=taijiang.pk).update(institution=make_institution("350103"), region_id="350103")
    make_case(s, status="decided", opened_at=now - datetime.timedelta(days=400))
    xiamen = make_case(s, status="decided")
    Case.objects.filter(pk=xiamen.pk).update(department=s.other_city, institution=make_institution("350203"),
                                             region_id="350203")


def test_sup4_statistics_every_number_equals_the_list_it_links_to(client, s):
    _world(s)
    _as(client, s.head)
    html = unescape(client.get(reverse("cases:dashboard")).content.decode())
    links = LINK.findall(html)
    assert len(links) > 20
    for href, number in set(links):
        listed = client.get(href).content.decode()
        table = listed.split('data-testid="cases"', 1)[1].split("</table>", 1)[0]
        assert len(set(ROW.findall(table))) == int(number), href
    assert 'data-testid="measure-interview">2<' in html and 'data-testid="measure-admonition">1<' in html
    assert 'data-testid="article-M.18">' in html and 'data-testid="region-350103">1<' in html
    assert 'data-testid="total-opened">5<' in html  # this year, Fuzhou's jurisdiction only


@pytest.mark.parametrize("chart", ["measure", "article", "region", "month"])
def test_sup4_statistics_charts_are_svg_with_tables_and_no_script(client, s, chart):
    _world(s)
    _as(client, s.head)
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert f'data-testid="chart-{chart}"' in html and f'data-testid="chart-{chart}-table"' in html
    figure = html.split(f'data-testid="chart-{chart}"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in figure and 'href="/cases/?' in figure
    assert "<script" not in html.split("<main", 1)[1]


def test_sup4_statistics_year_selector(client, s):
    _world(s)
    last_year = timezone.localdate().year - 1
    _as(client, s.head)
    html = client.get(reverse("cases:dashboard"), {"year": last_year}).content.decode()
    assert f'<option value="{last_year}" selected>' in html
    assert 'data-testid="total-opened">1<' in html and f"year={last_year}" in html


def test_sup4_statistics_are_for_departments(client, s):
    _as(client, s.admin)
    assert client.get(reverse("cases:dashboard")).status_code == 403
    assert client.get(reverse("api:cases-statistics")).status_code == 403
    _as(client, s.inspector)
    assert client.get(reverse("cases:dashboard")).status_code == 200


def test_sup4_statistics_query_count_does_not_grow_with_data(client, s, django_assert_max_num_queries):
    _world(s)
    _as(client, s.head)
    client.get(reverse("cases:dashboard"))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:dashboard")).status_code == 200
    for _ in range(3):
        _world(s)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:dashboard")).status_code == 200


def test_sup4_statistics_through_the_api(client, s):
    _world(s)
    _as(client, s.head)
    body = client.get(reverse("api:cases-statistics")).json()
    assert body["year"] == timezone.localdate().year and body["totals"]["opened"] == 5
    measures = {row["measure"]: row["count"] for row in body["by_measure"]}
    assert measures["interview"] == 2 and measures["judicial"] == 0
    row = next(row for row in body["by_region"] if row["region"] == "350103")
    assert row["count"] == 1 and row["url"].startswith("/cases/?")
    assert client.get(reverse("api:cases-statistics"), {"year": "1999"}).json()["year"] == body["year"]
