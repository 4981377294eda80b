"""Import and export through the API (INS-1, INS-8): same services, same scoping as the pages."""

import csv
import io

import pytest
from django.urls import reverse

from apps.institutions.models import ImportJob, Institution
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution, profile

from .import_helpers import csv_upload, profiles, read_xlsx, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def _upload(client, upload):
    return client.post(reverse("api:institutions-import-list"), {"file": upload}, format="multipart")


def test_ins1_upload_report_and_confirm_only_valid_rows(client, reviewer):
    login_verified(client, reviewer)
    rows = [profile("350102"), profile("350102", security_officer_phone="12")]
    created = _upload(client, xlsx_upload(rows))
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["total_rows"], body["valid_rows"]) == ("validated", 2, 1)
    assert body["errors"] == [{"row": 3, "errors": {
        "security_officer_phone": ["Enter a mobile number or a landline with its area code."]}}]
    assert body["progress"] == {"processed": 2, "total": 2, "percent": 100}

    detail = client.get(reverse("api:institutions-import-detail", args=[body["id"]]))
    assert detail.status_code == 200 and detail.json()["errors"] == body["errors"]

    confirm_url = reverse("api:institutions-import-confirm", args=[body["id"]])
    refused = client.post(confirm_url, {}, content_type="application/json")
    assert refused.status_code == 400
    assert "only the valid rows" in refused.json()["error"]["message"]
    assert Institution.objects.count() == 0

    done = client.post(confirm_url, {"only_valid_rows": True}, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["created_rows"]) == ("done", 1)
    assert Institution.objects.get().credit_code == rows[0]["credit_code"]


def test_bad_upload_answers_field_errors_and_makes_no_job(client, reviewer):
    login_verified(client, reviewer)
    response = _upload(client, csv_upload(profiles(1), fields=["name"]))
    assert response.status_code == 400
    assert "Missing required columns" in " ".join(response.json()["error"]["fields"]["file"])
    assert ImportJob.objects.count() == 0


def test_list_shows_only_the_departments_jobs(client, reviewer, xiamen):
    login_verified(client, reviewer)
    mine = _upload(client, csv_upload(profiles(1))).json()["id"]
    other = make_user(xiamen, "reviewer")
    client.logout()
    login_verified(client, other)
    theirs = _upload(client, csv_upload(profiles(1, "350203"))).json()["id"]
    listed = client.get(reverse("api:institutions-import-list")).json()["results"]
    assert [job["id"] for job in listed] == [theirs]
    assert "errors" not in listed[0]
    assert client.get(reverse("api:institutions-import-detail", args=[mine])).status_code == 404
    assert client.post(reverse("api:institutions-import-confirm", args=[mine]), {},
                       content_type="application/json").status_code == 404
    assert client.post(reverse("api:institutions-import-cancel", args=[mine])).status_code == 404
    assert ImportJob.objects.get(pk=mine).status == "validated"


def test_cancel_through_the_api(client, reviewer):
    login_verified(client, reviewer)
    job_id = _upload(client, csv_upload(profiles(1))).json()["id"]
    response = client.post(reverse("api:institutions-import-cancel", args=[job_id]))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = client.post(reverse("api:institutions-import-cancel", args=[job_id]))
    assert again.status_code == 409


def test_institution_users_get_403_and_anonymous_401(client):
    hospital = make_institution("350102")
    assert _upload(client, csv_upload(profiles(1))).status_code in (401, 403)
    assert client.get(reverse("api:institutions-export")).status_code in (401, 403)
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    assert _upload(client, csv_upload(profiles(1))).status_code == 403
    assert client.get(reverse("api:institutions-import-list")).status_code == 403
    assert client.get(reverse("api:institutions-export")).status_code == 403
    assert ImportJob.objects.count() == 0


def test_export_through_the_api_in_both_formats(client, reviewer):
    inside = make_institution("350102", type="research", hospital_grade="")
    make_institution("350102", type="hospital")
    make_institution("350203", type="research", hospital_grade="")
    login_verified(client, reviewer)
    url = reverse("api:institutions-export")

    as_csv = client.get(url, {"format": "csv", "type": "research"})
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(b"".join(as_csv.streaming_content).decode("utf-8-sig"))))
    code_at = header.index("unified social credit code")
    assert [row[code_at] for row in rows] == [inside.credit_code]

    as_xlsx = client.get(url, {"format": "xlsx", "type": "research"})
    assert as_xlsx.status_code == 200
    header, *rows = read_xlsx(b"".join(as_xlsx.streaming_content))
    assert [row[code_at] for row in rows] == [inside.credit_code]

    assert client.get(url, {"format": "doc"}).status_code == 400


def test_schema_documents_the_import_endpoints(client, reviewer):
    login_verified(client, reviewer)
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/institutions/imports/{id}/confirm/" in paths
    assert "/api/v1/institutions/export/" in paths
