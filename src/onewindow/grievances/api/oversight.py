"""The public case wall, the departments' scoreboard and the public-opinion trends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from onewindow.core.errors import documented_problems
from onewindow.grievances import selectors, text
from onewindow.grievances.api.common import division_named
from onewindow.identity.decorators import verified_officer

router = Router()


class WallCaseOut(Schema):
    ref: str
    kind: str
    category: str
    division: str
    department: str
    question: str
    answer: str
    answered_at: datetime


class ScoreOut(Schema):
    """A department's last 90 days on the hotline, as the public scoreboard shows them."""

    department: str = Field(description="The department's code")
    name: str = Field(description="The department's name")
    cases: int = Field(description="Cases it received (merged ones not counted)")
    answered: int = Field(description="Cases it answered")
    on_time_rate: float | None = Field(description="Share answered by their due time")
    mean_response_hours: float | None = Field(description="Mean hours until accepted")
    satisfaction: float | None = Field(description="Mean rating of its answers, 1 to 5")
    ratings: int = Field(description="Ratings given to its answers")
    reopened: int = Field(description="Cases reopened after a poor rating")
    bad_reviews: int = Field(description="Service reviews of 2 stars or fewer")
    open_rectifications: int = Field(description="Rectification tasks still open")

    @staticmethod
    def resolve_department(row: selectors.ScoreRow) -> str:
        return row.department.code

    @staticmethod
    def resolve_name(row: selectors.ScoreRow) -> str:
        return row.department.name


class TermOut(Schema):
    term: str
    count: int
    previous: int
    rise: int


class CountOut(Schema):
    name: str
    count: int


class TrendsOut(Schema):
    year: int
    week: int
    division: str | None
    hot_terms: list[TermOut]
    by_category: list[CountOut]
    by_department: list[CountOut]


@router.get("/hotline/wall", response=list[WallCaseOut], auth=None, summary="Answered cases")
def wall(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [
        {
            "ref": case.ref,
            "kind": case.kind,
            "category": selectors.category_label(case.category or case.proposed_category),
            "division": case.division.name,
            "department": case.department.name if case.department else "",
            "question": text.desensitise(case.text),
            "answer": text.desensitise(case.public_reply),
            "answered_at": case.answered_at,
        }
        for case in selectors.public_wall(q[:100])
    ]


@router.get("/hotline/scoreboard", response=list[ScoreOut], summary="Department scoreboard")
def scoreboard(request: HttpRequest) -> list[selectors.ScoreRow]:
    verified_officer(request)
    return selectors.scoreboard()


@router.get(
    "/hotline/trends",
    response=TrendsOut,
    summary="Public-opinion trends (supervisors)",
    openapi_extra=documented_problems(400),  # a malformed week, an unknown division
)
def trends(request: HttpRequest, week: str = "", division: str = "") -> dict[str, Any]:
    officer = verified_officer(request)
    if not selectors.may_see_trends(officer):
        from onewindow.core.errors import PermissionDenied

        raise PermissionDenied(_("Trends are for supervisors and dispatchers."))
    year, number = selectors.parse_week(week)
    place = division_named(division) if division else None
    by_category, by_department = selectors.counts_by_category_and_department(
        year=year, week=number, division=place
    )
    return {
        "year": year,
        "week": number,
        "division": place.code if place else None,
        "hot_terms": [
            {"term": t.term, "count": t.count, "previous": t.previous, "rise": t.rise}
            for t in selectors.hot_terms(year=year, week=number, division=place)
        ],
        "by_category": [{"name": n, "count": c} for n, c in by_category],
        "by_department": [{"name": d.name, "count": c} for d, c in by_department],
    }
