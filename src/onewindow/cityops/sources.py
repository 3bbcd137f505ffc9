"""Where events come from besides sensors: pluggable sources. A pulled source reads what
is new since its cursor (hotline cases, alerts) through the owning app's selectors; a
pushed one connects to the owning app's signal in `apps.py`. Add one with `register`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from onewindow.alerts import selectors as alerts
from onewindow.alerts.models import MessageType, Severity, Urgency
from onewindow.cityops.models import Source, SourceCursor
from onewindow.cityops.services import EventDraft, record_event
from onewindow.core.models import Division
from onewindow.grievances import selectors as grievances
from onewindow.grievances.classifier.categories import CATEGORIES
from onewindow.grievances.models import Urgency as CaseUrgency
from onewindow.identity.models import Department

log = logging.getLogger("onewindow.cityops")

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


# ----- pushed sources -------------------------------------------------------------------------


def on_finding_recorded(
    sender: object,
    *,
    inspection_ref: str,
    finding_id: int,
    business_name: str,
    division_code: str,
    department_codes: list[str],
    severity: str,
    recorded_at: datetime,
    **_values: object,
) -> None:
    """An inspection's finding (supervision.signals.finding_recorded, sent on commit) becomes
    a city event for the department that inspected, of the business's place; serious
    findings are urgent. The finding's words stay in supervision: the title names the
    business and the severity."""
    division = Division.objects.filter(code=division_code).first()
    if division is None:
        log.warning("cityops: finding %s of %s names no known division", finding_id, inspection_ref)
        return
    inspecting = Department.objects.filter(code__in=department_codes).first()
    record_event(
        EventDraft(
            source=Source.INSPECTION,
            source_ref=f"{inspection_ref}#{finding_id}"[:64],
            # A category per inspection: two findings of one visit are one event, merged.
            category=f"inspection.{inspection_ref}"[:64],
            department_kind=inspecting.kind if inspecting else "market_supervision",
            title=f"{business_name} · {severity}",
            division=division,
            is_urgent=severity == "serious",
            occurred_at=recorded_at,
        )
    )
