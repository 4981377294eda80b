"""Lifecycle pages (STD-1, STD-3): the workbench shows only what the user may do, every action goes through
the services, strangers get 403/404 as the policy decides, the public comment form keeps to its period."""

import datetime

import pytest
from django.urls import reverse

from apps.standards.models import ExpertReviewer, PublicComment, Standard, WorkingGroupMember
from tests.conftest import login_verified
from tests.institutions.uploads import pdf
from tests.standards import lifecycle_helpers as helpers
from tests.standards.lifecycle_helpers import TODAY, comment, drive_to, on, project

pytestmark = pytest.mark.django_db
S = Standard.Status
people, today = helpers.people, helpers.today  # fixtures


def workbench(standard):
    return reverse("standards:workbench", args=[standard.pk])


def step_url(standard, step):
    return reverse("standards:workbench_step", args=[standard.pk, step])


def test_officer_starts_drafting_from_the_workbench_STD_3(client, national, people, today):
    standard = project(national)
    login_verified(client, people["officer"])
    page = client.get(workbench(standard))
    assert page.status_code == 200
    assert b'data-testid="step-start_drafting"' in page.content and b"step-publish" not in page.content
    response = client.post(step_url(standard, "start_drafting"), {
        "start_drafting-leads": [people["lead"].pk], "start_drafting-members": [people["drafter"].pk]})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.status == S.DRAFTING
    assert set(WorkingGroupMember.objects.values_list("user_id", "role")) == {
        (people["lead"].pk, "lead"), (people["drafter"].pk, "member")}


def test_working_group_of_one_organisation_is_refused_on_the_form(client, national, people, today):
    standard = project(national)
    login_verified(client, people["officer"])
    response = client.post(step_url(standard, "start_drafting"), {
        "start_drafting-leads": [people["lead"].pk], "start_drafting-members": [people["stranger"].pk]})
    assert response.status_code == 400 and b"at least 2 different organisations" in response.content
    standard.refresh_from_db()
    assert standard.status == S.PROJECT


def test_illegal_step_posted_anyway_answers_with_the_tables_message(client, national, people, today):
    standard = project(national)
    login_verified(client, people["officer"])
    response = client.post(step_url(standard, "close_comment"))
    assert response.status_code == 400 and "cannot go from “project” to “expert_review”" in response.content.decode()
    standard.refresh_from_db()
    assert standard.status == S.PROJECT


def test_head_cannot_start_drafting_and_does_not_see_the_action(client, national, people, today):
    standard = project(national)
    login_verified(client, people["head"])
    assert b"step-start_drafting" not in client.get(workbench(standard)).content
    response = client.post(step_url(standard, "start_drafting"), {
        "start_drafting-leads": [people["lead"].pk], "start_drafting-members": [people["drafter"].pk]})
    assert response.status_code == 403
    standard.refresh_from_db()
    assert standard.status == S.PROJECT


