"""A release's table as CSV, JSON or XLSX."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook

from onewindow.transparency.models import Release


def as_csv(release: Release, rows: list[dict[str, Any]]) -> bytes:
    names = [name for name, _kind in release.fields]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row.get(name) for name in names])
    # A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


def as_json(release: Release, rows: list[dict[str, Any]]) -> bytes:
    body = {
        "dataset": release.dataset.name,
        "version": release.version,
        "sha256": release.digest,
        "fields": [{"id": name, "type": kind} for name, kind in release.fields],
        "records": rows,
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def as_xlsx(release: Release, rows: list[dict[str, Any]]) -> bytes:
    names = [name for name, _kind in release.fields]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(release.dataset.name[:31])
    sheet.append(names)
    for row in rows:
        sheet.append([row.get(name) for name in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {
    "csv": (as_csv, "text/csv; charset=utf-8"),
    "json": (as_json, "application/json"),
    "xlsx": (as_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
