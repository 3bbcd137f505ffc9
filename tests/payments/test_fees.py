"""The fee computation: never negative, never above the gross, exemptions as the data says."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.core.errors import DomainError
from onewindow.payments.fees import CATEGORIES, FeeRule, categories_of, compute_fee, rules

exemptions = st.dictionaries(st.sampled_from(CATEGORIES), st.integers(0, 100), max_size=3)
fee_rules = st.builds(
    FeeRule,
    item_code=st.just("X"),
    fixed_fen=st.integers(0, 10**7),
    per_unit_fen=st.integers(0, 10**5),
    max_units=st.integers(1, 500),
    exemptions=exemptions,
)


@settings(max_examples=200)
@given(rule=fee_rules, units=st.integers(1, 500), held=st.sets(st.sampled_from(CATEGORIES)))
def test_the_fee_is_never_negative_nor_above_the_gross_and_takes_the_largest_exemption(
    rule: FeeRule, units: int, held: set[str]
) -> None:
    units = min(units, rule.max_units)
    quote = compute_fee(rule, units=units, categories=held)
    gross = rule.fixed_fen + (rule.per_unit_fen * units if rule.per_unit_fen else 0)
    assert quote.gross_fen == gross
    assert 0 <= quote.amount_fen <= quote.gross_fen
    best = max((rule.exemptions.get(category, 0) for category in held), default=0)
    assert quote.waived_fen == gross * best // 100
    if quote.exemption:
        assert quote.exemption in held
        assert rule.exemptions[quote.exemption] == best
    # An exemption the rule does not name waives nothing.
    assert (
        compute_fee(rule, units=units, categories=set(CATEGORIES) - set(rule.exemptions)).waived_fen
        == 0
    )


@settings(max_examples=60)
@given(rule=fee_rules, held=st.sets(st.sampled_from(CATEGORIES)))
def test_more_categories_never_cost_more(rule: FeeRule, held: set[str]) -> None:
    fewer = compute_fee(rule, units=1, categories=held)
    more = compute_fee(rule, units=1, categories=held | {"low_income"})
    assert more.amount_fen <= fewer.amount_fen


def test_the_demo_city_fees_waive_what_their_basis_says() -> None:
    card = rules()["330000-HRSS-SB-001"]
    assert compute_fee(card).amount_fen == 2000
    assert compute_fee(card, categories={"elderly"}).amount_fen == 0
    assert compute_fee(card, categories={"low_income"}).amount_fen == 2000
    copies = rules()["330000-AMR-GT-001"]
    assert compute_fee(copies, units=15).amount_fen == 1500
    assert compute_fee(copies, units=15, categories={"elderly"}).amount_fen == 750
    assert compute_fee(copies, units=15, categories={"elderly", "disabled"}).amount_fen == 0
    with pytest.raises(DomainError) as refused:
        compute_fee(copies, units=201)
    assert refused.value.code == "units_out_of_range"


def test_a_rule_with_a_negative_amount_or_an_unknown_exemption_is_refused_as_data() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        FeeRule("X", fixed_fen=-1)
    with pytest.raises(ValueError, match="students"):
        FeeRule("X", fixed_fen=100, exemptions={"students": 50})
    with pytest.raises(ValueError, match="elderly=101"):
        FeeRule("X", fixed_fen=100, exemptions={"elderly": 101})


def test_elderly_is_sixty_this_year_and_other_categories_are_declared() -> None:
    today = date(2026, 12, 3)
    assert categories_of(birth_year=1966, today=today) == {"elderly"}
    assert categories_of(birth_year=1967, today=today) == set()
    # Nobody declares themselves elderly: it comes from the year of birth.
    assert categories_of(birth_year=1990, declared={"elderly", "disabled"}, today=today) == {
        "disabled"
    }
