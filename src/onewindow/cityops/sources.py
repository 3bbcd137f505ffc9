"""Where events come from besides sensors: pluggable sources. A pulled source reads what
is new since its cursor (hotline cases, alerts) through the owning app's selectors; a
pushed one connects to the owning app's signal in `apps.py`. Add one with `register`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from onewindow.alerts import selectors as alerts
from onewindow.alerts.models import MessageType, Severity, Urgency
from onewindow.cityops.models import Source, SourceCursor
from onewindow.cityops.services import EventDraft, record_event
from onewindow.grievances import selectors as grievances
from onewindow.grievances.classifier.categories import CATEGORIES
from onewindow.grievances.models import Urgency as CaseUrgency

# Hotline categories about the city's fabric: the others (wages, taxes) are not city events.
CITY_KINDS = {"city_management", "transport", "ecology", "emergency", "housing"}


@dataclass(frozen=True)
class PulledSource:
    """`collect(after, limit)` returns the drafts of items after the cursor and the new cursor."""

    name: str
    collect: Callable[[int, int], tuple[list[EventDraft], int]]


SOURCES: dict[str, PulledSource] = {}


def register(source: PulledSource) -> None:
    SOURCES[source.name] = source


def _hotline(after: int, limit: int) -> tuple[list[EventDraft], int]:
    drafts: list[EventDraft] = []
    position = after
    for case in grievances.cases_after(after, limit=limit):
        position = case.pk
        category = CATEGORIES.get(case.category or case.proposed_category)
        if category is None or category.department_kind not in CITY_KINDS:
            continue
        drafts.append(
            EventDraft(
                source=Source.HOTLINE,
                source_ref=case.ref,
                category=f"hotline.{category.code}",
                department_kind=category.department_kind,
                # The category, never the caller's words: the map is no place for them.
                title=str(category.label_en),
                division=case.division,
                latitude=float(case.latitude) if case.latitude is not None else None,
                longitude=float(case.longitude) if case.longitude is not None else None,
                is_urgent=case.urgency == CaseUrgency.URGENT,
                occurred_at=case.received_at,
            )
        )
    return drafts, position


def _alerts(after: int, limit: int) -> tuple[list[EventDraft], int]:
    drafts: list[EventDraft] = []
    position = after
    for alert in alerts.published().filter(pk__gt=after).order_by("pk")[:limit]:
        position = alert.pk
        if alert.msg_type != MessageType.ALERT or alert.sent_at is None:
            continue
        info = next(iter(alert.infos.all()), None)
        drafts.append(
            EventDraft(
                source=Source.ALERT,
                source_ref=alert.ref,
                category=f"alert.{alert.category}",
                department_kind="emergency",
                title=(info.headline or info.event) if info else alert.ref,
                division=alert.department.division,
                is_urgent=alert.urgency == Urgency.IMMEDIATE
                or alert.severity in (Severity.EXTREME, Severity.SEVERE),
                occurred_at=alert.sent_at,
            )
        )
    return drafts, position


register(PulledSource("hotline", _hotline))
register(PulledSource("alerts", _alerts))


def collect(*, limit: int = 500) -> int:
    """Read every pulled source from its cursor; returns how many drafts were recorded
    (as new events or merged into open ones). One transaction per source."""
    recorded = 0
    now = timezone.now()
    for source in SOURCES.values():
        with transaction.atomic():
            cursor, _created = SourceCursor.objects.select_for_update().get_or_create(
                name=source.name
            )
            drafts, position = source.collect(cursor.position, limit)
            for draft in drafts:
                record_event(draft, now=now)
            recorded += len(drafts)
            if position != cursor.position:
                cursor.position = position
                cursor.save(update_fields=["position"])
    return recorded
