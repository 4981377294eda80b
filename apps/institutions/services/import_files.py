"""Reading institution spreadsheets (INS-1 bulk import): file checks, the column layout and row values.

Knows nothing about jobs or the database; `services.imports` builds on it. A file is recognised by
its content, not its name: an XLSX workbook is a zip archive, a CSV is text in UTF-8 (with or without
BOM) or GB18030 (what Excel on a Chinese Windows saves as "CSV")."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import errors

from ..models import Institution
from .registry import PROFILE_FIELDS, REQUIRED_FIELDS

CSV, XLSX = "csv", "xlsx"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # legacy .xls
CHOICE_FIELDS = {"type": Institution.Type, "ownership": Institution.Ownership,
                 "hospital_grade": Institution.Grade}
# A valid code used only by the template's example row; importing it unchanged is refused.
EXAMPLE_CREDIT_CODE = "12350102MA00000E18"


def _field(name: str):
    return Institution._meta.get_field(name)


@dataclass(frozen=True)
class Column:
    field: str
    required: bool

    @property
    def title(self) -> str:
        """The column title in the active language (the template's header)."""
        return capfirst(str(_field(self.field).verbose_name))

    @property
    def choices(self) -> list[tuple[str, str]]:
        choices = CHOICE_FIELDS.get(self.field)
        return [(value, str(label)) for value, label in choices.choices] if choices else []


COLUMNS = tuple(Column(field, field in REQUIRED_FIELDS) for field in PROFILE_FIELDS)
# What the upload page and the template's second sheet say about a column beyond its title.
COLUMN_NOTES = {
    "credit_code": gettext_lazy("18 characters (GB 32100), checked digit by digit; not registered yet and "
                                "not repeated in the file."),
    "type": gettext_lazy("One of the values listed (the code or the wording)."),
    "hospital_grade": gettext_lazy("Only for hospitals; ignored for other types."),
    "ownership": gettext_lazy("One of the values listed (the code or the wording)."),
    "region": gettext_lazy("Six-digit GB/T 2260 code of a county-level division within your jurisdiction."),
    "top_leader_phone": gettext_lazy("A mobile number or a landline with its area code."),
    "security_officer_phone": gettext_lazy("A mobile number or a landline with its area code."),
    "contact_phone": gettext_lazy("A mobile number or a landline with its area code."),
    "security_officer_email": gettext_lazy("An e-mail address."),
    "contact_email": gettext_lazy("An e-mail address."),
}


def column_guide() -> list[dict]:
    """Every column with its title, whether it is required, its allowed values and a note."""
    return [{"field": column.field, "title": column.title, "required": column.required,
             "choices": column.choices, "note": str(COLUMN_NOTES.get(column.field, ""))} for column in COLUMNS]


def _normalise_title(value) -> str:
    text = str(value or "").replace("\ufeff", "").replace("*", "").replace("＊", "")
    return "".join(text.split()).casefold()


def _titles_by_language(field: str) -> set[str]:
    titles = {field}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            titles.add(str(_field(field).verbose_name))
    titles.add(str(_field(field).verbose_name))
    return {_normalise_title(title) for title in titles}


def header_fields(header: list) -> list[str | None]:
    """Map a header row to profile field names (None for an empty title); refuse a bad header.

    A title may be the field name or its column title in English or Chinese, so both the template
    in either language and a file from another system using our field names are accepted."""
    lookup = {title: column.field for column in COLUMNS for title in _titles_by_language(column.field)}
    fields: list[str | None] = []
    unknown, repeated = [], []
    for cell in header:
        title = _normalise_title(cell)
        if not title:
            fields.append(None)
            continue
        field = lookup.get(title)
        if field is None:
            unknown.append(str(cell).strip())
        elif field in fields:
            repeated.append(str(cell).strip())
        fields.append(field)
    problems = []
    if unknown:
        problems.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if repeated:
        problems.append(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)})
    missing = [column.title for column in COLUMNS if column.required and column.field not in fields]
    if missing:
        problems.append(_("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if problems:
        message = _("The header row does not match the template. Download the template and keep its first row.")
        raise errors.ValidationFailed(message, field_errors={"file": [message, *problems]})
    return fields


def _choice_lookup() -> dict[str, dict[str, str]]:
    """Per choice field: code or label (English, Chinese) -> code, so people may type either."""
    lookup: dict[str, dict[str, str]] = {}
    for field, choices in CHOICE_FIELDS.items():
        entries = {}
        for language in ("en", "zh-hans", translation.get_language() or "en"):
            with translation.override(language):
                entries.update({_normalise_title(label): value for value, label in choices.choices})
        entries.update({_normalise_title(value): value for value in choices.values})
        lookup[field] = entries
    return lookup


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number or region code typed as a number in Excel
    return str(value).strip()


def is_blank(cells) -> bool:
    return not any(_cell_text(cell) for cell in cells)


class RowReader:
    """Turns raw spreadsheet rows into profile dicts for `institution_clean`."""

    def __init__(self, fields: list[str | None]):
        self.fields = fields
        self.choices = _choice_lookup()

    def data(self, cells) -> dict | None:
        """The row's values by field, or None for a blank row (skipped, as spreadsheets have many)."""
        values = {}
        for field, cell in zip(self.fields, cells, strict=False):
            if field is not None:
                values[field] = _cell_text(cell)
        if not any(values.values()):
            return None
        for field in self.fields:
            if field is not None:
                values.setdefault(field, "")
        for field, lookup in self.choices.items():
            if values.get(field):
                values[field] = lookup.get(_normalise_title(values[field]), values[field])
        return values


# --- files -----------------------------------------------------------------------------------------


def _file_error(message) -> errors.ValidationFailed:
    return errors.ValidationFailed(message, field_errors={"file": [message]})


def check_upload(upload) -> str:
    """The kind of an uploaded file (CSV or XLSX), judged by its content; refuse anything else."""
    size = getattr(upload, "size", None) or 0
    limit = settings.INSTITUTION_IMPORT_MAX_BYTES
    if size > limit:
        raise _file_error(_("The file is larger than %(limit)d MB.") % {"limit": max(limit // (1024 * 1024), 1)})
    if size == 0:
        raise _file_error(_("The file is empty."))
    extension = os.path.splitext(upload.name or "")[1].lower()
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(OLE_SIGNATURE):
        raise _file_error(_("Old Excel files (.xls) are not supported; save the workbook as .xlsx."))
    if head.startswith(ZIP_SIGNATURE):
        if extension not in (".xlsx", ".csv"):
            raise _file_error(_("Upload a .csv or .xlsx file."))
        return XLSX
    if extension == ".xlsx":
        raise _file_error(_("This file is not an Excel workbook (.xlsx), whatever its name says."))
    if extension != ".csv":
        raise _file_error(_("Upload a .csv or .xlsx file."))
    return CSV


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise _file_error(_("This file is not a CSV text file, whatever its name says."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The CSV file must be saved as UTF-8 or GB18030 text."))


def _csv_rows(handle) -> Iterator[tuple[int, list]]:
    text = _decode(handle.read())
    yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)


def _xlsx_rows(handle) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, InvalidFileException) as error:
        raise _file_error(_("This file is not a readable Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()


def iter_rows(handle, kind: str) -> Iterator[tuple[int, list]]:
    """(spreadsheet row number, cell values) for every row, the header included."""
    handle.seek(0)
    return _csv_rows(handle) if kind == CSV else _xlsx_rows(handle)


def read_header(rows: Iterator[tuple[int, list]]) -> list[str | None]:
    """Consume rows up to the header (the first non-blank row) and map it."""
    for _number, cells in rows:
        if not is_blank(cells):
            return header_fields(list(cells))
    raise _file_error(_("The file has no header row."))


def estimate_rows(handle, kind: str) -> int:
    """Data rows in the file, cheaply: exact for CSV, from the sheet's dimensions for XLSX."""
    if kind == XLSX:
        from openpyxl import load_workbook

        handle.seek(0)
        workbook = load_workbook(handle, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            if sheet.max_row:
                return max(sheet.max_row - 1, 0)
        finally:
            workbook.close()
    rows = iter_rows(handle, kind)
    next(rows, None)
    return sum(1 for _number, cells in rows if not is_blank(cells))
