"""Writes of city operations: sensors, readings turned into events, events from other
sources, dispatch to the competent department, acceptance, progress, closure with
evidence, escalation and joint handling. Every step is an EventStep row and a ledger entry."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.cityops import readings
from onewindow.cityops.models import (
    Assignment,
    AssignmentState,
    Event,
    EventCounter,
    EventState,
    EventStep,
    IngestKey,
    Reading,
    RejectedMessage,
    Sensor,
    SensorKind,
    Source,
)
from onewindow.core.calendar import add_working_days
from onewindow.core.divisions import Level
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, OfficerRole, Role, User
from onewindow.identity.selectors import department_covering
from onewindow.ledger import services as ledger

log = logging.getLogger("onewindow.cityops")

OPERATOR_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)
# Reports of the same category in the same division this close in time, and this close on
# the ground when both have a position, are one event.
MERGE_WINDOW = timedelta(hours=2)
MERGE_DISTANCE_M = 500.0
# At most one stored reading per sensor per interval; the latest is always on the sensor.
THROTTLE = timedelta(seconds=10)
URGENT_HOURS = 4
WORKING_DAYS = 2
FALLBACK_KINDS = (DepartmentKind.TOWNSHIP_OFFICE, DepartmentKind.GENERAL_OFFICE)
KEY_PREFIX = "owc_"


def is_operator(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_officer
        and OfficerRole.objects.filter(user=user, role__in=OPERATOR_ROLES).exists()
    )


def _require_operator(user: User) -> None:
    if not is_operator(user):
        raise PermissionDenied(_("Only a city operator (dispatcher or supervisor) does this."))


# ----- sensors and readings -----------------------------------------------------------------


def register_sensor(
    operator: User,
    *,
    ref: str,
    kind: str,
    division: Division,
    place: str,
    latitude: float,
    longitude: float,
) -> Sensor:
    """A city operator adds a sensor to the registry; its unit is its kind's.

    Raises PermissionDenied for anyone else, DomainError naming the field for a bad id,
    kind or position, Conflict for an id already registered."""
    _require_operator(operator)
    ref = ref.strip()
    if not ref or len(ref) > 40 or "/" in ref or "+" in ref or "#" in ref:
        raise DomainError(
            _("sensor id: 1 to 40 characters, without '/', '+' or '#'."),
            field="ref",
            code="bad_sensor",
        )
    if kind not in SensorKind.values:
        raise DomainError(_("kind: not a known kind of sensor."), field="kind", code="bad_sensor")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DomainError(
            _("latitude, longitude: not a place on Earth."), field="latitude", code="bad_sensor"
        )
    with transaction.atomic():
        if Sensor.objects.filter(ref=ref).exists():
            raise Conflict(_("A sensor with this id is registered already."), code="sensor_exists")
        sensor = Sensor.objects.create(
            ref=ref,
            kind=kind,
            unit=readings.RULES[kind].unit,
            division=division,
            place=place.strip()[:120],
            latitude=latitude,
            longitude=longitude,
        )
        ledger.record(
            "cityops.sensor_registered",
            subject_ref=sensor.ref,
            actor_role="city_operator",
            department=operator.department.code if operator.department else "city",
            payload={"kind": kind, "division": division.code},
        )
    return sensor


@dataclass
class Incoming:
    """A message as it arrived, before any check: for the rejected-message log."""

    channel: str  # mqtt or http
    topic: str
    payload: bytes


@dataclass
class IngestResult:
    accepted: int = 0
    stored: int = 0
    throttled: int = 0
    rejected: list[RejectedMessage] = field(default_factory=list)
    rejected_at: list[int] = field(default_factory=list)  # their places in the batch
    events: list[Event] = field(default_factory=list)


def reject(incoming: Incoming, refused: readings.Refused, *, now: datetime) -> RejectedMessage:
    log.warning(
        "cityops: refused %s message on %r: %s (%s)",
        incoming.channel,
        incoming.topic,
        refused.reason,
        refused.detail,
    )
    return RejectedMessage(
        received_at=now,
        channel=incoming.channel,
        topic=incoming.topic[:200],
        sensor_ref=refused.sensor_ref[:40],
        reason=refused.reason,
        detail=str(refused.detail)[:300],
        payload=incoming.payload[:500].decode("utf-8", "replace"),
    )


def ingest(
    batch: Sequence[tuple[Incoming, readings.Message | readings.Refused]],
    *,
    now: datetime | None = None,
) -> IngestResult:
    """Readings from MQTT or HTTP, in one transaction: refused ones logged; per sensor the
    latest kept on the sensor, one row stored per throttle interval (the worst reading
    above threshold when there is one, else the latest), and the worst reading above
    threshold turned into an event (merged with the same event at the same place)."""
    now = now or timezone.now()
    result = IngestResult()
    parsed = [(incoming, item) for incoming, item in batch if isinstance(item, readings.Message)]
    sensors = Sensor.objects.select_related("division").in_bulk(
        {item.sensor_ref for _incoming, item in parsed}, field_name="ref"
    )
    by_sensor: dict[str, list[readings.Message]] = {}
    rejected: list[RejectedMessage] = []
    for index, (incoming, item) in enumerate(batch):
        try:
            if isinstance(item, readings.Refused):
                raise item
            sensor = sensors.get(item.sensor_ref)
            if sensor is None or not sensor.is_active:
                raise readings.Refused(
                    "unknown_sensor", _("No active sensor has this id."), sensor_ref=item.sensor_ref
                )
            readings.check(item, kind=sensor.kind, unit=sensor.unit, now=now)
        except readings.Refused as refused:
            rejected.append(reject(incoming, refused, now=now))
            result.rejected_at.append(index)
            continue
        by_sensor.setdefault(item.sensor_ref, []).append(item)
    with transaction.atomic():
        if rejected:
            RejectedMessage.objects.bulk_create(rejected)
        result.rejected = rejected
        rows: list[Reading] = []
        for ref, messages in by_sensor.items():
            sensor = sensors[ref]
            result.accepted += len(messages)
            latest = max(messages, key=lambda m: m.measured_at)
            above = [m for m in messages if readings.is_event(sensor.kind, m.value)]
            worst = max(above, key=lambda m: m.value) if above else None
            changed: list[str] = []
            if sensor.last_measured_at is None or latest.measured_at > sensor.last_measured_at:
                sensor.last_value, sensor.last_measured_at = latest.value, latest.measured_at
                changed += ["last_value", "last_measured_at"]
            keep = worst or latest
            due = (
                sensor.last_stored_at is None
                or keep.measured_at >= sensor.last_stored_at + THROTTLE
            )
            if worst is not None or due:
                rows.append(
                    Reading(
                        sensor=sensor,
                        value=keep.value,
                        measured_at=keep.measured_at,
                        received_at=now,
                    )
                )
                if sensor.last_stored_at is None or keep.measured_at > sensor.last_stored_at:
                    sensor.last_stored_at = keep.measured_at
                    changed.append("last_stored_at")
            folded = len(messages) - (1 if (worst is not None or due) else 0)
            if folded:
                sensor.throttled += folded
                changed.append("throttled")
                result.throttled += folded
            if changed:
                sensor.save(update_fields=changed)
            if (
                worst is not None
                and not Reading.objects.filter(
                    sensor=sensor, measured_at=worst.measured_at
                ).exists()
            ):
                result.events.append(record_event(_sensor_draft(sensor, worst), now=now))
        stored = Reading.objects.bulk_create(rows, ignore_conflicts=True)
        result.stored = len(stored)
    return result


def _sensor_draft(sensor: Sensor, message: readings.Message) -> EventDraft:
    rule = readings.RULES[sensor.kind]
    return EventDraft(
        source=Source.SENSOR,
        source_ref=sensor.ref,
        category=f"sensor.{sensor.kind}",
        department_kind=rule.department_kind,
        title=f"{rule.label} · {sensor.place}",
        division=sensor.division,
        latitude=sensor.latitude,
        longitude=sensor.longitude,
        value=message.value,
        unit=sensor.unit,
        is_urgent=readings.is_urgent(sensor.kind, message.value),
        occurred_at=message.measured_at,
    )


def issue_ingest_key(operator: User, *, name: str) -> tuple[IngestKey, str]:
    """A key for a gateway posting readings over HTTP; shown once, only its hash kept."""
    _require_operator(operator)
    name = name.strip()[:100]
    if not name:
        raise DomainError(
            _("name: say which gateway the key is for."), field="name", code="bad_key"
        )
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        ingest_key = IngestKey.objects.create(name=name, key_prefix=prefix, key_hash=_digest(key))
        ledger.record(
            "cityops.ingest_key_issued",
            subject_ref=f"ingest-key-{ingest_key.pk}",
            actor_role="city_operator",
            department=operator.department.code if operator.department else "city",
            payload={"prefix": prefix},
        )
    return ingest_key, key


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_is_valid(key: str) -> bool:
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return False
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    found = IngestKey.objects.filter(key_prefix=prefix, revoked_at__isnull=True).first()
    return found is not None and secrets.compare_digest(found.key_hash, _digest(key))


# ----- events ---------------------------------------------------------------------------------


@dataclass
class EventDraft:
    """An event as a source reports it (a sensor, a hotline case, an alert, a finding)."""

    source: str
    source_ref: str
    category: str
    department_kind: str
    title: str
    division: Division
    occurred_at: datetime
    latitude: float | None = None
    longitude: float | None = None
    value: float | None = None
    unit: str = ""
    is_urgent: bool = False


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine), good enough for 'the same place'."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _same_place(event: Event, draft: EventDraft) -> bool:
    if None in (event.latitude, event.longitude, draft.latitude, draft.longitude):
        return True
    return (
        metres_between(
            (event.latitude, event.longitude),  # type: ignore[arg-type]
            (draft.latitude, draft.longitude),  # type: ignore[arg-type]
        )
        <= MERGE_DISTANCE_M
    )


def record_event(draft: EventDraft, *, now: datetime | None = None) -> Event:
    """A report from any source becomes an event, or is merged into the open event of the
    same category at the same place reported within MERGE_WINDOW. A new event goes at once
    to the competent department of its place (else it waits, open, for an operator).
    A source's own item (a case, an alert) makes at most one event."""
    now = now or timezone.now()
    with transaction.atomic():
        if draft.source != Source.SENSOR:
            existing = Event.objects.filter(
                source=draft.source, source_ref=draft.source_ref
            ).first()
            if existing is not None:
                return existing
        candidates = Event.objects.select_for_update().filter(
            category=draft.category,
            division=draft.division,
            state__in=[s for s in EventState.values if s != EventState.CLOSED],
            last_reported_at__gte=draft.occurred_at - MERGE_WINDOW,
        )
        for event in candidates:
            if _same_place(event, draft):
                return _merge(event, draft)
        event = Event.objects.create(
            ref=_next_ref(draft.division, now),
            source=draft.source,
            source_ref=draft.source_ref,
            category=draft.category,
            department_kind=draft.department_kind,
            title=draft.title[:200],
            division=draft.division,
            latitude=draft.latitude,
            longitude=draft.longitude,
            value=draft.value,
            unit=draft.unit,
            is_urgent=draft.is_urgent,
            occurred_at=draft.occurred_at,
            last_reported_at=draft.occurred_at,
            created_at=now,
        )
        _step(event, "reported", note=f"{draft.source}:{draft.source_ref}", at=now, role="system")
        department = competent_department(event)
        if department is not None:
            _dispatch(event, [department], actor=None, now=now)
    return event


