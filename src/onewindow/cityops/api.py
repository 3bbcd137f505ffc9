"""City operations over JSON at /api/v1/city: gateways post sensor readings with an ingest
key; city operators (dispatchers, supervisors) read every event, dispatch and escalate;
a department's officers accept, report progress, close with evidence or return the events
sent to them. Officer calls need a session confirmed with the second factor."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyHeader, django_auth

from onewindow.cityops import readings, selectors, services
from onewindow.cityops.models import Event, EventState, Sensor
from onewindow.core import ratelimit
from onewindow.core.errors import DomainError, PermissionDenied, documented_problems
from onewindow.core.models import Division
from onewindow.identity.decorators import verified_officer
from onewindow.identity.models import Department, User

router = Router(tags=["city operations"])

MAX_READINGS = 500
INGEST_LIMIT = ratelimit.Limit(
    "city_ingest.key",
    _("Too many readings from this gateway. Please try again in %(minutes)d minutes."),
)


class IngestKeyAuth(APIKeyHeader):
    param_name = "X-Ingest-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        return key if key and services.key_is_valid(key) else None


class CityAssignmentOut(Schema):
    department: str
    department_name: str
    is_lead: bool
    state: str
    accepted_at: datetime | None
    done_at: datetime | None
    evidence: str


class CityStepOut(Schema):
    action: str
    department: str | None
    note: str
    at: datetime


class CityEventOut(Schema):
    ref: str
    source: str
    source_ref: str
    category: str
    title: str
    division: str
    latitude: float | None
    longitude: float | None
    value: float | None
    unit: str
    is_urgent: bool
    state: str
    occurred_at: datetime
    last_reported_at: datetime
    reports: int
    due_at: datetime | None
    is_overdue: bool
    escalation_level: int
    closed_at: datetime | None
    assignments: list[CityAssignmentOut]
    steps: list[CityStepOut]


def event_out(event: Event, *, with_history: bool = True) -> dict[str, Any]:
    return {
        "ref": event.ref,
        "source": event.source,
        "source_ref": event.source_ref,
        "category": event.category,
        "title": event.title,
        "division": event.division.code,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "value": event.value,
        "unit": event.unit,
        "is_urgent": event.is_urgent,
        "state": event.state,
        "occurred_at": event.occurred_at,
        "last_reported_at": event.last_reported_at,
        "reports": event.reports,
        "due_at": event.due_at,
        "is_overdue": bool(event.is_open and event.due_at and event.due_at < timezone.now()),
        "escalation_level": event.escalation_level,
        "closed_at": event.closed_at,
        "assignments": [
            {
                "department": a.department.code,
                "department_name": a.department.name,
                "is_lead": a.is_lead,
                "state": a.state,
                "accepted_at": a.accepted_at,
                "done_at": a.done_at,
                "evidence": a.evidence,
            }
            for a in selectors.live_assignments(event)
        ]
        if with_history
        else [],
        "steps": [
            {
                "action": step.action,
                "department": step.department.code if step.department else None,
                "note": step.note,
                "at": step.at,
            }
            for step in event.steps.select_related("department")
        ]
        if with_history
        else [],
    }


def _division(code: str) -> Division | None:
    if not code:
        return None
    found = Division.objects.filter(code=code).first()
    if found is None:
        raise DomainError(
            _("No division has this code."), field="division", code="unknown_division"
        )
    return found


@router.get(
    "/city/events",
    response=list[CityEventOut],
    summary="Events I may see (operators: all; officers: their department's)",
    auth=django_auth,
    openapi_extra=documented_problems(400),
)
def list_events(
    request: HttpRequest, state: str = "", division: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    """Latest reported first; `state` one of open, dispatched, accepted, in_progress,
    escalated, closed; `division` a code (the division and below); `limit` at most 500."""
    officer = verified_officer(request)
    if state and state not in EventState.values:
        raise DomainError(_("state: not a state of an event."), field="state", code="bad_state")
    events = selectors.in_division(selectors.events_for(officer), _division(division))
    if state:
        events = events.filter(state=state)
    return [
        event_out(event, with_history=False)
        for event in events.order_by("-last_reported_at")[: max(1, min(limit, 500))]
    ]


@router.get(
    "/city/events/{ref}",
    response=CityEventOut,
    summary="One event with its history",
    auth=django_auth,
)
def one_event(request: HttpRequest, ref: str) -> dict[str, Any]:
    return event_out(selectors.access_event(verified_officer(request), ref))


class CityDispatchIn(Schema):
    departments: list[str] = Field(..., description="department codes; the first leads")


def _departments(codes: list[str]) -> list[Department]:
    found = Department.objects.in_bulk(codes, field_name="code")
    missing = [code for code in codes if code not in found]
    if missing:
        raise DomainError(
            _("departments: no department has the code %(code)s."),
            field="departments",
            code="unknown_department",
            params={"code": missing[0][:40]},
        )
    return [found[code] for code in codes]


@router.post(
    "/city/events/{ref}/dispatch",
    response=CityEventOut,
    summary="Dispatch an event (operators)",
    auth=django_auth,
)
def dispatch(request: HttpRequest, ref: str, body: CityDispatchIn) -> dict[str, Any]:
    """To one department, or several for joint handling."""
    officer = verified_officer(request)
    event = selectors.access_event(officer, ref)
    services.dispatch_event(officer, event, _departments(body.departments))
    return event_out(selectors.access_event(officer, ref))


class CityPartnerIn(Schema):
    department: str


@router.post(
    "/city/events/{ref}/partners",
    response=CityEventOut,
    summary="Add a department for joint handling (operators)",
    auth=django_auth,
)
def add_partner(request: HttpRequest, ref: str, body: CityPartnerIn) -> dict[str, Any]:
    officer = verified_officer(request)
    event = selectors.access_event(officer, ref)
    services.add_partner(officer, event, _departments([body.department])[0])
    return event_out(selectors.access_event(officer, ref))


@router.post(
    "/city/events/{ref}/accept",
    response=CityEventOut,
    summary="Accept an event (its department)",
    auth=django_auth,
)
def accept(request: HttpRequest, ref: str) -> dict[str, Any]:
    officer = verified_officer(request)
    services.accept_event(officer, selectors.access_event(officer, ref))
    return event_out(selectors.access_event(officer, ref))


class CityNoteIn(Schema):
    note: str


@router.post(
    "/city/events/{ref}/progress",
    response=CityEventOut,
    summary="Report progress (its department)",
    auth=django_auth,
)
def progress(request: HttpRequest, ref: str, body: CityNoteIn) -> dict[str, Any]:
    officer = verified_officer(request)
    services.report_progress(officer, selectors.access_event(officer, ref), note=body.note)
    return event_out(selectors.access_event(officer, ref))


class CityEvidenceIn(Schema):
    evidence: str = Field(..., description="what was done; a photo can be added on the page")


@router.post(
    "/city/events/{ref}/close",
    response=CityEventOut,
    summary="Close the department's part with evidence",
    auth=django_auth,
)
def close(request: HttpRequest, ref: str, body: CityEvidenceIn) -> dict[str, Any]:
    """The event closes when every department's part is done."""
    officer = verified_officer(request)
    services.close_event(officer, selectors.access_event(officer, ref), evidence=body.evidence)
    return event_out(selectors.access_event(officer, ref))


