"""Budgets and spending: China's government expenditure classification, the rows the
datasets publish, and Fiscal Data Packages (a Tabular Data Package with a fiscal model)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Sum
from django.utils.translation import get_language

from onewindow.identity.models import Department
from onewindow.transparency.models import BudgetLine, SpendingEntry, Stage

# 政府收支分类科目: functional classification (支出功能分类, 类 level) and the economic
# classification of departmental spending (部门预算支出经济分类, 类 level).
FUNCTIONS: dict[str, tuple[str, str]] = {
    "201": ("一般公共服务支出", "General public services"),
    "204": ("公共安全支出", "Public security"),
    "205": ("教育支出", "Education"),
    "206": ("科学技术支出", "Science and technology"),
    "207": ("文化旅游体育与传媒支出", "Culture, tourism, sport and media"),
    "208": ("社会保障和就业支出", "Social security and employment"),
    "210": ("卫生健康支出", "Health"),
    "211": ("节能环保支出", "Energy saving and environmental protection"),
    "212": ("城乡社区支出", "Urban and rural communities"),
    "213": ("农林水支出", "Agriculture, forestry and water"),
    "214": ("交通运输支出", "Transport"),
    "221": ("住房保障支出", "Housing security"),
}
ECONOMIC: dict[str, tuple[str, str]] = {
    "301": ("工资福利支出", "Wages and benefits"),
    "302": ("商品和服务支出", "Goods and services"),
    "303": ("对个人和家庭的补助", "Subsidies to individuals and households"),
    "310": ("资本性支出", "Capital expenditure"),
}

BUDGET_FIELDS = (
    ("department", "text"),
    ("function_code", "text"),
    ("function", "text"),
    ("economic_code", "text"),
    ("economic", "text"),
    ("budget_yuan", "numeric"),
    ("actual_yuan", "numeric"),
)
SPENDING_FIELDS = (
    ("month", "text"),
    ("department", "text"),
    ("function_code", "text"),
    ("function", "text"),
    ("economic_code", "text"),
    ("amount_yuan", "numeric"),
)


def function_code_valid(code: str) -> bool:
    return code[:3] in FUNCTIONS and code.isdigit() and len(code) in (3, 5, 7)


def yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def budget_rows(year: int) -> list[dict[str, Any]]:
    """Budget and final accounts side by side, one row per department and classification."""
    lines: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for line in BudgetLine.objects.filter(year=year).select_related("department"):
        key = (line.department.code, line.function_code, line.economic_code)
        lines[key][line.stage] = line.amount_fen
    rows = []
    for (department, function_code, economic_code), stages in sorted(lines.items()):
        rows.append(
            {
                "department": department,
                "function_code": function_code,
                "function": FUNCTIONS[function_code[:3]][0],
                "economic_code": economic_code,
                "economic": ECONOMIC[economic_code[:3]][0],
                "budget_yuan": yuan(stages.get(Stage.BUDGET)),
                "actual_yuan": yuan(stages.get(Stage.FINAL)),
            }
        )
    return rows


def spending_rows(year: int, function: str | None = None) -> list[dict[str, Any]]:
    entries = SpendingEntry.objects.filter(month__year=year).select_related("department")
    if function:
        entries = entries.filter(function_code__startswith=function)
    return [
        {
            "month": entry.month.strftime("%Y-%m"),
            "department": entry.department.code,
            "function_code": entry.function_code,
            "function": FUNCTIONS[entry.function_code[:3]][0],
            "economic_code": entry.economic_code,
            "amount_yuan": yuan(entry.amount_fen),
        }
        for entry in entries.order_by("month", "department__code", "function_code", "economic_code")
    ]


@dataclass(frozen=True)
class FiscalPackage:
    """A Fiscal Data Package: its descriptor and the CSV file it names."""

    name: str
    descriptor: dict[str, Any]
    csv_name: str
    csv_text: str


def _csv(fields: tuple[tuple[str, str], ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[name for name, _kind in fields], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


FDP_TYPES = {"text": "string", "numeric": "number", "int": "integer"}


def _schema(fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"fields": [{"name": name, "type": FDP_TYPES[kind]} for name, kind in fields]}


def _dimension(field: str, code: str | None = None) -> dict[str, Any]:
    attributes: dict[str, Any] = {field: {"source": field}}
    if code:
        attributes[code] = {"source": code}
    primary = code or field
    return {"attributes": attributes, "primaryKey": [primary]}


def _descriptor(
    name: str,
    *,
    year: int,
    title: str,
    description: str,
    fields: tuple[tuple[str, str], ...],
    model: dict[str, Any],
) -> dict[str, Any]:
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": description,
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "countryCode": "CN",
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _schema(fields),
            }
        ],
        "model": model,
    }


def _measure(field: str, phase: str) -> dict[str, Any]:
    return {"source": field, "currency": "CNY", "direction": "expenditure", "phase": phase}


def _classification(field: str, code: str | None, kind: str) -> dict[str, Any]:
    return {
        **_dimension(field, code),
        "dimensionType": "classification",
        "classificationType": kind,
    }


def budget_package(year: int, *, city: str, city_en: str) -> FiscalPackage:
    """The city's budget and final accounts of `year` by department and classification."""
    name = f"budget-{year}"
    descriptor = _descriptor(
        name,
        year=year,
        title=f"{city_en}: budget and final accounts {year}",
        description=f"{city}{year}年部门预算与决算（按支出功能分类和经济分类）",
        fields=BUDGET_FIELDS,
        model={
            "measures": {
                "budget_yuan": _measure("budget_yuan", "approved"),
                "actual_yuan": _measure("actual_yuan", "executed"),
            },
            "dimensions": {
                "administrative": {**_dimension("department"), "dimensionType": "entity"},
                "functional": _classification("function", "function_code", "functional"),
                "economic": _classification("economic", "economic_code", "economic"),
            },
        },
    )
    return FiscalPackage(name, descriptor, f"{name}.csv", _csv(BUDGET_FIELDS, budget_rows(year)))


