"""Public catalogue pages: search with facets, and each service's guide."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onewindow.catalog import selectors
from onewindow.catalog.life_events import LIFE_EVENTS, LIFE_EVENTS_BY_SLUG
from onewindow.catalog.models import Delivery, MaterialSource
from onewindow.core.divisions import Level
from onewindow.core.errors import NotFound
from onewindow.core.text_input import ascii_int
from onewindow.identity.models import DepartmentKind


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    department = request.GET.get("department", "")
    life_event = request.GET.get("life_event", "")
    level_text = request.GET.get("level", "")
    level = ascii_int(level_text)
    result = selectors.search_services(
        query, department_kind=department, level=level, life_event=life_event
    )
    departments = dict(DepartmentKind.choices)
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
    }
    return render(
        request,
        "catalog/search.html",
        {
            "query": query,
            "items": result.items,
            "facets": facets,
            "chosen": {"department": department, "level": level_text, "life_event": life_event},
            "life_events": LIFE_EVENTS,
        },
    )


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
    return render(
        request,
        "catalog/guide.html",
        {
            "item": item,
            "version": version,
            "department": dict(DepartmentKind.choices).get(item.department_kind),
            "level": Level(item.level).label,
            "deliveries": [deliveries[d] for d in version.delivery_options],
            "materials": [{**m, "source_label": sources[m["source"]]} for m in version.materials],
            "fee_yuan": version.fee_fen / 100,
        },
    )