class CityReasonIn(Schema):
    reason: str


@router.post(
    "/city/events/{ref}/escalate",
    response=CityEventOut,
    summary="Escalate an event (operators)",
    auth=django_auth,
)
def escalate(request: HttpRequest, ref: str, body: CityReasonIn) -> dict[str, Any]:
    officer = verified_officer(request)
    services.escalate_event(officer, selectors.access_event(officer, ref), reason=body.reason)
    return event_out(selectors.access_event(officer, ref))


@router.post(
    "/city/events/{ref}/return",
    response=CityEventOut,
    summary="Return an event as not ours (lead department)",
    auth=django_auth,
)
def give_back(request: HttpRequest, ref: str, body: CityReasonIn) -> dict[str, Any]:
    officer = verified_officer(request)
    event = services.return_event(officer, selectors.access_event(officer, ref), reason=body.reason)
    # Returned, it is no longer the department's to see: answer with it as it was left.
    event.refresh_from_db()
    return event_out(event)


class CitySensorIn(Schema):
    ref: str
    kind: str = Field(..., description="water_level, air_quality, manhole_cover or traffic_counter")
    division: str
    place: str
    latitude: float
    longitude: float


class CitySensorOut(Schema):
    ref: str
    kind: str
    unit: str
    division: str
    place: str
    latitude: float
    longitude: float
    is_active: bool
    last_value: float | None
    last_measured_at: datetime | None
    throttled: int


