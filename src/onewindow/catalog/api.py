"""The public catalogue API: search with facets, and each service's full guide."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema

from onewindow.catalog import selectors
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.workflow_definition import parse_workflow

router = Router(tags=["catalog"])


class ServiceSummary(Schema):
    code: str
    name: str
    department_kind: str
    level: int
    life_events: list[str]
    is_apply_anywhere: bool
    promised_days: int
    visits: int
    score: int


class SearchOut(Schema):
    items: list[ServiceSummary]
    facets: dict[str, dict[str, int]]


class GuideStepOut(Schema):
    key: str
    name: str
    role: str
    department_kind: str
    level: int
    sla_days: int
    after: list[str]
    join: str


class GuideOut(Schema):
    code: str
    version: int
    name: str
    guide: str
    service_type: str
    audience: str
    department_kind: str
    level: int
    life_events: list[str]
    is_apply_anywhere: bool
    legal_basis: str
    materials: list[dict[str, Any]]
    fee_fen: int
    statutory_days: int
    promised_days: int
    visits: int
    delivery_options: list[str]
    form_schema: dict[str, Any]
    steps: list[GuideStepOut]


def _summary(item: ServiceItem, score: int) -> dict[str, Any]:
    version = item.current_version
    assert version is not None
    return {
        "code": item.code,
        "name": version.name,
        "department_kind": item.department_kind,
        "level": item.level,
        "life_events": item.life_events,
        "is_apply_anywhere": item.is_apply_anywhere,
        "promised_days": version.promised_days,
        "visits": version.visits,
        "score": score,
    }


@router.get("/services", response=SearchOut, auth=None, summary="Search the service catalogue")
def search(
    request: HttpRequest,
    q: str = "",
    department: str = "",
    level: int | None = None,
    life_event: str = "",
) -> dict[str, Any]:
    """Ranked by how well the words match (names and keywords weigh most); `facets` count
    every match by department kind, level and life event before these filters apply."""
    result = selectors.search_services(
        q[:100], department_kind=department, level=level, life_event=life_event
    )
    return {
        "items": [_summary(item, result.scores.get(item.pk, 0)) for item in result.items],
        "facets": {name: dict(counter) for name, counter in result.facets.items()},
    }


@router.get("/services/{code}", response=GuideOut, auth=None, summary="A service's guide")
def guide(request: HttpRequest, code: str) -> dict[str, Any]:
    item = selectors.service_by_code(code)
    version = item.current_version
    assert version is not None
    is_zh = (get_language() or "").startswith("zh")
    definition = parse_workflow(version.workflow)
    return {
        "code": item.code,
        "version": version.number,
        "name": version.name,
        "guide": version.guide,
        "service_type": version.service_type,
        "audience": version.audience,
        "department_kind": item.department_kind,
        "level": item.level,
        "life_events": item.life_events,
        "is_apply_anywhere": item.is_apply_anywhere,
        "legal_basis": version.legal_basis_zh if is_zh else version.legal_basis_en,
        "materials": version.materials,
        "fee_fen": version.fee_fen,
        "statutory_days": version.statutory_days,
        "promised_days": version.promised_days,
        "visits": version.visits,
        "delivery_options": version.delivery_options,
        "form_schema": version.form_schema,
        "steps": [
            {
                "key": step.key,
                "name": step.name,
                "role": step.role,
                "department_kind": step.department_kind,
                "level": int(step.level),
                "sla_days": step.sla_days,
                "after": list(step.after),
                "join": step.join,
            }
            for step in definition.steps
        ],
    }
