"""Insights over JSON at /api/v1/insights/: anyone reads the definitions, the public indicators
and published reports; analysts (session confirmed with the second factor) read every
indicator within their scope, design studies and publish reports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.core.errors import DomainError, documented_problems
from onewindow.core.models import Division
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import Role
from onewindow.insights import selectors, services
from onewindow.insights.figures import Gap
from onewindow.insights.indicators import INDICATORS, Indicator
from onewindow.insights.models import Questionnaire, Study
from onewindow.insights.stats import Interval

router = Router(tags=["insights"])


class IndicatorDefinitionOut(Schema):
    key: str
    name: str
    kind: str
    formula: str
    source: str
    caveats: str
    higher_is_better: bool
    public: bool
    divide_weight: float
    unit: str


class InsightIntervalOut(Schema):
    estimate: float
    low: float
    high: float


class UrbanRuralGapOut(Schema):
    urban: float
    rural: float
    urban_n: int
    rural_n: int
    difference: InsightIntervalOut
    ratio: InsightIntervalOut | None


class IndicatorMonthOut(Schema):
    month: date
    value: float | None
    n: int
    urban: float | None
    rural: float | None


class IndicatorFiguresOut(Schema):
    key: str
    division: str | None
    value: float | None
    n: int
    gap: UrbanRuralGapOut | None
    series: list[IndicatorMonthOut]


class StudyIn(Schema):
    title_zh: str
    title_en: str
    questionnaire: str
    counties: list[str]
    sample_size: int
    seed: int


class QuestionnaireIn(Schema):
    title_zh: str
    title_en: str
    questions: list[dict[str, Any]]


class QuestionnaireOut(Schema):
    ref: str
    title_zh: str
    title_en: str
    questions: list[dict[str, Any]]


class StudyOut(Schema):
    ref: str
    status: str
    sample_size: int
    seed: int
    counties: list[str]
    strata: dict[str, list[int]]
    sample_ledger_index: int | None


def _definition(indicator: Indicator) -> dict[str, Any]:
    return {
        "key": indicator.key,
        "name": str(indicator.name),
        "kind": indicator.kind.value,
        "formula": str(indicator.formula),
        "source": str(indicator.source.name),
        "caveats": str(indicator.caveats),
        "higher_is_better": indicator.higher_is_better,
        "public": indicator.public,
        "divide_weight": indicator.divide_weight,
        "unit": indicator.unit,
    }


def _interval(interval: Interval | None) -> dict[str, float] | None:
    if interval is None:
        return None
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}


def _gap(gap: Gap | None) -> dict[str, Any] | None:
    if gap is None:
        return None
    return {
        "urban": gap.urban_value,
        "rural": gap.rural_value,
        "urban_n": gap.urban.n,
        "rural_n": gap.rural.n,
        "difference": _interval(gap.difference),
        "ratio": _interval(gap.ratio),
    }


def _study(study: Study) -> dict[str, Any]:
    return {
        "ref": study.ref,
        "status": study.status,
        "sample_size": study.sample_size,
        "seed": study.seed,
        "counties": [c.code for c in study.counties.order_by("code")],
        "strata": study.strata,
        "sample_ledger_index": study.sample_ledger_index,
    }


@router.get(
    "/insights/indicators",
    response=list[IndicatorDefinitionOut],
    summary="The indicators and their definitions",
    auth=None,
)
def definitions(request: HttpRequest, public: bool = False) -> list[dict[str, Any]]:
    """Every indicator, or with `public=true` only those on the public dashboard."""
    return [_definition(i) for i in INDICATORS.values() if i.public or not public]


@router.get(
    "/insights/indicators/{key}",
    response=IndicatorFiguresOut,
    summary="One indicator over the last 24 months: value, urban–rural gap, monthly series",
    auth=None,
    openapi_extra=documented_problems(401, 403),
)
def indicator(request: HttpRequest, key: str, division: str = "") -> dict[str, Any]:
    """Public indicators are open to anyone; the others need the analyst role, and an analyst
    sees the divisions of their scope only (403 naming the permission)."""
    found = selectors.indicator_named(key)
    within: Division | None = selectors.division_named(division) if division else None
    if not found.public:
        signed_in_user(request)  # 401 for nobody, 403 below for anyone but an analyst
        analyst = verified_officer(request, Role.ANALYST)
        services.check_division_visible(analyst, within or services.analyst_scope(analyst))
    computed = selectors.current_figures()
    overall = computed.total(found, within=within)
    return {
        "key": found.key,
        "division": within.code if within else None,
        "value": computed.value(found, overall),
        "n": overall.n,
        "gap": _gap(computed.gap(found, within=within)),
        "series": [
            {
                "month": row["month"],
                "value": row["overall"],
                "n": row["n"],
                "urban": row["urban"],
                "rural": row["rural"],
            }
            for row in selectors.series_rows(computed, found, within)
        ],
    }


@router.get(
    "/insights/reports/{ref}",
    response=dict[str, Any],
    summary="A published study's report: parameters, responses, statistics, indicators",
    auth=None,
)
def published_report(request: HttpRequest, ref: str) -> dict[str, Any]:
    return selectors.access_published_report(ref).report  # type: ignore[no-any-return]


@router.post(
    "/insights/questionnaires",
    response={201: QuestionnaireOut},
    summary="Keep a questionnaire (types, words in both languages, skip rules checked)",
    auth=django_auth,
)
def author(request: HttpRequest, body: QuestionnaireIn) -> Status[dict[str, Any]]:
    """Refused with a 400 naming the question and the rule: an unknown type, a skip rule
    naming no question or an answer it never gives, a skip-logic cycle."""
    analyst = verified_officer(request, Role.ANALYST)
    kept = services.create_questionnaire(
        analyst, title_zh=body.title_zh, title_en=body.title_en, questions=body.questions
    )
    return Status(
        201,
        {
            "ref": kept.ref,
            "title_zh": kept.title_zh,
            "title_en": kept.title_en,
            "questions": kept.questions,
        },
    )


@router.post(
    "/insights/studies",
    response={201: StudyOut},
    summary="Design a study and draw its stratified sample",
    auth=django_auth,
)
def design(request: HttpRequest, body: StudyIn) -> Status[dict[str, Any]]:
    analyst = verified_officer(request, Role.ANALYST)
    questionnaire = Questionnaire.objects.filter(ref=body.questionnaire).first()
    if questionnaire is None:
        raise DomainError("No such questionnaire.", field="questionnaire")
    counties = list(Division.objects.filter(code__in=body.counties))
    if len(counties) != len(set(body.counties)):
        raise DomainError("A county code is unknown.", field="counties")
    study = services.design_study(
        analyst,
        title_zh=body.title_zh,
        title_en=body.title_en,
        questionnaire=questionnaire,
        counties=counties,
        sample_size=body.sample_size,
        seed=body.seed,
    )
    return Status(201, _study(study))


@router.post(
    "/insights/studies/{ref}/publish",
    response=StudyOut,
    summary="Publish a study's report",
    auth=django_auth,
)
def publish(request: HttpRequest, ref: str) -> dict[str, Any]:
    analyst = verified_officer(request, Role.ANALYST)
    study = selectors.access_study(analyst, ref)
    return _study(services.publish_report(analyst, study))
