"""The reference list and framework loaded after migrate (STD-1, STD-4, STD-8)."""

import datetime

import pytest

from apps.standards.models import FrameworkCategory, Standard, normalise_code, series_of
from apps.standards.services import reference
from apps.standards.services.registry import FINAL_CODE, nature_and_level

pytestmark = pytest.mark.django_db


def test_the_reference_list_is_real_sized_and_every_code_is_valid_and_unique_STD_8():
    rows = reference.registry_rows()
    codes = [row["code"] for row in rows]
    assert len(rows) >= 60
    assert len(set(codes)) == len(codes)
    for row in rows:
        assert normalise_code(row["code"]) == row["code"], row["code"]
        match = FINAL_CODE.match(row["code"])
        assert match, row["code"]
        assert (row["nature"], row["level"]) == nature_and_level(match["prefix"]), row["code"]
        assert row["status"] in ("in_force", "superseded"), row["code"]
        published, in_force = (datetime.date.fromisoformat(row[key]) if row[key] else None
                               for key in ("published_on", "in_force_on"))
        if published:
            assert published.year == int(match["year"]), row["code"]
        if published and in_force:
            assert published <= in_force, row["code"]


def test_every_superseded_version_is_older_and_every_supersedes_names_a_listed_code():
    rows = {row["code"]: row for row in reference.registry_rows()}
    for code, row in rows.items():
        if row["supersedes"]:
            older = rows[row["supersedes"]]
            assert older["status"] == "superseded", code
            assert int(FINAL_CODE.match(older["code"])["year"]) < int(FINAL_CODE.match(code)["year"])


def test_the_framework_is_a_tree_with_chinese_and_english_names_STD_4():
    rows = reference.framework_rows()
    codes = {row["code"] for row in rows}
    assert {"01", "02", "03", "04", "05", "06"} <= codes
    for row in rows:
        assert row["name"] and row["name_en"]
        if "." in row["code"]:
            assert row["parent"] == row["code"].rsplit(".", 1)[0] and row["parent"] in codes
        else:
            assert row["parent"] is None
    assert {row["category"] for row in reference.registry_rows()} <= codes


def test_the_reference_is_in_the_database_after_migrate_with_the_tree_and_the_links():
    assert Standard.objects.filter(code__in=[r["code"] for r in reference.registry_rows()]).count() >= 60
    data = FrameworkCategory.objects.get(code="02")
    assert set(data.children.values_list("code", flat=True)) == {"02.01", "02.02", "02.03", "02.04"}
    newer = Standard.objects.select_related("supersedes", "category").get(code="GB/T 35273-2020")
    assert newer.supersedes.code == "GB/T 35273-2017" and newer.category.code == "05.03"
    assert newer.series == series_of(newer.code) == "GB/T 35273"
    assert newer.published_on == datetime.date(2020, 3, 6)
    assert newer.history.get().history_user.username == "system"


def test_loading_again_creates_nothing_and_costs_a_few_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert reference.standards_reference_load() == {"categories": 0, "standards": 0}


def test_loading_restores_what_is_missing_and_keeps_what_officers_edited():
    Standard.objects.filter(code="GB/T 37964-2019").delete()
    Standard.objects.filter(code="WS/T 447-2014").update(title="已修改的标题")
    assert reference.standards_reference_load() == {"categories": 0, "standards": 1}
    assert Standard.objects.get(code="GB/T 37964-2019").category.code == "05.03"
    assert Standard.objects.get(code="WS/T 447-2014").title == "已修改的标题"
