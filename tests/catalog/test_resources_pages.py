"""Catalog pages (SVC-1, SVC-3, SVC-4): who sees what, the entry form with its formsets, submission and
review, with a query budget on the lists."""

import pytest

from apps.catalog.models import DataResource, ResourceVersion
from apps.catalog.services import resources as services
from apps.institutions.models import Institution
from tests.catalog.factories import make_resource, provider_institution
from tests.catalog.resources_helpers import published_resource, register
from tests.conftest import login_verified, make_user

pytestmark = pytest.mark.django_db
V = ResourceVersion.Status


@pytest.fixture
def provider():
    institution, admin = provider_institution("350102")
    return institution.organisation, admin


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def _form_post(**overrides) -> dict:
    """What the entry form posts: metadata, two field rows, the eight stage rows."""
    data = {
        "title": "门诊处方记录", "title_en": "Prescriptions", "description": "门诊处方，按日更新。", "description_en": "",
        "keywords": "处方", "category": "medical_application", "sharing_type": "conditional", "open_form": "controlled",
        "update_frequency": "daily", "data_format": "CSV", "volume": "50万条", "coverage_start": "2021-01-01",
        "coverage_end": "", "storage_province": "350000", "storage_description": "", "standards": "",
        "change_summary": "",
        "fields-TOTAL_FORMS": "2", "fields-INITIAL_FORMS": "0", "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "500",
        "fields-0-name": "药品名称", "fields-0-level": "2",
        "fields-1-name": "患者姓名", "fields-1-level": "4", "fields-1-personal": "on",
        "stages-TOTAL_FORMS": "8", "stages-INITIAL_FORMS": "8", "stages-MIN_NUM_FORMS": "0", "stages-MAX_NUM_FORMS": "8",
    }
    from apps.catalog.models import LifecycleStage

    for index, stage in enumerate(LifecycleStage.values):
        data.update({f"stages-{index}-stage": stage, f"stages-{index}-person_name": f"负责人{index}",
                     f"stages-{index}-position": "信息科", f"stages-{index}-phone": ""})
    data.update(overrides)
    return data


# --- the provider's pages -------------------------------------------------------------------------------


def test_our_resources_lists_only_our_own(client, provider, django_assert_max_num_queries):
    organisation, admin = provider
    for _index in range(3):
        register(organisation, admin)
    mine = make_resource(organisation, by=admin, title="已发布资源")
    other, _other_admin = provider_institution("350102")
    theirs = make_resource(other.organisation, title="别家的资源")
    login_verified(client, admin)
    client.get("/catalog/resources/mine/")
    with django_assert_max_num_queries(12):
        response = client.get("/catalog/resources/mine/")
    page = response.content.decode()
    assert response.status_code == 200 and mine.code in page and theirs.code not in page
    assert page.count("Draft") == 3 and "Register a data resource" in page


def test_register_through_the_form(client, provider):
    organisation, admin = provider
    login_verified(client, admin)
    page = client.get("/catalog/resources/new/").content.decode()
    assert page.count('name="stages-') >= 8 * 4 and 'name="fields-0-name"' in page and 'name="add_field"' in page
    response = client.post("/catalog/resources/new/", _form_post())
    resource = DataResource.objects.get(provider=organisation)
    version = resource.versions.get()
    assert response.status_code == 302 and response.url == f"/catalog/resources/versions/{version.pk}/"
    assert version.status == V.DRAFT and version.level == 4 and version.has_personal_information
    assert version.responsibilities.count() == 8 and version.fields.count() == 2


def test_add_a_field_row_saves_nothing(client, provider):
    _organisation, admin = provider
    login_verified(client, admin)
    response = client.post("/catalog/resources/new/", _form_post(add_field="1"))
    page = response.content.decode()
    assert response.status_code == 200 and 'name="fields-2-name"' in page
    assert 'value="药品名称"' in page  # what was typed stays
    assert DataResource.objects.count() == 0


