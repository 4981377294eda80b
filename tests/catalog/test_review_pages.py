"""The reviewers' pages (SVC-2, SEC-4, SEC-9): the work list and the step page with its forms."""

import datetime

import pytest
from django.urls import reverse

from apps.catalog.models import ConflictDeclaration, ReviewComment, RouteStep, SharingApplication
from apps.catalog.services import routing
from tests.conftest import login_verified, make_user

from . import routing_helpers
from .factories import provider_institution
from .routing_helpers import apply_for, case, name_and_declare, resource_of, submit

pytestmark = pytest.mark.django_db
depts = routing_helpers.depts  # fixture


def _page(step):
    return reverse("catalog:step_detail", args=[step.pk])


def test_the_work_list_shows_my_steps_first_due_first_with_overdue_flagged_SVC_2(client, depts):
    c = case(depts, level=3)
    step = c.steps[0]
    routing.step_reviewers_assign(step, users=[c.provider_admin], by=c.provider_admin)
    RouteStep.objects.filter(pk=step.pk).update(due_on=routing.today() - datetime.timedelta(days=2))
    login_verified(client, c.provider_admin)
    response = client.get(reverse("catalog:review_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert c.application.number in body and 'data-testid="overdue"' in body
    assert list(response.context["page"]) == [RouteStep.objects.get(pk=step.pk)]


def test_assigners_see_their_organisations_steps_without_reviewers_SVC_2(client, depts):
    c = case(depts, level=2)
    login_verified(client, c.provider_admin)
    response = client.get(reverse("catalog:review_list"))
    assert response.context["unassigned"] == [c.steps[0]]


def test_the_work_list_has_a_query_budget_SVC_2(client, depts, django_assert_max_num_queries):
    reviewer = depts.reviewer("fuzhou")
    provider, provider_admin = provider_institution("350102")
    for _ in range(6):
        applicant, applicant_admin = provider_institution("350203")
        application = apply_for(applicant.organisation, resource_of(provider.organisation, 3), by=applicant_admin)
        steps = submit(application, by=applicant_admin)
        routing.step_reviewers_assign(steps[1], users=[reviewer], by=reviewer)
        routing.step_reviewers_assign(steps[0], users=[provider_admin], by=provider_admin)
    login_verified(client, reviewer)
    client.get(reverse("catalog:review_list"))  # warm the session and caches
    with django_assert_max_num_queries(14):
        response = client.get(reverse("catalog:review_list"))
    assert len(response.context["page"]) == 6


def test_the_step_page_shows_the_answers_fields_and_route_to_a_reviewer_SVC_2(client, depts):
    c = case(depts, level=3)
    login_verified(client, c.provider_admin)
    response = client.get(_page(c.steps[0]))
    assert response.status_code == 200
    body = response.content.decode()
    assert c.application.purpose in body and "字段甲" in body
    assert response.context["may_assign"] and not response.context["may_decide"]
    assert [row["kind"] for row in response.context["route"]] == ["provider", "provider_municipal"]


def test_the_step_page_is_404_for_those_who_cannot_see_the_step_SEC_4(client, depts):
    c = case(depts, level=2)
    for outsider in (c.applicant_admin, make_user(depts.guangdong, "reviewer"),
                     provider_institution("350102")[1]):
        client.logout()
        login_verified(client, outsider)
        assert client.get(_page(c.steps[0])).status_code == 404
        assert client.post(_page(c.steps[0]), {"action": "decide", "decision": "approve"}).status_code == 404


def test_naming_declaring_and_deciding_through_the_page_with_comments_beside_answers_SVC_2(client, depts):
    c = case(depts, level=2)
    step = c.steps[0]
    login_verified(client, c.provider_admin)
    response = client.post(_page(step), {"action": "assign", "users": [c.provider_admin.pk]})
    assert response.status_code == 302
    response = client.post(_page(step), {"action": "decide", "decision": "approve"})
    assert response.status_code == 400 and "conflict of interest" in response.content.decode()
    response = client.post(_page(step), {"action": "declare", "statement": "本人与本申请无利益冲突。", "confirm": "on"})
    assert response.status_code == 302
    assert ConflictDeclaration.objects.filter(step=step, user=c.provider_admin).exists()
    page = client.get(_page(step))
    assert page.context["may_decide"] and 'form="decision-form"' in page.content.decode()
    response = client.post(_page(step), {"action": "decide", "decision": "return", "comment": "",
                                         "comment_purpose": "请具体说明研究问题"})
    assert response.status_code == 400
    assert not ReviewComment.objects.filter(application=c.application).exists()
    response = client.post(_page(step), {"action": "decide", "decision": "return", "comment": "请补充研究方案。",
                                         "comment_purpose": "请具体说明研究问题", "comment_documents": ""})
    assert response.status_code == 302
    assert set(ReviewComment.objects.filter(application=c.application).values_list("field_name", "text")) == {
        ("", "请补充研究方案。"), ("purpose", "请具体说明研究问题")}
    assert SharingApplication.objects.get(pk=c.application.pk).status == "returned"


def test_a_reviewer_not_assigned_posting_a_decision_gets_403_SEC_4(client, depts):
    c = case(depts, level=2)
    name_and_declare(c.steps[0], c.provider_admin)
    colleague = make_user(c.provider.organisation, "institution_admin")
    login_verified(client, colleague)
    response = client.post(_page(c.steps[0]), {"action": "decide", "decision": "approve"})
    assert response.status_code == 403
    assert RouteStep.objects.get(pk=c.steps[0].pk).status == "active"


def test_the_step_page_shows_an_awaited_assessment_and_the_department_records_it_SEC_9(client, depts):
    c = case(depts, level=3, cross_border=True, cross_border_destination="新加坡")
    reviewer = depts.reviewer("fuzhou")
    login_verified(client, reviewer)
    response = client.get(_page(c.steps[1]))
    assert response.context["assessment_awaited"] and response.context["may_record_assessment"]
    assert 'data-testid="assessment-status"' in response.content.decode()
    response = client.post(_page(c.steps[1]), {"action": "assessment", "reference": "闽网信评〔2026〕3号",
                                               "assessed_on": routing.today().isoformat()})
    assert response.status_code == 302
    application = SharingApplication.objects.get(pk=c.application.pk)
    assert application.security_assessment_reference == "闽网信评〔2026〕3号"


def test_an_unknown_action_is_a_bad_request(client, depts):
    c = case(depts, level=2)
    login_verified(client, c.provider_admin)
    assert client.post(_page(c.steps[0]), {"action": "approve-everything"}).status_code == 400