def sensor_out(sensor: Sensor) -> dict[str, Any]:
    return {
        "ref": sensor.ref,
        "kind": sensor.kind,
        "unit": sensor.unit,
        "division": sensor.division.code,
        "place": sensor.place,
        "latitude": sensor.latitude,
        "longitude": sensor.longitude,
        "is_active": sensor.is_active,
        "last_value": sensor.last_value,
        "last_measured_at": sensor.last_measured_at,
        "throttled": sensor.throttled,
    }


def _operator(request: HttpRequest) -> User:
    officer = verified_officer(request)
    if not services.is_operator(officer):
        raise PermissionDenied(_("Only a city operator (dispatcher or supervisor) does this."))
    return officer


@router.get(
    "/city/sensors",
    response=list[CitySensorOut],
    summary="The sensor registry with the latest readings (operators)",
    auth=django_auth,
)
def sensors(request: HttpRequest) -> list[dict[str, Any]]:
    _operator(request)
    return [sensor_out(sensor) for sensor in selectors.all_sensors()[:1000]]


@router.post(
    "/city/sensors",
    response={201: CitySensorOut},
    summary="Register a sensor (operators)",
    auth=django_auth,
)
def register_sensor(request: HttpRequest, body: CitySensorIn) -> Status[dict[str, Any]]:
    officer = verified_officer(request)
    division = _division(body.division)
    if division is None:
        raise DomainError(
            _("division: the sensor's division is required."),
            field="division",
            code="unknown_division",
        )
    sensor = services.register_sensor(
        officer,
        ref=body.ref,
        kind=body.kind,
        division=division,
        place=body.place,
        latitude=body.latitude,
        longitude=body.longitude,
    )
    return Status(201, sensor_out(sensor))


class CityIngestKeyIn(Schema):
    name: str = Field(..., description="which gateway the key is for")


class CityIngestKeyOut(Schema):
    name: str
    key: str = Field(..., description="shown once: only its hash is kept")


@router.post(
    "/city/ingest-keys",
    response={201: CityIngestKeyOut},
    summary="Issue a key for a gateway posting readings (operators)",
    auth=django_auth,
)
def issue_ingest_key(request: HttpRequest, body: CityIngestKeyIn) -> Status[dict[str, Any]]:
    ingest_key, key = services.issue_ingest_key(_operator(request), name=body.name)
    return Status(201, {"name": ingest_key.name, "key": key})


class CityReadingsIn(Schema):
    readings: list[dict[str, Any]] = Field(
        ...,
        description='at most 500 of {"sensor": id, "value": number, "unit": text, '
        '"measured_at": ISO 8601 with offset}',
    )


class CityRefusedOut(Schema):
    index: int
    sensor: str
    reason: str = Field(
        ..., description="malformed, unknown_sensor, bad_unit, out_of_range or future_time"
    )
    detail: str


