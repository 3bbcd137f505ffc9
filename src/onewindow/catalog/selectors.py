"""Reads of the catalogue that pages and the API share: lookup and ranked, faceted search."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import SearchTerm, ServiceDraft, ServiceItem, ServiceItemVersion
from onewindow.catalog.search import query_terms
from onewindow.core.errors import NotFound
from onewindow.core.reference_cache import ReferenceCache, forget_on_change
from onewindow.identity.models import OfficerRole, Role, User

# Every submission names its service by code: the published version is kept per process,
# forgotten when the catalogue changes (publish_service, or any save of an item or version).
published_versions: ReferenceCache[str, ServiceItemVersion] = ReferenceCache("published_versions")
forget_on_change(published_versions, ServiceItem, ServiceItemVersion)


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
    """The published version of service `code`, with its item. Raises NotFound."""
    return published_versions.get(code, lambda: _load_current_version(code))


def _load_current_version(code: str) -> ServiceItemVersion:
    item = service_by_code(code)
    version = item.current_version
    assert version is not None  # published_items() guarantees it
    version.item = item
    return version


def _version(item: ServiceItem) -> ServiceItemVersion:
    assert item.current_version is not None  # published_items() guarantees it
    return item.current_version


@dataclass
class SearchResult:
    items: list[ServiceItem]
    facets: dict[str, Counter[str]] = field(default_factory=dict)
    scores: dict[int, int] = field(default_factory=dict)
    total: int = 0


def search_services(
    query: str = "",
    *,
    department_kind: str = "",
    level: int | None = None,
    life_event: str = "",
    service_type: str = "",
    online_depth: str = "",
    limit: int = 50,
    offset: int = 0,
) -> SearchResult:
    """Items matching the query, best first (summed term weights, then code), with facet counts
    (department kind, level, life event, type, online depth) over every match before the facet
    filters apply."""
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
        "service_type": Counter(_version(item).service_type for item in matched),
        "online_depth": Counter(_version(item).online_depth for item in matched),
    }
    chosen = [
        item
        for item in matched
        if (not department_kind or item.department_kind == department_kind)
        and (level is None or item.level == level)
        and (not life_event or life_event in item.life_events)
        and (not service_type or _version(item).service_type == service_type)
        and (not online_depth or _version(item).online_depth == online_depth)
    ]
    chosen.sort(key=lambda item: (-scores.get(item.pk, 0), item.code))
    return SearchResult(
        items=chosen[offset : offset + limit], facets=facets, scores=scores, total=len(chosen)
    )


def versions_of(code: str) -> list[ServiceItemVersion]:
    """Every published version of a published item, newest first. Raises NotFound."""
    item = service_by_code(code)
    return list(item.versions.select_related("drafted_by", "published_by").order_by("-number"))


def catalogue_roles(user: User) -> set[str]:
    """The catalogue roles `user` holds (editor, approver) for their own department's items."""
    if not user.department_id:
        return set()
    return set(
        OfficerRole.objects.filter(
            user=user, role__in=[Role.CATALOGUE_EDITOR, Role.CATALOGUE_APPROVER]
        ).values_list("role", flat=True)
    )


def department_drafts(user: User) -> QuerySet[ServiceDraft]:
    """The drafts of the user's department, for its catalogue editors and approvers only
    (none for anyone else)."""
    if not catalogue_roles(user):
        return ServiceDraft.objects.none()
    assert user.department is not None
    # Drafts of items at the department's level or below (`editing.may`).
    return ServiceDraft.objects.filter(
        department_kind=user.department.kind,
        definition__level__gte=user.department.division.level,
    ).select_related("author", "reviewer", "published_version")


def access_draft(user: User, pk: int) -> ServiceDraft:
    """A draft the user may see; missing and not theirs are the same NotFound."""
    try:
        return department_drafts(user).get(pk=pk)
    except ServiceDraft.DoesNotExist:
        raise NotFound(_("No such draft."), field="draft") from None


def department_items(user: User) -> QuerySet[ServiceItem]:
    """The published items of the user's department kind, for its catalogue editors and
    approvers (none for anyone else)."""
    if not catalogue_roles(user):
        return ServiceItem.objects.none()
    assert user.department is not None
    return published_items().filter(
        department_kind=user.department.kind, level__gte=user.department.division.level
    )


def department_item(user: User, code: str) -> ServiceItem:
    """A published item of the user's department, for its catalogue editors and approvers;
    missing and not theirs are the same NotFound."""
    try:
        return department_items(user).get(code=code)
    except ServiceItem.DoesNotExist:
        raise NotFound(
            _("No published service of your department has this code."), field="code"
        ) from None
