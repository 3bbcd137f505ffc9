"""Fees as data: what a service item costs, in integer fen, and who is exempted.

A rule has a fixed part and a part per unit (capped at `max_units`); an exemption waives a
percentage of the fee for people in a category (`elderly`: 60 or older on the day,
`disabled`, `low_income`). The largest exemption a person qualifies for applies, they never
add up, and the waived part is rounded down to the fen: the fee can neither go below zero
nor above the gross. No Django here but the translations, so the computation is tested on
its own (tests/payments/test_fees.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError

CATEGORIES = ("elderly", "disabled", "low_income")
ELDERLY_AGE = 60


@dataclass(frozen=True)
class FeeRule:
    item_code: str
    fixed_fen: int = 0
    per_unit_fen: int = 0
    max_units: int = 1
    unit_en: str = ""
    unit_zh: str = ""
    basis_en: str = ""
    basis_zh: str = ""
    exemptions: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.fixed_fen < 0 or self.per_unit_fen < 0 or self.max_units < 1:
            raise ValueError(f"{self.item_code}: amounts and units must not be negative")
        for category, percent in self.exemptions.items():
            if category not in CATEGORIES or not 0 <= percent <= 100:
                raise ValueError(f"{self.item_code}: exemption {category}={percent}")

    @property
    def has_units(self) -> bool:
        return self.per_unit_fen > 0


@dataclass(frozen=True)
class FeeQuote:
    item_code: str
    units: int
    gross_fen: int
    waived_fen: int
    exemption: str  # the category that waived it, "" for none

    @property
    def amount_fen(self) -> int:
        return self.gross_fen - self.waived_fen


def compute_fee(rule: FeeRule, *, units: int = 1, categories: Iterable[str] = ()) -> FeeQuote:
    """The fee for `units` (1 when the rule has no units) for a person in `categories`.
    Raises DomainError (`units_out_of_range`) for units outside 1..max_units."""
    if not rule.has_units:
        units = 1
    elif not 1 <= units <= rule.max_units:
        raise DomainError(
            _("The number of units must be between 1 and %(max)s."),
            code="units_out_of_range",
            field="units",
            params={"max": rule.max_units},
        )
    gross = rule.fixed_fen + rule.per_unit_fen * units
    best, percent = "", 0
    for category in sorted(set(categories)):
        if rule.exemptions.get(category, 0) > percent:
            best, percent = category, rule.exemptions[category]
    waived = gross * percent // 100
    return FeeQuote(rule.item_code, units, gross, waived, best if waived else "")


def categories_of(*, birth_year: int | None, declared: Iterable[str] = (), today: date) -> set[str]:
    """The exemption categories of a person: elderly from their year of birth (60 this year
    or older), the others as declared by the caller (a clerk who saw the certificate, or a
    record read through the exchange)."""
    found = {category for category in declared if category in CATEGORIES and category != "elderly"}
    if birth_year is not None and today.year - birth_year >= ELDERLY_AGE:
        found.add("elderly")
    return found


@cache
def rules() -> Mapping[str, FeeRule]:
    raw = json.loads(resources.files(__package__).joinpath("data/fees.json").read_text("utf-8"))
    return MappingProxyType(
        {
            row["item_code"]: FeeRule(
                **{**row, "exemptions": MappingProxyType(dict(row.get("exemptions", {})))}
            )
            for row in raw["fees"]
        }
    )


def rule_for(item_code: str) -> FeeRule | None:
    """The fee rule of a service item, or None when the item is free."""
    return rules().get(item_code)
