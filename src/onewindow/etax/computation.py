"""The annual reconciliation of individual income tax on comprehensive income (综合所得年度汇算),
computed in integer fen from the published rules of the tax year (data/rules/<year>.json).

Comprehensive income is wages and salaries, plus remuneration for services, author's
remuneration and royalties less 20 % of their amount, the author's counted at 70 % of what
is left (Individual Income Tax Law, art. 6). Taxable income is that less the standard
deduction (60,000 yuan a year), the special deductions (the person's social insurance and
housing fund contributions), the special additional deductions within their limits, and
other deductions allowed by law; the tax is taxable income × the bracket's rate − its quick
deduction (the comprehensive-income rate table, art. 3). Against the tax withheld during the
year: a refund, or tax due, which need not be paid when comprehensive income is at most
120,000 yuan or the balance at most 400 yuan.

Amounts are rounded half up to the fen where a percentage makes a fraction of one. A tax
year without published rules, and a deduction above its limit, are refused, naming the rule.
No Django models here: the tests check it against a second computation written apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError


@dataclass(frozen=True)
class Bracket:
    up_to_fen: int | None  # None: no upper bound
    rate_percent: int
    quick_deduction_fen: int


@dataclass(frozen=True)
class Rules:
    tax_year: int
    source: str
    brackets: tuple[Bracket, ...]
    standard_deduction_fen: int
    expense_deduction_percent: int
    author_income_percent: int
    no_payment_income_fen: int
    no_payment_balance_fen: int
    limits: dict[str, Any]


RENT_TIERS = ("tier1", "tier2", "tier3")
HOUSING = ("none", "loan", *RENT_TIERS)


@dataclass(frozen=True)
class Income:
    wages_fen: int = 0
    services_fen: int = 0  # remuneration for personal services (劳务报酬)
    author_fen: int = 0  # author's remuneration (稿酬)
    royalty_fen: int = 0  # royalties (特许权使用费)
    withheld_fen: int = 0  # tax withheld during the year


@dataclass(frozen=True)
class Deductions:
    social_insurance_fen: int = (
        0  # special deductions: pension, medical, unemployment, housing fund
    )
    children: int = 0  # children in education, full year
    infants: int = 0  # children under three, full year
    academic_education: bool = False  # continuing education towards a degree
    vocational_certificate: bool = False  # a professional certificate obtained this year
    serious_illness_fen: int = 0  # medical costs paid by the person in the year
    housing: str = "none"  # "loan" (first home's interest) or rent in a city tier
    elderly_support_fen: int = 0  # claimed for supporting parents over 60
    only_child: bool = True
    other_fen: int = 0  # other deductions the law allows (enterprise annuity, private pension…)


@dataclass(frozen=True)
class Result:
    tax_year: int
    income_fen: int  # comprehensive income after the expense deduction
    additional_fen: int  # the special additional deductions allowed
    deductions_fen: int  # every deduction together, standard included
    taxable_fen: int
    rate_percent: int
    quick_deduction_fen: int
    tax_fen: int
    withheld_fen: int
    balance_fen: int  # > 0: due; < 0: refund
    outcome: str  # "refund" | "due" | "exempt" (due, but need not be paid) | "none"
    lines: dict[str, int] = field(default_factory=dict)


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


class YearWithoutRules(DomainError):
    code = "tax_year_without_rules"


class AboveLimit(DomainError):
    code = "deduction_above_limit"


@cache
def rules_for(year: int) -> Rules:
    """The published rules of a tax year. Raises YearWithoutRules for any other year."""
    path = resources.files(__package__).joinpath(f"data/rules/{year}.json")
    if not path.is_file():
        raise YearWithoutRules(
            _("No rules are published for tax year %(year)s: it cannot be reconciled here."),
            field="tax_year",
            params={"year": year},
        )
    raw = json.loads(path.read_text("utf-8"))
    return Rules(
        tax_year=raw["tax_year"],
        source=raw["source"],
        brackets=tuple(Bracket(**row) for row in raw["comprehensive_income_brackets"]),
        standard_deduction_fen=raw["standard_deduction_fen"],
        expense_deduction_percent=raw["expense_deduction_percent"],
        author_income_percent=raw["author_income_percent"],
        no_payment_income_fen=raw["no_payment_income_fen"],
        no_payment_balance_fen=raw["no_payment_balance_fen"],
        limits=raw["limits"],
    )


def published_years() -> list[int]:
    folder = resources.files(__package__).joinpath("data/rules")
    return sorted(int(entry.name[:4]) for entry in folder.iterdir() if entry.name.endswith(".json"))


def _check(income: Income, deductions: Deductions, rules: Rules) -> None:
    amounts = {
        "wages_fen": income.wages_fen,
        "services_fen": income.services_fen,
        "author_fen": income.author_fen,
        "royalty_fen": income.royalty_fen,
        "withheld_fen": income.withheld_fen,
        "social_insurance_fen": deductions.social_insurance_fen,
        "children": deductions.children,
        "infants": deductions.infants,
        "serious_illness_fen": deductions.serious_illness_fen,
        "elderly_support_fen": deductions.elderly_support_fen,
        "other_fen": deductions.other_fen,
    }
    for name, amount in amounts.items():
        if amount < 0:
            raise DomainError(
                _("This amount cannot be negative."), code="negative_amount", field=name
            )
    if deductions.housing not in HOUSING:
        raise DomainError(_("Unknown housing deduction."), code="unknown_housing", field="housing")
    limits = rules.limits
    cap = (
        limits["elderly_support_only_child_fen"]
        if deductions.only_child
        else limits["elderly_support_shared_cap_fen"]
    )
    if deductions.elderly_support_fen > cap:
        raise AboveLimit(
            _(
                "Elderly support is limited to %(cap)s fen a year for %(whom)s "
                "(the rules of tax year %(year)s)."
            ),
            field="elderly_support_fen",
            params={
                "cap": cap,
                "whom": _("an only child") if deductions.only_child else _("each sibling"),
                "year": rules.tax_year,
            },
        )
    # Social insurance is what the person paid: it cannot exceed what they earned in wages.
    if deductions.social_insurance_fen > income.wages_fen:
        raise AboveLimit(
            _("Social insurance paid cannot exceed the wages it was paid from."),
            field="social_insurance_fen",
        )


def additional_deductions(deductions: Deductions, rules: Rules) -> dict[str, int]:
    """Each special additional deduction allowed, by its rule (annual amounts)."""
    limits = rules.limits
    illness = min(
        max(0, deductions.serious_illness_fen - limits["serious_illness_threshold_fen"]),
        limits["serious_illness_cap_fen"],
    )
    housing = 0
    if deductions.housing == "loan":
        housing = limits["housing_loan_interest_fen"]
    elif deductions.housing in RENT_TIERS:
        housing = limits["housing_rent_fen"][deductions.housing]
    return {
        "children_education": deductions.children * limits["children_education_per_child_fen"],
        "infant_care": deductions.infants * limits["infant_care_per_child_fen"],
        "continuing_education": (
            limits["continuing_education_academic_fen"] if deductions.academic_education else 0
        )
        + (
            limits["continuing_education_vocational_fen"]
            if deductions.vocational_certificate
            else 0
        ),
        "serious_illness": illness,
        "housing": housing,
        "elderly_support": deductions.elderly_support_fen,
    }


def reconcile(tax_year: int, income: Income, deductions: Deductions) -> Result:
    """The year's tax and its balance against what was withheld. Raises YearWithoutRules,
    AboveLimit, DomainError (negative amounts, unknown housing deduction)."""
    rules = rules_for(tax_year)
    _check(income, deductions, rules)
    kept = 100 - rules.expense_deduction_percent
    lines = {
        "wages": income.wages_fen,
        "services": _half_up(income.services_fen * kept, 100),
        "author": _half_up(income.author_fen * kept * rules.author_income_percent, 100 * 100),
        "royalty": _half_up(income.royalty_fen * kept, 100),
    }
    income_fen = sum(lines.values())
    # "Comprehensive income of at most 120,000 yuan" counts the income before its expenses.
    gross_fen = income.wages_fen + income.services_fen + income.author_fen + income.royalty_fen
    additional = additional_deductions(deductions, rules)
    additional_fen = sum(additional.values())
    deductions_fen = (
        rules.standard_deduction_fen
        + deductions.social_insurance_fen
        + additional_fen
        + deductions.other_fen
    )
    taxable = max(0, income_fen - deductions_fen)
    bracket = next(b for b in rules.brackets if b.up_to_fen is None or taxable <= b.up_to_fen)
    tax = max(0, _half_up(taxable * bracket.rate_percent, 100) - bracket.quick_deduction_fen)
    balance = tax - income.withheld_fen
    if balance < 0:
        outcome = "refund"
    elif balance == 0:
        outcome = "none"
    elif gross_fen <= rules.no_payment_income_fen or balance <= rules.no_payment_balance_fen:
        outcome = "exempt"
    else:
        outcome = "due"
    return Result(
        tax_year=tax_year,
        income_fen=income_fen,
        additional_fen=additional_fen,
        deductions_fen=deductions_fen,
        taxable_fen=taxable,
        rate_percent=bracket.rate_percent,
        quick_deduction_fen=bracket.quick_deduction_fen,
        tax_fen=tax,
        withheld_fen=income.withheld_fen,
        balance_fen=balance,
        outcome=outcome,
        lines={**lines, **{f"deduction_{k}": v for k, v in additional.items()}},
    )
