"""A department's implementation list imported from a spreadsheet (CSV or XLSX) or JSON,
and the public list exported in the same forms.

All or nothing: every row is read and checked (its columns, then everything
`publish_service` would check, then duplicates and departments) before anything is written;
one bad row refuses the whole file, with every error named by row and column. A list that
passes becomes drafts of one import batch, which the department's approver publishes.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.catalog import editing
from onewindow.catalog.listing import (
    COLUMNS,
    FIELD_COLUMNS,
    RowError,
    definition_to_row,
    row_to_definition,
)
from onewindow.catalog.models import DraftStatus, ServiceDraft, ServiceItem
from onewindow.core.errors import DomainError
from onewindow.identity.models import Role, User

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
FORMATS = ("csv", "xlsx", "json")


class ImportRefused(DomainError):
    """The list was refused; `errors` maps "row N: column" to what is wrong there."""

    status = 422
    code = "import_refused"

    def __init__(self, errors: dict[str, str | Promise]) -> None:
        super().__init__(
            _("The list was not imported: %(count)s errors. Nothing was saved."),
            params={"count": len(errors), "errors": errors},
        )
        self.errors = errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(content: bytes, file_format: str) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM), XLSX (first sheet) or JSON file (a list
    of objects, or {"items": [...]}) as column → text, header row first. ImportRefused when
    the file itself cannot be read."""
    if len(content) > MAX_BYTES:
        raise ImportRefused({"file": _("The file is larger than 5 MB.")})
    try:
        if file_format == "csv":
            text = content.decode("utf-8-sig")
            reader = csv.reader(io.StringIO(text, newline=""))
            table = [row for row in reader]
        elif file_format == "xlsx":
            from openpyxl import load_workbook  # only for XLSX: keeps the import cheap elsewhere

            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            table = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            workbook.close()
        elif file_format == "json":
            data = json.loads(content.decode("utf-8"))
            items = data.get("items") if isinstance(data, dict) else data
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ValueError("a list of objects")
            return [{str(k): _cell(v) for k, v in item.items()} for item in items[: MAX_ROWS + 1]]
        else:
            raise ImportRefused({"file": _("Send a CSV, XLSX or JSON file.")})
    except ImportRefused:
        raise
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, zipfile.BadZipFile, OSError):
        raise ImportRefused(
            {"file": _("The file cannot be read as %(format)s.") % {"format": file_format.upper()}}
        ) from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ImportRefused({"file": _("The file is empty.")})
    header = [cell.strip() for cell in table[0]]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise ImportRefused(
            {"row 1": _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}}
        )
    return [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in table[1:]
    ]


def check_rows(
    editor: User, rows: list[dict[str, str]], *, first_row: int = 2
) -> list[tuple[str, dict[str, Any]]]:
    """Every row as (code, definition), or ImportRefused naming each row and column that is
    wrong: a column that does not parse, anything `publish_service` refuses, a duplicate
    implementation code, an item of another department."""
    if len(rows) > MAX_ROWS:
        raise ImportRefused({"file": _("At most %(count)s rows at once.") % {"count": MAX_ROWS}})
    if not rows:
        raise ImportRefused({"file": _("The file has no items.")})
    errors: dict[str, str | Promise] = {}
    checked: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    own_kind = editing.department_kind_of(editor)
    own_level = editing.department_level_of(editor)
    existing = dict(ServiceItem.objects.values_list("code", "department_kind"))
    for number, row in enumerate(rows, start=first_row):
        where = _("row %(row)s") % {"row": number}
        try:
            code, definition = row_to_definition(row)
        except RowError as error:
            for column, message in error.errors.items():
                errors[f"{where}: {column}"] = message
            continue
        if code in seen:
            errors[f"{where}: code"] = _(
                "The implementation code %(code)s is also on row %(row)s."
            ) % {
                "code": code,
                "row": seen[code],
            }
            continue
        seen[code] = number
        kind = definition["department_kind"]
        if kind != own_kind or existing.get(code, kind) != kind:
            errors[f"{where}: department_kind"] = _(
                "Only items of your own department can be imported."
            )
            continue
        if definition["level"] < own_level:
            errors[f"{where}: level"] = _(
                "Only items handled at your department's level or below can be imported."
            )
            continue
        try:
            editing.parse_definition(code, definition)
        except DomainError as error:
            column = FIELD_COLUMNS.get(error.field or "", error.field or "code")
            errors[f"{where}: {column}"] = str(error)
            continue
        checked.append((code, definition))
    if errors:
        raise ImportRefused(errors)
    return checked


def import_list(editor: User, content: bytes, *, file_format: str, reason: str) -> str:
    """Import a department's list: every row checked first, then one draft per row, all in one
    transaction, as one batch (returned) for the approver. ImportRefused (nothing written)
    when any row is wrong; PermissionDenied for anyone but the department's editors."""
    editing.require(editor, Role.CATALOGUE_EDITOR, editing.department_kind_of(editor))
    if not reason.strip():
        raise DomainError(_("Say why the list changes."), field="reason")
    checked = check_rows(editor, read_rows(content, file_format))
    batch = uuid.uuid4().hex[:16]
    with transaction.atomic():
        for code, definition in checked:
            editing.save_draft(
                editor, code, definition=definition, reason=reason, import_batch=batch
            )
        ServiceDraft.objects.filter(import_batch=batch).update(status=DraftStatus.IN_REVIEW)
    return batch


def export_rows(items: Iterable[ServiceItem]) -> list[dict[str, str]]:
    """The rows of the items' current versions, in the import's columns."""
    return [
        definition_to_row(item.code, editing.definition_of(item))
        for item in items
        if item.current_version is not None
    ]


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # with a BOM, so spreadsheet programs read UTF-8


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("implementation list")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(rows: list[dict[str, str]]) -> bytes:
    return json.dumps({"items": rows}, ensure_ascii=False, indent=1).encode("utf-8")


def export_list(items: Iterable[ServiceItem], file_format: str) -> bytes:
    rows = export_rows(items)
    writers = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}
    return writers[file_format](rows)
