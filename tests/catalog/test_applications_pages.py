"""The applicant's pages (SVC-2): "Our applications", the editor in sections, "check and submit", the application
page with the route and the reviewers' comments beside the answers, the recipient's agreement page."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from apps.catalog.models import ApplicationItem, Recipient, SharingApplication
from apps.catalog.services import applications as services
from tests.catalog import application_helpers as helpers
from tests.catalog.application_helpers import answers, complete, draft, field_ids, suspend
from tests.catalog.factories import make_resource
from tests.catalog.grants_helpers import grant_case
from tests.catalog.test_applications_services import return_for_correction
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
provider, provider_admin, resource = helpers.provider, helpers.provider_admin, helpers.resource
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current


def form_data(**overrides) -> dict:
    data = answers(**overrides)
    for key in ("period_start", "period_end"):
        data[key] = data[key].isoformat()
    if not data.pop("cross_border"):
        data.pop("cross_border", None)
    else:
        data["cross_border"] = "on"
    return data


def text(response) -> str:
    return response.content.decode()


# --- the list ----------------------------------------------------------------------------------------------


def test_svc2_our_applications_counts_and_current_steps(client, applicant_admin, resource, current,
                                                        django_assert_max_num_queries):
    submitted = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    for _ in range(3):
        draft(applicant_admin, resource)
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    other = draft(stranger)
    login_verified(client, applicant_admin)
    client.get(reverse("catalog:application_list"))  # warm the session
    with django_assert_max_num_queries(16):
        response = client.get(reverse("catalog:application_list"))
    page = text(response)
    assert response.status_code == 200 and other.number not in page
    assert re.search(r'data-status="draft">Draft <span class="badge[^"]*">3</span>', page)
    assert re.search(r'data-status="in_review">In review <span class="badge[^"]*">1</span>', page)
    step = submitted.steps.get()
    assert step.organisation.name in page and step.due_on.isoformat() in page
    filtered = text(client.get(reverse("catalog:application_list") + "?status=in_review"))
    assert submitted.number in filtered and filtered.count('data-testid="application-status"') == 1


def test_a_partner_recipient_finds_the_application_naming_it(client, applicant_admin, resource):
    application = draft(applicant_admin, resource)
    partner = make_user(make_institution("350102").organisation, "submitter")
    services.recipient_add(application, user=partner, by=applicant_admin)
    login_verified(client, partner)
    page = text(client.get(reverse("catalog:application_list")))
    assert 'data-testid="named-applications"' in page and application.number in page


def test_departments_have_no_our_applications_page(client, fuzhou):
    login_verified(client, make_user(fuzhou, "reviewer"))
    assert client.get(reverse("catalog:application_list")).status_code == 404


# --- creating and editing ---------------------------------------------------------------------------------


def test_svc2_apply_from_the_catalog_entry(client, applicant_admin, resource):
    login_verified(client, applicant_admin)
    url = reverse("catalog:application_create") + f"?resource={resource.pk}"
    page = text(client.get(url))
    assert 'data-testid="preselected-resource"' in page and resource.code in page
    response = client.post(url, {**form_data(), "resource": resource.pk})
    application = SharingApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:application_resources", args=[application.pk]) + \
        f"?add={resource.pk}"
    assert application.recipients.get().user == applicant_admin
    page = text(client.get(response["Location"]))
    assert f'data-testid="item-{resource.pk}"' in page and "not saved yet" in page
    ids = field_ids(resource, "性别", "就诊日期")
    response = client.post(reverse("catalog:application_resources", args=[application.pk]), {
        "resource": [resource.pk], f"fields_{resource.pk}": ids, f"justification_{resource.pk}": "统计"})
    assert response.status_code == 302
    item = ApplicationItem.objects.get(application=application)
    assert sorted(f.pk for f in item.fields.all()) == sorted(ids) and item.justification == "统计"


def test_svc2_suspended_applicant_sees_why_and_cannot_create(client, hospital, applicant_admin):
    suspend(hospital)
    login_verified(client, applicant_admin)
    assert 'data-testid="applicant-refusal"' in text(client.get(reverse("catalog:application_create")))
    response = client.post(reverse("catalog:application_create"), form_data())
    assert response.status_code == 400
    assert "Your institution is suspended: it cannot apply for data until the suspension is lifted." in text(response)
    assert not SharingApplication.objects.exists()


def test_svc2_end_before_start_on_the_page(client, applicant_admin):
    login_verified(client, applicant_admin)
    data = form_data()
    data["period_end"], data["period_start"] = data["period_start"], data["period_end"]
    response = client.post(reverse("catalog:application_create"), data)
    assert response.status_code == 400 and "The end date is before the start date." in text(response)
    assert not SharingApplication.objects.exists()


def test_svc2_fields_not_in_the_resource_on_the_page(client, applicant_admin, resource, provider):
    application = draft(applicant_admin, resource, names=("性别",))
    other = make_resource(provider.organisation, fields=[("血型", 3, False)])
    login_verified(client, applicant_admin)
    response = client.post(reverse("catalog:application_resources", args=[application.pk]), {
        "resource": [resource.pk], f"fields_{resource.pk}": field_ids(other, "血型")})
    assert response.status_code == 400
    assert f"Fields not in the resource {resource.code}: 血型." in text(response)
    assert [f.name for f in application.items.get().fields.all()] == ["性别"]


def test_the_picker_lists_published_entries_of_others(client, applicant_admin, resource, hospital):
    own = make_resource(hospital.organisation, title="本院门诊数据")
    application = draft(applicant_admin)
    login_verified(client, applicant_admin)
    page = text(client.get(reverse("catalog:application_resources", args=[application.pk])))
    assert f"?add={resource.pk}" in page and f"?add={own.pk}" not in page


def test_sec4_editor_pages_404_for_others_403_for_the_provider(client, applicant_admin, resource, provider_admin):
    application = draft(applicant_admin, resource)
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    names = ["catalog:application_edit", "catalog:application_resources", "catalog:application_recipients",
             "catalog:application_documents", "catalog:application_check"]
    login_verified(client, stranger)
    for name in [*names, "catalog:application_detail"]:
        assert client.get(reverse(name, args=[application.pk])).status_code == 404, name
    login_verified(client, provider_admin)
    assert client.get(reverse("catalog:application_detail", args=[application.pk])).status_code == 200
    for name in names:
        assert client.get(reverse(name, args=[application.pk])).status_code == 403, name
    response = client.post(reverse("catalog:application_edit", args=[application.pk]), form_data(purpose="改"))
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.purpose != "改"


def test_answers_are_saved_from_the_editor(client, applicant_admin):
    application = draft(applicant_admin)
    login_verified(client, applicant_admin)
    response = client.post(reverse("catalog:application_edit", args=[application.pk]),
                           form_data(purpose="新的用途说明"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.purpose == "新的用途说明"


def test_recipients_are_named_by_account_and_email(client, applicant_admin):
    application = draft(applicant_admin)
    partner = make_user(make_institution("350102").organisation, "submitter")
    url = reverse("catalog:application_recipients", args=[application.pk])
    login_verified(client, applicant_admin)
    response = client.post(url, {"username": partner.username, "email": "wrong@example.cn"})
    assert response.status_code == 400 and "No account has this account name and e-mail address." in text(response)
    response = client.post(url, {"username": partner.username.upper(), "email": partner.email})
    assert response.status_code == 302
    recipient = application.recipients.get(user=partner)
    page = text(client.get(url))
    assert str(partner) in page and "Not yet accepted" in page
    client.post(reverse("catalog:application_recipient_remove", args=[application.pk, recipient.pk]))
    assert not application.recipients.filter(user=partner).exists()


def test_documents_are_uploaded_and_removed_from_the_editor(client, applicant_admin):
    application = draft(applicant_admin)
    url = reverse("catalog:application_documents", args=[application.pk])
    login_verified(client, applicant_admin)
    bad = client.post(url, {"kind": "ethics_approval", "file": helpers.SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 400 and "“x.pdf” is not a PDF, PNG or JPEG file." in text(bad)
    assert client.post(url, {"kind": "ethics_approval", "file": helpers.pdf("批件.pdf")}).status_code == 302
    document = application.documents.get()
    assert "批件.pdf" in text(client.get(url))
    client.post(reverse("catalog:application_document_remove", args=[application.pk, document.pk]))
    assert not application.documents.exists()


# --- the agreement -------------------------------------------------------------------------------------------


def test_sec4_a_recipient_reads_and_accepts_the_agreement_in_its_language(client, applicant_admin, resource,
                                                                          current):
    application = draft(applicant_admin, resource)
    partner = make_user(make_institution("350102").organisation, "submitter")
    services.recipient_add(application, user=partner, by=applicant_admin)
    url = reverse("catalog:application_agreement", args=[application.pk])
    login_verified(client, partner)
    assert "Test data use agreement." in text(client.get(url))
    with translation.override("zh-hans"):
        chinese = text(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "数据使用协议测试文本。" in chinese
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Tick the box to accept the agreement." in text(refused)
    assert client.post(url, {"accept": "on"}).status_code == 302
    recipient = Recipient.objects.get(user=partner)
    assert recipient.agreement == current and recipient.accepted_at is not None
    assert 'data-testid="agreement-accepted"' in text(client.get(url))


def test_the_agreement_page_is_for_named_recipients(client, applicant_admin, resource, provider_admin):
    application = draft(applicant_admin, resource)
    url = reverse("catalog:application_agreement", args=[application.pk])
    login_verified(client, provider_admin)
    assert client.get(url).status_code == 403
    login_verified(client, make_user(make_institution("350203").organisation, "institution_admin"))
    assert client.get(url).status_code == 404


# --- check and submit ----------------------------------------------------------------------------------------


def test_svc2_check_lists_every_problem_beside_its_section(client, applicant_admin, resource, current):
    application = draft(applicant_admin, resource, deidentification_method="none", deidentification_description="")
    login_verified(client, applicant_admin)
    page = text(client.get(reverse("catalog:application_check", args=[application.pk])))
    assert 'data-testid="check-problems"' in page
    assert "Personal fields without de-identification or legal basis" in page
    assert "Scientific research needs the approval of an ethics committee" in page
    assert "has not accepted the current data use agreement" in page
    response = client.post(reverse("catalog:application_check", args=[application.pk]))
    assert response.status_code == 400
    assert "The application cannot be submitted yet: 3 problems to correct." in text(response)
    application.refresh_from_db()
    assert application.status == "draft"
    # The same problems are shown beside the answer in the editor.
    editor = text(client.get(reverse("catalog:application_edit", args=[application.pk])))
    assert re.search(r'data-answer="deidentification_method".*?Personal fields without de-identification', editor,
                     re.S)


def test_svc2_check_shows_the_planned_route_and_submits(client, applicant_admin, resource, provider, current):
    application = complete(applicant_admin, resource)
    url = reverse("catalog:application_check", args=[application.pk])
    login_verified(client, applicant_admin)
    page = text(client.get(url))
    assert 'data-testid="check-ok"' in page and 'data-testid="route-plan"' in page
    assert "Provider of the data" in page and provider.organisation.name in page and "Level 1-2" in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("catalog:application_detail",
                                                                           args=[application.pk])
    application.refresh_from_db()
    assert application.status == "in_review"


def test_svc2_check_shows_why_a_not_shareable_resource_is_refused(client, applicant_admin, provider, current):
    closed = make_resource(provider.organisation, fields=helpers.LOW_FIELDS, sharing_type="not_shareable")
    application = complete(applicant_admin, closed)
    login_verified(client, applicant_admin)
    page = text(client.get(reverse("catalog:application_check", args=[application.pk])))
    assert 'data-testid="route-refusal"' in page and "its provider has declared it not shareable" in page
    response = client.post(reverse("catalog:application_check", args=[application.pk]))
    assert response.status_code == 400 and "its provider has declared it not shareable" in text(response)
    application.refresh_from_db()
    assert application.status == "draft"


# --- the application page ------------------------------------------------------------------------------------


def test_svc2_a_returned_application_shows_the_comments_beside_the_answers(client, applicant_admin, resource,
                                                                          provider, provider_admin, current):
    application = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    return_for_correction(application, provider, provider_admin, {"purpose": "用途过于笼统。",
                                                                 "documents": "批件缺页。"})
    login_verified(client, applicant_admin)
    detail = text(client.get(reverse("catalog:application_detail", args=[application.pk])))
    assert re.search(r'data-answer="purpose".*?用途过于笼统。.*?</tr>', detail, re.S)
    assert "批件缺页。" in detail and "Returned for correction" in detail
    assert 'data-testid="route"' in detail and provider.organisation.name in detail
    assert "请补充用途说明。" in detail  # the step's decision
    assert str(applicant_admin) in detail and "submitted (round 1)" in detail  # history names the actor
    step_url = reverse("catalog:step_detail", args=[application.steps.get().pk])
    assert step_url not in detail  # the step's page is the deciding organisation's
    login_verified(client, provider_admin)
    assert step_url in text(client.get(reverse("catalog:application_detail", args=[application.pk])))
    login_verified(client, applicant_admin)
    editor = text(client.get(reverse("catalog:application_edit", args=[application.pk])))
    assert re.search(r'data-answer="purpose".*?用途过于笼统。', editor, re.S)
    assert "批件缺页。" in text(client.get(reverse("catalog:application_documents", args=[application.pk])))
    # Corrected and resubmitted from the check page.
    client.post(reverse("catalog:application_edit", args=[application.pk]), form_data(purpose="评估候诊时间。"))
    assert client.post(reverse("catalog:application_check", args=[application.pk])).status_code == 302
    application.refresh_from_db()
    assert application.status == "in_review" and application.round == 2


def test_svc2_withdraw_from_the_page(client, applicant_admin, resource, current):
    application = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    url = reverse("catalog:application_withdraw", args=[application.pk])
    login_verified(client, applicant_admin)
    client.post(url, {"reason": ""})
    application.refresh_from_db()
    assert application.status == "in_review"
    assert client.post(url, {"reason": "经费取消"}).status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn" and application.withdrawn_reason == "经费取消"


def test_svc2_follow_up_buttons_of_an_approved_application(client):
    case = grant_case()
    login_verified(client, case.applicant_admin)
    page = text(client.get(reverse("catalog:application_detail", args=[case.application.pk])))
    assert 'data-testid="followup-form"' in page and case.grant.number in page
    response = client.post(reverse("catalog:application_followup", args=[case.application.pk]),
                           {"kind": "extension"})
    child = SharingApplication.objects.get(parent=case.application)
    assert child.kind == "extension" and response["Location"] == reverse("catalog:application_edit",
                                                                         args=[child.pk])
    page = text(client.get(reverse("catalog:application_detail", args=[case.application.pk])))
    assert 'data-testid="followup-form"' not in page and child.number in page
    # The provider sees the application but has no buttons and cannot start one.
    login_verified(client, case.provider_admin)
    assert 'data-testid="application-actions"' not in text(
        client.get(reverse("catalog:application_detail", args=[case.application.pk])))
    assert client.post(reverse("catalog:application_followup", args=[case.application.pk]),
                       {"kind": "renewal"}).status_code == 403


def test_departments_of_the_jurisdiction_read_the_application_page(client, applicant_admin, resource, current,
                                                                   fuzhou, xiamen):
    application = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    for department in (fuzhou, xiamen):  # the provider's city, the applicant's city
        login_verified(client, make_user(department, "reviewer"))
        response = client.get(reverse("catalog:application_detail", args=[application.pk]))
        assert response.status_code == 200 and 'data-testid="application-actions"' not in text(response)
        assert client.get(reverse("catalog:application_edit", args=[application.pk])).status_code == 403
