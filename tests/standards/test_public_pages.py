"""Public pages and API (STD-1, STD-2, STD-3, SVC-5): only public statuses, no personal contact data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.standards.models import PublicComment, Standard
from apps.standards.services import proposals, registry
from tests.conftest import login_verified
from tests.institutions.uploads import pdf
from tests.standards import registry_helpers as helpers
from tests.standards.registry_helpers import S, issued

institution_user, officer = helpers.institution_user, helpers.officer  # fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(db):
    today = timezone.localdate()
    rows = {status: issued(f"WS/T 9{index:02d}-2024", status=status, title=f"公开页测试{status}")
            for index, status in enumerate(S.values)}
    Standard.objects.filter(pk=rows[S.PUBLIC_COMMENT].pk).update(
        comment_opens_on=today - datetime.timedelta(days=3), comment_closes_on=today + datetime.timedelta(days=27))
    rows[S.PUBLIC_COMMENT].refresh_from_db()
    rows["closed"] = issued("WS/T 990-2024", status=S.PUBLIC_COMMENT, title="公开页测试意见期已过",
                            comment_opens_on=today - datetime.timedelta(days=60),
                            comment_closes_on=today - datetime.timedelta(days=30))
    return rows


ISSUED = (S.PUBLISHED, S.IN_FORCE, S.UNDER_REVISION, S.SUPERSEDED, S.ABOLISHED)
INTERNAL = (S.PROJECT, S.DRAFTING, S.EXPERT_REVIEW, S.APPROVAL, S.WITHDRAWN)


def test_public_list_shows_issued_standards_only(client, population):
    response = client.get(reverse("standards:public_list"), {"q": "公开页测试"})
    content = response.content.decode()
    assert response.status_code == 200
    for status in ISSUED:
        assert f"公开页测试{status}<" in content, status
    for status in (*INTERNAL, S.PUBLIC_COMMENT):
        assert f"公开页测试{status}<" not in content, status


def test_public_list_searches_and_filters_by_category(client):
    url = reverse("standards:public_list")
    security = client.get(url, {"category": "05"}).content.decode()
    assert "GB/T 39725-2020" in security and "WS/T 447-2014" not in security
    superseded = client.get(url, {"status": "superseded", "q": "35273"}).content.decode()
    assert "GB/T 35273-2017" in superseded and "GB/T 35273-2020" not in superseded
    rows = client.get(url, {"q": "39725"}, HTTP_HX_REQUEST="true").content.decode()
    assert "GB/T 39725-2020" in rows and "<html" not in rows


def test_public_list_query_budget_without_count(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as captured:
        assert client.get(reverse("standards:public_list")).status_code == 200
    assert not any("COUNT(" in query["sql"] for query in captured.captured_queries)


def test_public_detail_is_404_for_internal_statuses(client, population):
    for status in INTERNAL:
        assert client.get(reverse("standards:public_detail", args=[population[status].pk])).status_code == 404
    for status in (*ISSUED, S.PUBLIC_COMMENT):
        assert client.get(reverse("standards:public_detail", args=[population[status].pk])).status_code == 200


def test_public_detail_shows_versions_text_and_answered_comments_without_emails(client, officer, population):
    older = Standard.objects.get(code="GB/T 35273-2017")
    newer = Standard.objects.get(code="GB/T 35273-2020")
    registry.standard_text_upload(standard=newer, upload=pdf(), by=officer)
    project = issued("GB/T 35273-20XX", status=S.PROJECT, supersedes=None, title="内部修订项目")
    PublicComment.objects.create(standard=newer, author_name="赵敏", author_email="zhao@example.cn",
                                 author_organisation="某医院", text="第5条应明确去标识化要求。",
                                 answer=PublicComment.Answer.ACCEPTED, answer_reason="已采纳。")
    PublicComment.objects.create(standard=newer, author_name="钱多", author_email="qian@example.cn",
                                 text="尚未答复的意见。")
    proposals.proposal_submit(data={"kind": "revision", "target": newer.code, "reason": "需要与个人信息保护法等新法规保持一致，建议尽快修订。",
                                    "proposer_name": "孙丽", "proposer_email": "sun@example.cn"}, client_key="x")
    content = client.get(reverse("standards:public_detail", args=[newer.pk])).content.decode()
    assert older.code in content and project.title not in content
    assert reverse("standards:text", args=[newer.pk]) in content
    assert "第5条应明确去标识化要求" in content and "已采纳" in content and "某医院" in content
    assert "尚未答复的意见" not in content
    for private in ("zhao@example.cn", "qian@example.cn", "sun@example.cn", "赵敏", "孙丽"):
        assert private not in content


def test_comment_link_only_while_the_period_is_open(client, population):
    open_page = client.get(reverse("standards:public_detail", args=[population[S.PUBLIC_COMMENT].pk])).content.decode()
    assert 'data-testid="comment-open"' in open_page
    closed = client.get(reverse("standards:public_detail", args=[population["closed"].pk])).content.decode()
    assert 'data-testid="comment-open"' not in closed


def test_open_comments_lists_drafts_open_today(client, population):
    content = client.get(reverse("standards:open_comments")).content.decode()
    assert "公开页测试public_comment" in content and "公开页测试意见期已过" not in content
    assert "公开页测试in_force" not in content


def test_public_pages_look_the_same_to_signed_in_users(client, institution_user, population):
    login_verified(client, institution_user)
    content = client.get(reverse("standards:public_list"), {"q": "公开页测试"}).content.decode()
    assert "公开页测试in_force<" in content and "公开页测试project<" not in content


def test_public_navigation_entries_for_anonymous_visitors(client):
    content = client.get(reverse("standards:public_list")).content.decode()
    for name in ("standards:public_list", "standards:open_comments", "standards:propose"):
        assert reverse(name) in content


# --- public API ---------------------------------------------------------------------------------------------


def test_public_api_lists_public_statuses_for_anonymous_clients(client, population):
    body = client.get(reverse("api:standards-public-list"), {"q": "公开页测试", "page_size": 50}).json()
    titles = {row["title"] for row in body["results"]}
    assert {f"公开页测试{status}" for status in (*ISSUED, S.PUBLIC_COMMENT)} <= titles
    assert not {f"公开页测试{status}" for status in INTERNAL} & titles
    draft = population[S.DRAFTING]
    assert client.get(reverse("api:standards-public-detail", args=[draft.pk])).status_code == 404
    detail = client.get(reverse("api:standards-public-detail", args=[population[S.IN_FORCE].pk])).json()
    assert detail["code"] == population[S.IN_FORCE].code and detail["status"] == "in_force"


def test_anonymous_clients_propose_through_the_api_and_are_throttled(client):
    payload = {"kind": "new", "title": "互联网医院数据接口规范", "reason": "互联网医院与监管平台的数据接口尚无统一标准。",
               "proposer_name": "周杰", "proposer_email": "zhou@example.cn"}
    response = client.post(reverse("api:standards-proposal-submit"), payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["number"].startswith("TY")
    assert "proposer_email" not in response.json()
    for _ in range(proposals.PROPOSALS_PER_CLIENT_PER_HOUR - 1):
        client.post(reverse("api:standards-proposal-submit"), payload, content_type="application/json")
    refused = client.post(reverse("api:standards-proposal-submit"), payload, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
