"""Each statistic of `insights.stats` against scipy, statsmodels and pingouin on generated data,
to 1e-9 (relative where the figure is large, absolute where it is a probability)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pingouin
import pytest
import statsmodels.api as sm
from scipy import stats as scipy_stats
from scipy.stats.contingency import association
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.weightstats import DescrStatsW

from onewindow.insights import stats

SEEDS = [1, 7, 2026]
TOLERANCE = 1e-9


def close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= TOLERANCE * max(1.0, abs(theirs))


def samples(seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    first = [rng.gauss(3.4, 1.1) for _ in range(rng.randint(12, 60))]
    second = [rng.gauss(3.0, 0.6) for _ in range(rng.randint(8, 50))]
    return first, second


def likert(seed: int, n: int = 40) -> list[list[float]]:
    """Five items of a 1–5 scale driven by one trait, with ties as real answers have."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        trait = rng.gauss(0, 1)
        rows.append([float(min(5, max(1, round(3 + trait + rng.gauss(0, 0.9))))) for _ in range(5)])
    return rows


@pytest.mark.parametrize("seed", SEEDS)
def test_distribution_functions_agree_with_scipy(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        df = rng.uniform(1.5, 200)
        t = rng.uniform(-6, 6)
        assert close(stats.t_sf(t, df), scipy_stats.t.sf(t, df))
        p = rng.uniform(0.001, 0.999)
        assert close(stats.t_ppf(p, df), scipy_stats.t.ppf(p, df))
        x = rng.uniform(0.01, 80)
        k = rng.randint(1, 30)
        assert close(stats.chi2_sf(x, k), scipy_stats.chi2.sf(x, k))
        d1, d2 = rng.randint(1, 60), rng.randint(2, 300)
        assert close(stats.f_ppf(p, d1, d2), scipy_stats.f.ppf(p, d1, d2))


@pytest.mark.parametrize("seed", SEEDS)
def test_welch_t_agrees_with_scipy_and_pingouin(seed: int) -> None:
    first, second = samples(seed)

    ours = stats.welch_t(first, second)
    theirs = scipy_stats.ttest_ind(first, second, equal_var=False)
    interval = theirs.confidence_interval(0.95)

    assert close(ours.t, theirs.statistic)
    assert close(ours.df, theirs.df)
    assert close(ours.p, theirs.pvalue)
    assert close(ours.difference.low, interval.low)
    assert close(ours.difference.high, interval.high)
    assert close(ours.hedges_g, pingouin.compute_effsize(first, second, eftype="hedges"))
    from_moments = stats.welch_from_moments(stats.Moments.of(first), stats.Moments.of(second))
    assert abs(from_moments.t - theirs.statistic) < 1e-7  # Σx² loses a few digits


@pytest.mark.parametrize("seed", SEEDS)
def test_mann_whitney_agrees_with_scipy_and_pingouin(seed: int) -> None:
    first, second = samples(seed)
    first = [round(v * 2) / 2 for v in first]  # ties, as ratings have
    second = [round(v * 2) / 2 for v in second]

    ours = stats.mann_whitney(first, second)
    theirs = scipy_stats.mannwhitneyu(first, second, method="asymptotic")
    effect = pingouin.mwu(first, second, method="asymptotic")

    assert close(ours.u, theirs.statistic)
    assert close(ours.p, theirs.pvalue)
    assert close(ours.rank_biserial, float(effect["RBC"].iloc[0]))


@pytest.mark.parametrize("seed", SEEDS)
def test_chi_square_agrees_with_scipy(seed: int) -> None:
    rng = random.Random(seed)
    columns = rng.randint(2, 5)
    table = [[rng.randint(3, 60) for _ in range(columns)] for _ in range(rng.randint(2, 4))]

    ours = stats.chi_square(table)
    theirs = scipy_stats.chi2_contingency(np.array(table), correction=False)

    assert close(ours.statistic, theirs.statistic)
    assert ours.dof == theirs.dof
    assert close(ours.p, theirs.pvalue)
    assert close(ours.cramers_v, association(np.array(table), method="cramer"))


@pytest.mark.parametrize("seed", SEEDS)
def test_holm_agrees_with_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    p_values = [rng.random() ** 3 for _ in range(rng.randint(2, 12))]

    theirs = multipletests(p_values, method="holm")[1]

    assert all(close(a, b) for a, b in zip(stats.holm(p_values), theirs, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_proportion_gaps_agree_with_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    n1, n2 = rng.randint(50, 5000), rng.randint(50, 5000)
    c1, c2 = rng.randint(5, n1 - 5), rng.randint(5, n2 - 5)

    difference = stats.proportion_difference(c1, n1, c2, n2)
    ratio = stats.proportion_ratio(c1, n1, c2, n2)
    low_d, high_d = confint_proportions_2indep(c1, n1, c2, n2, method="wald", compare="diff")
    low_r, high_r = confint_proportions_2indep(c1, n1, c2, n2, method="log", compare="ratio")

    assert close(difference.low, low_d)
    assert close(difference.high, high_d)
    assert close(ratio.low, low_r)
    assert close(ratio.high, high_r)
    assert close(ratio.estimate, (c1 / n1) / (c2 / n2))


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_mean_agrees_with_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    values = [float(rng.randint(1, 5)) for _ in range(60)]
    weights = [rng.uniform(0.5, 30) for _ in range(60)]

    ours = stats.weighted_mean(values, weights)
    theirs = DescrStatsW(np.array(values), weights=np.array(weights), ddof=1)

    assert close(ours.mean, theirs.mean)
    assert close(ours.variance, theirs.var)
    assert close(ours.effective_n, sum(weights) ** 2 / sum(w * w for w in weights))


@pytest.mark.parametrize("seed", SEEDS)
def test_cronbach_alpha_agrees_with_pingouin(seed: int) -> None:
    rows = likert(seed)
    frame = pd.DataFrame(rows)

    ours = stats.cronbach_alpha(rows)
    alpha, _rounded_interval = pingouin.cronbach_alpha(frame)
    # pingouin rounds its interval to 3 places; its formula (Feldt) with scipy's F unrounded:
    n, k = frame.shape
    df1, df2 = n - 1, (n - 1) * (k - 1)

    assert close(ours.alpha, alpha)
    assert close(ours.interval.low, 1 - (1 - alpha) * scipy_stats.f.isf(0.025, df1, df2))
    assert close(ours.interval.high, 1 - (1 - alpha) * scipy_stats.f.isf(0.975, df1, df2))
    for index, correlation in enumerate(ours.item_total):
        rest = frame.drop(columns=index).sum(axis=1)
        assert close(correlation, float(np.corrcoef(frame[index], rest)[0, 1]))


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_agrees_with_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    n = 150
    rural = [float(rng.random() < 0.5) for _ in range(n)]
    age = [rng.uniform(18, 85) for _ in range(n)]
    distance = [rng.uniform(0.2, 40) for _ in range(n)]
    satisfaction = [
        4 - 0.4 * r - 0.01 * (a - 50) - 0.02 * d + rng.gauss(0, 0.7)
        for r, a, d in zip(rural, age, distance, strict=True)
    ]

    ours = stats.ols(satisfaction, {"rural": rural, "age": age, "distance": distance})
    design = sm.add_constant(np.column_stack([rural, age, distance]))
    theirs = sm.OLS(np.array(satisfaction), design).fit()
    intervals = theirs.conf_int(0.05)

    for i, name in enumerate(ours.names):
        assert close(ours.coefficients[i], theirs.params[i])
        assert close(ours.standard_errors[i], theirs.bse[i])
        assert close(ours.p[i], theirs.pvalues[i])
        assert close(ours.interval(name).low, intervals[i][0])
    assert close(ours.r_squared, theirs.rsquared)
