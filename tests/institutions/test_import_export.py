"""Export of the filtered institution list and the import template (INS-1, SUP-4)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.institutions.models import Institution
from apps.institutions.selectors import institution_search
from apps.institutions.services.import_files import COLUMNS, EXAMPLE_CREDIT_CODE
from apps.institutions.services.imports import import_job_start
from tests.conftest import login_verified, make_user
from tests.institutions.factories import make_institution

from .import_helpers import read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(fuzhou, xiamen):
    """Fuzhou: two hospitals and a research institute; Xiamen: a hospital Fuzhou must never export."""
    return {
        "hospital_a": make_institution("350102", name="福州甲医院", type="hospital"),
        "hospital_b": make_institution("350102", name="福州乙医院", type="hospital", status="applicant"),
        "research": make_institution("350102", name="福州研究所", type="research", hospital_grade=""),
        "xiamen": make_institution("350203", name="厦门医院", type="hospital"),
        "formula": make_institution("350102", name="=HYPERLINK(\"http://evil\")", type="hospital"),
    }


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _code_column(header) -> int:
    return header.index(str(Institution._meta.get_field("credit_code").verbose_name))


def test_ins1_csv_export_equals_the_filtered_list_and_stays_in_the_jurisdiction(client, world, reviewer):
    login_verified(client, reviewer)
    response = client.get(reverse("institutions:export"), {"type": "hospital", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="institutions-')
    header, *rows = _csv_rows(response)
    expected = list(institution_search(reviewer, {"type": "hospital"}).order_by("name", "pk")
                    .values_list("credit_code", flat=True))
    assert [row[_code_column(header)] for row in rows] == expected
    assert len(expected) == 3 and world["xiamen"].credit_code not in expected
    by_code = {row[_code_column(header)]: row for row in rows}
    first = by_code[world["hospital_a"].credit_code]
    assert "Hospital" in first and "Admitted" in first and "350102" in first  # words, not codes
    assert any("鼓楼区" in cell for cell in first)  # the division's name next to its code


def test_exported_cells_that_look_like_formulas_are_neutralised(client, world, reviewer):
    login_verified(client, reviewer)
    _header, *rows = _csv_rows(client.get(reverse("institutions:export"), {"q": "HYPERLINK"}))
    assert [row[0] for row in rows] == ["'=HYPERLINK(\"http://evil\")"]


def test_xlsx_export_reads_back_as_the_filtered_list(client, world, reviewer):
    login_verified(client, reviewer)
    response = client.get(reverse("institutions:export"), {"format": "xlsx", "status": "admitted"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = read_xlsx(b"".join(response.streaming_content))
    expected = list(institution_search(reviewer, {"status": "admitted"}).order_by("name", "pk")
                    .values_list("credit_code", flat=True))
    assert [row[_code_column(header)] for row in rows] == expected
    assert world["hospital_b"].credit_code not in expected and world["xiamen"].credit_code not in expected
    assert len(rows) == 3


def test_export_without_filters_is_the_whole_jurisdiction(client, world, fujian):
    provincial = make_user(fujian, "reviewer")
    login_verified(client, provincial)
    header, *rows = _csv_rows(client.get(reverse("institutions:export")))
    assert {row[_code_column(header)] for row in rows} == {i.credit_code for i in world.values()}


def test_unknown_export_format_is_refused(client, reviewer):
    login_verified(client, reviewer)
    assert client.get(reverse("institutions:export"), {"format": "pdf"}).status_code == 400


@pytest.mark.parametrize("role", ["auditor", "inspector"])
def test_department_roles_without_the_export_permission_get_403(client, fuzhou, role):
    login_verified(client, make_user(fuzhou, role))
    assert client.get(reverse("institutions:export")).status_code == 403


def test_institution_users_cannot_export(client, world):
    login_verified(client, make_user(world["hospital_a"].organisation, "institution_admin"))
    assert client.get(reverse("institutions:export")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("institutions:export"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the template ------------------------------------------------------------------------------------


def test_xlsx_template_has_the_header_an_example_row_and_instructions(client, reviewer):
    login_verified(client, reviewer)
    response = client.get(reverse("institutions:import_template", args=["xlsx"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    header, example, *rest = read_xlsx(content)
    assert header == [column.title for column in COLUMNS] and rest == []
    assert example[header.index("Unified social credit code")] == EXAMPLE_CREDIT_CODE
    assert example[header.index("County-level region")].startswith("3501")  # in the user's jurisdiction
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert [sheet.title for sheet in workbook.worksheets] == ["Institutions", "Instructions"]
    workbook.close()


def test_csv_template_uploaded_unchanged_adds_nothing(client, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login_verified(client, reviewer)
    response = client.get(reverse("institutions:import_template", args=["csv"]))
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    job = import_job_start(upload=SimpleUploadedFile("template.csv", content), by=reviewer)
    assert job.status == "validated" and job.valid_rows == 0
    assert "example row" in job.errors[0]["errors"]["credit_code"][0]


def test_template_needs_the_import_permission(client, fuzhou):
    login_verified(client, make_user(fuzhou, "auditor"))
    assert client.get(reverse("institutions:import_template", args=["xlsx"])).status_code == 403