class CityIngestOut(Schema):
    accepted: int
    stored: int = Field(
        ..., description="readings kept as rows (one per sensor per throttle interval)"
    )
    throttled: int = Field(..., description="readings folded into a later one; the latest is kept")
    events: list[str]
    refused: list[CityRefusedOut]


@router.post(
    "/city/readings",
    response={202: CityIngestOut},
    summary="Post sensor readings (a gateway, with its X-Ingest-Key)",
    auth=IngestKeyAuth(),
    openapi_extra=documented_problems(429),
)
def ingest(request: HttpRequest, body: CityReadingsIn) -> Status[dict[str, Any]]:
    """What MQTT does, over HTTP. Each refused reading is named with its reason (and kept in
    the rejected-message log); the others are taken."""
    ratelimit.hit(INGEST_LIMIT, str(getattr(request, "auth", ""))[:16])
    if len(body.readings) > MAX_READINGS:
        raise DomainError(
            _("readings: at most 500 in one request."), field="readings", code="too_many"
        )
    batch: list[tuple[services.Incoming, readings.Message | readings.Refused]] = []
    for item in body.readings:
        sensor_ref = str(item.get("sensor", ""))[:40]
        incoming = services.Incoming("http", "", _json(item))
        try:
            if not sensor_ref:
                raise readings.Refused("malformed", _("sensor: the sensor id is required."))
            batch.append((incoming, readings.from_fields(item, sensor_ref=sensor_ref)))
        except readings.Refused as refused:
            batch.append((incoming, refused))
    result = services.ingest(batch)
    return Status(
        202,
        {
            "accepted": result.accepted,
            "stored": result.stored,
            "throttled": result.throttled,
            "events": sorted({event.ref for event in result.events}),
            "refused": [
                {
                    "index": index,
                    "sensor": rejected.sensor_ref,
                    "reason": rejected.reason,
                    "detail": rejected.detail,
                }
                for index, rejected in zip(result.rejected_at, result.rejected, strict=True)
            ],
        },
    )


def _json(item: dict[str, Any]) -> bytes:
    return json.dumps(item, ensure_ascii=False, default=str).encode()


class CityRejectedOut(Schema):
    received_at: datetime
    channel: str
    topic: str
    sensor: str
    reason: str
    detail: str
    payload: str


@router.get(
    "/city/rejected",
    response=list[CityRejectedOut],
    summary="Sensor messages refused at the door (operators)",
    auth=django_auth,
)
def rejected(request: HttpRequest) -> list[dict[str, Any]]:
    _operator(request)
    return [
        {
            "received_at": r.received_at,
            "channel": r.channel,
            "topic": r.topic,
            "sensor": r.sensor_ref,
            "reason": r.reason,
            "detail": r.detail,
            "payload": r.payload,
        }
        for r in selectors.rejected_messages()
    ]


class CityCountOut(Schema):
    key: str
    label: str
    count: int


class CityDepartmentCountOut(Schema):
    department: str
    name: str
    open: int
    overdue: int


class CityDashboardOut(Schema):
    division: str | None
    by_state: list[CityCountOut]
    by_department: list[CityDepartmentCountOut]
    overdue: list[str]
    rising_topics: list[CityCountOut]


@router.get(
    "/city/dashboard",
    response=CityDashboardOut,
    summary="The city dashboard's figures (operators)",
    auth=django_auth,
    openapi_extra=documented_problems(400),
)
def dashboard(request: HttpRequest, division: str = "") -> dict[str, Any]:
    _operator(request)
    board = selectors.dashboard(_division(division))
    return {
        "division": board.division.code if board.division else None,
        "by_state": [{"key": k, "label": label, "count": n} for k, label, n in board.by_state],
        "by_department": [
            {"department": d.code, "name": d.name, "open": n, "overdue": late}
            for d, n, late in board.by_department
        ],
        "overdue": [event.ref for event in board.breaches],
        "rising_topics": [{"key": t.term, "label": t.term, "count": t.count} for t in board.rising],
    }