def test_bad_form_input_shows_the_messages_and_saves_nothing(client, provider):
    _organisation, admin = provider
    login_verified(client, admin)
    response = client.post("/catalog/resources/new/", _form_post(**{"fields-1-name": "药品名称"}))
    assert response.status_code == 400
    assert "used twice" in response.content.decode()
    response = client.post("/catalog/resources/new/", _form_post(storage_province="810000"))
    assert response.status_code == 400  # not even offered: mainland provinces only (SEC-9)
    response = client.post("/catalog/resources/new/", _form_post(**{"stages-3-position": ""}))
    assert response.status_code == 400 and "name and position" in response.content.decode()
    response = client.post("/catalog/resources/new/", _form_post(standards="GB/T 0000-1999"))
    assert response.status_code == 400 and "GB/T 0000-1999" in response.content.decode()
    assert DataResource.objects.count() == 0 and ResourceVersion.objects.count() == 0


def test_a_not_admitted_institution_is_told_why(client, db):
    _institution, admin = provider_institution("350102", status=Institution.Status.APPLICANT)
    login_verified(client, admin)
    response = client.get("/catalog/resources/new/")
    assert response.status_code == 403 and "Only an admitted institution" in response.content.decode()


def test_edit_a_draft(client, provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    login_verified(client, admin)
    page = client.get(f"/catalog/resources/versions/{version.pk}/edit/").content.decode()
    assert 'value="门诊就诊记录"' in page and 'value="负责人0"' in page
    response = client.post(f"/catalog/resources/versions/{version.pk}/edit/", _form_post(title="新标题"))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.title == "新标题" and list(version.fields.values_list("name", flat=True)) == ["药品名称", "患者姓名"]


def test_a_version_in_review_is_not_edited(client, provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    login_verified(client, admin)
    response = client.post(f"/catalog/resources/versions/{version.pk}/edit/", _form_post(title="改"))
    assert response.status_code == 302
    assert ResourceVersion.objects.get(pk=version.pk).title == "门诊就诊记录"


def test_another_institution_gets_404_on_a_draft(client, provider):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    _other, other_admin = provider_institution("350102")
    login_verified(client, other_admin)
    for url in (f"/catalog/resources/versions/{version.pk}/", f"/catalog/resources/versions/{version.pk}/edit/",
                f"/catalog/resources/{version.resource_id}/", f"/catalog/resources/{version.resource_id}/history/",
                f"/catalog/resources/versions/{version.pk}/review/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/catalog/resources/versions/{version.pk}/submit/").status_code == 404
    assert client.post(f"/catalog/resources/{version.resource_id}/new-version/").status_code == 404
    assert ResourceVersion.objects.get(pk=version.pk).status == V.DRAFT


def test_departments_covering_the_provider_see_its_drafts(client, provider, reviewer, xiamen):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    login_verified(client, reviewer)
    page = client.get(f"/catalog/resources/versions/{version.pk}/").content.decode()
    assert "门诊就诊记录" in page and "负责人0" in page
    assert "Submit for review" not in page and f"/catalog/resources/versions/{version.pk}/edit/" not in page
    login_verified(client, make_user(xiamen, "reviewer"))
    assert client.get(f"/catalog/resources/versions/{version.pk}/").status_code == 404


def test_submit_from_the_page(client, provider):
    organisation, admin = provider
    incomplete = register(organisation, admin, responsibilities=[]).versions.get()
    login_verified(client, admin)
    page = client.get(f"/catalog/resources/versions/{incomplete.pk}/").content.decode()
    assert "Before you can submit" in page
    response = client.post(f"/catalog/resources/versions/{incomplete.pk}/submit/", follow=True)
    assert "Name the responsible person of every lifecycle stage" in response.content.decode()
    assert ResourceVersion.objects.get(pk=incomplete.pk).status == V.DRAFT
    version = register(organisation, admin).versions.get()
    client.post(f"/catalog/resources/versions/{version.pk}/submit/")
    assert ResourceVersion.objects.get(pk=version.pk).status == V.SUBMITTED


def test_withdraw_and_new_version_from_the_pages(client, provider, reviewer):
    organisation, admin = provider
    draft = register(organisation, admin).versions.get()
    login_verified(client, admin)
    client.post(f"/catalog/resources/versions/{draft.pk}/withdraw/")
    assert ResourceVersion.objects.get(pk=draft.pk).status == V.WITHDRAWN
    resource = published_resource(organisation, admin, reviewer)
    response = client.post(f"/catalog/resources/{resource.pk}/new-version/")
    new = resource.versions.get(number=2)
    assert response.status_code == 302 and response.url == f"/catalog/resources/versions/{new.pk}/edit/"
    response = client.post(f"/catalog/resources/{resource.pk}/new-version/", follow=True)
    assert "already being prepared" in response.content.decode()


# --- history ---------------------------------------------------------------------------------------------


def test_history_shows_versions_reviewers_and_field_changes(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    second = services.version_new(resource, by=admin)
    services.version_update(second, fields=[{"name": "诊断编码", "level": 4}, {"name": "科室", "level": 1}], by=admin)
    services.version_submit(second, by=admin)
    services.version_review(second, decision="return", comment="请说明为何提高诊断编码级别", by=reviewer)
    login_verified(client, admin)
    page = client.get(f"/catalog/resources/{resource.pk}/history/").content.decode()
    assert "Version 2" in page and "Version 1" in page and "请说明为何提高诊断编码级别" in page
    assert "Added field “科室”" in page and "Removed field “患者姓名”" in page and "level 3 → 4" in page
    assert str(reviewer) in page


# --- the department's pages ------------------------------------------------------------------------------


def test_the_review_list_shows_the_jurisdiction_oldest_first(client, provider, reviewer, xiamen,
                                                              django_assert_max_num_queries):
    organisation, admin = provider
    first = register(organisation, admin).versions.get()
    second = register(organisation, admin, data={**_entry(), "title": "第二个条目"}).versions.get()
    services.version_submit(first, by=admin)
    services.version_submit(second, by=admin)
    elsewhere, elsewhere_admin = provider_institution("350203")
    theirs = register(elsewhere.organisation, elsewhere_admin, data={**_entry(), "title": "厦门的条目"}).versions.get()
    services.version_submit(theirs, by=elsewhere_admin)
    login_verified(client, reviewer)
    client.get("/catalog/resources/review/")
    with django_assert_max_num_queries(12):
        page = client.get("/catalog/resources/review/").content.decode()
    assert page.index("门诊就诊记录") < page.index("第二个条目") and "厦门的条目" not in page
    first.refresh_from_db()
    assert services.review_due_on(first).strftime("%Y-%m-%d") in page
    login_verified(client, make_user(xiamen, "reviewer"))
    page = client.get("/catalog/resources/review/").content.decode()
    assert "厦门的条目" in page and "门诊就诊记录" not in page


def _entry():
    from tests.catalog.resources_helpers import entry_data

    return entry_data()


def test_institutions_do_not_get_the_review_list(client, provider):
    _organisation, admin = provider
    login_verified(client, admin)
    assert client.get("/catalog/resources/review/").status_code == 403


def test_review_page_permissions(client, provider, reviewer, xiamen):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    url = f"/catalog/resources/versions/{version.pk}/review/"
    login_verified(client, admin)
    assert client.get(url).status_code == 403  # the provider cannot review itself
    assert client.post(url, {"decision": "approve"}).status_code == 403
    login_verified(client, make_user(xiamen, "reviewer"))
    assert client.get(url).status_code == 404  # outside the jurisdiction
    assert ResourceVersion.objects.get(pk=version.pk).status == V.SUBMITTED


def test_review_from_the_page(client, provider, reviewer):
    organisation, admin = provider
    version = register(organisation, admin).versions.get()
    services.version_submit(version, by=admin)
    url = f"/catalog/resources/versions/{version.pk}/review/"
    login_verified(client, reviewer)
    page = client.get(url).content.decode()
    assert "负责人0" in page and "Record the decision" in page  # departments see the names
    response = client.post(url, {"decision": "return", "comment": ""})
    assert response.status_code == 400 and "Say what must be corrected" in response.content.decode()
    assert ResourceVersion.objects.get(pk=version.pk).status == V.SUBMITTED
    response = client.post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    assert ResourceVersion.objects.get(pk=version.pk).status == V.PUBLISHED
    assert "not awaiting review" in client.get(url).content.decode()


# --- search and the entry page ----------------------------------------------------------------------------


def test_the_entry_page_for_another_institution_shows_positions_not_names(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    _other, other_admin = provider_institution("350203")
    login_verified(client, other_admin)
    page = client.get(f"/catalog/resources/{resource.pk}/").content.decode()
    assert "门诊就诊记录" in page and "患者姓名" in page and "信息中心" in page
    assert "负责人0" not in page and "0591-8765432" not in page
    assert f'href="/catalog/applications/new/?resource={resource.pk}"' in page
    assert "Prepare a new version" not in page and "Version history" not in page


def test_the_entry_page_for_the_provider_and_department(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    login_verified(client, admin)
    page = client.get(f"/catalog/resources/{resource.pk}/").content.decode()
    assert "负责人0" in page and "Prepare a new version" in page and 'data-testid="apply-link"' not in page
    login_verified(client, reviewer)
    page = client.get(f"/catalog/resources/{resource.pk}/").content.decode()
    assert "负责人0" in page and "Retire" in page


def test_a_not_shareable_entry_offers_no_application(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer, sharing_type="not_shareable")
    _other, other_admin = provider_institution("350203")
    login_verified(client, other_admin)
    page = client.get(f"/catalog/resources/{resource.pk}/").content.decode()
    assert 'data-testid="apply-link"' not in page and "not shareable" in page


def test_the_search_page(client, provider, reviewer, django_assert_max_num_queries):
    organisation, admin = provider
    published_resource(organisation, admin, reviewer, title="慢性病随访登记")
    register(organisation, admin, data={**_entry(), "title": "草稿条目"})
    _other, other_admin = provider_institution("350203")
    login_verified(client, other_admin)
    client.get("/catalog/resources/")
    with django_assert_max_num_queries(14):
        page = client.get("/catalog/resources/?q=随访").content.decode()
    assert "慢性病随访登记" in page and "草稿条目" not in page and "Level 4" in page
    partial = client.get("/catalog/resources/?q=随访", HTTP_HX_REQUEST="true").content.decode()
    assert "慢性病随访登记" in partial and "<html" not in partial
    assert "慢性病随访登记" not in client.get("/catalog/resources/?q=医保结算").content.decode()


def test_the_search_page_needs_a_signed_in_reader(client, provider):
    organisation, _admin = provider
    response = client.get("/catalog/resources/")
    assert response.status_code == 302 and "/accounts/" in response.url
    login_verified(client, make_user(organisation))  # no role
    assert client.get("/catalog/resources/").status_code == 403


def test_retire_from_the_page(client, provider, reviewer):
    organisation, admin = provider
    resource = published_resource(organisation, admin, reviewer)
    _other, other_admin = provider_institution("350102")
    login_verified(client, other_admin)
    assert client.post(f"/catalog/resources/{resource.pk}/retire/", {"reason": "x"}).status_code == 404
    login_verified(client, admin)
    assert client.post(f"/catalog/resources/{resource.pk}/retire/", {"reason": ""}).status_code == 400
    response = client.post(f"/catalog/resources/{resource.pk}/retire/", {"reason": "系统下线"})
    assert response.status_code == 302
    assert DataResource.objects.get(pk=resource.pk).status == DataResource.Status.RETIRED
