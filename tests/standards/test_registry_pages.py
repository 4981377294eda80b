"""Registry pages (STD-1, STD-8): list, page of a standard, registration, edit, text upload and download."""

import pytest
from django.urls import reverse

from apps.standards.models import Standard
from apps.standards.services import registry
from tests.conftest import login_verified, make_user
from tests.factories import UserFactory
from tests.institutions.uploads import pdf, png
from tests.standards import registry_helpers as helpers
from tests.standards.registry_helpers import S, data, issued

institution_user, officer = helpers.institution_user, helpers.officer  # fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officer):
    return login_verified(client, officer)


def test_staff_pages_send_anonymous_visitors_to_sign_in(client):
    standard = Standard.objects.get(code="WS/T 447-2014")
    for url in (reverse("standards:list"), reverse("standards:detail", args=[standard.pk]),
                reverse("standards:create"), reverse("standards:edit", args=[standard.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], url


def test_a_signed_in_user_without_the_view_permission_is_refused_the_registry(client, national):
    login_verified(client, UserFactory(organisation=national, roles=[]))
    assert client.get(reverse("standards:list")).status_code == 403


def test_list_searches_by_code_and_title_and_filters(officer_client):
    url = reverse("standards:list")
    by_code = officer_client.get(url, {"q": "ws/t 500.5"}).content.decode()
    assert "WS/T 500.5-2016" in by_code and "WS/T 447-2014" not in by_code
    by_title = officer_client.get(url, {"q": "个人信息安全"}).content.decode()
    assert "GB/T 35273-2020" in by_title and "GB/T 39725-2020" not in by_title
    security = officer_client.get(url, {"category": "05"}).content.decode()
    assert "GB/T 39725-2020" in security and "WS/T 447-2014" not in security
    mandatory_superseded = officer_client.get(url, {"nature": "mandatory", "status": "superseded",
                                                    "level": "industry"}).content.decode()
    assert "WS 363.1-2011" in mandatory_superseded and "WS/T 363.1-2023" not in mandatory_superseded
    rows = officer_client.get(url, {"q": "WS/T 483"}, HTTP_HX_REQUEST="true").content.decode()
    assert "WS/T 483.1-2016" in rows and "<html" not in rows


def test_list_shows_projects_to_staff_and_pages_without_count(officer_client, django_assert_max_num_queries):
    issued("WS/T XXX-20XX", status=S.PROJECT, title="内部项目")
    with django_assert_max_num_queries(12) as captured:
        response = officer_client.get(reverse("standards:list"), {"q": "XXX"})
    assert "内部项目" in response.content.decode()
    assert not any("COUNT(" in query["sql"] and "standards_standard" in query["sql"]
                   for query in captured.captured_queries)
    first = officer_client.get(reverse("standards:list")).content.decode()
    second = officer_client.get(reverse("standards:list"), {"page": 2}).content.decode()
    twenty_sixth = Standard.objects.order_by("code", "pk").values_list("code", flat=True)[25]
    assert f"<code>{twenty_sixth}</code>" in second and f"<code>{twenty_sixth}</code>" not in first


def test_an_institution_user_reads_the_registry_but_cannot_register(client, institution_user):
    login_verified(client, institution_user)
    assert client.get(reverse("standards:list")).status_code == 200
    assert client.get(reverse("standards:create")).status_code == 403
    response = client.post(reverse("standards:create"), {"code": "WS/T 90100-20XX", "title": "x", "status": "project",
                                                         "category": "1"})
    assert response.status_code == 403 and not Standard.objects.filter(code="WS/T 90100-20XX").exists()
    standard = Standard.objects.get(code="WS/T 447-2014")
    assert client.get(reverse("standards:edit", args=[standard.pk])).status_code == 403
    assert client.post(reverse("standards:text_upload", args=[standard.pk]), {"text": pdf()}).status_code == 403


def test_detail_shows_data_versions_history_and_no_edit_for_readers(client, institution_user):
    login_verified(client, institution_user)
    standard = Standard.objects.get(code="WS/T 364.2-2023")
    content = client.get(reverse("standards:detail", args=[standard.pk])).content.decode()
    assert "WS 364.2-2011" in content  # the version it supersedes, of another series
    assert reverse("core:history", args=["standards", "standard", standard.pk]) in content
    assert reverse("standards:edit", args=[standard.pk]) not in content
    assert reverse("standards:public_detail", args=[standard.pk]) in content


def test_detail_query_budget(officer_client, django_assert_max_num_queries):
    standard = Standard.objects.get(code="WS/T 363.1-2023")
    with django_assert_max_num_queries(20):
        assert officer_client.get(reverse("standards:detail", args=[standard.pk])).status_code == 200


def test_an_officer_registers_a_project_and_sees_errors_on_the_form(officer_client):
    category = data()["category"]
    bad = officer_client.post(reverse("standards:create"), {
        "code": "WS/T 500.1-2016", "title": "重复", "status": "project", "category": category.pk})
    assert bad.status_code == 200 and "already registered" in bad.content.decode()
    response = officer_client.post(reverse("standards:create"), {
        "code": "ws/t xxx-20xx", "title": "新项目", "status": "project", "category": category.pk,
        "supersedes": ""})
    created = Standard.objects.get(code="WS/T XXX-20XX")
    assert response.status_code == 302 and response["Location"] == reverse("standards:detail", args=[created.pk])
    assert created.status == S.PROJECT and created.title == "新项目"


def test_the_edit_form_keeps_the_code_of_a_published_standard(officer_client):
    standard = Standard.objects.get(code="WS/T 447-2014")
    form = officer_client.get(reverse("standards:edit", args=[standard.pk])).content.decode()
    assert "disabled" in form
    response = officer_client.post(reverse("standards:edit", args=[standard.pk]), {
        "code": "WS/T 999-2014", "title": "基于电子病历的医院信息平台技术规范（修订标题）", "category": standard.category_id})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.code == "WS/T 447-2014" and standard.title.endswith("（修订标题）")


def test_text_upload_from_the_page_and_download_rules(client, officer):
    login_verified(client, officer)
    in_force = Standard.objects.get(code="WS/T 448-2014")
    refused = client.post(reverse("standards:text_upload", args=[in_force.pk]), {"text": png()})
    assert refused.status_code == 400 and "not a PDF" in refused.content.decode()
    assert client.post(reverse("standards:text_upload", args=[in_force.pk]), {"text": pdf()}).status_code == 302
    project = registry.standard_create(data=data(), by=officer)
    registry.standard_text_upload(standard=project, upload=pdf(), by=officer)
    assert client.get(reverse("standards:text", args=[project.pk])).status_code == 200
    client.logout()
    public = client.get(reverse("standards:text", args=[in_force.pk]))
    assert public.status_code == 200 and public["Content-Type"] == "application/pdf"
    assert b"".join(public.streaming_content).startswith(b"%PDF-")
    assert client.get(reverse("standards:text", args=[project.pk])).status_code == 404  # drafts stay inside
    assert client.get(reverse("standards:text", args=[Standard.objects.get(code="WS/T 447-2014").pk])).status_code == 404


def test_a_user_without_the_view_role_still_downloads_public_texts(client, national, officer):
    in_force = Standard.objects.get(code="WS/T 448-2014")
    registry.standard_text_upload(standard=in_force, upload=pdf(), by=officer)
    login_verified(client, make_user(national))
    assert client.get(reverse("standards:text", args=[in_force.pk])).status_code == 200


def test_a_nul_character_in_a_search_is_ignored_not_a_server_error(client, officer):
    """PostgreSQL refuses NUL in text: a search term carrying one (a mistyped or hostile URL) must not answer 500
    on the public list, the staff lists or the API."""
    public = {"q": "WS/T 447\x00", "category": "02\x00"}
    assert client.get(reverse("standards:public_list"), public).status_code == 200
    assert client.get(reverse("api:standards-public-list"), public).status_code == 200
    login_verified(client, make_user(officer.organisation, "standards_officer", "department_head"))
    for name in ("standards:list", "standards:proposal_list", "standards:conformance_list", "api:standards-list"):
        response = client.get(reverse(name), public)
        assert response.status_code == 200, name
    found = client.get(reverse("standards:list"), {"q": "WS/T 447-2014\x00"}).content.decode()
    assert "WS/T 447-2014" in found