def spending_package(year: int, *, city: str, city_en: str) -> FiscalPackage:
    """The city's monthly spending of `year` by department and classification."""
    name = f"spending-{year}"
    descriptor = _descriptor(
        name,
        year=year,
        title=f"{city_en}: monthly spending {year}",
        description=f"{city}{year}年逐月支出",
        fields=SPENDING_FIELDS,
        model={
            "measures": {"amount_yuan": _measure("amount_yuan", "executed")},
            "dimensions": {
                "date": {**_dimension("month"), "dimensionType": "datetime"},
                "administrative": {**_dimension("department"), "dimensionType": "entity"},
                "functional": _classification("function", "function_code", "functional"),
                "economic": _classification("economic_code", None, "economic"),
            },
        },
    )
    rows = spending_rows(year)
    return FiscalPackage(name, descriptor, f"{name}.csv", _csv(SPENDING_FIELDS, rows))


def years() -> list[int]:
    found = set(BudgetLine.objects.values_list("year", flat=True).distinct())
    found |= {d.year for d in SpendingEntry.objects.dates("month", "year")}
    return sorted(found)


def totals_by_function(year: int) -> list[tuple[str, str, float, float]]:
    """(code, name, budget, actual) per function, for the page's 'where the money goes'."""
    sums: dict[tuple[str, str], int] = {}
    for row in (
        BudgetLine.objects.filter(year=year)
        .values("function_code", "stage")
        .annotate(total=Sum("amount_fen"))
    ):
        key = (row["function_code"][:3], row["stage"])
        sums[key] = sums.get(key, 0) + int(row["total"])
    codes = sorted({code for code, _stage in sums})
    english = not (get_language() or "").startswith("zh")
    return [
        (
            code,
            FUNCTIONS[code][int(english)],
            (sums.get((code, Stage.BUDGET), 0)) / 100,
            (sums.get((code, Stage.FINAL), 0)) / 100,
        )
        for code in codes
    ]


def totals_by_department(year: int) -> list[tuple[str, float, float]]:
    """(department, budget, actual) in yuan: budget against final accounts per department."""
    sums: dict[tuple[int, str], int] = {}
    for row in (
        BudgetLine.objects.filter(year=year)
        .values("department_id", "stage")
        .annotate(total=Sum("amount_fen"))
    ):
        sums[(row["department_id"], row["stage"])] = int(row["total"])
    departments = Department.objects.filter(pk__in={pk for pk, _stage in sums}).order_by("code")
    return [
        (
            department.name,
            sums.get((department.pk, Stage.BUDGET), 0) / 100,
            sums.get((department.pk, Stage.FINAL), 0) / 100,
        )
        for department in departments
    ]


def month_start(day: date) -> date:
    return day.replace(day=1)
