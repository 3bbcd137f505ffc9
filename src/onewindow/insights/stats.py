"""Statistics a reviewer would accept, in the standard library only.

Distribution functions (Student's t, χ², F, normal) come from the regularised incomplete beta
and gamma functions by Lentz's continued fractions, good to ~1e-14; tests check every result
against scipy, statsmodels and pingouin on generated data to 1e-9 (they are test-only
dependencies: the platform does not ship them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

_EPSILON = 1e-16
_TINY = 1e-300
_NORMAL = NormalDist()


class StatisticsError(ValueError):
    """The data cannot give the statistic (too few observations, no variance)."""


# --- special functions --------------------------------------------------------------------


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPSILON:
            return h
    raise StatisticsError("incomplete beta did not converge")


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def gammaincc(a: float, x: float) -> float:
    """The regularised upper incomplete gamma function Q(a, x)."""
    if x <= 0.0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:  # series for P, then Q = 1 - P
        term = total = 1.0 / a
        denominator = a
        for _ in range(100_000):
            denominator += 1.0
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPSILON:
                return 1.0 - total * math.exp(log_front)
        raise StatisticsError("incomplete gamma did not converge")
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPSILON:
            return math.exp(log_front) * h
    raise StatisticsError("incomplete gamma did not converge")


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def t_two_sided_p(t: float, df: float) -> float:
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def _invert(function: Callable[[float], float], target: float, low: float, high: float) -> float:
    """x in [low, high] with function(x) == target, for an increasing function (bisection
    to the last bit: slow only where it does not matter)."""
    while function(high) < target:
        high *= 2.0
    for _ in range(400):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if function(middle) < target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def t_ppf(p: float, df: float) -> float:
    """The quantile of Student's t (0 < p < 1)."""
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    return _invert(lambda t: 1.0 - t_sf(t, df), p, 0.0, 10.0)


def chi2_sf(x: float, df: float) -> float:
    """P(X > x) for χ² with `df` degrees of freedom."""
    return gammaincc(df / 2.0, x / 2.0)


def f_cdf(x: float, df1: float, df2: float) -> float:
    if x <= 0:
        return 0.0
    return betainc(df1 / 2.0, df2 / 2.0, df1 * x / (df1 * x + df2))


def f_ppf(p: float, df1: float, df2: float) -> float:
    return _invert(lambda x: f_cdf(x, df1, df2), p, 0.0, 10.0)


def normal_quantile(p: float) -> float:
    return _NORMAL.inv_cdf(p)


def normal_two_sided_p(z: float) -> float:
    return 2.0 * _NORMAL.cdf(-abs(z))


# --- descriptive --------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _variance(values: Sequence[float]) -> float:
    if len(values) < 2:
        raise StatisticsError("a variance needs two observations")
    centre = _mean(values)
    return math.fsum((v - centre) ** 2 for v in values) / (len(values) - 1)


@dataclass(frozen=True)
class Moments:
    """n, Σx and Σx² of a group: what SQL hands back, enough for a mean and its variance."""

    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        if self.n < 2:
            raise StatisticsError("a variance needs two observations")
        return max(0.0, (self.total_squares - self.total * self.total / self.n) / (self.n - 1))

    @classmethod
    def of(cls, values: Sequence[float]) -> Moments:
        return cls(len(values), math.fsum(values), math.fsum(v * v for v in values))

    def __add__(self, other: Moments) -> Moments:
        return Moments(
            self.n + other.n, self.total + other.total, self.total_squares + other.total_squares
        )


# --- comparing two groups -----------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class WelchResult:
    t: float
    df: float
    p: float
    difference: Interval  # mean of the first group minus the second's
    hedges_g: float


def _welch(
    n1: int, m1: float, v1: float, n2: int, m2: float, v2: float, confidence: float
) -> WelchResult:
    se1, se2 = v1 / n1, v2 / n2
    standard_error = math.sqrt(se1 + se2)
    if standard_error == 0:
        raise StatisticsError("both groups are constant")
    difference = m1 - m2
    t = difference / standard_error
    df = (se1 + se2) ** 2 / (se1**2 / (n1 - 1) + se2**2 / (n2 - 1))
    margin = t_ppf(0.5 + confidence / 2.0, df) * standard_error
    pooled = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    hedges_g = difference / pooled * (1.0 - 3.0 / (4.0 * (n1 + n2) - 9.0))
    return WelchResult(
        t=t,
        df=df,
        p=t_two_sided_p(t, df),
        difference=Interval(difference, difference - margin, difference + margin),
        hedges_g=hedges_g,
    )


