"""The credit pages' authorization matrix (INS-3, SUP-4): every role, in and out of jurisdiction
(departments) or own and other (institutions), and anonymous visitors; each cell asserted."""

import pytest
from django.urls import reverse

from apps.institutions.models import CreditEvent, CreditObjection, Institution
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.institutions.credit_helpers import OBJECTION, REASON, _no_broker, add_event  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db

DEPARTMENT_ROLES = ["department_admin", "reviewer", "inspector", "case_officer", "standards_officer",
                    "department_head", "auditor"]
INSTITUTION_ROLES = ["institution_admin", "top_leader", "security_officer", "data_steward", "submitter"]
CREDIT_READERS = {"institution_admin", "top_leader", "security_officer"}  # institution roles with view_creditevent
ADJUSTERS = {"department_admin", "department_head"}
OBJECTORS = {"institution_admin", "top_leader"}
ACTORS = ([("department", role, side) for role in DEPARTMENT_ROLES for side in ("in", "out")]
          + [("institution", role, side) for role in INSTITUTION_ROLES for side in ("own", "other")]
          + [("anonymous", None, None)])


def actor_id(actor):
    kind, role, side = actor
    return "anonymous" if kind == "anonymous" else f"{role}-{side}"


@pytest.fixture
def world(db):
    gulou = department("350102", "county", "鼓楼区卫健局")
    xiamen = department("350200", "municipal", "厦门市卫健委")
    target = make_institution("350102", Institution.Status.ADMITTED, name="目标医院")
    other = make_institution("350102", name="其他医院")
    return {"in": gulou, "out": xiamen, "own": target.organisation, "other": other.organisation,
            "target": target, "event": add_event(target, -10)}


def sign_in(client, world, actor):
    kind, role, side = actor
    if kind != "anonymous":
        login_verified(client, make_user(world[side], role))


def _hidden(actor) -> bool:
    return actor[2] in ("out", "other")


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_credit_tab_matrix(client, world, actor):
    kind, role, _side = actor
    sign_in(client, world, actor)
    response = client.get(reverse("institutions:credit", args=[world["target"].pk]))
    if kind == "anonymous":
        expected = 302
    elif _hidden(actor):
        expected = 404
    elif kind == "department" or role in CREDIT_READERS:
        expected = 200
    else:
        expected = 403
    assert response.status_code == expected


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_credit_adjust_matrix(client, world, actor):
    kind, role, _side = actor
    sign_in(client, world, actor)
    response = client.post(reverse("institutions:credit_adjust", args=[world["target"].pk]),
                           {"points": "-5", "reason": REASON})
    if kind == "anonymous":
        expected = 302
    elif _hidden(actor):
        expected = 404
    elif kind == "department" and role in ADJUSTERS:
        expected = 302
    else:
        expected = 403
    assert response.status_code == expected
    assert CreditEvent.objects.count() == (2 if expected == 302 and kind != "anonymous" else 1)


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_credit_object_matrix(client, world, actor):
    kind, role, _side = actor
    sign_in(client, world, actor)
    response = client.post(reverse("institutions:credit_object", args=[world["event"].pk]), {"reason": OBJECTION})
    if kind == "anonymous":
        expected = 302
    elif _hidden(actor) or (kind == "institution" and role not in CREDIT_READERS):
        expected = 404  # without view_creditevent the item is invisible
    elif kind == "institution" and role in OBJECTORS:
        expected = 302
    else:
        expected = 403
    assert response.status_code == expected
    assert CreditObjection.objects.count() == (1 if expected == 302 and kind != "anonymous" else 0)


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_credit_api_rating_matrix(client, world, actor):
    kind, role, _side = actor
    sign_in(client, world, actor)
    response = client.get(reverse("api:institutions-credit", args=[world["target"].pk]))
    if kind == "anonymous":
        assert response.status_code in (401, 403)
        return
    if _hidden(actor):
        expected = 404
    elif kind == "department" or role in CREDIT_READERS:
        expected = 200
    else:
        expected = 403
    assert response.status_code == expected
