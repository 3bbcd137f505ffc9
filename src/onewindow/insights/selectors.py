"""Reads that the insights pages and API share: the dashboards' figures, studies an analyst
may see, published reports, and a village agent's residents to visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.errors import NotFound
from onewindow.core.models import Division
from onewindow.identity.access import NewAccess, record_data_accesses
from onewindow.identity.models import AccessKind, User, UserKind
from onewindow.insights import figures, report, services
from onewindow.insights.figures import Figures, Gap
from onewindow.insights.indicators import INDICATORS, Indicator
from onewindow.insights.models import SampleMember, Study, StudyStatus


def indicator_named(key: str, *, public_only: bool = False) -> Indicator:
    found = INDICATORS.get(key)
    if found is None or (public_only and not found.public):
        raise NotFound(_("No such indicator."))
    return found


def division_named(code: str) -> Division:
    found = Division.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("No division has the code %(code)s."), params={"code": code})
    return found


def current_figures() -> Figures:
    """Every indicator over the report window (the last 24 months, this one included)."""
    start, end = report.window()
    return figures.compute(start, end)


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    overall: float | None
    overall_n: int
    urban: float | None
    rural: float | None
    gap: Gap | None

    def shown(self, value: float | None) -> str:
        return format_value(self.indicator, value)


def format_value(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "–"
    if indicator.unit == "%":
        return f"{value * 100:.1f} %"
    return f"{value:.2f}"


def rows(
    computed: Figures, indicators: list[Indicator], within: Division | None
) -> list[IndicatorRow]:
    result = []
    for indicator in indicators:
        overall = computed.total(indicator, within=within)
        urban = computed.total(indicator, within=within, urban=True)
        rural = computed.total(indicator, within=within, urban=False)
        result.append(
            IndicatorRow(
                indicator,
                computed.value(indicator, overall),
                overall.n,
                computed.value(indicator, urban),
                computed.value(indicator, rural),
                computed.gap(indicator, within=within),
            )
        )
    return result


def public_indicators() -> list[Indicator]:
    return [i for i in INDICATORS.values() if i.public]


def counties_with_index(
    computed: Figures, within: Division | None
) -> list[tuple[Division, float | None]]:
    """Each county (under `within`) with its digital-divide index, where it can be computed."""
    counties = Division.objects.filter(level=Level.COUNTY)
    if within is not None:
        counties = counties.filter(path__startswith=within.path)
    result = []
    for county in counties.order_by("code")[:200]:
        index = figures.divide_index(computed, within=county)
        result.append((county, index[0] if index else None))
    return result


def series_rows(
    computed: Figures, indicator: Indicator, within: Division | None
) -> list[dict[str, Any]]:
    urban = computed.series(indicator, within=within, urban=True)
    rural = computed.series(indicator, within=within, urban=False)
    overall = computed.series(indicator, within=within)
    return [
        {
            "month": month,
            "overall": value,
            "n": n,
            "urban": u,
            "urban_n": un,
            "rural": r,
            "rural_n": rn,
        }
        for (month, value, n), (_m1, u, un), (_m2, r, rn) in zip(overall, urban, rural, strict=True)
    ]


# --- studies ------------------------------------------------------------------------------


def studies_for(analyst: User) -> QuerySet[Study]:
    scope = services.analyst_scope(analyst)
    return Study.objects.filter(department__division__path__startswith=scope.path).select_related(
        "questionnaire"
    )


def access_study(analyst: User, ref: str) -> Study:
    found = studies_for(analyst).filter(ref=ref).first()
    if found is None:
        raise NotFound(_("No such study."))
    return found


def published_reports() -> QuerySet[Study]:
    return Study.objects.filter(status=StudyStatus.PUBLISHED).order_by("-published_at")


def access_published_report(ref: str) -> Study:
    found = published_reports().filter(ref=ref).first()
    if found is None:
        raise NotFound(_("No such report."))
    return found


def visits_for(agent: User) -> QuerySet[SampleMember]:
    """Sampled residents of the agent's village (or below) who have not answered, in studies
    still in the field."""
    if agent.kind != UserKind.STATION_AGENT or agent.division is None:
        return SampleMember.objects.none()
    return (
        SampleMember.objects.filter(
            division__path__startswith=agent.division.path,
            answered_at__isnull=True,
            study__status=StudyStatus.FIELDING,
        )
        .select_related(
            "study", "resident", "study__questionnaire", "study__department", "division"
        )
        .order_by("study__designed_at", "pk")
    )


def access_visit(agent: User, pk: int) -> SampleMember:
    found = visits_for(agent).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such resident to visit."))
    return found


def record_visit_list_read(agent: User, members: list[SampleMember]) -> None:
    """The agent's list shows residents' names: each read goes on the resident's "who read my
    data" page, with the study as the reason."""
    if members:
        record_data_accesses(
            [
                NewAccess(
                    kind=AccessKind.CONTACT_READ,
                    subject_user=member.resident,
                    department=member.study.department,
                    accessor=agent.username,
                    actor_role="station_agent",
                    what=_("Name, to ask you the questions of a survey you were drawn for"),
                    purpose="survey",
                    case_ref=member.study.ref,
                )
                for member in members
            ]
        )


def months_label(months: list[date]) -> str:
    if not months:
        return ""
    return f"{months[0]:%Y-%m} – {months[-1]:%Y-%m}"
