"""Where datasets' records come from: other apps only through their selectors.

A personal source gives one record per person or event, which the desensitisation pipeline
turns into a safe table; a public source (the catalogue, budgets, spending, procurement)
gives its rows as they are published."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from onewindow.applications import selectors as applications
from onewindow.catalog import selectors as catalog
from onewindow.grievances import selectors as grievances
from onewindow.transparency import fiscal
from onewindow.transparency.models import Procurement, Source


@dataclass(frozen=True)
class Records:
    rows: list[dict[str, Any]]
    is_personal: bool
    fields: tuple[tuple[str, str], ...] = ()  # declared for public sources


def _since(parameters: Mapping[str, Any]) -> date | None:
    value = parameters.get("since")
    return date.fromisoformat(value) if value else None


def _applications(parameters: Mapping[str, Any]) -> Records:
    rows = applications.filing_records()
    since = _since(parameters)
    if since:
        rows = [row for row in rows if row["filed"] >= since]  # type: ignore[operator]
    return Records(rows=rows, is_personal=True)


def _hotline(parameters: Mapping[str, Any]) -> Records:
    rows = grievances.case_records()
    since = _since(parameters)
    if since:
        rows = [row for row in rows if row["received"] >= since]  # type: ignore[operator]
    return Records(rows=rows, is_personal=True)


def _catalogue(parameters: Mapping[str, Any]) -> Records:
    rows = [
        {
            "code": item.code,
            "name_zh": item.current_version.name_zh if item.current_version else "",
            "name_en": item.current_version.name_en if item.current_version else "",
            "department_kind": item.department_kind,
            "level": item.level,
            "apply_anywhere": item.is_apply_anywhere,
        }
        for item in catalog.published_items().order_by("code")
    ]
    fields = (
        ("code", "text"),
        ("name_zh", "text"),
        ("name_en", "text"),
        ("department_kind", "text"),
        ("level", "int"),
        ("apply_anywhere", "bool"),
    )
    return Records(rows=rows, is_personal=False, fields=fields)


def _budget(parameters: Mapping[str, Any]) -> Records:
    return Records(
        rows=fiscal.budget_rows(int(parameters["year"])),
        is_personal=False,
        fields=fiscal.BUDGET_FIELDS,
    )


def _spending(parameters: Mapping[str, Any]) -> Records:
    return Records(
        rows=fiscal.spending_rows(int(parameters["year"]), parameters.get("function")),
        is_personal=False,
        fields=fiscal.SPENDING_FIELDS,
    )


PROCUREMENT_FIELDS = (
    ("ocid", "text"),
    ("title", "text"),
    ("buyer", "text"),
    ("status", "text"),
    ("method", "text"),
    ("budget_yuan", "numeric"),
    ("supplier", "text"),
    ("supplier_credit_code", "text"),
    ("award_yuan", "numeric"),
)


def _procurement(parameters: Mapping[str, Any]) -> Records:
    rows = [
        {
            "ocid": process.ocid,
            "title": process.title_zh,
            "buyer": process.buyer.code,
            "status": process.status,
            "method": process.method,
            "budget_yuan": process.budget_fen / 100,
            "supplier": process.supplier_name,
            "supplier_credit_code": process.supplier_credit_code,
            "award_yuan": process.award_fen / 100 if process.award_fen is not None else None,
        }
        for process in Procurement.objects.select_related("buyer").order_by("ocid")
    ]
    return Records(rows=rows, is_personal=False, fields=PROCUREMENT_FIELDS)


def _fixed(parameters: Mapping[str, Any]) -> Records:
    fields = tuple((str(name), str(kind)) for name, kind in parameters.get("fields", []))
    return Records(
        rows=[dict(row) for row in parameters.get("rows", [])],
        is_personal=bool(parameters.get("is_personal", False)),
        fields=fields,
    )


READERS: dict[str, Callable[[Mapping[str, Any]], Records]] = {
    Source.APPLICATIONS: _applications,
    Source.HOTLINE: _hotline,
    Source.CATALOGUE: _catalogue,
    Source.BUDGET: _budget,
    Source.SPENDING: _spending,
    Source.PROCUREMENT: _procurement,
    Source.FIXED: _fixed,
}


def read(source: str, parameters: Mapping[str, Any]) -> Records:
    return READERS[source](parameters)
