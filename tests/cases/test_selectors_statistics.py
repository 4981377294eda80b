"""Department statistics (SUP-3, SUP-4): cases of the year by measure, article (the JSON list unnested),
region one level below the jurisdiction and month, within the user's jurisdiction only, in a fixed number of
queries."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Case, Decision
from apps.cases.selectors import statistics
from apps.core import errors
from tests.cases.factories import make_case
from tests.institutions.factories import make_institution

from .test_opening_helpers import s

pytestmark = pytest.mark.django_db
__all__ = ["s"]  # fixture


@pytest.fixture
def figures(s):
    """Fuzhou: two decided cases, one registered, one dropped this year, one decided case of last year;
    Xiamen: one decided case."""
    make_case(s, status="decided", measures=("interview",), articles=["M.18"])
    make_case(s, status="decided", measures=("interview", "admonition"), articles=["M.18", "M.30"])
    make_case(s, articles=["M.21"])
    dropped = make_case(s, articles=["M.18"])
    Case.objects.filter(pk=dropped.pk).update(status=Case.Status.DROPPED)
    old = make_case(s, status="decided", measures=("admonition",), articles=["M.24"])
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Case.objects.filter(pk=old.pk).update(opened_at=long_ago)
    Decision.objects.filter(case=old).update(decided_at=long_ago)
    siming = make_institution("350203")
    xiamen = make_case(s, status="decided", measures=("criticism",), articles=["M.30"])
    Case.objects.filter(pk=xiamen.pk).update(institution=siming, region_id="350203", department=s.other_city)
    return s


def _counts(rows, key) -> dict:
    return {row[key]: row["count"] for row in rows if row["count"]}


def test_sup4_the_province_sees_its_cities_by_measure_article_region_and_month(figures):
    s = figures
    now = timezone.localtime()
    result = statistics(s.province_head, year=now.year)
    assert result["year"] == now.year
    assert _counts(result["by_measure"], "measure") == {"interview": 2, "admonition": 1, "criticism": 1}
    assert [row["measure"] for row in result["by_measure"]] == [
        "interview", "rectification", "admonition", "criticism", "disciplinary", "judicial"]
    assert [(row["article"], row["count"]) for row in result["by_article"]] == [
        ("M.18", 3), ("M.30", 2), ("M.21", 1)]
    assert result["by_article"][0]["label"] == "Art. 18: classification, backup, encryption, access control"
    assert [(row["region"], row["name"], row["count"]) for row in result["by_region"]] == [
        ("3501", "福州市", 4), ("3502", "厦门市", 1)]
    month = result["by_month"][now.month - 1]
    assert (month["month"], month["opened"], month["decided"]) == (now.month, 5, 3)
    assert sum(row["opened"] for row in result["by_month"]) == 5 and len(result["by_month"]) == 12
    assert result["totals"] == {"opened": 5, "open": 5, "dropped": 1, "decisions": 3, "appeals": 0}


def test_sup4_a_city_sees_only_its_jurisdiction_by_county(figures):
    s = figures
    result = statistics(s.head)
    assert [(row["region"], row["count"]) for row in result["by_region"]] == [("350102", 4)]
    assert _counts(result["by_measure"], "measure") == {"interview": 2, "admonition": 1}
    assert statistics(s.national_head)["by_region"] == [
        {"region": "35", "code": "350000", "name": "福建省", "count": 5}]
    last_year = statistics(s.head, year=timezone.localdate().year - 1)
    assert _counts(last_year["by_article"], "article") == {"M.24": 1}
    assert last_year["totals"]["decisions"] == 1


def test_sup4_statistics_are_for_departments(figures):
    s = figures
    for user in (s.admin, s.steward):
        with pytest.raises(errors.PermissionDenied):
            statistics(user)


def test_sup4_statistics_take_a_fixed_number_of_queries(figures, django_assert_max_num_queries):
    s = figures
    statistics(s.province_head)  # permissions cached on the user, as within a request
    with django_assert_max_num_queries(8) as captured:
        statistics(s.province_head)
    first = len(captured.captured_queries)
    for _ in range(3):
        make_case(s, status="decided", measures=("interview", "admonition"), articles=["M.19", "M.20"])
    with django_assert_max_num_queries(first):
        statistics(s.province_head)