def welch_from_moments(first: Moments, second: Moments, *, confidence: float = 0.95) -> WelchResult:
    """Welch's test from group moments (what an SQL GROUP BY hands back)."""
    return _welch(
        first.n, first.mean, first.variance, second.n, second.mean, second.variance, confidence
    )


def welch_t(
    first: Sequence[float], second: Sequence[float], *, confidence: float = 0.95
) -> WelchResult:
    """Welch's unequal-variances t test, the CI of the mean difference and Hedges' g."""
    return _welch(
        len(first),
        _mean(first),
        _variance(first),
        len(second),
        _mean(second),
        _variance(second),
        confidence,
    )


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks (ties share their mean rank) and the sizes of the tied groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


@dataclass(frozen=True)
class MannWhitneyResult:
    u: float  # U of the first group
    p: float  # two-sided, normal approximation with tie and continuity corrections
    rank_biserial: float  # P(first > second) - P(first < second)


def mann_whitney(first: Sequence[float], second: Sequence[float]) -> MannWhitneyResult:
    n1, n2 = len(first), len(second)
    ranks, ties = _ranks([*first, *second])
    u1 = math.fsum(ranks[:n1]) - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    tie_term = sum(t**3 - t for t in ties)
    sigma = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1))))
    if sigma == 0:
        raise StatisticsError("every value is the same")
    u = max(u1, n1 * n2 - u1)  # the larger U, as scipy's two-sided test
    z = (u - n1 * n2 / 2.0 - 0.5) / sigma
    p = min(1.0, normal_two_sided_p(z))
    return MannWhitneyResult(u=u1, p=p, rank_biserial=1.0 - 2.0 * (n1 * n2 - u1) / (n1 * n2))


@dataclass(frozen=True)
class ChiSquareResult:
    statistic: float
    dof: int
    p: float
    cramers_v: float


def chi_square(table: Sequence[Sequence[float]]) -> ChiSquareResult:
    """Pearson's χ² test of independence (no continuity correction) and Cramér's V."""
    rows = [math.fsum(row) for row in table]
    columns = [math.fsum(column) for column in zip(*table, strict=True)]
    total = math.fsum(rows)
    if any(r == 0 for r in rows) or any(c == 0 for c in columns):
        raise StatisticsError("a row or column of the table is empty")
    statistic = math.fsum(
        (observed - rows[i] * columns[j] / total) ** 2 / (rows[i] * columns[j] / total)
        for i, row in enumerate(table)
        for j, observed in enumerate(row)
    )
    dof = (len(rows) - 1) * (len(columns) - 1)
    v = math.sqrt(statistic / (total * (min(len(rows), len(columns)) - 1)))
    return ChiSquareResult(statistic, dof, chi2_sf(statistic, dof), v)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of several p-values (the family-wise error rate)."""
    m = len(p_values)
    order = sorted(range(m), key=p_values.__getitem__)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


# --- proportions --------------------------------------------------------------------------


def _z(confidence: float) -> float:
    return normal_quantile(0.5 + confidence / 2.0)


def proportion_difference(
    count1: float, n1: float, count2: float, n2: float, *, confidence: float = 0.95
) -> Interval:
    """p1 - p2 with the Wald interval."""
    p1, p2 = count1 / n1, count2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    margin = _z(confidence) * se
    return Interval(p1 - p2, p1 - p2 - margin, p1 - p2 + margin)


def proportion_ratio(
    count1: float, n1: float, count2: float, n2: float, *, confidence: float = 0.95
) -> Interval:
    """p1 / p2 with the interval of the log ratio (Katz)."""
    if count1 == 0 or count2 == 0:
        raise StatisticsError("a ratio needs events in both groups")
    ratio = (count1 / n1) / (count2 / n2)
    se = math.sqrt(1 / count1 - 1 / n1 + 1 / count2 - 1 / n2)
    margin = _z(confidence) * se
    return Interval(ratio, ratio * math.exp(-margin), ratio * math.exp(margin))


def difference_in_differences(
    later: tuple[Interval, float], earlier: tuple[Interval, float], *, confidence: float = 0.95
) -> Interval:
    """(gap later) - (gap earlier) for two independent gaps given with their standard
    errors: how much a gap closed, with its interval."""
    (gap_later, se_later), (gap_earlier, se_earlier) = later, earlier
    estimate = gap_later.estimate - gap_earlier.estimate
    margin = _z(confidence) * math.sqrt(se_later**2 + se_earlier**2)
    return Interval(estimate, estimate - margin, estimate + margin)


def standard_error_of(interval: Interval, *, confidence: float = 0.95) -> float:
    """The standard error behind a symmetric normal interval."""
    return (interval.high - interval.low) / (2.0 * _z(confidence))


# --- weights ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedMean:
    mean: float
    variance: float  # the weighted variance with frequency weights (Σw - 1 in the denominator)
    effective_n: float  # Kish: (Σw)² / Σw²


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> WeightedMean:
    total = math.fsum(weights)
    mean = math.fsum(v * w for v, w in zip(values, weights, strict=True)) / total
    variance = math.fsum(w * (v - mean) ** 2 for v, w in zip(values, weights, strict=True)) / (
        total - 1
    )
    return WeightedMean(mean, variance, total**2 / math.fsum(w * w for w in weights))


# --- scales -------------------------------------------------------------------------------


def _covariance(x: Sequence[float], y: Sequence[float]) -> float:
    mx, my = _mean(x), _mean(y)
    return math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / (len(x) - 1)


def correlation(x: Sequence[float], y: Sequence[float]) -> float:
    return _covariance(x, y) / math.sqrt(_variance(x) * _variance(y))


@dataclass(frozen=True)
class Reliability:
    alpha: float
    interval: Interval  # Feldt's F-based interval of α
    item_total: list[float]  # each item against the sum of the others (corrected)


def cronbach_alpha(
    responses: Sequence[Sequence[float]], *, confidence: float = 0.95
) -> Reliability:
    """Cronbach's α of a scale, one row per respondent, one column per item."""
    n = len(responses)
    items = [list(column) for column in zip(*responses, strict=True)]
    k = len(items)
    if k < 2 or n < 2:
        raise StatisticsError("α needs two items and two respondents")
    totals = [math.fsum(row) for row in responses]
    item_variance = math.fsum(_variance(item) for item in items)
    total_variance = _variance(totals)
    if total_variance == 0:
        raise StatisticsError("every respondent has the same total")
    alpha = k / (k - 1) * (1 - item_variance / total_variance)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * f_ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * f_ppf(tail, df1, df2)
    item_total = [
        correlation(item, [t - v for t, v in zip(totals, item, strict=True)]) for item in items
    ]
    return Reliability(alpha, Interval(alpha, low, high), item_total)


