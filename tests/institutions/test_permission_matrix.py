"""The authorization matrix of the institutions pages and endpoints (SUP-4, SEC-4): every role, in and out
of jurisdiction (departments) or own and other (institutions), and anonymous visitors; each cell asserted.

A department acts on institutions of its jurisdiction and below; an institution's users see only their
own; whatever a user may not see answers 404, what they see but may not do answers 403."""

import pytest
from django.urls import reverse

from apps.institutions.models import AdmissionApplication
from apps.institutions.services import admission as admission_services
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.institutions.factories import make_institution, profile
from tests.institutions.uploads import required_documents

pytestmark = pytest.mark.django_db

DEPARTMENT_ROLES = ["department_admin", "reviewer", "inspector", "case_officer", "standards_officer",
                    "department_head", "auditor"]
INSTITUTION_ROLES = ["institution_admin", "top_leader", "security_officer", "data_steward", "submitter"]
EDITORS = {"department_admin", "reviewer", "department_head"}
APPLICATION_READERS = {"institution_admin", "top_leader", "security_officer"}

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
    target = make_institution("350102", name="目标医院")
    other = make_institution("350102", name="其他医院")
    application = admission_services.admission_register(
        account={"username": "matrix_applicant", "full_name": "申请人", "identity_number": "11010519491231002X",
                 "email": "matrix@example.cn", "mobile": "13900000000", "password": "Matrix-Password-2026!"},
        profile=profile("350102"), purpose="数据应用", documents=required_documents())
    # Let the application belong to the target so one institution carries every record kind.
    AdmissionApplication.objects.filter(pk=application.pk).update(institution=target)
    return {"in": gulou, "out": xiamen, "own": target.organisation, "other": other.organisation,
            "target": target, "application": application}


def sign_in(client, world, actor):
    kind, role, side = actor
    if kind != "anonymous":
        login_verified(client, make_user(world[side], role))


def expected_for(actor, *, page: str) -> int:
    kind, role, side = actor
    if kind == "anonymous":
        return 302
    if page == "list":
        return 200 if kind == "department" else 403
    if page == "create":
        return 200 if kind == "department" and role in EDITORS else 403
    if side in ("out", "other"):
        return 404
    if page in ("detail", "documents", "history"):
        return 200
    if page == "edit":
        return 200 if kind == "department" and role in EDITORS else 403
    if page == "application":
        return 200 if kind == "department" or role in APPLICATION_READERS else 404
    raise AssertionError(page)


PAGES = {
    "list": lambda w: reverse("institutions:list"),
    "create": lambda w: reverse("institutions:create"),
    "detail": lambda w: reverse("institutions:detail", args=[w["target"].pk]),
    "documents": lambda w: reverse("institutions:documents", args=[w["target"].pk]),
    "edit": lambda w: reverse("institutions:edit", args=[w["target"].pk]),
    "application": lambda w: reverse("institutions:admission_detail", args=[w["application"].pk]),
    "history": lambda w: reverse("core:history", args=["institutions", "institution", w["target"].pk]),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_page_matrix(client, world, actor, page):
    sign_in(client, world, actor)
    response = client.get(PAGES[page](world))
    assert response.status_code == expected_for(actor, page=page)


API = {
    "detail": lambda w: reverse("api:institutions-detail", args=[w["target"].pk]),
    "documents": lambda w: reverse("api:institutions-documents", args=[w["target"].pk]),
    "application": lambda w: reverse("api:institutions-admission-detail", args=[w["application"].pk]),
}


@pytest.mark.parametrize("endpoint", list(API))
@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_api_matrix(client, world, actor, endpoint):
    sign_in(client, world, actor)
    response = client.get(API[endpoint](world))
    expected = expected_for(actor, page=endpoint)
    assert response.status_code == (401 if expected == 302 else expected)


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_api_list_is_scoped(client, world, actor):
    sign_in(client, world, actor)
    response = client.get(reverse("api:institutions-list"))
    kind, _role, side = actor
    if kind == "anonymous":
        assert response.status_code == 401
        return
    ids = {row["id"] for row in response.json()["results"]}
    if kind == "department":
        assert (world["target"].pk in ids) == (side == "in")
    else:
        assert ids == {world[side].pk}


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_api_edit_matrix(client, world, actor):
    sign_in(client, world, actor)
    response = client.patch(reverse("api:institutions-detail", args=[world["target"].pk]),
                            {"data_department": "信息科"}, content_type="application/json")
    expected = expected_for(actor, page="edit")
    assert response.status_code == (401 if expected == 302 else expected)
