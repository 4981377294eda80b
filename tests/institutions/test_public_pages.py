"""The public directory and blacklist (SVC-5, INS-3, INS-4): no sign-in, only what is disclosed, no personal data."""

import pytest
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle

from apps.institutions.api.exit import PublicBlacklistView, PublicDirectoryView
from apps.institutions.models import Institution, StatusDecision
from tests.conftest import login_verified, make_user
from tests.institutions.exit_helpers import _no_broker, decide, propose  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db

Status = Institution.Status
# Everything about people that tests.institutions.factories.profile() puts into a profile.
PERSONAL_DATA = ("张三", "李四", "王五", "赵六", "钱七", "13800000001", "13800000002", "0591-87654321",
                 "security@example.cn", "contact@example.cn", "测试路1号")


@pytest.fixture
def people(gulou):
    return make_user(gulou, "inspector"), make_user(gulou, "department_head")


@pytest.fixture
def population(gulou, people):
    inspector, head = people
    rows = {status: make_institution("350102", status, name=f"公开测试{status}") for status in Status.values}
    rows["xiamen"] = make_institution("350203", Status.ADMITTED, name="厦门公开测试", type="research")
    rows["grade_d"] = make_institution("350102", Status.ADMITTED, name="公开测试严重失信")
    Institution.objects.filter(pk=rows["grade_d"].pk).update(credit_grade="D", credit_score=40)
    rows["suspension"] = decide(propose(make_institution("350102", name="公开测试被暂停"), inspector), head,
                                text="暂停准入资格，限期整改。")
    rows["secret"] = decide(propose(make_institution("350102", name="公开测试未公开"), inspector), head,
                            text="不公开的决定内容。", disclosed=False)
    rows["restored"] = make_institution("350102", name="公开测试已恢复")
    decide(propose(rows["restored"], inspector), head, text="曾被暂停的决定内容。")
    decide(propose(rows["restored"], inspector, measure=StatusDecision.Measure.RESTORE), head, text="恢复。")
    return rows


def test_directory_is_public_and_lists_only_disclosed_statuses(client, population):
    response = client.get(reverse("institutions:directory"))
    content = response.content.decode()
    assert response.status_code == 200
    for status in (Status.ADMITTED, Status.SUSPENDED, Status.REVOKED):
        assert f"公开测试{status}" in content
    for status in (Status.APPLICANT, Status.REFUSED, Status.CLOSED):
        assert f"公开测试{status}" not in content
    assert "Seriously untrustworthy" in content  # the grade's label


def test_directory_shows_no_personal_data(client, population):
    content = client.get(reverse("institutions:directory")).content.decode()
    assert [item for item in PERSONAL_DATA if item in content] == []


def test_directory_searches_by_name_region_and_type(client, population):
    by_name = client.get(reverse("institutions:directory"), {"q": "严重失信"}).content.decode()
    assert "公开测试严重失信" in by_name and "公开测试admitted" not in by_name
    by_city = client.get(reverse("institutions:directory"), {"region": "350200"}).content.decode()
    assert "厦门公开测试" in by_city and "公开测试admitted" not in by_city
    by_province = client.get(reverse("institutions:directory"), {"region": "350000"}).content.decode()
    assert "厦门公开测试" in by_province and "公开测试admitted" in by_province
    by_type = client.get(reverse("institutions:directory"), {"type": "research"}).content.decode()
    assert "厦门公开测试" in by_type and "公开测试admitted" not in by_type


def test_directory_rows_for_htmx(client, population):
    response = client.get(reverse("institutions:directory"), {"q": "厦门"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "厦门公开测试" in content and "<html" not in content


def test_signed_in_regulator_sees_the_same_public_directory(client, population, gulou):
    login_verified(client, make_user(gulou, "reviewer"))
    content = client.get(reverse("institutions:directory")).content.decode()
    assert "公开测试admitted" in content and "公开测试applicant" not in content


def test_directory_queries_do_not_grow_with_rows(client, gulou, django_assert_max_num_queries):
    for index in range(30):
        make_institution("350102", Status.ADMITTED, name=f"批量机构{index:02d}")
    client.get(reverse("institutions:directory"))  # warms the cached region choices
    with django_assert_max_num_queries(4):
        response = client.get(reverse("institutions:directory"))
    assert response.content.decode().count("批量机构") == 25  # one page, and a next link without COUNT
    assert "page=2" in response.content.decode()


def test_blacklist_lists_suspended_revoked_and_grade_d_with_disclosed_decisions_INS_4(client, population):
    response = client.get(reverse("institutions:blacklist"))
    content = response.content.decode()
    assert response.status_code == 200
    for name in ("公开测试suspended", "公开测试revoked", "公开测试严重失信", "公开测试被暂停", "公开测试未公开"):
        assert name in content
    assert population["suspension"].number in content and "暂停准入资格，限期整改。" in content
    assert "不公开的决定内容。" not in content and population["secret"].number not in content
    assert "公开测试admitted" not in content and "公开测试已恢复" not in content
    assert "曾被暂停的决定内容。" not in content
    for status in (Status.APPLICANT, Status.REFUSED, Status.CLOSED):
        assert f"公开测试{status}" not in content


def test_blacklist_shows_no_personal_data(client, population):
    content = client.get(reverse("institutions:blacklist")).content.decode()
    assert [item for item in PERSONAL_DATA if item in content] == []


def test_blacklist_queries_do_not_grow_with_rows(client, people, django_assert_max_num_queries):
    inspector, head = people
    for index in range(8):
        decide(propose(make_institution("350102", name=f"暂停机构{index}"), inspector), head, text=f"决定{index}")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("institutions:blacklist"))
    assert response.content.decode().count("暂停机构") == 8


def test_public_api_directory_and_blacklist(client, population, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        directory = client.get(reverse("api:institutions-public-directory"))
    assert directory.status_code == 200
    rows = directory.json()["results"]
    names = {row["name"] for row in rows}
    assert "公开测试admitted" in names and "公开测试applicant" not in names
    assert set(rows[0]) == {"name", "name_en", "credit_code", "type", "hospital_grade", "region", "region_name",
                            "status", "credit_grade"}
    with django_assert_max_num_queries(4):
        blacklist = client.get(reverse("api:institutions-public-blacklist"))
    entries = {row["name"]: row for row in blacklist.json()["results"]}
    assert entries["公开测试被暂停"]["decision"]["number"] == population["suspension"].number
    assert entries["公开测试未公开"]["decision"] is None and "公开测试已恢复" not in entries
    assert [item for item in PERSONAL_DATA if item in directory.content.decode() + blacklist.content.decode()] == []


def test_public_api_is_open_and_throttled():
    for view in (PublicDirectoryView, PublicBlacklistView):
        assert AnonRateThrottle in view.throttle_classes
