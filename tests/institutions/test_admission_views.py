"""Registration and admission in the browser and through the API (INS-1, INS-2, INS-8)."""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.institutions.models import AdmissionApplication, Institution
from tests.conftest import login_verified, make_user
from tests.institutions.factories import profile
from tests.institutions.test_admission_services import ACCOUNT, register
from tests.institutions.uploads import fake_pdf, pdf, png, required_documents

pytestmark = pytest.mark.django_db


def form_payload(**overrides):
    data = {f"account-{key}": value for key, value in ACCOUNT.items()}
    data["account-password_again"] = ACCOUNT["password"]
    data.update(profile("350102"))
    data["purpose"] = "区域健康数据分析"
    data.update({f"document_{kind}": upload for kind, upload in required_documents().items()})
    data.update(overrides)
    return data


def test_registration_page_is_public_in_both_languages(client, gulou):
    english = client.get(reverse("institutions:register"))
    assert english.status_code == 200 and b"Register your institution" in english.content
    chinese = client.get(reverse("institutions:register"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200 and "统一社会信用代码".encode() in chinese.content


def test_registration_form_submits_an_application(client, gulou):
    response = client.post(reverse("institutions:register"), form_payload())
    assert response.status_code == 302 and response["Location"] == reverse("institutions:register_done")
    done = client.get(response["Location"])
    number = AdmissionApplication.objects.get().number
    assert number.encode() in done.content


def test_registration_form_shows_errors_and_saves_nothing(client, gulou):
    response = client.post(reverse("institutions:register"), form_payload(
        credit_code="123", document_licence=fake_pdf(), **{"account-password_again": "different"}))
    assert response.status_code == 200
    content = response.content.decode()
    assert "not a valid unified social credit code" in content
    assert "The two passwords differ." in content
    assert Institution.objects.count() == 0 and User.objects.filter(username=ACCOUNT["username"]).count() == 0


def test_registration_form_reports_service_errors_on_the_right_field(client, gulou):
    response = client.post(reverse("institutions:register"), form_payload(document_licence=fake_pdf()))
    assert response.status_code == 200
    assert "is not a PDF, PNG or JPEG file" in response.content.decode()
    assert AdmissionApplication.objects.count() == 0


def test_reviewer_decides_in_the_browser(client, gulou):
    application = register()
    reviewer = make_user(gulou, "reviewer")
    login_verified(client, reviewer)
    work_list = client.get(reverse("institutions:admission_list"))
    assert application.number.encode() in work_list.content
    page = client.get(reverse("institutions:admission_detail", args=[application.pk]))
    assert b"Approve admission" in page.content
    refused = client.post(reverse("institutions:admission_decide", args=[application.pk]),
                          {"action": "refuse", "comment": ""})
    assert refused.status_code == 400 and b"must state its reasons" in refused.content
    approved = client.post(reverse("institutions:admission_decide", args=[application.pk]),
                           {"action": "approve", "comment": ""})
    assert approved.status_code == 302
    assert Institution.objects.get(pk=application.institution_id).status == "admitted"


def test_applicant_follows_and_resubmits_a_returned_application(client, gulou):
    from apps.institutions.services import admission as admission_services

    application = register()
    admission_services.admission_return(application=application, by=make_user(gulou, "reviewer"),
                                        comment="联系电话有误")
    applicant = User.objects.get(username=ACCOUNT["username"])
    login_verified(client, applicant)
    page = client.get(reverse("institutions:admission_detail", args=[application.pk]))
    assert b"Correct and resubmit" in page.content and "联系电话有误".encode() in page.content
    assert b"Approve admission" not in page.content
    form = client.get(reverse("institutions:admission_resubmit", args=[application.pk]))
    assert form.status_code == 200
    data = dict(profile("350102"))
    data.update({"name": application.institution.name, "credit_code": application.institution.credit_code,
                 "contact_phone": "0591-88888888", "purpose": application.purpose})
    response = client.post(reverse("institutions:admission_resubmit", args=[application.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.status == "submitted" and application.institution.contact_phone == "0591-88888888"


def test_applicant_cannot_decide_and_other_institutions_cannot_see(client, gulou):
    application = register()
    applicant = User.objects.get(username=ACCOUNT["username"])
    login_verified(client, applicant)
    assert client.post(reverse("institutions:admission_decide", args=[application.pk]),
                       {"action": "approve"}).status_code == 403
    client.logout()
    from tests.institutions.factories import make_institution

    other = make_institution("350102")
    login_verified(client, make_user(other.organisation, "institution_admin"))
    assert client.get(reverse("institutions:admission_detail", args=[application.pk])).status_code == 404


def test_documents_are_served_only_to_those_allowed(client, gulou, xiamen):
    application = register()
    document = application.documents.get(kind="licence")
    url = reverse("institutions:document_download", args=[document.pk])
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    login_verified(client, make_user(xiamen, "reviewer"))
    assert client.get(url).status_code == 404
    client.logout()
    login_verified(client, make_user(gulou, "reviewer"))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- API ------------------------------------------------------------------------------------------


def api_payload(**overrides):
    data = dict(profile("350102"))
    data.update(ACCOUNT)
    data.update({"purpose": "接口申请", "document_licence": pdf(), "document_security": pdf(),
                 "document_appointment": png()})
    data.update(overrides)
    return data


def test_api_registration_and_decision(client, gulou):
    response = client.post(reverse("api:institutions-register"), api_payload())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted" and len(body["documents"]) == 3
    reviewer = make_user(gulou, "reviewer")
    login_verified(client, reviewer)
    listed = client.get(reverse("api:institutions-admission-list"), {"status": "submitted"}).json()
    assert [row["number"] for row in listed["results"]] == [body["number"]]
    decided = client.post(reverse("api:institutions-admission-decide", args=[body["id"]]),
                          {"action": "return", "comment": ""}, content_type="application/json")
    assert decided.status_code == 400 and "comment" in decided.json()["error"]["fields"]
    decided = client.post(reverse("api:institutions-admission-decide", args=[body["id"]]),
                          {"action": "approve"}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"


def test_api_registration_errors_name_the_fields_and_save_nothing(client, gulou):
    response = client.post(reverse("api:institutions-register"), api_payload(credit_code="bad",
                                                                             document_licence=fake_pdf()))
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "credit_code" in fields and "document_licence" in fields
    assert Institution.objects.count() == 0


def test_api_decision_outside_jurisdiction_is_not_found(client, gulou, xiamen):
    application = register()
    login_verified(client, make_user(xiamen, "reviewer"))
    response = client.post(reverse("api:institutions-admission-decide", args=[application.pk]),
                           {"action": "approve"}, content_type="application/json")
    assert response.status_code == 404