def _merge(event: Event, draft: EventDraft) -> Event:
    event.reports += 1
    event.last_reported_at = max(event.last_reported_at, draft.occurred_at)
    if draft.value is not None and (event.value is None or draft.value > event.value):
        event.value = draft.value
    event.is_urgent = event.is_urgent or draft.is_urgent
    event.save(update_fields=["reports", "last_reported_at", "value", "is_urgent"])
    return event


def _next_ref(division: Division, now: datetime) -> str:
    prefix = f"E{division.code[:6]}-{timezone.localtime(now):%Y%m%d}"
    counter, _created = EventCounter.objects.select_for_update().get_or_create(prefix=prefix)
    EventCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{counter.last:05d}"


def competent_department(event: Event) -> Department | None:
    """The department of the event's kind nearest its place, else the local government."""
    for kind in (event.department_kind, *FALLBACK_KINDS):
        found = department_covering(event.division, kind=kind, level=Level.VILLAGE)
        if found is not None:
            return found
    return None


def due_after(event: Event, now: datetime) -> datetime:
    """Urgent events in hours; the others in working days on the official calendar."""
    if event.is_urgent:
        return now + timedelta(hours=URGENT_HOURS)
    return add_working_days(now, WORKING_DAYS)


def _step(
    event: Event,
    action: str,
    *,
    at: datetime,
    role: str,
    department: Department | None = None,
    actor: User | None = None,
    note: str = "",
) -> EventStep:
    step = EventStep.objects.create(
        event=event, action=action, department=department, actor=actor, note=note, at=at
    )
    ledger.record(
        f"cityops.event_{action}",
        subject_ref=event.ref,
        actor_role=role,
        department=department.code if department else "city",
        payload={
            "state": event.state,
            "note_sha256": hashlib.sha256(note.encode()).hexdigest() if note else "",
        },
    )
    return step


