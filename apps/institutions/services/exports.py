"""Export of institution lists and the import template as CSV or XLSX (INS-1).

The export runs exactly `institution_search`, the department list's filters, so a file holds what the
list shows and nothing outside the jurisdiction. CSV streams in chunks with a UTF-8 BOM (so Excel
opens Chinese text correctly); XLSX is written row by row (openpyxl write-only) to a temporary file.
Cells that a spreadsheet would run as formulas are neutralised (CSV/formula injection)."""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.regions.models import Region

from ..models import Institution
from ..selectors import institution_search
from .import_files import CHOICE_FIELDS, COLUMNS, CSV, EXAMPLE_CREDIT_CODE, XLSX, column_guide
from .registry import PROFILE_FIELDS

FORMATS = (CSV, XLSX)
EXPORT_FIELDS = (*PROFILE_FIELDS, "status", "credit_grade", "credit_score", "admitted_at")
CHUNK_ROWS = 2000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PHONE_LIKE = re.compile(r"^[+\-]?[\d\s\-()]+$")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _check_format(fmt: str) -> str:
    fmt = (fmt or CSV).lower()
    if fmt not in FORMATS:
        raise errors.ValidationFailed(field_errors={"format": [_("Choose csv or xlsx.")]})
    return fmt


def _safe(value) -> str:
    """Text a spreadsheet shows as typed: a leading = + - @ would otherwise start a formula."""
    if value is None:
        return ""
    text = ILLEGAL_XML.sub("", str(value))
    if text.startswith(FORMULA_START) and not PHONE_LIKE.match(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def _csv_response(header: list[str], rows, filename: str) -> StreamingHttpResponse:
    def stream() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)
        chunk = []
        for row in rows:
            chunk.append(writer.writerow([_safe(value) for value in row]))
            if len(chunk) >= 500:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    response = StreamingHttpResponse(stream(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_response(header: list[str], rows, filename: str, *, title: str, extra_sheets=()) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    header_cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    for sheet_title, sheet_rows in extra_sheets:
        extra = workbook.create_sheet(sheet_title[:31])
        for sheet_row in sheet_rows:
            extra.append([_xlsx_value(value) for value in sheet_row])
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes (and so removes) it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _xlsx_value(value):
    if value is None or isinstance(value, int | float):
        return value
    return _safe(value)


def _region_names() -> dict[str, str]:
    """Full names of every division ("福建省福州市鼓楼区"), from one query."""
    rows = {code: (name, parent) for code, name, parent in Region.objects.values_list("code", "name", "parent")}
    names: dict[str, str] = {}

    def full(code: str) -> str:
        if code not in names:
            name, parent = rows[code]
            names[code] = (full(parent) if parent in rows else "") + name
        return names[code]

    return {code: full(code) for code in rows}


def _export_header() -> list[str]:
    header = []
    for field in EXPORT_FIELDS:
        header.append(str(Institution._meta.get_field(field).verbose_name))
        if field == "region":
            header.append(_("division name"))
    return header


def _export_rows(queryset, region_names: dict, labels: dict) -> Iterator[list]:
    for values in queryset.values_list(*EXPORT_FIELDS).iterator(chunk_size=CHUNK_ROWS):
        row = []
        for field, value in zip(EXPORT_FIELDS, values, strict=True):
            if field in labels:
                value = labels[field].get(value, value)
            elif field == "admitted_at" and value is not None:
                value = timezone.localtime(value).strftime("%Y-%m-%d")
            row.append(value)
            if field == "region":
                row.append(region_names.get(value, ""))
        yield row


def institutions_export(*, user, params, fmt: str):
    """The filtered institution list as a CSV or XLSX download (INS-1, SUP-4).

    Uses `institution_search(user, params)` unchanged, so the file equals the list page's rows and
    stays within the user's jurisdiction. Choice values are written as words in the user's language."""
    policy.require(user, "institutions.export_institutions")
    fmt = _check_format(fmt)
    rows = institution_search(user, params).order_by("name", "pk")
    # Resolved now: a streamed body is produced after the view returned, outside the request's language.
    labels = {field: {value: str(label) for value, label in choices.choices}
              for field, choices in {**CHOICE_FIELDS, "status": Institution.Status}.items()}
    header = _export_header()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"institutions-{stamp}.{fmt}"
    data = _export_rows(rows, _region_names(), labels)
    if fmt == CSV:
        return _csv_response(header, data, filename)
    return _xlsx_response(header, data, filename, title=_("Institutions"))


def _example_row(user) -> list[str]:
    prefix = policy.jurisdiction_prefix(user) or ""
    region = (Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix)
              .order_by("code").values_list("code", flat=True).first()) or "350102"
    example = {
        "name": _("Example hospital (replace this row)"), "name_en": "Example Hospital",
        "credit_code": EXAMPLE_CREDIT_CODE, "type": str(Institution.Type.HOSPITAL.label),
        "hospital_grade": str(Institution.Grade.GRADE_3A.label), "ownership": str(Institution.Ownership.PUBLIC.label),
        "region": region, "address": _("No. 1 Example Road"), "legal_representative": "张三",
        "top_leader_name": "李四", "top_leader_title": _("President"), "top_leader_phone": "13800000001",
        "security_officer_name": "王五", "security_officer_phone": "13800000002",
        "security_officer_email": "security@example.cn", "data_department": _("Information centre"),
        "data_department_head": "赵六", "contact_name": "钱七", "contact_phone": "0591-87654321",
        "contact_email": "contact@example.cn",
    }
    return [example[column.field] for column in COLUMNS]


def import_template(*, user, fmt: str):
    """The import template: the header row in the user's language and one example row (INS-1).

    The example's credit code is refused by the import, so a template uploaded unchanged adds nothing."""
    policy.require(user, "institutions.import_institutions")
    fmt = _check_format(fmt)
    header = [column.title for column in COLUMNS]
    rows = [_example_row(user)]
    filename = f"institution-import-template.{fmt}"
    if fmt == CSV:
        return _csv_response(header, rows, filename)
    guide = [[_("Column"), _("Required"), _("Allowed values"), _("Notes")]]
    for column in column_guide():
        allowed = "; ".join(f"{value} = {label}" for value, label in column["choices"])
        guide.append([column["title"], _("yes") if column["required"] else _("no"), allowed, column["note"]])
    return _xlsx_response(header, rows, filename, title=_("Institutions"),
                          extra_sheets=[(_("Instructions"), guide)])

