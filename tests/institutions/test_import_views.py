"""Import pages (INS-1): upload, per-row report, confirmation with explicit consent, progress, permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.institutions.models import ImportJob, Institution
from apps.institutions.services.imports import import_job_start
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution, profile

from .import_helpers import csv_upload, profiles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


@pytest.fixture
def signed_in(client, reviewer):
    return login_verified(client, reviewer)


def test_upload_page_explains_columns_and_links_the_templates(signed_in):
    response = signed_in.get(reverse("institutions:import_start"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("institutions:import_template", args=["xlsx"]) in html
    assert reverse("institutions:import_template", args=["csv"]) in html
    assert "credit_code" in html and "Primary care institution" in html and "GB18030" in html


def test_ins1_upload_clean_file_then_import_all(signed_in, reviewer):
    rows = profiles(2)
    response = signed_in.post(reverse("institutions:import_start"), {"file": csv_upload(rows)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("institutions:import_detail",
                                                                           args=[job.pk])
    page = signed_in.get(response["Location"]).content.decode()
    assert "The file is clean" in page and 'data-testid="import-all"' in page
    assert 'data-testid="import-valid"' not in page

    response = signed_in.post(reverse("institutions:import_confirm", args=[job.pk]), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 institutions have been imported." in html
    assert "2 institutions have been registered and admitted." in html
    assert reverse("institutions:list") in html
    assert Institution.objects.filter(credit_code__in=[r["credit_code"] for r in rows]).count() == 2


def test_rows_with_errors_are_listed_and_importing_valid_rows_needs_explicit_consent(signed_in):
    rows = [profile("350102"), profile("350102", contact_email="nope"), profile("350203")]
    signed_in.post(reverse("institutions:import_start"), {"file": csv_upload(rows)})
    job = ImportJob.objects.get()
    page = signed_in.get(reverse("institutions:import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-errors"' in page
    assert "Enter a valid e-mail address." in page and "This division is outside your jurisdiction." in page
    assert "I understand that the 2 invalid rows will be skipped and not imported." in page
    assert 'data-testid="import-all"' not in page

    refused = signed_in.post(reverse("institutions:import_confirm", args=[job.pk]), {"only_valid_rows": "on"})
    assert refused.status_code == 400
    assert "Confirm that the invalid rows will be skipped." in refused.content.decode()
    plain = signed_in.post(reverse("institutions:import_confirm", args=[job.pk]))
    assert plain.status_code == 400 and "fix the file or choose to import only the valid rows" in \
        plain.content.decode()
    assert Institution.objects.count() == 0

    done = signed_in.post(reverse("institutions:import_confirm", args=[job.pk]),
                          {"only_valid_rows": "on", "skip_invalid": "on"})
    assert done.status_code == 302
    assert list(Institution.objects.values_list("credit_code", flat=True)) == [rows[0]["credit_code"]]
    assert "Rows skipped" in signed_in.get(done["Location"]).content.decode()


def test_error_report_is_paginated(signed_in, reviewer):
    job = import_job_start(upload=csv_upload(profiles(60, contact_email="bad")), by=reviewer)
    url = reverse("institutions:import_detail", args=[job.pk])
    first = signed_in.get(url).content.decode()
    assert first.count("Enter a valid e-mail address.") == 50
    second = signed_in.get(url, {"page": 2}).content.decode()
    assert second.count("Enter a valid e-mail address.") == 10


def test_a_bad_file_is_refused_on_the_form_and_makes_no_job(signed_in):
    png = SimpleUploadedFile("institutions.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    response = signed_in.post(reverse("institutions:import_start"), {"file": png})
    assert response.status_code == 200
    assert "not a CSV text file" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_missing_columns_are_named_on_the_form(signed_in):
    upload = csv_upload(profiles(1), fields=["name", "credit_code"])
    response = signed_in.post(reverse("institutions:import_start"), {"file": upload})
    assert "Missing required columns:" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_cancel_from_the_page(signed_in, reviewer):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    response = signed_in.post(reverse("institutions:import_cancel", args=[job.pk]), follow=True)
    assert "nothing was written" in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == "cancelled"


def test_progress_partial_polls_while_running_and_reloads_the_page_when_finished(signed_in, reviewer):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    ImportJob.objects.filter(pk=job.pk).update(status="validating", processed_rows=0, total_rows=800)
    url = reverse("institutions:import_progress", args=[job.pk])
    running = signed_in.get(url, HTTP_HX_REQUEST="true")
    html = running.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'data-progress="0"' in html
    detail = signed_in.get(reverse("institutions:import_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail and "import-progress.js" in detail

    ImportJob.objects.filter(pk=job.pk).update(status="validated")
    finished = signed_in.get(url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"


def test_job_list_shows_only_the_departments_jobs_within_a_query_budget(
        client, reviewer, xiamen, django_assert_max_num_queries):
    for _ in range(3):
        import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    other = make_user(xiamen, "reviewer")
    import_job_start(upload=csv_upload(profiles(1, "350203"), name="厦门.csv"), by=other)
    login_verified(client, reviewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("institutions:import_list"))
    html = response.content.decode()
    assert html.count("institutions.csv") == 3 and "厦门.csv" not in html


# --- who may see what --------------------------------------------------------------------------------


def _job_urls(job):
    return [reverse(name, args=[job.pk]) for name in ("institutions:import_detail", "institutions:import_progress")]


def test_reviewer_of_another_city_or_the_province_gets_404(client, reviewer, xiamen, fujian):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    for outsider in (make_user(xiamen, "reviewer"), make_user(fujian, "reviewer")):
        login_verified(client, outsider)
        for url in _job_urls(job):
            assert client.get(url).status_code == 404
        assert client.post(reverse("institutions:import_confirm", args=[job.pk])).status_code == 404
        assert client.post(reverse("institutions:import_cancel", args=[job.pk])).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == "validated"


def test_auditor_of_the_department_sees_the_job_but_cannot_confirm(client, reviewer, fuzhou):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    login_verified(client, make_user(fuzhou, "auditor"))
    page = client.get(reverse("institutions:import_detail", args=[job.pk]))
    assert page.status_code == 200 and 'data-testid="import-all"' not in page.content.decode()
    assert client.post(reverse("institutions:import_confirm", args=[job.pk])).status_code == 403
    assert client.get(reverse("institutions:import_start")).status_code == 403
    assert Institution.objects.count() == 0


def test_institution_users_get_403_on_pages_and_404_on_jobs(client, reviewer):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    hospital = make_institution("350102")
    login_verified(client, make_user(hospital.organisation, "institution_admin"))
    for name in ("institutions:import_start", "institutions:import_list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("institutions:import_template", args=["csv"])).status_code == 403
    assert client.post(reverse("institutions:import_start"), {"file": csv_upload(profiles(1))}).status_code == 403
    for url in _job_urls(job):
        assert client.get(url).status_code == 404
    assert ImportJob.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, reviewer):
    job = import_job_start(upload=csv_upload(profiles(1)), by=reviewer)
    for url in [reverse("institutions:import_start"), reverse("institutions:import_list"), *_job_urls(job)]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