def _move(event: Event, to: str, allowed: Iterable[str], *, now: datetime) -> None:
    if event.state not in allowed:
        raise Conflict(
            _("The event is %(state)s: this step is not possible now."),
            code="event_state",
            params={"state": EventState(event.state).label},
        )
    updated = Event.objects.filter(pk=event.pk, version=event.version).update(
        state=to, version=F("version") + 1
    )
    if not updated:
        raise Conflict(_("The event changed meanwhile: reload it."), code="event_changed")
    event.state = to
    event.version += 1


def _dispatch(
    event: Event, departments: Sequence[Department], *, actor: User | None, now: datetime
) -> None:
    _move(event, EventState.DISPATCHED, (EventState.OPEN, EventState.ESCALATED), now=now)
    Assignment.objects.filter(event=event).exclude(state=AssignmentState.DONE).update(
        state=AssignmentState.WITHDRAWN
    )
    event.due_at = due_after(event, now)
    event.save(update_fields=["due_at"])
    for index, department in enumerate(departments):
        Assignment.objects.create(
            event=event, department=department, is_lead=index == 0, dispatched_at=now
        )
        _step(
            event,
            "dispatched",
            at=now,
            role="city_operator" if actor else "system",
            department=department,
            actor=actor,
            note="lead" if index == 0 else "joint",
        )


