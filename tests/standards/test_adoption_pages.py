"""The institution's "Standards we apply" page and the evidence download (STD-5): own data only."""

import datetime

import pytest
from django.urls import reverse

from apps.core.navigation import navigation_for
from apps.standards.models import AdoptionDeclaration, Standard
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution
from tests.institutions.uploads import PDF, pdf
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import declare
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force
MINE = "standards:my_adoption"


def test_std5_institution_declares_on_its_page(client, hospital, hospital_admin, in_force):
    login_verified(client, hospital_admin)
    page = client.get(reverse(MINE)).content.decode()
    assert 'data-testid="declare-form"' in page and f'<option value="{in_force.code}">' in page
    response = client.post(reverse(MINE), {"standard": "ws 9363.1—2023", "since": "2024-06-01",
                                           "systems": "电子病历系统", "evidence": pdf("报告.pdf")})
    assert response.status_code == 302
    declaration = AdoptionDeclaration.objects.get(organisation=hospital.organisation)
    assert declaration.standard == in_force and declaration.evidence_name == "报告.pdf"
    page = client.get(reverse(MINE)).content.decode()
    assert "WS 9363.1-2023 is recorded as applied." in page
    assert reverse("standards:adoption_evidence", args=[declaration.pk]) in page


def test_std5_the_page_shows_the_refusal_of_an_abolished_standard(client, hospital, hospital_admin):
    make_standard("WS 9200-2010", Standard.Status.ABOLISHED, abolished_on=datetime.date(2022, 3, 1))
    login_verified(client, hospital_admin)
    response = client.post(reverse(MINE), {"standard": "WS 9200-2010", "since": "2024-06-01", "systems": "HIS"})
    assert response.status_code == 400
    assert "WS 9200-2010 was abolished on 2022-03-01 and can no longer be declared." in response.content.decode()
    assert not AdoptionDeclaration.objects.exists()


def test_replacing_an_older_version_is_said_on_the_page(client, hospital, hospital_admin):
    old = make_standard("WS 9363.1-2011", Standard.Status.UNDER_REVISION, published_on=datetime.date(2011, 1, 1))
    make_standard("WS 9363.1-2023", Standard.Status.PUBLISHED, published_on=datetime.date(2023, 8, 1))
    declare(hospital, old, hospital_admin)
    login_verified(client, hospital_admin)
    response = client.post(reverse(MINE), {"standard": "WS 9363.1-2023", "since": "2024-06-01", "systems": "HIS"},
                           follow=True)
    assert "Your declaration of the older version WS 9363.1-2011 was withdrawn" in response.content.decode()


def test_withdraw_from_the_page(client, hospital, hospital_admin, in_force):
    declaration = declare(hospital, in_force, hospital_admin)
    login_verified(client, hospital_admin)
    response = client.post(reverse("standards:adoption_withdraw", args=[declaration.pk]), {"reason": "系统下线"})
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == "withdrawn"


def test_the_page_lists_only_the_own_declarations(client, hospital, hospital_admin, in_force):
    other = make_institution("350102")
    declare(other, in_force)
    login_verified(client, hospital_admin)
    page = client.get(reverse(MINE)).content.decode()
    assert "Your institution has not declared any standard yet." in page


def test_top_leader_sees_the_page_without_the_form(client, hospital, in_force):
    login_verified(client, make_user(hospital.organisation, "top_leader"))
    response = client.get(reverse(MINE))
    assert response.status_code == 200 and 'data-testid="declare-form"' not in response.content.decode()
    assert client.post(reverse(MINE), {"standard": in_force.code, "since": "2024-06-01",
                                       "systems": "HIS"}).status_code == 403


@pytest.mark.parametrize(("who", "expected"), [
    ("own", 200), ("department_in", 200), ("department_out", 404), ("other_institution", 404),
])
def test_evidence_download_permission(client, hospital, hospital_admin, in_force, gulou, xiamen, who, expected):
    from apps.standards.services.adoption import adoption_declare

    declaration = adoption_declare(organisation=hospital.organisation, standard=in_force,
                                   since=datetime.date(2024, 6, 1), systems="HIS", evidence_upload=pdf(),
                                   by=hospital_admin)
    other = make_institution("350102")
    user = {"own": lambda: hospital_admin, "department_in": lambda: make_user(gulou, "standards_officer"),
            "department_out": lambda: make_user(xiamen, "standards_officer"),
            "other_institution": lambda: make_user(other.organisation, "institution_admin")}[who]()
    login_verified(client, user)
    response = client.get(reverse("standards:adoption_evidence", args=[declaration.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"


def test_withdraw_of_another_institutions_declaration_is_not_found(client, hospital, in_force):
    declaration = declare(hospital, in_force)
    other = make_institution("350102")
    login_verified(client, make_user(other.organisation, "institution_admin"))
    assert client.post(reverse("standards:adoption_withdraw", args=[declaration.pk]),
                       {"reason": "x"}).status_code == 404


def test_a_department_user_has_no_institution_page(client, gulou):
    login_verified(client, make_user(gulou, "standards_officer"))
    assert client.get(reverse(MINE)).status_code == 404


def test_navigation_entries(hospital, hospital_admin, fuzhou):
    def names(user):
        return {child["url_name"] for entry in navigation_for(user) for child in entry.get("children", [entry])}

    assert {"standards:my_adoption", "standards:conformance_mine"} <= names(hospital_admin)
    assert "standards:adoption" not in names(hospital_admin)
    officer = names(make_user(fuzhou, "standards_officer"))
    assert {"standards:adoption", "standards:conformance_list", "standards:framework", "standards:workplans",
            "standards:assessment_list"} <= officer
    assert "standards:my_adoption" not in officer
