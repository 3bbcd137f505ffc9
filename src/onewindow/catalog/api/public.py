"""The public catalogue API: search with facets, each service's full guide (its
implementation list) and its version history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Router, Schema

from onewindow.catalog import selectors
from onewindow.catalog.history import version_changes
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
    service_type: str
    online_depth: str
    score: int


class SearchOut(Schema):
    items: list[ServiceSummary]
    total: int
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


class ServiceMaterialOut(Schema):
    key: str
    name: str
    source: str
    exchange_service: str = ""
    is_required: bool
    form: str
    copies: int


class GuideOut(Schema):
    """A service's guide: the fields of its implementation list (实施清单), texts in the
    request's language."""

    code: str = Field(description="implementation code (实施编码)")
    basic_code: str = Field(description="basic code (基本编码), the same for every body")
    version: int
    published_at: datetime
    name: str
    guide: str
    conditions: str
    service_type: str
    audience: str
    department_kind: str
    level: int
    life_events: list[str]
    is_apply_anywhere: bool
    anywhere_scope: str
    legal_basis: str
    materials: list[ServiceMaterialOut]
    fee_fen: int
    fee_basis: str
    statutory_days: int
    promised_days: int
    visits: int
    online_depth: str
    hall: str = Field(description="where to go, for services that need a visit")
    hours: str
    result_type: str
    result_name: str
    delivery_options: list[str]
    contact_phone: str
    form_schema: dict[str, Any]
    steps: list[GuideStepOut]


class ServiceChangeOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class ServiceVersionOut(Schema):
    number: int
    published_at: datetime
    reason: str
    changes: list[ServiceChangeOut]


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
        "service_type": version.service_type,
        "online_depth": version.online_depth,
        "score": score,
    }


@router.get("/services", response=SearchOut, auth=None, summary="Search the service catalogue")
def search(
    request: HttpRequest,
    q: str = "",
    department: str = "",
    level: int | None = None,
    life_event: str = "",
    service_type: str = "",
    online_depth: str = "",
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """Ranked by how well the words match (names and keywords weigh most); `facets` count
    every match by department kind, level, life event, type and online depth before these
    filters apply; `total` counts the filtered matches, of which `offset`/`limit` (1–200)
    pick a page."""
    result = selectors.search_services(
        q[:100],
        department_kind=department,
        level=level,
        life_event=life_event,
        service_type=service_type,
        online_depth=online_depth,
        offset=max(offset, 0),
        limit=min(max(limit, 1), 200),
    )
    return {
        "items": [_summary(item, result.scores.get(item.pk, 0)) for item in result.items],
        "total": result.total,
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
        "basic_code": version.basic_code,
        "version": version.number,
        "published_at": version.published_at,
        "name": version.name,
        "guide": version.guide,
        "conditions": version.in_language("conditions"),
        "service_type": version.service_type,
        "audience": version.audience,
        "department_kind": item.department_kind,
        "level": item.level,
        "life_events": item.life_events,
        "is_apply_anywhere": item.is_apply_anywhere,
        "anywhere_scope": version.anywhere_scope,
        "legal_basis": version.in_language("legal_basis"),
        "materials": [
            {
                **material,
                "name": material["name_zh"] if is_zh else material["name_en"],
                "exchange_service": material.get("exchange_service", ""),
            }
            for material in version.materials
        ],
        "fee_fen": version.fee_fen,
        "fee_basis": version.in_language("fee_basis"),
        "statutory_days": version.statutory_days,
        "promised_days": version.promised_days,
        "visits": version.visits,
        "online_depth": version.online_depth,
        "hall": version.in_language("hall"),
        "hours": version.in_language("hours"),
        "result_type": version.result_type,
        "result_name": version.in_language("result_name"),
        "contact_phone": version.contact_phone,
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


@router.get(
    "/services/{code}/versions",
    response=list[ServiceVersionOut],
    auth=None,
    summary="A service's published versions, newest first, with what each changed and why",
)
def versions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return [
        {
            "number": version.number,
            "published_at": version.published_at,
            "reason": version.change_reason,
            "changes": [
                {
                    "field": change.field,
                    "label": str(change.label),
                    "before": change.before,
                    "after": change.after,
                }
                for change in version_changes(version)
            ],
        }
        for version in selectors.versions_of(code)
    ]