def dispatch_event(
    operator: User, event: Event, departments: Sequence[Department], *, now: datetime | None = None
) -> Event:
    """An operator sends an open or escalated event to one department, or to several for
    joint handling (the first leads). Earlier unfinished assignments are withdrawn.

    Raises PermissionDenied for a non-operator, DomainError without a department,
    Conflict when the event is not open or escalated."""
    _require_operator(operator)
    now = now or timezone.now()
    unique = list(dict.fromkeys(departments))
    if not unique:
        raise DomainError(
            _("departments: name at least one department."),
            field="departments",
            code="no_department",
        )
    with transaction.atomic():
        _dispatch(event, unique, actor=operator, now=now)
    return event


def add_partner(
    operator: User, event: Event, department: Department, *, now: datetime | None = None
) -> Event:
    """Joint handling: another department takes a part of a dispatched event."""
    _require_operator(operator)
    now = now or timezone.now()
    with transaction.atomic():
        if event.state not in (EventState.DISPATCHED, EventState.ACCEPTED, EventState.IN_PROGRESS):
            raise Conflict(_("Only a dispatched event can be handled jointly."), code="event_state")
        if _live(event).filter(department=department).exists():
            raise Conflict(
                _("This department already has a part of the event."), code="already_assigned"
            )
        Assignment.objects.create(
            event=event, department=department, is_lead=False, dispatched_at=now
        )
        _step(event, "joined", at=now, role="city_operator", department=department, actor=operator)
    return event


def _live(event: Event) -> QuerySet[Assignment]:
    return Assignment.objects.filter(event=event).exclude(state=AssignmentState.WITHDRAWN)


def _assignment_of(officer: User, event: Event) -> Assignment:
    found = (
        _live(event).filter(department_id=officer.department_id).first()
        if officer.is_officer and officer.department_id is not None
        else None
    )
    if found is None:
        raise PermissionDenied(_("Your department has no part in this event."))
    return found


