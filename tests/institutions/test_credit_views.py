"""Credit pages (INS-3): the breakdown tab, adjustments, objections, the work list and home panels."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.institutions.models import CreditEvent, CreditObjection, CreditSnapshot, Institution
from apps.institutions.services.credit import credit_recompute
from apps.institutions.services.credit_actions import credit_objection_submit
from tests.conftest import login_verified, make_user
from tests.institutions.credit_helpers import OBJECTION, REASON, _no_broker, add_event  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED)


@pytest.fixture
def head(gulou):
    return make_user(gulou, "department_head")


@pytest.fixture
def own_admin(hospital):
    return make_user(hospital.organisation, "institution_admin")


def _tab(hospital) -> str:
    return reverse("institutions:credit", args=[hospital.pk])


# --- the breakdown -----------------------------------------------------------------------------------------


def test_ins3_tab_explains_the_rating_item_by_item(client, hospital, head):
    finding = add_event(hospital, -20)
    finding.source_url = "/inspections/7/"
    finding.save()
    add_event(hospital, -5, occurred_on=timezone.localdate() - datetime.timedelta(days=400), days=30)
    add_event(hospital, -7, status=CreditEvent.Status.WITHDRAWN)
    credit_recompute(institution_ids=[hospital.pk])
    login_verified(client, head)
    page = client.get(_tab(hospital))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="credit-score">80<' in html and "Grade B" in html
    assert "Generally trustworthy" in html and "24 months" in html
    assert 'href="/inspections/7/"' in html and "FINDING-MAJOR" in html
    assert "Expired and withdrawn items" in html and "Withdrawn" in html and "Expired" in html
    assert 'role="img"' in html and "<desc" in html and "Credit score over time" in html
    assert "<script" not in html.split("credit-trend")[1].split("</figure>")[0]
    assert 'data-testid="adjust-form"' in html
    assert 'data-testid="object-link"' not in html


def test_tab_does_not_link_javascript_sources(client, hospital, head):
    event = add_event(hospital, -3)
    event.source_url = "javascript:alert(1)"
    event.save()
    login_verified(client, head)
    assert "javascript:alert" not in client.get(_tab(hospital)).content.decode()


def test_institution_users_see_their_own_tab_with_object_actions(client, hospital, own_admin):
    add_event(hospital, -20)
    login_verified(client, own_admin)
    html = client.get(_tab(hospital)).content.decode()
    assert 'data-testid="object-link"' in html and 'data-testid="adjust-form"' not in html


def test_ins3_tab_query_budget_does_not_grow_with_items(client, hospital, head, django_assert_max_num_queries):
    login_verified(client, head)
    for _ in range(3):
        add_event(hospital, -1)
    credit_recompute(institution_ids=[hospital.pk])
    with django_assert_max_num_queries(25) as few:
        client.get(_tab(hospital))
    for index in range(30):
        event = add_event(hospital, -1)
        if index % 3 == 0:
            CreditObjection.objects.create(event=event, institution=hospital, reason=OBJECTION, submitted_by=head)
        CreditSnapshot.objects.create(institution=hospital, computed_at=timezone.now(), score=90 - index, grade="B")
    with django_assert_max_num_queries(25) as many:
        client.get(_tab(hospital))
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(("who", "expected"), [
    ("head_same", 200), ("head_above", 200), ("head_outside", 404), ("own_admin", 200), ("own_steward", 403),
    ("other_institution", 404),
])
def test_tab_permissions(client, hospital, gulou, fujian, xiamen, who, expected):
    other = make_institution("350102")
    user = {
        "head_same": lambda: make_user(gulou, "department_head"),
        "head_above": lambda: make_user(fujian, "auditor"),
        "head_outside": lambda: make_user(xiamen, "department_head"),
        "own_admin": lambda: make_user(hospital.organisation, "institution_admin"),
        "own_steward": lambda: make_user(hospital.organisation, "data_steward"),
        "other_institution": lambda: make_user(other.organisation, "institution_admin"),
    }[who]()
    login_verified(client, user)
    assert client.get(_tab(hospital)).status_code == expected


def test_tab_needs_sign_in(client, hospital):
    response = client.get(_tab(hospital))
    assert response.status_code == 302 and "login" in response["Location"]


# --- adjustments -------------------------------------------------------------------------------------------


def test_adjust_form_records_an_adjustment(client, hospital, head):
    login_verified(client, head)
    response = client.post(reverse("institutions:credit_adjust", args=[hospital.pk]),
                           {"points": "-12", "reason": REASON})
    assert response.status_code == 302
    assert Institution.objects.get(pk=hospital.pk).credit_score == 88
    assert REASON in client.get(_tab(hospital)).content.decode()


def test_adjust_form_without_reason_shows_the_error(client, hospital, head):
    login_verified(client, head)
    response = client.post(reverse("institutions:credit_adjust", args=[hospital.pk]), {"points": "-12",
                                                                                          "reason": "短"})
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    assert CreditEvent.objects.count() == 0


@pytest.mark.parametrize(("who", "expected"), [("outside", 404), ("inspector", 403), ("own_admin", 403)])
def test_adjust_refusals(client, hospital, gulou, xiamen, who, expected):
    user = {"outside": lambda: make_user(xiamen, "department_head"),
            "inspector": lambda: make_user(gulou, "inspector"),
            "own_admin": lambda: make_user(hospital.organisation, "institution_admin")}[who]()
    login_verified(client, user)
    response = client.post(reverse("institutions:credit_adjust", args=[hospital.pk]),
                           {"points": "-12", "reason": REASON})
    assert response.status_code == expected
    assert CreditEvent.objects.count() == 0


# --- objections --------------------------------------------------------------------------------------------


def test_objection_page_submits(client, hospital, own_admin):
    event = add_event(hospital, -20)
    login_verified(client, own_admin)
    url = reverse("institutions:credit_object", args=[event.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": OBJECTION})
    assert response.status_code == 302
    objection = CreditObjection.objects.get()
    assert objection.event_id == event.pk
    assert "Submitted" in client.get(_tab(hospital)).content.decode()
    detail = client.get(reverse("institutions:credit_objection", args=[objection.pk])).content.decode()
    assert OBJECTION in detail and 'data-testid="objection-decision-form"' not in detail


@pytest.mark.parametrize(("who", "expected"), [("department", 403), ("other_institution", 404)])
def test_objection_page_refusals(client, hospital, gulou, who, expected):
    event = add_event(hospital, -20)
    other = make_institution("350102")
    user = {"department": lambda: make_user(gulou, "reviewer"),
            "other_institution": lambda: make_user(other.organisation, "institution_admin")}[who]()
    login_verified(client, user)
    assert client.post(reverse("institutions:credit_object", args=[event.pk]),
                       {"reason": OBJECTION}).status_code == expected
    assert CreditObjection.objects.count() == 0


def test_work_list_and_decision_page(client, hospital, own_admin, gulou, django_assert_max_num_queries):
    reviewer = make_user(gulou, "reviewer")
    objections = [credit_objection_submit(event=add_event(hospital, -3), reason=OBJECTION, by=own_admin)
                  for _ in range(5)]
    login_verified(client, reviewer)
    with django_assert_max_num_queries(15):
        listing = client.get(reverse("institutions:credit_objections"))
    assert listing.status_code == 200 and listing.content.decode().count("/credit/objections/") >= 5
    url = reverse("institutions:credit_objection", args=[objections[0].pk])
    assert 'data-testid="objection-decision-form"' in client.get(url).content.decode()
    response = client.post(url, {"decision": "uphold", "reason": "经核实，整改已完成，撤销该条目。"})
    assert response.status_code == 302
    assert CreditObjection.objects.get(pk=objections[0].pk).status == CreditObjection.Status.UPHELD
    assert Institution.objects.get(pk=hospital.pk).credit_score == 100 - 3 * 4


@pytest.mark.parametrize(("who", "expected"), [("outside", 404), ("inspector", 403), ("own_admin", 403)])
def test_decision_refusals(client, hospital, own_admin, gulou, xiamen, who, expected):
    objection = credit_objection_submit(event=add_event(hospital, -3), reason=OBJECTION, by=own_admin)
    user = {"outside": lambda: make_user(xiamen, "reviewer"), "inspector": lambda: make_user(gulou, "inspector"),
            "own_admin": lambda: own_admin}[who]()
    login_verified(client, user)
    response = client.post(reverse("institutions:credit_objection", args=[objection.pk]),
                           {"decision": "uphold", "reason": "经核实，整改已完成，撤销该条目。"})
    assert response.status_code == expected
    assert CreditObjection.objects.get().status == CreditObjection.Status.SUBMITTED


def test_work_list_needs_the_role(client, gulou):
    login_verified(client, make_user(gulou, "inspector"))
    assert client.get(reverse("institutions:credit_objections")).status_code == 403


def test_work_list_shows_only_the_jurisdiction(client, hospital, own_admin, xiamen):
    credit_objection_submit(event=add_event(hospital, -3), reason=OBJECTION, by=own_admin)
    login_verified(client, make_user(xiamen, "reviewer"))
    assert hospital.name not in client.get(reverse("institutions:credit_objections")).content.decode()


# --- home panels -------------------------------------------------------------------------------------------


def test_home_panels(client, hospital, own_admin, gulou):
    credit_objection_submit(event=add_event(hospital, -30), reason=OBJECTION, by=own_admin)
    credit_recompute(institution_ids=[hospital.pk])
    login_verified(client, make_user(gulou, "reviewer"))
    html = client.get(reverse("core:home")).content.decode()
    assert "1 objection to a credit item is waiting" in html
    client.logout()
    login_verified(client, own_admin)
    html = client.get(reverse("core:home")).content.decode()
    assert "Grade C" in html and "Score 70" in html and _tab(hospital) in html