# --- regression ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Regression:
    names: list[str]
    coefficients: list[float]
    standard_errors: list[float]
    t: list[float]
    p: list[float]
    r_squared: float
    n: int

    def interval(self, name: str, *, confidence: float = 0.95) -> Interval:
        i = self.names.index(name)
        margin = t_ppf(0.5 + confidence / 2.0, self.n - len(self.names)) * self.standard_errors[i]
        return Interval(
            self.coefficients[i], self.coefficients[i] - margin, self.coefficients[i] + margin
        )


def _inverse(matrix: list[list[float]]) -> list[list[float]]:
    """Gauss–Jordan with partial pivoting (a handful of predictors)."""
    size = len(matrix)
    work = [[*row, *(1.0 if i == j else 0.0 for j in range(size))] for i, row in enumerate(matrix)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(work[r][column]))
        if abs(work[pivot][column]) < 1e-12:
            raise StatisticsError("the predictors are collinear")
        work[column], work[pivot] = work[pivot], work[column]
        scale = work[column][column]
        work[column] = [v / scale for v in work[column]]
        for r in range(size):
            if r != column and work[r][column] != 0.0:
                factor = work[r][column]
                work[r] = [a - factor * b for a, b in zip(work[r], work[column], strict=True)]
    return [row[size:] for row in work]


def ols(y: Sequence[float], predictors: dict[str, Sequence[float]]) -> Regression:
    """Ordinary least squares with an intercept; classical standard errors."""
    names = ["intercept", *predictors]
    n = len(y)
    rows = [[1.0, *(float(predictors[name][i]) for name in predictors)] for i in range(n)]
    p = len(names)
    if n <= p:
        raise StatisticsError("more predictors than observations")
    xtx = [[math.fsum(row[a] * row[b] for row in rows) for b in range(p)] for a in range(p)]
    xty = [math.fsum(row[a] * y[i] for i, row in enumerate(rows)) for a in range(p)]
    inverse = _inverse(xtx)
    beta = [math.fsum(inverse[a][b] * xty[b] for b in range(p)) for a in range(p)]
    residuals = [
        y[i] - math.fsum(b * x for b, x in zip(beta, row, strict=True))
        for i, row in enumerate(rows)
    ]
    rss = math.fsum(r * r for r in residuals)
    sigma2 = rss / (n - p)
    se = [math.sqrt(sigma2 * inverse[a][a]) for a in range(p)]
    t = [b / s for b, s in zip(beta, se, strict=True)]
    centre = _mean(y)
    tss = math.fsum((v - centre) ** 2 for v in y)
    return Regression(
        names=names,
        coefficients=beta,
        standard_errors=se,
        t=t,
        p=[t_two_sided_p(value, n - p) for value in t],
        r_squared=1 - rss / tss,
        n=n,
    )