def accept_event(officer: User, event: Event, *, now: datetime | None = None) -> Event:
    """The department takes the event on. Raises PermissionDenied unless it was sent to the
    officer's department, Conflict when its part is not waiting for acceptance."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _assignment_of(officer, event)
        if assignment.state != AssignmentState.DISPATCHED:
            raise Conflict(
                _("Your department has accepted this event already."), code="event_state"
            )
        if event.state in (EventState.DISPATCHED, EventState.ESCALATED):
            _move(
                event, EventState.ACCEPTED, (EventState.DISPATCHED, EventState.ESCALATED), now=now
            )
        elif event.state not in (EventState.ACCEPTED, EventState.IN_PROGRESS):
            raise Conflict(_("The event is not waiting for acceptance."), code="event_state")
        assignment.state, assignment.accepted_at = AssignmentState.ACCEPTED, now
        assignment.save(update_fields=["state", "accepted_at"])
        _step(
            event,
            "accepted",
            at=now,
            role="department_officer",
            department=assignment.department,
            actor=officer,
        )
    return event


def report_progress(
    officer: User, event: Event, *, note: str, now: datetime | None = None
) -> Event:
    """The department says what it is doing. Raises DomainError without a note, Conflict
    before acceptance or after closure."""
    now = now or timezone.now()
    note = note.strip()
    if not note:
        raise DomainError(_("note: say what is being done."), field="note", code="note_required")
    with transaction.atomic():
        assignment = _assignment_of(officer, event)
        if assignment.state != AssignmentState.ACCEPTED:
            raise Conflict(_("Accept the event before reporting progress."), code="event_state")
        _move(event, EventState.IN_PROGRESS, (EventState.ACCEPTED, EventState.IN_PROGRESS), now=now)
        _step(
            event,
            "progress",
            at=now,
            role="department_officer",
            department=assignment.department,
            actor=officer,
            note=note[:2000],
        )
    return event


def close_event(
    officer: User,
    event: Event,
    *,
    evidence: str,
    evidence_file: UploadedFile | None = None,
    now: datetime | None = None,
) -> Event:
    """The department finishes its part with evidence (what was done, optionally a photo);
    the event closes when every department's part is done. Raises DomainError without
    evidence, Conflict before acceptance."""
    now = now or timezone.now()
    evidence = evidence.strip()
    if not evidence:
        raise DomainError(
            _("evidence: say what was done to close the event."),
            field="evidence",
            code="evidence_required",
        )
    with transaction.atomic():
        assignment = _assignment_of(officer, event)
        if assignment.state != AssignmentState.ACCEPTED or event.state not in (
            EventState.ACCEPTED,
            EventState.IN_PROGRESS,
        ):
            raise Conflict(_("Accept the event before closing it."), code="event_state")
        assignment.state, assignment.done_at, assignment.evidence = (
            AssignmentState.DONE,
            now,
            evidence[:4000],
        )
        if evidence_file is not None:
            assignment.evidence_file = evidence_file
        assignment.save()
        _step(
            event,
            "part_done",
            at=now,
            role="department_officer",
            department=assignment.department,
            actor=officer,
            note=evidence[:2000],
        )
        if not _live(event).exclude(state=AssignmentState.DONE).exists():
            _move(event, EventState.CLOSED, (EventState.ACCEPTED, EventState.IN_PROGRESS), now=now)
            event.closed_at = now
            event.save(update_fields=["closed_at"])
            _step(
                event,
                "closed",
                at=now,
                role="department_officer",
                department=assignment.department,
                actor=officer,
            )
    return event


ESCALABLE = (EventState.DISPATCHED, EventState.ACCEPTED, EventState.IN_PROGRESS)


def escalate_event(
    actor: User | None, event: Event, *, reason: str, now: datetime | None = None
) -> Event:
    """An operator (or the SLA clock, `actor` None) raises the event to the supervisors: it
    waits for a new dispatch or for the department to accept it anew, with a shorter due
    time. Raises PermissionDenied for a non-operator, Conflict when not escalable."""
    if actor is not None:
        _require_operator(actor)
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("reason: say why the event is escalated."), field="reason", code="reason_required"
        )
    with transaction.atomic():
        _move(event, EventState.ESCALATED, ESCALABLE, now=now)
        event.escalation_level += 1
        event.due_at = (
            now + timedelta(hours=URGENT_HOURS) if event.is_urgent else add_working_days(now, 1)
        )
        event.save(update_fields=["escalation_level", "due_at"])
        _live(event).filter(state=AssignmentState.ACCEPTED).update(
            state=AssignmentState.DISPATCHED, accepted_at=None
        )
        _step(
            event,
            "escalated",
            at=now,
            role="city_operator" if actor else "system",
            actor=actor,
            note=reason[:2000],
        )
    return event


def escalate_overdue(*, now: datetime | None = None) -> list[Event]:
    """Events past their due time, not yet escalated, are escalated by the clock."""
    now = now or timezone.now()
    return [
        escalate_event(None, event, reason="SLA breached", now=now)
        for event in Event.objects.filter(state__in=ESCALABLE, due_at__lt=now)
    ]


def return_event(officer: User, event: Event, *, reason: str, now: datetime | None = None) -> Event:
    """The lead department says the event is not theirs, before accepting it: it goes back
    to the operators, open. Raises DomainError without a reason, Conflict once accepted."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("reason: say why the event is not your department's."),
            field="reason",
            code="reason_required",
        )
    with transaction.atomic():
        assignment = _assignment_of(officer, event)
        if not assignment.is_lead or assignment.state != AssignmentState.DISPATCHED:
            raise Conflict(
                _("Only the lead department returns an event, before accepting it."),
                code="event_state",
            )
        _move(event, EventState.OPEN, (EventState.DISPATCHED,), now=now)
        _live(event).update(state=AssignmentState.WITHDRAWN)
        _step(
            event,
            "returned",
            at=now,
            role="department_officer",
            department=assignment.department,
            actor=officer,
            note=reason[:2000],
        )
    return event
