"""The desensitisation pipeline: no published combination of quasi-identifiers describes
fewer than k people, the epsilon spent never passes the budget, and a definition too fine to
publish is refused naming its column and the number of small cells."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.transparency.desensitise import (
    DesensitisationRefused,
    Measure,
    Rules,
    desensitise,
    division_up,
    generalised,
    spend,
)

QUASI = ("age", "division", "filed")
people = st.lists(
    st.fixed_dictionaries(
        {
            "age": st.integers(0, 99),
            "division": st.sampled_from(["330106", "330102", "330127", "330105001", "330100"]),
            "filed": st.dates().map(lambda d: d.isoformat()),
            "days": st.integers(0, 30),
        }
    ),
    max_size=300,
)
rules_strategy = st.builds(
    Rules,
    quasi_identifiers=st.just(QUASI),
    k=st.integers(2, 12),
    generalise=st.fixed_dictionaries(
        {
            "age": st.sampled_from(["age_band_10", "age_band_20", "keep"]),
            "division": st.sampled_from(["division_up", "division_up_2", "keep"]),
            "filed": st.sampled_from(["month", "year", "week"]),
        }
    ),
    measures=st.just((Measure("mean_days", "mean", "days"),)),
    max_suppressed_share=st.floats(0, 0.99),
    epsilon=st.one_of(st.none(), st.floats(0.05, 2)),
)


@settings(max_examples=60, deadline=None)
@given(records=people, rules=rules_strategy, seed=st.integers(0, 2**32))
def test_no_released_combination_of_quasi_identifiers_matches_fewer_than_k_people(
    records: list[dict[str, object]], rules: Rules, seed: int
) -> None:
    try:
        table = desensitise(records, rules, source=random.Random(seed))
    except DesensitisationRefused as refused:
        # Refused only when it had to be: too few records, or too many in small cells.
        assert (refused.column in (*QUASI, "*"), refused.cells >= 1) == (True, True)  # noqa: PT017
        return
    people_behind = Counter(generalised(record, rules) for record in records)
    released = [tuple(row[q] for q in QUASI) for row in table.rows]
    # Every combination, and every part of one (any subset of the quasi-identifiers), that
    # a released row shows is shared by at least k of the people behind the table.
    for size in range(1, len(QUASI) + 1):
        for columns in combinations(range(len(QUASI)), size):
            for row in released:
                shown = tuple(row[c] for c in columns)
                matching = sum(
                    count
                    for key, count in people_behind.items()
                    if tuple(key[c] for c in columns) == shown
                )
                assert matching >= rules.k
    assert all(people_behind[key] >= rules.k for key in released)
    assert table.suppressed_records <= rules.max_suppressed_share * len(records) + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    budget=st.floats(0, 10),
    epsilons=st.lists(st.one_of(st.none(), st.floats(0.01, 3)), max_size=20),
)
def test_the_epsilon_spent_never_passes_the_budget(
    budget: float, epsilons: list[float | None]
) -> None:
    spent = 0.0
    for epsilon in epsilons:
        try:
            after = spend(budget, spent, epsilon)
        except DesensitisationRefused as refused:
            assert refused.column == "epsilon"  # noqa: PT017
            assert epsilon is not None
            assert spent + epsilon > budget
            continue
        assert after <= budget + 1e-9
        assert after >= spent
        spent = after
    assert spent <= budget + 1e-9


def test_a_definition_too_fine_to_publish_is_refused_naming_the_column_and_cells() -> None:
    records = [{"age": 20 + n % 3, "division": "330106", "school": f"S{n}"} for n in range(60)]
    rules = Rules(quasi_identifiers=("age", "school"), k=5)

    with pytest.raises(DesensitisationRefused) as refused:
        desensitise(records, rules)

    assert refused.value.column == "school"
    assert refused.value.cells == 60


def test_small_cells_are_suppressed_and_counts_are_counted() -> None:
    records = [{"division": "330106001", "age": 34}] * 7 + [{"division": "330102003", "age": 40}]
    rules = Rules(
        quasi_identifiers=("division", "age"),
        k=5,
        generalise={"division": "division_up", "age": "age_band_10"},
        max_suppressed_share=0.5,
    )

    table = desensitise(records, rules)

    assert table.rows == ({"division": "330106", "age": "30-39", "count": 7},)
    assert (table.suppressed_cells, table.suppressed_records) == (1, 1)


def test_divisions_generalise_one_level_up() -> None:
    assert division_up("330106001002") == "330106001"
    assert division_up("330106001") == "330106"
    assert division_up("330106") == "330100"
    assert division_up("330100") == "330000"
