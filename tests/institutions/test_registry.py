"""The registry (INS-1, INS-5, SUP-4): validation, the department list and the institution page, API."""

import pytest
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.core import errors
from apps.institutions.models import Institution
from apps.institutions.services import registry as registry_services
from tests.conftest import login_verified, make_user
from tests.institutions.factories import credit_code, make_institution, profile
from tests.institutions.uploads import fake_pdf, pdf

pytestmark = pytest.mark.django_db


def test_department_registers_an_institution_in_its_jurisdiction_INS_1(gulou):
    reviewer = make_user(gulou, "reviewer")
    institution = registry_services.institution_create(data=profile("350102"), by=reviewer, status="admitted")
    assert institution.organisation.credit_code == institution.credit_code
    assert institution.organisation.region_id == "350102" and institution.admitted_at
    assert institution.history.first().history_user == reviewer


def test_department_cannot_register_outside_its_jurisdiction(gulou):
    with pytest.raises(errors.ValidationFailed) as caught:
        registry_services.institution_create(data=profile("350203"), by=make_user(gulou, "reviewer"))
    assert "outside your jurisdiction" in caught.value.field_errors["region"][0]
    assert Institution.objects.count() == 0 and Organisation.objects.filter(kind="institution").count() == 0


def test_registering_needs_the_role_even_when_called_directly(gulou):
    with pytest.raises(errors.PermissionDenied):
        registry_services.institution_create(data=profile("350102"), by=make_user(gulou, "inspector"))
    assert Institution.objects.count() == 0


def test_credit_codes_are_normalised_and_unique_INS_1(gulou):
    code = credit_code("350102", 777)
    first = make_institution("350102", credit_code=code.lower())
    assert first.credit_code == code
    with pytest.raises(errors.ValidationFailed):
        make_institution("350102", credit_code=code)
    assert Institution.objects.count() == 1


def test_a_city_without_counties_counts_as_county_level():
    from tests.factories import region

    region("441900")  # Dongguan has towns, not counties
    cleaned = registry_services.institution_clean({"region": "441900"})
    assert cleaned["region"].code == "441900"


def test_update_keeps_the_organisation_consistent(gulou):
    institution = make_institution("350102")
    reviewer = make_user(gulou, "reviewer")
    registry_services.institution_update(institution=institution, data={"name": "鼓楼区新名称医院"}, by=reviewer)
    institution.refresh_from_db()
    assert institution.organisation.name == "鼓楼区新名称医院"
    assert institution.history.first().history_change_reason


def test_institution_users_cannot_edit_their_registered_data_directly(gulou):
    institution = make_institution("350102")
    admin = make_user(institution.organisation, "institution_admin")
    with pytest.raises(errors.PermissionDenied):
        registry_services.institution_update(institution=institution, data={"name": "自改名称"}, by=admin)


# --- pages ------------------------------------------------------------------------------------------


@pytest.fixture
def population(gulou, xiamen):
    rows = [make_institution("350102", name=f"鼓楼医院{i}") for i in range(3)]
    rows.append(make_institution("350203", name="厦门思明医院"))
    rows.append(make_institution("350102", name="鼓楼康复中心", type="specialised", status="applicant"))
    return rows


