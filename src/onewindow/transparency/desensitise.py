"""The desensitisation pipeline: records about people in, a table safe to publish out.

No Django here: the pipeline is a pure function of the records, the dataset's rules and a
random source, so the property tests can drive it with any input.

1. Generalise each quasi-identifier (age to a band, a division one level up, a day to its
   month or ISO week).
2. Group the records by the generalised quasi-identifiers; each group is one published row
   (its count of people and the measures over them).
3. Suppress every group of fewer than k people (k-anonymity: no published combination of
   quasi-identifiers, nor any part of one, matches fewer than k people).
4. Optionally add Laplace noise with scale 1/epsilon to the counts (one count per person:
   sensitivity 1); the epsilon spent is recorded against the dataset's budget.
5. Refuse, naming the column and the number of cells, when the suppressed records pass the
   dataset's ceiling: the definition is too fine to publish without singling people out.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

COUNT = "count"
AGGREGATES = ("mean", "median", "sum", "min", "max")


class DesensitisationRefused(Exception):
    """A release that could single out a person, or would overspend the privacy budget.

    `column` names the offending quasi-identifier (or "epsilon", or "*" when the whole table
    is too small); `cells` is the number of cells below k."""

    def __init__(self, reason: str, *, column: str, cells: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column
        self.cells = cells


@dataclass(frozen=True)
class Measure:
    """A published column computed over each group: `aggregate` of `source`."""

    name: str
    aggregate: str
    source: str


@dataclass(frozen=True)
class Rules:
    """How one dataset is made safe. `generalise` maps a quasi-identifier to a rule name
    (`GENERALISERS`); `max_suppressed_share` is the share of records that may be suppressed
    before the release is refused; `epsilon` is the noise per release (None: no noise)."""

    quasi_identifiers: tuple[str, ...]
    k: int
    generalise: Mapping[str, str] = field(default_factory=dict)
    measures: tuple[Measure, ...] = ()
    max_suppressed_share: float = 0.2
    epsilon: float | None = None


@dataclass(frozen=True)
class Table:
    """What may be published: the columns (name, type) and the rows, in a stable order."""

    fields: tuple[tuple[str, str], ...]
    rows: tuple[dict[str, Any], ...]
    records_in: int
    suppressed_cells: int
    suppressed_records: int
    k: int
    epsilon: float | None


def _age_band(width: int) -> Callable[[Any], str]:
    def band(value: Any) -> str:
        age = int(value)
        low = (age // width) * width
        return f"{low}-{low + width - 1}"

    return band


def division_up(code: Any) -> str:
    """The parent of a GB/T 2260 division code (statistical codes: 12 digits village, 9
    township, 6 county; a county's city ends in 00, a city's province in 0000)."""
    text = str(code)
    if len(text) > 6:
        return text[:9] if len(text) > 9 else text[:6]
    if text[4:] != "00":
        return text[:4] + "00"
    return text[:2] + "0000"


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def month_of(value: Any) -> str:
    return _as_date(value).strftime("%Y-%m")


def week_of(value: Any) -> str:
    year, week, _day = _as_date(value).isocalendar()
    return f"{year}-W{week:02d}"


def year_of(value: Any) -> str:
    return str(_as_date(value).year)


GENERALISERS: dict[str, Callable[[Any], str]] = {
    "age_band_5": _age_band(5),
    "age_band_10": _age_band(10),
    "age_band_20": _age_band(20),
    "division_up": division_up,
    "division_up_2": lambda code: division_up(division_up(code)),
    "month": month_of,
    "week": week_of,
    "year": year_of,
    "keep": str,
}


def check_rules(rules: Rules) -> None:
    """Refuse a definition that cannot be applied (before any record is read)."""
    if rules.k < 2 and rules.quasi_identifiers:
        raise DesensitisationRefused("k must be at least 2", column="k")
    for column, rule in rules.generalise.items():
        if rule not in GENERALISERS:
            raise DesensitisationRefused(f"unknown generalisation {rule!r}", column=column)
        if column not in rules.quasi_identifiers:
            raise DesensitisationRefused("only quasi-identifiers are generalised", column=column)
    for measure in rules.measures:
        if measure.aggregate not in AGGREGATES:
            raise DesensitisationRefused(
                f"unknown aggregate {measure.aggregate!r}", column=measure.name
            )
    if rules.epsilon is not None and not (0 < rules.epsilon <= 10):
        raise DesensitisationRefused("epsilon must be above 0 and at most 10", column="epsilon")
    if not (0 <= rules.max_suppressed_share < 1):
        raise DesensitisationRefused("the suppression ceiling is a share below 1", column="*")


def generalised(record: Mapping[str, Any], rules: Rules) -> tuple[str, ...]:
    return tuple(
        GENERALISERS[rules.generalise.get(column, "keep")](record[column])
        for column in rules.quasi_identifiers
    )


def laplace(scale: float, source: random.Random) -> float:
    """One draw from Laplace(0, scale), by inverting its distribution function."""
    u = source.random() - 0.5
    return -scale * math.copysign(1.0, u) * math.log(1 - 2 * abs(u))


def desensitise(
    records: Iterable[Mapping[str, Any]],
    rules: Rules,
    *,
    source: random.Random | None = None,
) -> Table:
    """The table that may be published from `records` under `rules`, or
    DesensitisationRefused naming the offending column and the count of small cells."""
    check_rules(rules)
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = defaultdict(list)
    total = 0
    for record in records:
        groups[generalised(record, rules)].append(record)
        total += 1
    if rules.quasi_identifiers and 0 < total < rules.k:
        raise DesensitisationRefused(
            f"only {total} records: fewer than k={rules.k}", column="*", cells=1
        )
    small = [key for key, members in groups.items() if len(members) < rules.k]
    suppressed_records = sum(len(groups[key]) for key in small)
    if total and suppressed_records > rules.max_suppressed_share * total:
        raise DesensitisationRefused(
            f"{len(small)} cells hold fewer than k={rules.k} people "
            f"({suppressed_records} of {total} records)",
            column=_finest_column(groups, rules),
            cells=len(small),
        )
    noise = source or random.SystemRandom()
    rows = []
    for key in sorted(groups):
        members = groups[key]
        if len(members) < rules.k:
            continue
        row: dict[str, Any] = dict(zip(rules.quasi_identifiers, key, strict=True))
        count: int = len(members)
        if rules.epsilon is not None:
            count = max(0, round(count + laplace(1 / rules.epsilon, noise)))
        row[COUNT] = count
        for measure in rules.measures:
            row[measure.name] = _aggregate(measure, members)
        rows.append(row)
    fields = (
        *((column, "text") for column in rules.quasi_identifiers),
        (COUNT, "int"),
        *((measure.name, "numeric") for measure in rules.measures),
    )
    return Table(
        fields=tuple(fields),
        rows=tuple(rows),
        records_in=total,
        suppressed_cells=len(small),
        suppressed_records=suppressed_records,
        k=rules.k,
        epsilon=rules.epsilon,
    )


def _aggregate(measure: Measure, members: Sequence[Mapping[str, Any]]) -> float | None:
    values = [float(m[measure.source]) for m in members if m.get(measure.source) is not None]
    if not values:
        return None
    aggregate: Callable[[list[float]], float] = AGGREGATE_FUNCTIONS[measure.aggregate]
    result = aggregate(values)
    return round(float(result), 2)


AGGREGATE_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "mean": statistics.fmean,
    "median": statistics.median,
    "sum": math.fsum,
    "min": min,
    "max": max,
}


def _finest_column(groups: Mapping[tuple[str, ...], Sequence[object]], rules: Rules) -> str:
    """The quasi-identifier whose removal leaves the fewest people in small cells: the one
    to generalise further."""
    if len(rules.quasi_identifiers) == 1:
        return rules.quasi_identifiers[0]
    best, best_left = rules.quasi_identifiers[0], math.inf
    for position, column in enumerate(rules.quasi_identifiers):
        merged: dict[tuple[str, ...], int] = defaultdict(int)
        for key, members in groups.items():
            merged[key[:position] + key[position + 1 :]] += len(members)
        left = sum(size for size in merged.values() if size < rules.k)
        if left < best_left:
            best, best_left = column, left
    return best


def spend(budget: float, spent: float, epsilon: float | None) -> float:
    """The epsilon spent after one more release, or DesensitisationRefused if it would
    pass the budget (sequential composition: epsilons of releases add up)."""
    if epsilon is None:
        return spent
    after = spent + epsilon
    if after > budget + 1e-9:
        raise DesensitisationRefused(
            f"the privacy budget is spent: {spent:g} of {budget:g}, this release needs {epsilon:g}",
            column="epsilon",
        )
    return after
