"""Indicators computed: one GROUP BY per source in SQL (resident division × month × age band,
the same statement on SQLite and PostgreSQL), then roll-ups, gaps and the digital-divide
index in Python over the few thousand groups that come back."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When

from onewindow.core.calendar import SHANGHAI
from onewindow.core.divisions import Level, UrbanRural
from onewindow.core.models import Division
from onewindow.identity import selectors as identity
from onewindow.insights import stats
from onewindow.insights.indicators import INDICATORS, Indicator, Kind, Source, sources
from onewindow.insights.stats import Interval, Moments

# Age bands (years, inclusive); residents without a year of birth are "unknown".
AGE_BANDS: list[tuple[str, int, int]] = [
    ("under-30", 0, 29),
    ("30-44", 30, 44),
    ("45-64", 45, 64),
    ("65-plus", 65, 200),
]
UNKNOWN_AGE = "unknown"
OVER_65 = "65-plus"

Key = tuple[int | None, date, str]  # resident division, month, age band
# A division, several (a study's counties) or everywhere.
Within = Division | Sequence[Division] | None


def month_starts(start: datetime, end: datetime) -> list[datetime]:
    """The first instants (Shanghai time) of the months that [start, end) touches."""
    local = start.astimezone(SHANGHAI)
    month = datetime(local.year, local.month, 1, tzinfo=SHANGHAI)
    found = []
    while month < end:
        found.append(month)
        month = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=SHANGHAI)
    return found


def _month_index(starts: list[datetime]) -> Case:
    """Which month a row falls in, by comparisons on the stored instant: plain SQL on both
    engines (Django's TruncMonth is a Python function per row on SQLite)."""
    return Case(
        *(When(submitted_at__lt=bound, then=Value(i)) for i, bound in enumerate(starts[1:])),
        default=Value(len(starts) - 1),
        output_field=IntegerField(),
    )


def _band_in(year: int) -> Case:
    """The age band of a resident in `year`, from their year of birth."""
    return Case(
        *(
            When(
                resident_birth_year__gte=year - high,
                resident_birth_year__lte=year - low,
                then=Value(name),
            )
            for name, low, high in AGE_BANDS
        ),
        default=Value(UNKNOWN_AGE),
    )


def _age_band(starts: list[datetime]) -> Case:
    """The age band in the year of the row's instant, by comparisons only (see `_month_index`)."""
    years = sorted({start.year for start in starts})
    new_years = [datetime(year + 1, 1, 1, tzinfo=SHANGHAI) for year in years[:-1]]
    return Case(
        *(
            When(submitted_at__lt=bound, then=_band_in(year))
            for year, bound in zip(years, new_years, strict=False)
        ),
        default=_band_in(years[-1]),
    )


def aggregate(source: Source, start: datetime, end: datetime) -> dict[str, dict[Key, Moments]]:
    """One SQL statement: every indicator of `source` summed per division, month and age band."""
    declared = [i for i in INDICATORS.values() if i.source.key == source.key]
    starts = month_starts(start, end)
    sums = {}
    for number, indicator in enumerate(declared):
        base = F(indicator.base)
        if indicator.only_over_65:
            base = Case(  # type: ignore[assignment]
                When(Q(age_band=OVER_65), then=F(indicator.base)),
                default=Value(0),
                output_field=IntegerField(),
            )
        sums[f"n{number}"] = Sum(base)
        sums[f"s{number}"] = Sum(F(indicator.value) * base)
        sums[f"q{number}"] = Sum(F(indicator.value) * F(indicator.value) * base)
    rows = (
        source.facts(start, end)
        .annotate(age_band=_age_band(starts), month=_month_index(starts))
        .values("resident_division", "month", "age_band")
        .annotate(**sums)
        .order_by()
    )
    result: dict[str, dict[Key, Moments]] = {i.key: {} for i in declared}
    for row in rows:
        key: Key = (row["resident_division"], starts[row["month"]].date(), row["age_band"])
        for number, indicator in enumerate(declared):
            n = row[f"n{number}"] or 0
            if n or indicator.kind is Kind.RATE:
                result[indicator.key][key] = Moments(
                    int(n), float(row[f"s{number}"] or 0), float(row[f"q{number}"] or 0)
                )
    return result


@dataclass(frozen=True)
class Place:
    """What the roll-ups need to know of a division."""

    pk: int
    code: str
    level: int
    path: str
    urban_rural: str
    economic_region: str

    @property
    def is_urban(self) -> bool | None:
        return UrbanRural.is_urban(self.urban_rural) if self.urban_rural else None


@dataclass(frozen=True)
class Gap:
    """Urban against rural for one indicator over a period: difference urban − rural, ratio
    rural ÷ urban, each with its 95 % interval, and the standard error of the difference."""

    urban: Moments
    rural: Moments
    urban_value: float
    rural_value: float
    difference: Interval
    ratio: Interval | None
    difference_se: float


@dataclass
class Figures:
    start: datetime
    end: datetime
    cells: dict[str, dict[Key, Moments]]
    places: dict[int, Place]
    population: dict[int, int]
    _months: list[date] = field(default_factory=list)

    @property
    def months(self) -> list[date]:
        if not self._months:
            found = {key[1] for cells in self.cells.values() for key in cells}
            self._months = sorted(found)
        return self._months

    def _inside(self, pk: int | None, within: Within) -> bool:
        if pk is None:
            return within is None
        if within is None:
            return True
        place = self.places.get(pk)
        if place is None:
            return False
        if isinstance(within, Division):
            return place.path.startswith(within.path)
        return any(place.path.startswith(division.path) for division in within)

    def total(
        self,
        indicator: Indicator,
        *,
        within: Within = None,
        urban: bool | None = None,
        months: Iterable[date] | None = None,
        age_band: str | None = None,
    ) -> Moments:
        """The indicator's sums over the cells that match (all when a filter is None)."""
        wanted = set(months) if months is not None else None
        n, total, squares = 0, 0.0, 0.0
        for (pk, month, band), moments in self.cells[indicator.key].items():
            if wanted is not None and month not in wanted:
                continue
            if age_band is not None and band != age_band:
                continue
            if not self._inside(pk, within):
                continue
            if urban is not None and (pk is None or self.places[pk].is_urban is not urban):
                continue
            n += moments.n
            total += moments.total
            squares += moments.total_squares
        if indicator.kind is Kind.RATE:  # the base is the population, not the rows
            n = self.residents(within=within, urban=urban)
        return Moments(n, total, squares)

    def residents(self, *, within: Within = None, urban: bool | None = None) -> int:
        count = 0
        for pk, residents in self.population.items():
            place = self.places.get(pk)
            if place is None or not self._inside(pk, within):
                continue
            if urban is not None and place.is_urban is not urban:
                continue
            count += residents
        return count

    def value(self, indicator: Indicator, moments: Moments) -> float | None:
        if moments.n == 0:
            return None
        return moments.total / moments.n * indicator.per

    def series(
        self, indicator: Indicator, *, within: Within = None, urban: bool | None = None
    ) -> list[tuple[date, float | None, int]]:
        """(month, value, n) for every month of the figures."""
        rows = []
        for month in self.months:
            moments = self.total(indicator, within=within, urban=urban, months=[month])
            rows.append((month, self.value(indicator, moments), moments.n))
        return rows

    def gap(
        self,
        indicator: Indicator,
        *,
        within: Within = None,
        months: Iterable[date] | None = None,
        confidence: float = 0.95,
    ) -> Gap | None:
        """None when either side has too little data for an interval."""
        chosen = list(months) if months is not None else None
        urban = self.total(indicator, within=within, urban=True, months=chosen)
        rural = self.total(indicator, within=within, urban=False, months=chosen)
        if urban.n < 2 or rural.n < 2:
            return None
        try:
            return _gap(indicator, urban, rural, confidence)
        except stats.StatisticsError:
            return None

    def by_group(
        self, indicator: Indicator, *, within: Within = None
    ) -> dict[str, tuple[float | None, int]]:
        """The indicator for each urban–rural class and each age band over the whole period."""
        groups: dict[str, list[Moments]] = defaultdict(list)
        for (pk, _month, band), moments in self.cells[indicator.key].items():
            if not self._inside(pk, within):
                continue
            place = self.places.get(pk) if pk is not None else None
            groups[f"class:{place.urban_rural if place and place.urban_rural else '-'}"].append(
                moments
            )
            groups[f"age:{band}"].append(moments)
        result = {}
        for group, parts in sorted(groups.items()):
            summed = Moments(0, 0.0, 0.0)
            for part in parts:
                summed = summed + part
            result[group] = (self.value(indicator, summed), summed.n)
        return result


def _gap(indicator: Indicator, urban: Moments, rural: Moments, confidence: float) -> Gap:
    per = indicator.per
    if indicator.kind is Kind.PROPORTION:
        difference = stats.proportion_difference(
            urban.total, urban.n, rural.total, rural.n, confidence=confidence
        )
        ratio = (
            stats.proportion_ratio(
                rural.total, rural.n, urban.total, urban.n, confidence=confidence
            )
            if urban.total and rural.total
            else None
        )
        se = stats.standard_error_of(difference, confidence=confidence)
    elif indicator.kind is Kind.RATE:  # Poisson counts over a population
        u, r = urban.total / urban.n, rural.total / rural.n
        se = math.sqrt(urban.total / urban.n**2 + rural.total / rural.n**2) * per
        z = stats.normal_quantile(0.5 + confidence / 2)
        estimate = (u - r) * per
        difference = Interval(estimate, estimate - z * se, estimate + z * se)
        ratio = None
        if urban.total and rural.total:
            log_se = math.sqrt(1 / urban.total + 1 / rural.total)
            point = r / u
            ratio = Interval(point, point * math.exp(-z * log_se), point * math.exp(z * log_se))
    else:
        welch = stats.welch_from_moments(urban, rural, confidence=confidence)
        difference = welch.difference
        se = math.sqrt(urban.variance / urban.n + rural.variance / rural.n)
        ratio = None
        if urban.mean > 0 and rural.mean > 0:
            z = stats.normal_quantile(0.5 + confidence / 2)
            log_se = math.sqrt(
                urban.variance / (urban.n * urban.mean**2)
                + rural.variance / (rural.n * rural.mean**2)
            )
            point = rural.mean / urban.mean
            ratio = Interval(point, point * math.exp(-z * log_se), point * math.exp(z * log_se))
    return Gap(
        urban=urban,
        rural=rural,
        urban_value=urban.total / urban.n * per,
        rural_value=rural.total / rural.n * per,
        difference=difference,
        ratio=ratio,
        difference_se=se,
    )


def gap_change(
    figures: Figures,
    indicator: Indicator,
    *,
    earlier: Iterable[date],
    later: Iterable[date],
    within: Within = None,
    confidence: float = 0.95,
) -> Interval | None:
    """How the urban − rural gap moved from the earlier months to the later ones (negative:
    it narrowed), with its interval (the two periods' gaps are independent samples)."""
    first = figures.gap(indicator, within=within, months=earlier, confidence=confidence)
    second = figures.gap(indicator, within=within, months=later, confidence=confidence)
    if first is None or second is None:
        return None
    return stats.difference_in_differences(
        (second.difference, second.difference_se),
        (first.difference, first.difference_se),
        confidence=confidence,
    )


def divide_index(
    figures: Figures, *, within: Within = None
) -> tuple[float, dict[str, float]] | None:
    """The digital-divide index (0 none – 100 rural residents entirely behind): the weighted
    mean of each weighted indicator's rural shortfall, 1 − rural ÷ urban (urban ÷ rural where
    lower is better), clipped to [0, 1]. Returns the index and each shortfall used."""
    shortfalls: dict[str, float] = {}
    weighted, weights = 0.0, 0.0
    for indicator in INDICATORS.values():
        if indicator.divide_weight <= 0:
            continue
        gap = figures.gap(indicator, within=within)
        if gap is None or gap.urban_value <= 0 or gap.rural_value <= 0:
            continue
        ratio = gap.rural_value / gap.urban_value
        if not indicator.higher_is_better:
            ratio = 1 / ratio
        shortfall = min(1.0, max(0.0, 1.0 - ratio))
        shortfalls[indicator.key] = shortfall
        weighted += indicator.divide_weight * shortfall
        weights += indicator.divide_weight
    if not weights:
        return None
    return 100.0 * weighted / weights, shortfalls


def compute(start: datetime, end: datetime) -> Figures:
    """Every indicator over [start, end)."""
    cells: dict[str, dict[Key, Moments]] = {}
    for source in sources():
        cells.update(aggregate(source, start, end))
    places = {
        d.pk: Place(d.pk, d.code, d.level, d.path, d.urban_rural, d.economic_region)
        for d in Division.objects.filter(level__gte=Level.NATION).only(
            "pk", "code", "level", "path", "urban_rural", "economic_region"
        )
    }
    return Figures(start, end, cells, places, identity.residents_by_division())