def test_workbench_refuses_strangers_and_anonymous(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    assert client.get(workbench(standard)).status_code == 302  # to sign-in
    login_verified(client, people["stranger"])
    assert client.get(workbench(standard)).status_code == 403
    assert client.get(reverse("standards:workbench", args=[999999])).status_code == 404


def test_drafter_edits_the_draft_a_stranger_gets_403_STD_3(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    login_verified(client, people["drafter"])
    page = client.get(workbench(standard))
    assert page.status_code == 200 and reverse("standards:draft_edit", args=[standard.pk]).encode() in page.content
    assert b"step-" not in page.content  # a drafter moves nothing
    response = client.post(reverse("standards:draft_edit", args=[standard.pk]), {
        "title": "医疗健康数据元 第1部分", "title_en": "Data elements", "scope_note": "本标准规定…",
        "text_upload": pdf("征求意见稿.pdf")})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.title == "医疗健康数据元 第1部分" and standard.text_name == "征求意见稿.pdf"
    client.logout()
    login_verified(client, people["stranger"])
    assert client.get(reverse("standards:draft_edit", args=[standard.pk])).status_code == 403
    assert client.post(reverse("standards:draft_edit", args=[standard.pk]), {"title": "x"}).status_code == 403
    standard.refresh_from_db()
    assert standard.title == "医疗健康数据元 第1部分"


def test_group_and_experts_are_managed_from_the_workbench(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    newcomer, expert = people["experts"][0], people["experts"][1]
    login_verified(client, people["officer"])
    assert client.post(reverse("standards:group_add", args=[standard.pk]), {
        "group-user": newcomer.pk, "group-role": "member"}).status_code == 302
    assert WorkingGroupMember.objects.filter(standard=standard, user=newcomer).exists()
    assert client.post(reverse("standards:group_remove", args=[standard.pk, newcomer.pk])).status_code == 302
    assert not WorkingGroupMember.objects.filter(standard=standard, user=newcomer).exists()
    response = client.post(reverse("standards:group_remove", args=[standard.pk, people["lead"].pk]), follow=True)
    assert "only lead drafter" in response.content.decode()
    assert client.post(reverse("standards:expert_add", args=[standard.pk]), {"expert-user": expert.pk}).status_code == 302
    assert ExpertReviewer.objects.filter(standard=standard, user=expert).exists()
    response = client.post(reverse("standards:expert_add", args=[standard.pk]), {"expert-user": people["lead"].pk})
    assert response.status_code == 400 and b"cannot review it" in response.content
    assert client.post(reverse("standards:expert_remove", args=[standard.pk, expert.pk])).status_code == 302
    assert not ExpertReviewer.objects.filter(standard=standard, user=expert).exists()


def test_a_drafter_cannot_manage_the_group(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    login_verified(client, people["lead"])
    assert client.post(reverse("standards:group_add", args=[standard.pk]), {
        "group-user": people["experts"][0].pk, "group-role": "member"}).status_code == 403
    assert client.post(reverse("standards:expert_add", args=[standard.pk]), {
        "expert-user": people["experts"][0].pk}).status_code == 403
    assert not WorkingGroupMember.objects.filter(user=people["experts"][0]).exists()


# --- public comment --------------------------------------------------------------------------------------


def test_anonymous_visitor_comments_inside_the_period_STD_3(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    url = reverse("standards:comment_create", args=[standard.pk])
    with on(TODAY):
        page = client.get(url)
        assert page.status_code == 200 and b"2025-03-03" in page.content and b"2025-04-01" in page.content
        response = client.post(url, {"author_name": "李明", "author_email": "li@example.cn", "clause": "4.1",
                                     "text": "术语定义不一致。"}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 200 and b'data-testid="comment-received"' in response.content
    row = PublicComment.objects.get(standard=standard)
    assert row.author is None and row.clause == "4.1" and row.answer == "pending"


def test_comment_outside_the_period_is_refused_with_the_dates(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    url = reverse("standards:comment_create", args=[standard.pk])
    with on(TODAY + datetime.timedelta(days=30)):
        page = client.get(url)
        assert b"The comment period ran from 2025-03-03 to 2025-04-01; it has closed." in page.content
        response = client.post(url, {"author_name": "李明", "author_email": "li@example.cn", "text": "迟到"})
    assert response.status_code == 409 and not PublicComment.objects.exists()


def test_comment_form_of_a_draft_in_drafting_is_not_found_for_the_public(client, national, people, today):
    standard = drive_to(S.DRAFTING, national, people)
    assert client.get(reverse("standards:comment_create", args=[standard.pk])).status_code == 404


def test_comment_form_errors_are_shown_on_the_fields(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        response = client.post(reverse("standards:comment_create", args=[standard.pk]),
                               {"author_name": "", "author_email": "bad", "text": ""})
    assert response.status_code == 400 and not PublicComment.objects.exists()


def test_working_group_member_answers_a_comment_with_htmx(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        row = comment(standard)
        login_verified(client, people["lead"])
        url = reverse("standards:comment_answer", args=[standard.pk, row.pk])
        refused = client.post(url, {f"answer-{row.pk}-answer": "not_accepted", f"answer-{row.pk}-reason": ""},
                              HTTP_HX_REQUEST="true")
        assert refused.status_code == 400 and b"Give the reason" in refused.content
        response = client.post(url, {f"answer-{row.pk}-answer": "partly", f"answer-{row.pk}-reason": "部分采纳"},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"The answer was recorded." in response.content
    row.refresh_from_db()
    assert row.answer == "partly" and row.answered_by == people["lead"]


def test_stranger_cannot_answer_a_comment(client, national, people):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        row = comment(standard)
        login_verified(client, people["stranger"])
        response = client.post(reverse("standards:comment_answer", args=[standard.pk, row.pk]),
                               {f"answer-{row.pk}-answer": "accepted"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.answer == "pending"


# --- expert review -----------------------------------------------------------------------------------------


def test_expert_sees_and_uses_their_own_opinion_form_STD_3(client, national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    expert = people["experts"][0]
    login_verified(client, expert)
    page = client.get(workbench(standard))
    assert page.status_code == 200 and b'data-testid="opinion-form"' in page.content
    response = client.post(reverse("standards:opinion_submit", args=[standard.pk]), {
        "opinion-vote": "changes", "opinion-opinion": "建议修改第5章。"})
    assert response.status_code == 302
    assert helpers.opinions_of(standard) == {expert.pk: "changes"}


def test_non_reviewer_vote_is_refused_with_403(client, national, people):
    standard = drive_to(S.EXPERT_REVIEW, national, people)
    login_verified(client, people["officer"])
    assert b'data-testid="opinion-form"' not in client.get(workbench(standard)).content
    client.logout()
    login_verified(client, people["stranger"])
    response = client.post(reverse("standards:opinion_submit", args=[standard.pk]), {
        "opinion-vote": "reject", "opinion-opinion": "反对"})
    assert response.status_code == 403 and not standard.review_opinions.exists()


def test_head_publishes_from_the_workbench(client, national, people):
    standard = drive_to(S.APPROVAL, national, people)
    login_verified(client, people["head"])
    with on(TODAY + datetime.timedelta(days=60)):
        page = client.get(workbench(standard))
        assert b"step-publish" in page.content and b"step-send_back" in page.content
        bad = client.post(step_url(standard, "publish"), {"publish-code": "WS/T 99901-2024",
                                                          "publish-published_on": "2025-05-02",
                                                          "publish-in_force_on": "2025-11-01"})
        assert bad.status_code == 400 and b"must be the year of publication" in bad.content
        response = client.post(step_url(standard, "publish"), {"publish-code": "WS/T 99901-2025",
                                                               "publish-published_on": "2025-05-02",
                                                               "publish-in_force_on": "2025-11-01"})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.status == S.PUBLISHED and standard.code == "WS/T 99901-2025"


def test_officer_cannot_publish_through_the_page(client, national, people):
    standard = drive_to(S.APPROVAL, national, people)
    login_verified(client, people["officer"])
    assert b"step-publish" not in client.get(workbench(standard)).content
    response = client.post(step_url(standard, "publish"), {"publish-code": "WS/T 99902-2025",
                                                           "publish-published_on": "2025-05-02",
                                                           "publish-in_force_on": "2025-11-01"})
    assert response.status_code == 403


def test_workbench_query_count_does_not_grow_with_comments_and_people(client, national, people,
                                                                      django_assert_max_num_queries):
    standard = drive_to(S.PUBLIC_COMMENT, national, people)
    with on(TODAY):
        for number in range(25):
            comment(standard, text=f"意见{number}", client_key=f"key{number % 3}-{number}")
        login_verified(client, people["officer"])
        with django_assert_max_num_queries(30):
            response = client.get(workbench(standard))
    assert response.status_code == 200 and response.content.count(b'data-testid="comment"') == 20


# --- work lists --------------------------------------------------------------------------------------------


def test_my_drafts_and_my_reviews_list_the_users_work(client, national, people, django_assert_max_num_queries):
    first = drive_to(S.PUBLIC_COMMENT, national, people)
    second = drive_to(S.DRAFTING, national, people)
    with on(TODAY):
        comment(first)
    login_verified(client, people["drafter"])
    with django_assert_max_num_queries(15):
        page = client.get(reverse("standards:my_drafts"))
    assert page.status_code == 200 and first.code.encode() in page.content and second.code.encode() in page.content
    client.logout()
    expert = people["experts"][0]
    login_verified(client, expert)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("standards:my_reviews"))
    assert first.code.encode() in page.content and second.code.encode() not in page.content  # no experts yet
    client.logout()
    login_verified(client, people["stranger"])
    page = client.get(reverse("standards:my_reviews"))
    assert first.code.encode() not in page.content
    assert first.code.encode() not in client.get(reverse("standards:my_drafts")).content


def test_finished_drafts_leave_the_open_list(client, national, people):
    standard = drive_to(S.PUBLISHED, national, people)
    login_verified(client, people["lead"])
    assert standard.code.encode() not in client.get(reverse("standards:my_drafts")).content
    assert standard.code.encode() in client.get(reverse("standards:my_drafts") + "?show=all").content



def test_navigation_leads_drafters_and_experts_to_their_work(client, national, people):
    login_verified(client, people["lead"])
    page = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("standards:my_drafts")}"' in page and f'href="{reverse("standards:my_reviews")}"' in page
