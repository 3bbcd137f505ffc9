"""The annual reconciliation agrees with a second computation written here apart from it: the
rate table applied bracket by bracket (each slice of taxable income at its own rate, in
exact decimals, rounded once), from the statutory figures typed in again below rather than
read from the rules file; and with worked examples from the published table."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.etax.computation import (
    AboveLimit,
    Deductions,
    Income,
    YearWithoutRules,
    reconcile,
)

# 个人所得税税率表一（综合所得适用）: yuan, the upper bound of each slice and its rate.
TABLE = [
    (Decimal(36000), Decimal("0.03")),
    (Decimal(144000), Decimal("0.10")),
    (Decimal(300000), Decimal("0.20")),
    (Decimal(420000), Decimal("0.25")),
    (Decimal(660000), Decimal("0.30")),
    (Decimal(960000), Decimal("0.35")),
    (None, Decimal("0.45")),
]
STANDARD = Decimal(60000)
# 国发〔2023〕13号 and the 2018 interim measures: yuan a year.
CHILD = Decimal(2000 * 12)
INFANT = Decimal(2000 * 12)
ACADEMIC = Decimal(400 * 12)
CERTIFICATE = Decimal(3600)
LOAN = Decimal(1000 * 12)
RENT = {"tier1": Decimal(1500 * 12), "tier2": Decimal(1100 * 12), "tier3": Decimal(800 * 12)}
FEN = Decimal("0.01")


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def by_slices(taxable: Decimal) -> Decimal:
    tax, lower = Decimal(0), Decimal(0)
    for upper, rate in TABLE:
        top = taxable if upper is None else min(taxable, upper)
        if top > lower:
            tax += (top - lower) * rate
        if upper is None or taxable <= upper:
            break
        lower = upper
    return tax


def second_computation(income: Income, deductions: Deductions) -> tuple[int, int, int]:
    """(taxable, tax, balance) in fen, written from the law's words."""
    comprehensive = (
        yuan(income.wages_fen)
        + (yuan(income.services_fen) * Decimal("0.8")).quantize(FEN, ROUND_HALF_UP)
        + (yuan(income.author_fen) * Decimal("0.8") * Decimal("0.7")).quantize(FEN, ROUND_HALF_UP)
        + (yuan(income.royalty_fen) * Decimal("0.8")).quantize(FEN, ROUND_HALF_UP)
    )
    illness = min(max(Decimal(0), yuan(deductions.serious_illness_fen) - 15000), Decimal(80000))
    housing = LOAN if deductions.housing == "loan" else RENT.get(deductions.housing, Decimal(0))
    allowed = (
        STANDARD
        + yuan(deductions.social_insurance_fen)
        + CHILD * deductions.children
        + INFANT * deductions.infants
        + (ACADEMIC if deductions.academic_education else 0)
        + (CERTIFICATE if deductions.vocational_certificate else 0)
        + illness
        + housing
        + yuan(deductions.elderly_support_fen)
        + yuan(deductions.other_fen)
    )
    taxable = max(Decimal(0), comprehensive - allowed)
    tax = to_fen(by_slices(taxable))
    return to_fen(taxable), tax, tax - income.withheld_fen


yuan_amounts = st.integers(0, 3_000_000_00)
incomes = st.builds(
    Income,
    wages_fen=yuan_amounts,
    services_fen=st.one_of(st.just(0), st.integers(0, 500_000_00)),
    author_fen=st.one_of(st.just(0), st.integers(0, 200_000_00)),
    royalty_fen=st.one_of(st.just(0), st.integers(0, 200_000_00)),
    withheld_fen=st.integers(0, 500_000_00),
)


@st.composite
def returns(draw: st.DrawFn) -> tuple[Income, Deductions]:
    income = draw(incomes)
    only_child = draw(st.booleans())
    deductions = Deductions(
        social_insurance_fen=draw(st.integers(0, min(income.wages_fen, 60_000_00))),
        children=draw(st.integers(0, 3)),
        infants=draw(st.integers(0, 2)),
        academic_education=draw(st.booleans()),
        vocational_certificate=draw(st.booleans()),
        serious_illness_fen=draw(st.integers(0, 150_000_00)),
        housing=draw(st.sampled_from(["none", "loan", "tier1", "tier2", "tier3"])),
        elderly_support_fen=draw(st.integers(0, 36_000_00 if only_child else 18_000_00)),
        only_child=only_child,
        other_fen=draw(st.integers(0, 12_000_00)),
    )
    return income, deductions


