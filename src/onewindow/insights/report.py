"""A study's report: response rates and design weights by stratum, the scale's reliability,
urban–rural comparisons (Holm-corrected), a regression, and the counties' indicators with the
urban–rural gap and how it moved. Plain JSON, frozen when published."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.utils import timezone

from onewindow.core.calendar import SHANGHAI
from onewindow.insights import figures, stats
from onewindow.insights.indicators import INDICATORS
from onewindow.insights.models import Response, Study

INDICATOR_MONTHS = 24
PERIOD_MONTHS = 6  # the earlier and later periods whose gaps are compared


def _interval(interval: stats.Interval | None) -> dict[str, float] | None:
    if interval is None:
        return None
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}


def window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The indicator window: the `INDICATOR_MONTHS` months up to and including this one."""
    local = (now or timezone.now()).astimezone(SHANGHAI)
    end_year, end_month = (
        (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    )
    end = datetime(end_year, end_month, 1, tzinfo=SHANGHAI)
    months = end_year * 12 + end_month - 1 - INDICATOR_MONTHS
    start = datetime(months // 12, months % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def responses_of(study: Study) -> dict[str, Any]:
    rows = list(Response.objects.filter(study=study))
    answered: dict[str, int] = defaultdict(int)
    for row in rows:
        answered[row.stratum] += 1
    strata = []
    for name, (frame, drawn) in sorted(study.strata.items()):
        got = answered.get(name, 0)
        strata.append(
            {
                "stratum": name,
                "frame": frame,
                "drawn": drawn,
                "answered": got,
                "rate": got / drawn if drawn else None,
                "weight": frame / got if got else None,
            }
        )
    assisted = sum(1 for row in rows if row.channel == "assisted")
    return {
        "total": len(rows),
        "drawn": sum(s["drawn"] for s in strata),
        "assisted": assisted,
        "strata": strata,
    }


def _safe(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except (stats.StatisticsError, ZeroDivisionError, ValueError):
        return None


def _survey(study: Study, weights: dict[str, float]) -> dict[str, Any]:
    questions = study.questionnaire.questions
    rows = list(Response.objects.filter(study=study))
    likert = [q for q in questions if q["type"] == "likert"]
    items: list[dict[str, Any]] = []
    for question in likert:
        values, w = [], []
        for row in rows:
            if question["key"] in row.answers and weights.get(row.stratum):
                values.append(float(row.answers[question["key"]]))
                w.append(weights[row.stratum])
        weighted = _safe(stats.weighted_mean, values, w) if len(values) >= 2 else None
        items.append(
            {
                "key": question["key"],
                "text_zh": question["text_zh"],
                "text_en": question["text_en"],
                "n": len(values),
                "weighted_mean": weighted.mean if weighted else None,
                "effective_n": weighted.effective_n if weighted else None,
            }
        )
    scales: dict[str, list[str]] = defaultdict(list)
    for question in likert:
        if question.get("scale"):
            scales[question["scale"]].append(question["key"])
    reliability = {}
    scores: dict[str, dict[int, float]] = {}
    for scale, keys in scales.items():
        complete = [row for row in rows if all(k in row.answers for k in keys)]
        matrix = [[float(row.answers[k]) for k in keys] for row in complete]
        result = _safe(stats.cronbach_alpha, matrix) if len(matrix) >= 3 else None
        reliability[scale] = {
            "items": keys,
            "n": len(matrix),
            "alpha": _interval(result.interval) if result else None,
            "item_total": dict(zip(keys, result.item_total, strict=True)) if result else None,
        }
        scores[scale] = {
            row.pk: sum(float(row.answers[k]) for k in keys) / len(keys) for row in complete
        }
    comparisons: list[dict[str, Any]] = []
    for label, outcome in [
        (
            "satisfaction",
            {r.pk: float(r.answers["satisfaction"]) for r in rows if "satisfaction" in r.answers},
        )
    ] + [(f"scale:{name}", values) for name, values in scores.items()]:
        urban = [v for pk, v in outcome.items() if _side(rows, pk) is True]
        rural = [v for pk, v in outcome.items() if _side(rows, pk) is False]
        welch = _safe(stats.welch_t, urban, rural) if len(urban) >= 2 and len(rural) >= 2 else None
        ranks = _safe(stats.mann_whitney, urban, rural) if urban and rural else None
        comparisons.append(
            {
                "outcome": label,
                "urban_n": len(urban),
                "rural_n": len(rural),
                "welch": None
                if welch is None
                else {
                    "t": welch.t,
                    "df": welch.df,
                    "p": welch.p,
                    "difference": _interval(welch.difference),
                    "hedges_g": welch.hedges_g,
                },
                "mann_whitney": None
                if ranks is None
                else {"u": ranks.u, "p": ranks.p, "rank_biserial": ranks.rank_biserial},
            }
        )
    used = [q for q in questions if q["key"] == "used_online"]
    chi = None
    if used:
        table = [[0, 0], [0, 0]]
        for row in rows:
            if row.is_urban is None or "used_online" not in row.answers:
                continue
            table[0 if row.is_urban else 1][0 if row.answers["used_online"] == "yes" else 1] += 1
        result = _safe(stats.chi_square, table)
        chi = (
            {
                "table": table,
                "statistic": result.statistic,
                "dof": result.dof,
                "p": result.p,
                "cramers_v": result.cramers_v,
            }
            if result
            else {"table": table}
        )
        if result:
            comparisons.append({"outcome": "used_online", "chi_square": chi})
    p_values = [
        c["welch"]["p"] if c.get("welch") else c["chi_square"]["p"]
        for c in comparisons
        if c.get("welch") or (c.get("chi_square") or {}).get("p") is not None
    ]
    adjusted = iter(stats.holm(p_values)) if p_values else iter(())
    for c in comparisons:
        if c.get("welch") or (c.get("chi_square") or {}).get("p") is not None:
            c["holm_p"] = next(adjusted)
    regression = None
    with_answer = [
        r
        for r in rows
        if "satisfaction" in r.answers
        and r.is_urban is not None
        and r.age_band != figures.UNKNOWN_AGE
    ]
    if len(with_answer) >= 6:
        fitted = _safe(
            stats.ols,
            [float(r.answers["satisfaction"]) for r in with_answer],
            {
                "rural": [0.0 if r.is_urban else 1.0 for r in with_answer],
                "over_65": [1.0 if r.age_band == figures.OVER_65 else 0.0 for r in with_answer],
                "assisted": [1.0 if r.channel == "assisted" else 0.0 for r in with_answer],
            },
        )
        if fitted is not None:
            regression = {
                "outcome": "satisfaction",
                "n": fitted.n,
                "r_squared": fitted.r_squared,
                "terms": [
                    {
                        "name": name,
                        "coefficient": b,
                        "se": se,
                        "p": p,
                        "interval": _interval(_safe(fitted.interval, name)),
                    }
                    for name, b, se, p in zip(
                        fitted.names,
                        fitted.coefficients,
                        fitted.standard_errors,
                        fitted.p,
                        strict=True,
                    )
                ],
            }
    return {
        "items": items,
        "reliability": reliability,
        "comparisons": comparisons,
        "regression": regression,
        "chi_square": chi,
    }


def _side(rows: list[Response], pk: int) -> bool | None:
    for row in rows:
        if row.pk == pk:
            return row.is_urban
    return None


def _indicators(study: Study, now: datetime | None = None) -> dict[str, Any]:
    start, end = window(now)
    computed = figures.compute(start, end)
    counties = list(study.counties.all())
    result: dict[str, Any] = {
        "start": start.date().isoformat(),
        "end": end.date().isoformat(),
        "indicators": [],
    }
    months = computed.months
    earlier, later = months[:PERIOD_MONTHS], months[-PERIOD_MONTHS:]
    for indicator in INDICATORS.values():
        urban = computed.total(indicator, within=counties, urban=True)
        rural = computed.total(indicator, within=counties, urban=False)
        gap = computed.gap(indicator, within=counties)
        change = None
        if len(months) >= 2 * PERIOD_MONTHS:
            change = figures.gap_change(
                computed, indicator, earlier=earlier, later=later, within=counties
            )
        series = []
        for month in months:
            u = computed.total(indicator, within=counties, urban=True, months=[month])
            r = computed.total(indicator, within=counties, urban=False, months=[month])
            series.append(
                [
                    month.isoformat(),
                    computed.value(indicator, u),
                    u.n,
                    computed.value(indicator, r),
                    r.n,
                ]
            )
        result["indicators"].append(
            {
                "key": indicator.key,
                "urban_n": urban.n,
                "rural_n": rural.n,
                "gap": None
                if gap is None
                else {
                    "urban": gap.urban_value,
                    "rural": gap.rural_value,
                    "difference": _interval(gap.difference),
                    "ratio": _interval(gap.ratio),
                },
                "gap_change": _interval(change),
                "series": series,
            }
        )
    return result


def build(study: Study, *, now: datetime | None = None) -> dict[str, Any]:
    responses = responses_of(study)
    weights = {s["stratum"]: s["weight"] for s in responses["strata"] if s["weight"]}
    return {
        "parameters": {
            "ref": study.ref,
            "title_zh": study.title_zh,
            "title_en": study.title_en,
            "questionnaire": study.questionnaire.ref,
            "counties": [
                {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en}
                for c in study.counties.order_by("code")
            ],
            "sample_size": study.sample_size,
            "seed": study.seed,
            "strata": len(study.strata),
            "sample_ledger_index": study.sample_ledger_index,
            "designed_on": study.designed_at.astimezone(SHANGHAI).date().isoformat(),
        },
        "responses": responses,
        "survey": _survey(study, weights),
        "indicators": _indicators(study, now),
    }


def digest(built: dict[str, Any]) -> str:
    text = json.dumps(built, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
