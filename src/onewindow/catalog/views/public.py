"""Public catalogue pages: search with facets, a page per department, each service's guide
and version history, and the public list exported."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onewindow.catalog import importing, selectors
from onewindow.catalog.history import version_changes
from onewindow.catalog.life_events import LIFE_EVENTS, LIFE_EVENTS_BY_SLUG
from onewindow.catalog.models import (
    AnywhereScope,
    Delivery,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ResultType,
    ServiceType,
)
from onewindow.core.divisions import Level
from onewindow.core.errors import NotFound
from onewindow.core.text_input import ascii_int
from onewindow.identity.models import DepartmentKind

PAGE_SIZE = 50


@require_GET
def search(request: HttpRequest, department_kind: str = "") -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    department = department_kind or request.GET.get("department", "")
    life_event = request.GET.get("life_event", "")
    service_type = request.GET.get("type", "")
    online_depth = request.GET.get("depth", "")
    level_text = request.GET.get("level", "")
    level = ascii_int(level_text)
    page = max(ascii_int(request.GET.get("page", "")) or 1, 1)
    result = selectors.search_services(
        query,
        department_kind=department,
        level=level,
        life_event=life_event,
        service_type=service_type,
        online_depth=online_depth,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    departments = dict(DepartmentKind.choices)
    types = dict(ServiceType.choices)
    depths = dict(OnlineDepth.choices)
    levels = dict(Level.choices)
    facets = {
        "department": [
            (kind, departments.get(kind, kind), count)
            for kind, count in result.facets["department_kind"].most_common()
        ],
        "level": [
            (code, levels.get(int(code), code), count)
            for code, count in sorted(result.facets["level"].items())
        ],
        "life_event": [
            (slug, LIFE_EVENTS_BY_SLUG[slug].title, count)
            for slug, count in result.facets["life_event"].most_common()
            if slug in LIFE_EVENTS_BY_SLUG
        ],
        "type": [
            (value, types.get(value, value), count)
            for value, count in result.facets["service_type"].most_common()
        ],
        "depth": [
            (value, depths.get(value, value), count)
            for value, count in result.facets["online_depth"].most_common()
        ],
    }
    chosen = {
        "department": department,
        "level": level_text,
        "life_event": life_event,
        "type": service_type,
        "depth": online_depth,
    }
    base_query = urlencode({"q": query, **chosen})
    return render(
        request,
        "catalog/search.html",
        {
            "query": query,
            "items": result.items,
            "total": result.total,
            "facets": facets,
            "chosen": chosen,
            "department_page": departments.get(department_kind) if department_kind else None,
            "life_events": LIFE_EVENTS,
            "base_query": base_query,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page * PAGE_SIZE < result.total else None,
            "page": page,
        },
    )


@require_GET
def department(request: HttpRequest, kind: str) -> HttpResponse:
    """Every item a department handles (its facet of the list, with its own address)."""
    if kind not in DepartmentKind.values:
        raise Http404
    return search(request, department_kind=kind)


@require_GET
def versions(request: HttpRequest, code: str) -> HttpResponse:
    try:
        history = selectors.versions_of(code)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "catalog/versions.html",
        {
            "item": history[0].item,
            "current": history[0],
            "versions": [(version, version_changes(version)) for version in history],
        },
    )


@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The public list as CSV, XLSX or JSON, for a division (code prefix), level, department."""
    file_format = request.GET.get("format", "csv")
    if file_format not in importing.FORMATS:
        raise Http404
    items = selectors.published_items().filter(
        code__startswith=request.GET.get("division", "")[:12]
    )
    level = ascii_int(request.GET.get("level", ""))
    if level is not None:
        items = items.filter(level=level)
    if request.GET.get("department"):
        items = items.filter(department_kind=request.GET["department"])
    content = importing.export_list(items.order_by("code"), file_format)
    response = HttpResponse(content, content_type=EXPORT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="implementation-list.{file_format}"'
    return response


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@require_GET
def guide(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = selectors.service_by_code(code)
    except NotFound:
        raise Http404 from None
    version = item.current_version
    assert version is not None
    deliveries = dict(Delivery.choices)
    sources = dict(MaterialSource.choices)
    forms = dict(MaterialForm.choices)
    return render(
        request,
        "catalog/guide.html",
        {
            "item": item,
            "version": version,
            "department": dict(DepartmentKind.choices).get(item.department_kind),
            "level": Level(item.level).label,
            "deliveries": [deliveries[d] for d in version.delivery_options],
            "materials": [
                {**m, "source_label": sources[m["source"]], "form_label": forms[m["form"]]}
                for m in version.materials
            ],
            "fee_yuan": version.fee_fen / 100,
            "service_type": ServiceType(version.service_type).label,
            "online_depth": OnlineDepth(version.online_depth).label,
            "result_type": ResultType(version.result_type).label,
            "anywhere_scope": AnywhereScope(version.anywhere_scope).label,
            "life_event_titles": [
                LIFE_EVENTS_BY_SLUG[slug].title
                for slug in item.life_events
                if slug in LIFE_EVENTS_BY_SLUG
            ],
        },
    )
