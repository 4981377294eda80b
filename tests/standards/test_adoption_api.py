"""Adoption through the API (STD-5, INS-8): same services, same scoping as the pages."""

import datetime

import pytest
from django.urls import reverse

from apps.institutions.models import Institution
from apps.standards.models import AdoptionDeclaration, Standard
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import declare
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force
LIST = "api:standards-adoption-list"


def test_std5_api_declare_and_list_own(client, hospital, hospital_admin, in_force):
    login_verified(client, hospital_admin)
    response = client.post(reverse(LIST), {"standard": in_force.code, "since": "2024-06-01", "systems": "HIS"},
                           content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["standard"]["code"] == in_force.code and body["status"] == "active" and body["region"] == "350102"
    other = make_institution("350102")
    declare(other, in_force)
    rows = client.get(reverse(LIST)).json()["results"]
    assert [row["id"] for row in rows] == [body["id"]]


def test_std5_api_refuses_a_superseded_standard_with_the_message(client, hospital, hospital_admin):
    old = make_standard("WS 9445.1-2014", Standard.Status.SUPERSEDED)
    make_standard("WS 9445.1-2024", Standard.Status.IN_FORCE, supersedes=old)
    login_verified(client, hospital_admin)
    response = client.post(reverse(LIST), {"standard": "WS 9445.1-2014", "since": "2024-06-01", "systems": "HIS"},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["standard"] == [
        "WS 9445.1-2014 is superseded; declare the current version WS 9445.1-2024 instead."]


def test_api_withdraw(client, hospital, hospital_admin, in_force):
    declaration = declare(hospital, in_force, hospital_admin)
    login_verified(client, hospital_admin)
    url = reverse("api:standards-adoption-withdraw", args=[declaration.pk])
    assert client.post(url, {"reason": "停用"}, content_type="application/json").json()["status"] == "withdrawn"
    assert client.post(url, {"reason": "停用"}, content_type="application/json").status_code == 409


def test_std5_api_stats_by_standard_region_and_missing(client, hospital, in_force, fuzhou):
    taijiang = make_institution("350103", Institution.Status.ADMITTED)
    declare(hospital, in_force)
    login_verified(client, make_user(fuzhou, "standards_officer"))
    rows = client.get(reverse("api:standards-adoption-stats")).json()
    mine = next(row for row in rows if row["standard"]["id"] == in_force.pk)
    assert (mine["declared"], mine["population"], mine["rate"]) == (1, 2, "50.0")
    regions = {row["code"]: row for row in client.get(reverse("api:standards-adoption-regions",
                                                              args=[in_force.pk])).json()}
    assert (regions["350102"]["declared"], regions["350103"]["population"]) == (1, 1)
    missing = client.get(reverse("api:standards-adoption-missing", args=[in_force.pk])).json()["results"]
    assert [row["id"] for row in missing] == [taijiang.pk]


@pytest.mark.parametrize(("who", "expected"), [("monitor", 200), ("institution", 403), ("case_officer", 403)])
def test_api_stats_permission(client, hospital, hospital_admin, in_force, fuzhou, who, expected):
    user = {"monitor": lambda: make_user(fuzhou, "auditor"), "institution": lambda: hospital_admin,
            "case_officer": lambda: make_user(fuzhou, "case_officer")}[who]()
    login_verified(client, user)
    for url in (reverse("api:standards-adoption-stats"), reverse("api:standards-adoption-regions", args=[in_force.pk]),
                reverse("api:standards-adoption-missing", args=[in_force.pk])):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize(("who", "visible"), [("department_in", True), ("department_out", False),
                                              ("other_institution", False)])
def test_api_declarations_scoping(client, hospital, in_force, gulou, xiamen, who, visible):
    declaration = declare(hospital, in_force)
    other = make_institution("350102")
    user = {"department_in": lambda: make_user(gulou, "reviewer"),
            "department_out": lambda: make_user(xiamen, "reviewer"),
            "other_institution": lambda: make_user(other.organisation, "institution_admin")}[who]()
    login_verified(client, user)
    ids = [row["id"] for row in client.get(reverse(LIST)).json()["results"]]
    assert (declaration.pk in ids) is visible
    response = client.post(reverse("api:standards-adoption-withdraw", args=[declaration.pk]), {"reason": "x"},
                           content_type="application/json")
    assert response.status_code == (403 if visible else 404)
    assert AdoptionDeclaration.objects.get(pk=declaration.pk).status == "active"


def test_api_future_date_refused(client, hospital, hospital_admin, in_force):
    login_verified(client, hospital_admin)
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = client.post(reverse(LIST), {"standard": in_force.code, "since": tomorrow, "systems": "HIS"},
                           content_type="application/json")
    assert response.status_code == 400 and "since" in response.json()["error"]["fields"]
