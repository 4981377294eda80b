"""Administrative divisions: the jurisdiction of an entity (INS-1) and the hierarchy of departments
(SUP-4) rest on the GB/T 2260 codes loaded by migration 0002 from fixtures/regions.json.

The test database is built by the migrations, so these tests read the real published table.
"""

import json
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db.models import Count
from django.test import RequestFactory

from apps.regions.admin import RegionAdmin
from apps.regions.models import Region
from apps.regions.selectors import region_choices_for, region_path, regions_within
from apps.regions.services import FIXTURE_PATH, regions_load

pytestmark = pytest.mark.django_db

PROVINCE, PREFECTURE, COUNTY = Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY


def test_fujian_fuzhou_gulou_loaded_by_migration():
    """INS-1: an entity in Gulou district (350102) is within Fuzhou (3501) and Fujian (35)."""
    fujian = Region.objects.get(code="350000")
    fuzhou = Region.objects.get(code="350100")
    gulou = Region.objects.get(code="350102")

    assert (fujian.name, fujian.name_en, fujian.level, fujian.prefix, fujian.parent) == (
        "福建省", "Fujian Province", PROVINCE, "35", None)
    assert (fuzhou.name, fuzhou.name_en, fuzhou.level, fuzhou.prefix, fuzhou.parent) == (
        "福州市", "Fuzhou City", PREFECTURE, "3501", fujian)
    assert (gulou.name, gulou.name_en, gulou.level, gulou.prefix, gulou.parent) == (
        "鼓楼区", "Gulou District", COUNTY, "350102", fuzhou)
    assert gulou.full_name == "福建省福州市鼓楼区"
    assert Region.objects.get(code="350121").name_en == "Minhou County"


def test_fujian_has_its_nine_prefecture_cities():
    """SUP-4: a provincial department oversees the departments of its nine prefecture-level cities."""
    cities = list(Region.objects.filter(parent_id="350000").values_list("code", "name"))
    assert [code for code, _ in cities] == [f"35{n:02d}00" for n in range(1, 10)]
    assert cities[0] == ("350100", "福州市") and cities[-1] == ("350900", "宁德市")
    counties = Region.objects.filter(level=COUNTY, code__startswith="35")
    assert counties.count() > 80
    assert not counties.exclude(parent__level=PREFECTURE).exists()


def test_counts_by_level_are_plausible():
    counts = dict(Region.objects.values_list("level").annotate(n=Count("code")).values_list("level", "n"))
    assert counts[PROVINCE] >= 31
    assert counts[PREFECTURE] > 300
    assert counts[COUNTY] > 2500
    with open(FIXTURE_PATH, encoding="utf-8") as handle:
        assert sum(counts.values()) == len(json.load(handle))


def test_every_non_province_has_a_parent_of_a_higher_level_in_the_same_province():
    assert not Region.objects.filter(level=PROVINCE, parent__isnull=False).exists()
    assert not Region.objects.exclude(level=PROVINCE).filter(parent__isnull=True).exists()
    for code, level, parent_code, parent_level in Region.objects.exclude(level=PROVINCE).values_list(
            "code", "level", "parent__code", "parent__level"):
        assert parent_level < level, code
        assert code.startswith(Region.prefix_for(parent_code, parent_level)), code
    for code, level, prefix in Region.objects.values_list("code", "level", "prefix"):
        assert prefix == Region.prefix_for(code, level)


def test_municipality_districts_and_province_governed_counties_hang_under_the_province():
    assert Region.objects.get(code="110101").parent_id == "110000"  # 东城区, Beijing
    assert Region.objects.get(code="419001").parent_id == "410000"  # 济源市, Henan


def test_regions_within_a_prefix():
    """INS-1: the jurisdiction "35" covers Gulou district and not Dongcheng district of Beijing."""
    fujian = regions_within("35")
    assert fujian.filter(code="350102").exists()
    assert not fujian.filter(code="110101").exists()
    assert fujian.filter(code="350000").exists()
    assert set(regions_within("3501").values_list("level", flat=True)) == {PREFECTURE, COUNTY}
    assert regions_within("").count() == Region.objects.count()
    assert list(regions_within("35", max_level=PROVINCE).values_list("code", flat=True)) == ["350000"]


def test_region_choices_for_a_select_widget(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        choices = region_choices_for("3501")
    assert choices[0] == ("350100", "福建省福州市")
    assert ("350102", "福建省福州市鼓楼区") in choices
    assert [code for code, _ in choices] == sorted(code for code, _ in choices)
    assert all(code.startswith("3501") for code, _ in choices)
    provinces = region_choices_for("", max_level=PROVINCE)
    assert ("350000", "福建省") in provinces and len(provinces) >= 31
    assert region_choices_for("99") == []


def test_region_path_goes_from_province_to_self(django_assert_num_queries):
    with django_assert_num_queries(1):
        path = region_path("350102")
        assert [region.code for region in path] == ["350000", "350100", "350102"]
        assert path[-1].full_name == "福建省福州市鼓楼区"
    assert [region.code for region in region_path("110101")] == ["110000", "110101"]
    assert [region.code for region in region_path("350000")] == ["350000"]
    assert region_path("999999") == []
    assert region_path("") == []


def test_loading_twice_is_idempotent_and_restores_edited_rows():
    before = Region.objects.count()
    Region.objects.filter(code="350102").update(name="改过的名字", name_en="Edited")
    assert regions_load() == before
    assert regions_load() == before
    assert Region.objects.count() == before
    assert Region.objects.get(code="350102").name == "鼓楼区"

    out = StringIO()
    call_command("load_regions", stdout=out)
    assert f"Loaded {before} regions" in out.getvalue()
    assert Region.objects.count() == before


def test_loader_rejects_an_inconsistent_fixture(tmp_path):
    bad = tmp_path / "regions.json"
    bad.write_text(json.dumps([{"model": "regions.region", "pk": "350102", "fields": {
        "prefix": "3501", "name": "鼓楼区", "name_en": "Gulou District", "level": 3, "parent": "350100"}}]),
        encoding="utf-8")
    with pytest.raises(ValueError, match="prefix"):
        regions_load(bad)


def test_search_by_chinese_fragment():
    """Users find a division by part of its Chinese name."""
    found = set(Region.objects.filter(name__contains="鼓楼").values_list("code", flat=True))
    assert {"350102", "320106"} <= found  # Gulou in Fuzhou and in Nanjing
    assert regions_within("35").filter(name__contains="鼓楼").get().code == "350102"


def test_admin_is_read_only_and_searches_by_code_prefix_and_name(admin_user):
    model_admin = RegionAdmin(Region, admin.site)
    request = RequestFactory().get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)

    queryset, _ = model_admin.get_search_results(request, Region.objects.all(), "3501")
    assert set(queryset.values_list("level", flat=True)) == {PREFECTURE, COUNTY}
    queryset, _ = model_admin.get_search_results(request, Region.objects.all(), "福州")
    assert "350100" in set(queryset.values_list("code", flat=True))
