"""Lifecycle endpoints (STD-1, STD-3): the same services as the workbench, one error shape (409 for an illegal
move, 403 for a user without the permission, 404 for what the user may not see)."""

import datetime

import pytest
from django.urls import reverse

from apps.standards.models import PublicComment, Standard, WorkingGroupMember
from tests.conftest import login_verified
from tests.institutions.uploads import fake_pdf, pdf
from tests.standards import lifecycle_helpers as helpers
from tests.standards.factories import make_standard
from tests.standards.lifecycle_helpers import TODAY, comment, drive_to, on, project

pytestmark = pytest.mark.django_db
S = Standard.Status
people, today = helpers.people, helpers.today  # fixtures


def api(name, standard, *args):
    return reverse(f"api:standards-{name}", args=[standard.pk, *args])


def test_officer_starts_drafting_through_the_api_STD_3(client, national, people, today):
    standard = project(national)
    login_verified(client, people["officer"])
    response = client.post(api("start-drafting", standard), {"members": [
        {"user": people["lead"].pk, "role": "lead"}, {"user": people["drafter"].pk, "role": "member"}]},
        content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "drafting"
    assert WorkingGroupMember.objects.filter(standard=standard).count() == 2


def test_illegal_move_answers_409_with_the_error_shape_STD_1(client, national, people, today):
    standard = project(national)
    login_verified(client, people["officer"])
    response = client.post(api("close-comment", standard), {}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    standard.refresh_from_db()
    assert standard.status == S.PROJECT


def test_one_organisation_answers_400_on_members(client, national, people, today):
    standard = project(national)
    login_verified(client, people["officer"])
    response = client.post(api("start-drafting", standard), {"members": [
        {"user": people["lead"].pk, "role": "lead"}, {"user": people["stranger"].pk, "role": "member"}]},
        content_type="application/json")
    assert response.status_code == 400 and "members" in response.json()["error"]["fields"]


def test_publishing_by_a_non_head_answers_403_and_by_the_head_200(client, national, people):
    standard = drive_to(S.APPROVAL, national, people)
    body = {"code": "WS/T 99903-2025", "published_on": "2025-05-02", "in_force_on": "2025-11-01"}
    login_verified(client, people["officer"])
    assert client.post(api("publish", standard), body, content_type="application/json").status_code == 403
    client.logout()
    login_verified(client, people["head"])
    with on(TODAY + datetime.timedelta(days=60)):
        response = client.post(api("publish", standard), body, content_type="application/json")
    assert response.status_code == 200 and response.json()["code"] == "WS/T 99903-2025"


def test_anonymous_cannot_move_a_standard(client, national, people, today):
    standard = project(national)
    response = client.post(api("start-drafting", standard), {"members": []}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_drafter_updates_the_draft_a_stranger_gets_403(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    login_verified(client, people["lead"])
    response = client.post(api("draft", standard), {"title": "新草案", "text": pdf("draft.pdf")})
    assert response.status_code == 200 and response.json()["text_url"]
    bad = client.post(api("draft", standard), {"title": "新草案", "text": fake_pdf()})
    assert bad.status_code == 400 and "text" in bad.json()["error"]["fields"]
    client.logout()
    login_verified(client, people["stranger"])
    assert client.post(api("draft", standard), {"title": "篡改"}).status_code == 403
    standard.refresh_from_db()
    assert standard.title == "新草案"


def test_public_comment_through_the_api_inside_and_outside_the_period(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    body = {"author_name": "张三", "author_email": "zhang@example.cn", "text": "建议", "clause": "3"}
    with on(TODAY):
        created = client.post(api("comments", standard), body, content_type="application/json")
    assert created.status_code == 201 and "author_email" not in created.json()
    with on(TODAY + datetime.timedelta(days=31)):
        late = client.post(api("comments", standard), body, content_type="application/json")
    assert late.status_code == 409 and "it has closed" in late.json()["error"]["message"]
    assert PublicComment.objects.filter(standard=standard).count() == 1


def test_public_sees_only_answered_comments_without_email(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        answered, _pending = comment(standard, text="已答复"), comment(standard, text="未答复")
        login_verified(client, people["lead"])
        response = client.post(api("comment-answer", standard, answered.pk), {"answer": "accepted"},
                               content_type="application/json")
        assert response.status_code == 200 and response.json()["answered_by"]
        staff = client.get(api("comments", standard)).json()
        client.logout()
        public = client.get(api("comments", standard)).json()
    assert len(staff["results"]) == 2 and "author_email" in staff["results"][0]
    assert [row["text"] for row in public["results"]] == ["已答复"] and "author_email" not in public["results"][0]


def test_public_comments_api_never_names_the_commenter(client, national, people):
    """Anonymous readers get the organisation of an answered comment, never the commenter's name (as the
    public pages); the people at work still see it."""
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        answered = comment(standard, text="已答复")
        login_verified(client, people["lead"])
        client.post(api("comment-answer", standard, answered.pk), {"answer": "accepted"},
                    content_type="application/json")
        staff = client.get(api("comments", standard)).json()
        client.logout()
        public = client.get(api("comments", standard)).json()
        created = client.post(api("comments", standard), {"author_name": "李四", "author_email": "li@example.cn",
                                                          "text": "再议"}, content_type="application/json")
    assert staff["results"][0]["author_name"] == answered.author_name
    assert "author_name" not in public["results"][0] and "author_organisation" in public["results"][0]
    assert created.status_code == 201 and "author_name" not in created.json()


def test_comments_of_a_draft_not_public_are_not_found_for_anonymous(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    assert client.get(api("comments", standard)).status_code == 404
    assert client.post(api("comments", standard), {"author_name": "x", "author_email": "x@example.cn", "text": "x"},
                       content_type="application/json").status_code == 404


def test_vote_by_a_non_reviewer_answers_403_and_an_expert_votes(client, national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    login_verified(client, people["stranger"])
    refused = client.post(api("opinions", standard), {"vote": "reject", "opinion": "反对"},
                          content_type="application/json")
    assert refused.status_code == 403 and "Only the experts appointed" in refused.json()["error"]["message"]
    client.logout()
    login_verified(client, people["experts"][0])
    response = client.post(api("opinions", standard), {"vote": "approve", "opinion": "同意"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["counted"] is True
    listing = client.get(api("opinions", standard))
    assert listing.status_code == 200 and [row["vote"] for row in listing.json()] == ["approve"]


def test_experts_and_working_group_endpoints(client, national, people, today, django_assert_max_num_queries):
    standard = drive_to(S.DRAFTING, national, people)
    newcomer = people["experts"][0]
    login_verified(client, people["officer"])
    assert client.post(api("experts", standard), {"user": newcomer.pk},
                       content_type="application/json").status_code == 201
    with django_assert_max_num_queries(12):
        experts = client.get(api("experts", standard))
    assert [row["user"]["id"] for row in experts.json()] == [newcomer.pk]
    assert client.delete(api("expert", standard, newcomer.pk)).status_code == 204
    assert client.post(api("working-group", standard), {"user": newcomer.pk, "role": "member"},
                       content_type="application/json").status_code == 201
    with django_assert_max_num_queries(12):
        group = client.get(api("working-group", standard))
    assert len(group.json()) == 3
    assert client.delete(api("working-group-member", standard, newcomer.pk)).status_code == 204
    lead_removal = client.delete(api("working-group-member", standard, people["lead"].pk))
    assert lead_removal.status_code == 400 and "only lead" in str(lead_removal.json()["error"])


def test_stranger_cannot_list_the_working_group(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    login_verified(client, people["stranger"])
    assert client.get(api("working-group", standard)).status_code == 403
    assert client.get(api("opinions", standard)).status_code == 403


def test_revision_through_the_api_answers_the_new_project(client, national, people):
    old = make_standard("WS 9365-2015", S.IN_FORCE, published_on=datetime.date(2015, 1, 1),
                        in_force_on=datetime.date(2015, 7, 1))
    login_verified(client, people["officer"])
    response = client.post(api("revision-start", old), {"reason": "技术发展"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["code"] == "WS 9365-20XX" and response.json()["supersedes"] == "WS 9365-2015"
    again = client.post(api("revision-start", old), {"reason": "again"}, content_type="application/json")
    assert again.status_code == 409
