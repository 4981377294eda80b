"""Spreadsheets for the import tests: CSV and XLSX uploads built from profile dicts."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from apps.institutions.services.registry import PROFILE_FIELDS
from tests.institutions.factories import profile

FIELDS = list(PROFILE_FIELDS)


def table(profiles, fields=FIELDS) -> list[list]:
    return [[item.get(field, "") for field in fields] for item in profiles]


def csv_bytes(profiles, *, header=None, encoding="utf-8-sig", fields=FIELDS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header or fields)
    writer.writerows(table(profiles, fields))
    return buffer.getvalue().encode(encoding)


def csv_upload(profiles, *, name="institutions.csv", **options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(profiles, **options), content_type="text/csv")


def xlsx_bytes(rows: list[list], header: list) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(profiles, *, name="institutions.xlsx", header=None, fields=FIELDS) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(table(profiles, fields), header or fields))


def profiles(count: int, region_code: str = "350102", **overrides) -> list[dict]:
    return [profile(region_code, **overrides) for _ in range(count)]


def read_xlsx(content: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
