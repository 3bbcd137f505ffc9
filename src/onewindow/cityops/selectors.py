"""Reads of city operations that pages and the API share: events as a person may see them,
the dashboard's figures, the map's GeoJSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.cityops.models import (
    OPEN_STATES,
    Assignment,
    AssignmentState,
    Boundary,
    Event,
    EventState,
    RejectedMessage,
    Sensor,
)
from onewindow.cityops.services import is_operator
from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import NotFound
from onewindow.core.models import Division
from onewindow.grievances import selectors as grievances
from onewindow.identity.models import Department, User


def events_for(user: User) -> QuerySet[Event]:
    """Operators see every event; a department's officers the events it has a part in."""
    events = Event.objects.select_related("division")
    if is_operator(user):
        return events
    if not user.is_authenticated or not user.is_officer or user.department_id is None:
        return events.none()
    return events.filter(
        pk__in=Assignment.objects.filter(department_id=user.department_id)
        .exclude(state=AssignmentState.WITHDRAWN)
        .values("event_id")
    )


def access_event(user: User, ref: str) -> Event:
    """The event `ref` if the person may see it; NotFound for missing and not-theirs alike."""
    event = events_for(user).filter(ref=ref).first()
    if event is None:
        raise NotFound(_("No such event."), code="event_not_found")
    return event


def in_division(events: QuerySet[Event], division: Division | None) -> QuerySet[Event]:
    if division is None:
        return events
    return events.filter(division__path__startswith=division.path)


def live_assignments(event: Event) -> list[Assignment]:
    return list(
        event.assignments.exclude(state=AssignmentState.WITHDRAWN).select_related("department")
    )


def department_queue(user: User) -> QuerySet[Event]:
    """Open events the officer's department has a part in, most urgent and oldest due first."""
    return events_for(user).filter(state__in=OPEN_STATES).order_by("-is_urgent", "due_at")


@dataclass
class Dashboard:
    division: Division | None
    by_state: list[tuple[str, str, int]] = field(default_factory=list)  # state, label, count
    by_department: list[tuple[Department, int, int]] = field(default_factory=list)  # open, late
    breaches: list[Event] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    sensors: list[Sensor] = field(default_factory=list)
    rising: list[grievances.HotTerm] = field(default_factory=list)
    districts: list[Division] = field(default_factory=list)


def open_events(
    *, division: Division | None = None, state: str = "", limit: int = 100
) -> list[Event]:
    """The open events (or those of `state`), latest reported first: the dashboard's query,
    one statement on (state, last_reported_at)."""
    # "Not closed" rather than the list of open states: the partial index on open events
    # serves it, newest first, without sorting.
    events = (
        Event.objects.filter(state=state)
        if state
        else Event.objects.exclude(state=EventState.CLOSED)
    )
    return list(
        in_division(events, division)
        .select_related("division")
        .order_by("-last_reported_at")[:limit]
    )


def dashboard(division: Division | None = None, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    events = in_division(Event.objects.all(), division)
    counts = dict(events.values_list("state").annotate(n=Count("pk")).order_by())
    board = Dashboard(division)
    board.by_state = [
        (state.value, str(state.label), counts.get(state.value, 0)) for state in EventState
    ]
    live = Assignment.objects.filter(
        event__in=events.filter(state__in=OPEN_STATES),
        state__in=[AssignmentState.DISPATCHED, AssignmentState.ACCEPTED],
    )
    rows = live.values("department").annotate(
        n=Count("pk"), late=Count("pk", filter=Q(event__due_at__lt=now))
    )
    departments = Department.objects.in_bulk([row["department"] for row in rows])
    board.by_department = sorted(
        ((departments[row["department"]], row["n"], row["late"]) for row in rows),
        key=lambda item: (-item[1], item[0].code),
    )
    board.breaches = list(
        events.filter(state__in=OPEN_STATES, due_at__lt=now)
        .select_related("division")
        .order_by("due_at")[:50]
    )
    board.events = open_events(division=division, limit=100)
    sensors = Sensor.objects.select_related("division").order_by("ref")
    if division is not None:
        sensors = sensors.filter(division__path__startswith=division.path)
    board.sensors = list(sensors[:200])
    year, week, _day = now.astimezone(SHANGHAI).isocalendar()
    board.rising = grievances.hot_terms(year=year, week=week, division=division, limit=10)
    board.districts = districts()
    return board


def districts() -> list[Division]:
    """The divisions the map draws and the dashboard offers a view of: those with a boundary."""
    return list(
        Division.objects.filter(pk__in=Boundary.objects.values("division_id")).order_by("code")
    )


def map_document(division: Division | None = None, *, limit: int = 500) -> dict[str, object]:
    """GeoJSON (RFC 7946) of the boundaries and the open events with a position."""
    boundaries = Boundary.objects.select_related("division")
    if division is not None:
        boundaries = boundaries.filter(division__path__startswith=division.path)
    features: list[dict[str, object]] = [
        {
            "type": "Feature",
            "geometry": boundary.geometry,
            "properties": {
                "kind": "division",
                "code": boundary.division.code,
                "name": boundary.division.name,
                "generated": boundary.is_generated,
            },
        }
        for boundary in boundaries
    ]
    for event in open_events(division=division, limit=limit):
        if event.latitude is None or event.longitude is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [event.longitude, event.latitude]},
                "properties": {
                    "kind": "event",
                    "ref": event.ref,
                    "title": event.title,
                    "state": event.state,
                    "state_label": str(EventState(event.state).label),
                    "urgent": event.is_urgent,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def rejected_messages(*, limit: int = 200) -> QuerySet[RejectedMessage]:
    return RejectedMessage.objects.all()[:limit]


def has_generated_boundaries() -> bool:
    return Boundary.objects.filter(is_generated=True).exists()


def active_sensors() -> QuerySet[Sensor]:
    return Sensor.objects.filter(is_active=True).order_by("ref")


def all_sensors() -> QuerySet[Sensor]:
    return Sensor.objects.select_related("division").order_by("ref")