def test_list_is_limited_to_the_jurisdiction_and_searchable(client, population, gulou, django_assert_max_num_queries):
    login_verified(client, make_user(gulou, "reviewer"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("institutions:list"))
    content = page.content.decode()
    assert "鼓楼医院0" in content and "厦门思明医院" not in content
    by_name = client.get(reverse("institutions:list"), {"q": "康复"}).content.decode()
    assert "鼓楼康复中心" in by_name and "鼓楼医院0" not in by_name
    by_code = client.get(reverse("institutions:list"), {"q": population[1].credit_code}).content.decode()
    assert "鼓楼医院1" in by_code and "鼓楼医院0" not in by_code
    by_status = client.get(reverse("institutions:list"), {"status": "applicant"}).content.decode()
    assert "鼓楼康复中心" in by_status and "鼓楼医院0" not in by_status


def test_list_query_count_does_not_grow_with_rows(client, gulou, django_assert_max_num_queries):
    for i in range(30):
        make_institution("350102", name=f"批量医院{i:02d}")
    login_verified(client, make_user(gulou, "reviewer"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("institutions:list"))
    assert response.content.decode().count("批量医院") == 25  # one page, no count query


def test_province_filters_by_city(client, population, fujian):
    login_verified(client, make_user(fujian, "reviewer"))
    content = client.get(reverse("institutions:list"), {"region": "350200"}).content.decode()
    assert "厦门思明医院" in content and "鼓楼医院0" not in content


def test_detail_tabs_and_404_outside_jurisdiction(client, population, gulou, xiamen):
    institution = population[0]
    login_verified(client, make_user(gulou, "inspector"))
    page = client.get(reverse("institutions:detail", args=[institution.pk]))
    assert page.status_code == 200 and institution.top_leader_name.encode() in page.content
    assert b"Edit profile" not in page.content  # an inspector reads, does not edit
    client.logout()
    login_verified(client, make_user(xiamen, "reviewer"))
    assert client.get(reverse("institutions:detail", args=[institution.pk])).status_code == 404


def test_department_edits_a_profile_with_the_form(client, population, gulou):
    institution = population[0]
    login_verified(client, make_user(gulou, "reviewer"))
    data = {key: getattr(institution, key) for key in registry_services.PROFILE_FIELDS if key != "region"}
    data.update(region="350102", data_department="数据管理办公室")
    response = client.post(reverse("institutions:edit", args=[institution.pk]), data)
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.data_department == "数据管理办公室"


def test_institution_uploads_documents_to_its_own_file_only(client, population, gulou):
    institution = population[0]
    admin = make_user(institution.organisation, "institution_admin")
    login_verified(client, admin)
    url = reverse("institutions:documents", args=[institution.pk])
    bad = client.post(url, {"kind": "security", "file": fake_pdf()})
    assert bad.status_code == 200 and b"is not a PDF, PNG or JPEG file" in bad.content
    assert institution.documents.count() == 0
    assert client.post(url, {"kind": "security", "file": pdf()}).status_code == 302
    assert institution.documents.count() == 1
    other = population[1]
    assert client.post(reverse("institutions:documents", args=[other.pk]),
                       {"kind": "security", "file": pdf()}).status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_api_lists_the_jurisdiction_and_filters(client, population, gulou):
    login_verified(client, make_user(gulou, "reviewer"))
    body = client.get(reverse("api:institutions-list"), {"type": "specialised"}).json()
    assert [row["name"] for row in body["results"]] == ["鼓楼康复中心"]
    assert "count" not in body


def test_api_institution_sees_only_itself(client, population):
    institution = population[0]
    login_verified(client, make_user(institution.organisation, "data_steward"))
    body = client.get(reverse("api:institutions-list")).json()
    assert [row["id"] for row in body["results"]] == [institution.pk]
    assert client.get(reverse("api:institutions-detail", args=[population[1].pk])).status_code == 404


def test_api_department_creates_and_corrects(client, gulou):
    login_verified(client, make_user(gulou, "reviewer"))
    created = client.post(reverse("api:institutions-list"), profile("350102"), content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "admitted"
    pk = created.json()["id"]
    patched = client.patch(reverse("api:institutions-detail", args=[pk]), {"contact_email": "bad"},
                           content_type="application/json")
    assert patched.status_code == 400 and "contact_email" in patched.json()["error"]["fields"]
    patched = client.patch(reverse("api:institutions-detail", args=[pk]), {"contact_email": "NEW@example.cn"},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["contact_email"] == "new@example.cn"


def test_api_duplicate_code_is_a_clear_error(client, population, gulou):
    login_verified(client, make_user(gulou, "reviewer"))
    response = client.post(reverse("api:institutions-list"),
                           profile("350102", credit_code=population[0].credit_code), content_type="application/json")
    assert response.status_code == 400
    assert "already registered" in response.json()["error"]["fields"]["credit_code"][0]
