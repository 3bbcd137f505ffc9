"""Reads of the catalogue that pages and the API share: lookup and ranked, faceted search."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import SearchTerm, ServiceItem, ServiceItemVersion
from onewindow.catalog.search import query_terms
from onewindow.core.errors import NotFound


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(current_version__isnull=False).select_related(
        "current_version"
    )


def service_by_code(code: str) -> ServiceItem:
    """A published item by its code. Raises NotFound."""
    try:
        return published_items().get(code=code)
    except ServiceItem.DoesNotExist:
        raise NotFound(_("No published service has this code."), field="code") from None


def current_version(code: str) -> ServiceItemVersion:
    item = service_by_code(code)
    assert item.current_version is not None  # published_items() guarantees it
    return item.current_version


@dataclass
class SearchResult:
    items: list[ServiceItem]
    facets: dict[str, Counter[str]] = field(default_factory=dict)
    scores: dict[int, int] = field(default_factory=dict)


def search_services(
    query: str = "",
    *,
    department_kind: str = "",
    level: int | None = None,
    life_event: str = "",
    limit: int = 50,
) -> SearchResult:
    """Items matching the query, best first (summed term weights, then code), with facet counts
    (department kind, level, life event) over every match before the facet filters apply."""
    items = published_items()
    scores: dict[int, int] = {}
    if query.strip():
        terms = query_terms(query)
        rows = (
            SearchTerm.objects.filter(term__in=terms)
            .values("item_id")
            .annotate(score=Sum("weight"))
        )
        scores = {row["item_id"]: row["score"] for row in rows}
        items = items.filter(pk__in=scores)
    matched = list(items)
    facets: dict[str, Counter[str]] = {
        "department_kind": Counter(item.department_kind for item in matched),
        "level": Counter(str(item.level) for item in matched),
        "life_event": Counter(event for item in matched for event in item.life_events),
    }
    chosen = [
        item
        for item in matched
        if (not department_kind or item.department_kind == department_kind)
        and (level is None or item.level == level)
        and (not life_event or life_event in item.life_events)
    ]
    chosen.sort(key=lambda item: (-scores.get(item.pk, 0), item.code))
    return SearchResult(items=chosen[:limit], facets=facets, scores=scores)
