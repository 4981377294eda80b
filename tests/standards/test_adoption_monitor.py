"""Adoption monitor (STD-5, M.15): figures by standard and by region, the drill-down, the pages and charts,
scoped to the department's jurisdiction, at a constant number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core import errors
from apps.institutions.models import Institution
from apps.regions.models import Region
from apps.standards.adoption_selectors import adoption_by_region, adoption_by_standard, institutions_missing
from apps.standards.models import Standard
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import declare
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
in_force = adoption_helpers.in_force


@pytest.fixture
def world(hospital, fujian, fuzhou, gulou, xiamen):
    """Two admitted institutions in Fuzhou (鼓楼, 台江), one in Xiamen, one applicant in 鼓楼."""
    return {
        "gulou": hospital,
        "taijiang": make_institution("350103", Institution.Status.ADMITTED),
        "siming": make_institution("350203", Institution.Status.ADMITTED),
        "applicant": make_institution("350102", Institution.Status.APPLICANT),
    }


def _row(rows, standard):
    return next(row for row in rows if row.standard.pk == standard.pk)


def _page_row(html: str, standard) -> str:
    match = re.search(rf'data-testid="adoption-row-{standard.pk}">(.*?)</tr>', html, re.S)
    assert match, "the standard's row is missing"
    return match.group(1)


def test_std5_adoption_by_standard_counts_the_jurisdiction_only(world, in_force, fuzhou, fujian, national, xiamen):
    declare(world["gulou"], in_force)
    declare(world["siming"], in_force)
    cases = [(fuzhou, 1, 2, "50.0"), (fujian, 2, 3, "66.7"), (national, 2, 3, "66.7"), (xiamen, 1, 1, "100.0")]
    for department, declared, population, rate in cases:
        row = _row(adoption_by_standard(make_user(department, "standards_officer")), in_force)
        assert (row.declared, row.population, str(row.rate)) == (declared, population, rate), department.name


def test_declarations_of_institutions_no_longer_admitted_do_not_count(world, in_force, fuzhou):
    declare(world["taijiang"], in_force)
    Institution.objects.filter(pk=world["taijiang"].pk).update(status=Institution.Status.SUSPENDED)
    row = _row(adoption_by_standard(make_user(fuzhou, "standards_officer")), in_force)
    assert (row.declared, row.population) == (0, 1)


def test_mandatory_filter_and_category(world, in_force, fuzhou):
    recommended = make_standard("WS/T 9900-2024", Standard.Status.PUBLISHED, nature=Standard.Nature.RECOMMENDED)
    officer = make_user(fuzhou, "standards_officer")
    mandatory_rows = {row.standard.pk for row in adoption_by_standard(officer)}
    all_rows = {row.standard.pk for row in adoption_by_standard(officer, mandatory_only=False)}
    assert in_force.pk in mandatory_rows and recommended.pk not in mandatory_rows
    assert recommended.pk in all_rows
    in_category = adoption_by_standard(officer, mandatory_only=False, category=in_force.category)
    assert {row.standard.category_id for row in in_category} == {in_force.category_id}


def test_std5_adoption_by_region_per_child_region(world, in_force, fuzhou, fujian, national, gulou):
    declare(world["gulou"], in_force)
    by_county = {row.code: (row.declared, row.population, row.rate)
                 for row in adoption_by_region(make_user(fuzhou, "standards_officer"), in_force)}
    assert by_county["350102"] == (1, 1, 100) and by_county["350103"] == (0, 1, 0)
    assert set(by_county) == set(Region.objects.filter(level=3, code__startswith="3501").values_list("code", flat=True))
    by_city = {row.code: (row.declared, row.population) for row in
               adoption_by_region(make_user(fujian, "standards_officer"), in_force)}
    assert by_city["350100"] == (1, 2) and by_city["350200"] == (0, 1)
    by_province = {row.code: (row.declared, row.population) for row in
                   adoption_by_region(make_user(national, "standards_officer"), in_force)}
    assert by_province["350000"] == (1, 3) and by_province["110000"] == (0, 0)
    assert [(r.code, r.declared, r.population) for r in
            adoption_by_region(make_user(gulou, "standards_officer"), in_force)] == [("350102", 1, 1)]


def test_std5_drill_down_lists_exactly_the_missing_institutions_of_the_jurisdiction(world, in_force, fuzhou,
                                                                                  xiamen, fujian):
    declare(world["gulou"], in_force)
    assert list(institutions_missing(make_user(fuzhou, "standards_officer"), in_force)) == [world["taijiang"]]
    assert list(institutions_missing(make_user(xiamen, "standards_officer"), in_force)) == [world["siming"]]
    assert set(institutions_missing(make_user(fujian, "standards_officer"), in_force)) == {
        world["taijiang"], world["siming"]}


@pytest.mark.parametrize("role", ["case_officer"])
def test_monitor_figures_need_the_monitor_permission(world, in_force, fuzhou, role):
    with pytest.raises(errors.PermissionDenied):
        adoption_by_standard(make_user(fuzhou, role))
    with pytest.raises(errors.PermissionDenied):
        institutions_missing(make_user(world["gulou"].organisation, "institution_admin"), in_force)


# --- pages ------------------------------------------------------------------------------------------------


def test_std5_declaring_changes_the_rate_and_the_chart_on_the_monitor_page(client, world, in_force, fuzhou):
    login_verified(client, make_user(fuzhou, "standards_officer"))
    url = reverse("standards:adoption")
    before = client.get(url).content.decode()
    assert 'data-testid="rate">0.0%' in _page_row(before, in_force)
    assert "2 admitted institutions in your jurisdiction." in before
    declare(world["gulou"], in_force)
    after = client.get(url).content.decode()
    assert 'data-testid="rate">50.0%' in _page_row(after, in_force)
    chart = re.search(r'data-testid="adoption-chart">(.*?)</figure>', after, re.S).group(1)
    assert f"<title>{in_force.code}: 50.0% (1/2)</title>" in chart and "<svg" in chart
    assert "style=" not in chart  # CSP: no inline styles


def test_std5_standard_page_shows_regions_and_the_missing_institutions(client, world, in_force, fuzhou):
    declare(world["gulou"], in_force)
    login_verified(client, make_user(fuzhou, "standards_officer"))
    page = client.get(reverse("standards:adoption_standard", args=[in_force.pk])).content.decode()
    assert "1 of 2 admitted institutions declare it: <strong>50.0%</strong>" in page
    missing = re.search(r'data-testid="missing-table">(.*?)</table>', page, re.S).group(1)
    assert world["taijiang"].name in missing
    assert world["gulou"].name not in missing and world["siming"].name not in missing
    assert world["applicant"].name not in missing
    regions = re.search(r'data-testid="region-table">(.*?)</table>', page, re.S).group(1)
    assert "鼓楼区" in regions and "100.0%" in regions
    assert 'data-testid="region-chart"' in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_std5_monitor_pages_do_not_grow_with_standards_or_institutions(client, world, in_force, fuzhou):
    login_verified(client, make_user(fuzhou, "standards_officer"))
    overview, detail = reverse("standards:adoption"), reverse("standards:adoption_standard", args=[in_force.pk])
    client.get(overview)
    small = (_queries(client, overview), _queries(client, detail))
    for number in range(4):
        institution = make_institution("350104", Institution.Status.ADMITTED)
        standard = make_standard(f"WS 98{number}-2024", Standard.Status.IN_FORCE)
        declare(institution, standard)
        declare(institution, in_force)
    assert (_queries(client, overview), _queries(client, detail)) == small
    assert small[0] <= 14 and small[1] <= 16


@pytest.mark.parametrize(("who", "expected"), [
    ("standards_officer", 200), ("department_head", 200), ("auditor", 200), ("case_officer", 403),
    ("institution_admin", 403),
])
def test_monitor_pages_permission(client, world, in_force, fuzhou, who, expected):
    organisation = world["gulou"].organisation if who == "institution_admin" else fuzhou
    login_verified(client, make_user(organisation, who))
    for url in (reverse("standards:adoption"), reverse("standards:adoption_standard", args=[in_force.pk]),
                reverse("standards:adoption_changes")):
        assert client.get(url).status_code == expected, url


def test_monitor_pages_need_sign_in(client, in_force):
    response = client.get(reverse("standards:adoption"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_department_outside_sees_its_own_figures_only(client, world, in_force, xiamen):
    declare(world["gulou"], in_force)
    login_verified(client, make_user(xiamen, "standards_officer"))
    page = client.get(reverse("standards:adoption_standard", args=[in_force.pk])).content.decode()
    assert "0 of 1 admitted institutions declare it" in page
    assert world["gulou"].name not in page and world["taijiang"].name not in page and world["siming"].name in page
