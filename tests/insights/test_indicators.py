"""Indicators over generated records: a planted effect is recovered with the right sign and an
interval covering it; every declared indicator computes on both engines."""

from __future__ import annotations

import pytest

from onewindow.core.models import Division
from onewindow.insights import figures
from onewindow.insights.indicators import INDICATORS
from tests.insights import history

MONTHS = 24


@pytest.fixture
def planted(divisions: dict[str, Division]) -> figures.Figures:
    history.plant(divisions, months=MONTHS, per_cell=60)
    return figures.compute(history.month_start(0), history.month_start(MONTHS))


def test_the_planted_narrowing_of_the_online_gap_is_recovered_with_its_interval(
    planted: figures.Figures, divisions: dict[str, Division]
) -> None:
    online = INDICATORS["online-share"]
    earlier, later = planted.months[:6], planted.months[-6:]
    # The planted gap urban − rural at month m is 0.4 − 0.2·m/23; averaged over the first
    # and the last six months, it moves by −0.2·18/23.
    planted_change = -0.2 * 18 / (MONTHS - 1)

    change = figures.gap_change(planted, online, earlier=earlier, later=later)

    assert change is not None
    assert change.estimate < 0
    assert change.high < 0
    assert change.covers(planted_change)
    first = planted.gap(online, months=earlier)
    assert first is not None
    assert first.difference.covers(0.4 - 0.2 * 2.5 / (MONTHS - 1))
    assert first.ratio is not None
    assert first.ratio.estimate < 1
    assert len(planted.months) == MONTHS
    rural = [value or 0.0 for _month, value, _n in planted.series(online, urban=False)]
    urban = [value or 0.0 for _month, value, _n in planted.series(online, urban=True)]
    rural_rise = sum(rural[-6:]) / 6 - sum(rural[:6]) / 6
    urban_rise = sum(urban[-6:]) / 6 - sum(urban[:6]) / 6
    assert rural_rise > urban_rise > 0  # the series by class show it too


def test_every_indicator_computes_and_the_divide_index_sees_rural_behind(
    planted: figures.Figures, divisions: dict[str, Division]
) -> None:
    for indicator in INDICATORS.values():
        planted.series(indicator, within=divisions["city"])
        planted.by_group(indicator)

    index = figures.divide_index(planted, within=divisions["city"])

    assert index is not None
    value, shortfalls = index
    assert 0 < value < 100
    assert shortfalls["online-share"] > 0.2
    over_65 = planted.total(INDICATORS["adoption-over-65"])
    everyone = planted.total(INDICATORS["online-share"])
    assert 0 < over_65.n < everyone.n
    days = planted.gap(INDICATORS["days-beyond-promise"])
    assert days is not None
    assert days.difference.high < 0