@settings(max_examples=300)
@given(case=returns(), year=st.sampled_from([2023, 2024, 2025]))
def test_the_reconciliation_agrees_with_the_rate_table_applied_slice_by_slice(
    case: tuple[Income, Deductions], year: int
) -> None:
    income, deductions = case
    result = reconcile(year, income, deductions)
    assert (result.taxable_fen, result.tax_fen, result.balance_fen) == second_computation(
        income, deductions
    )
    assert result.tax_fen >= 0
    assert (result.outcome == "refund") == (result.balance_fen < 0)


@settings(max_examples=100)
@given(case=returns(), more=st.integers(1, 100_000_00))
def test_more_income_never_means_less_tax(case: tuple[Income, Deductions], more: int) -> None:
    income, deductions = case
    richer = Income(**{**income.__dict__, "wages_fen": income.wages_fen + more})
    assert (
        reconcile(2024, richer, deductions).tax_fen >= reconcile(2024, income, deductions).tax_fen
    )


@pytest.mark.parametrize(
    ("taxable_yuan", "tax_yuan"),
    [
        # At each bound of the table the two rows agree: rate × bound − quick deduction.
        (36000, "1080.00"),  # 36000 × 3 %
        (144000, "11880.00"),  # 144000 × 10 % − 2520 = 144000 × 20 % − 16920
        (300000, "43080.00"),  # 300000 × 20 % − 16920
        (420000, "73080.00"),  # 420000 × 25 % − 31920
        (660000, "145080.00"),  # 660000 × 30 % − 52920
        (960000, "250080.00"),  # 960000 × 35 % − 85920
        (1000000, "268080.00"),  # 1000000 × 45 % − 181920
        (100000, "7480.00"),  # 100000 × 10 % − 2520
    ],
)
def test_worked_examples_of_the_published_rate_table(taxable_yuan: int, tax_yuan: str) -> None:
    # Wages that leave exactly this taxable income after the standard deduction.
    income = Income(wages_fen=(taxable_yuan + 60000) * 100)
    result = reconcile(2024, income, Deductions())
    assert result.taxable_fen == taxable_yuan * 100
    assert result.tax_fen == to_fen(Decimal(tax_yuan))


def test_worked_example_wages_insurance_a_child_and_a_refund() -> None:
    # Wages 10,000 a month, social insurance and housing fund 2,000 a month, one child at
    # school: 120,000 − 60,000 − 24,000 − 24,000 = 12,000 taxable, 3 % = 360 yuan. Withheld
    # 720 during the year (the child not declared to the employer): 360 back.
    result = reconcile(
        2024,
        Income(wages_fen=120_000_00, withheld_fen=720_00),
        Deductions(social_insurance_fen=24_000_00, children=1),
    )
    assert (result.taxable_fen, result.tax_fen, result.balance_fen) == (12_000_00, 360_00, -360_00)
    assert result.outcome == "refund"


def test_worked_example_services_and_author_income_counted_after_their_expenses() -> None:
    # Services 20,000 count 16,000; author's 10,000 count 5,600; wages 60,000: 81,600 income,
    # 21,600 taxable after the standard deduction, 648 tax, nothing withheld on the wages:
    # 648 due, but income under 120,000 need not pay.
    result = reconcile(
        2024,
        Income(wages_fen=60_000_00, services_fen=20_000_00, author_fen=10_000_00),
        Deductions(),
    )
    assert result.income_fen == 81_600_00
    assert result.tax_fen == 648_00
    assert result.outcome == "exempt"


def test_a_year_without_rules_and_deductions_above_their_limits_are_refused_by_name() -> None:
    with pytest.raises(YearWithoutRules) as no_rules:
        reconcile(2018, Income(wages_fen=1), Deductions())
    assert no_rules.value.field == "tax_year"
    with pytest.raises(AboveLimit) as above:
        reconcile(2024, Income(wages_fen=1), Deductions(elderly_support_fen=36_000_01))
    assert above.value.field == "elderly_support_fen"
    with pytest.raises(AboveLimit):
        reconcile(
            2024, Income(wages_fen=1), Deductions(elderly_support_fen=18_000_01, only_child=False)
        )
