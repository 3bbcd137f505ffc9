"""Readings turned into events: thresholds, merging by place and time, throttling that keeps
the latest reading, refused messages logged for a person to see, joint handling, SLAs, and
events from the hotline and alerts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.cityops import readings, services, sources
from onewindow.cityops.models import (
    AssignmentState,
    Event,
    EventState,
    Reading,
    RejectedMessage,
    Sensor,
)
from onewindow.core.calendar import add_working_days
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from tests.cityops import factories


def _message(
    sensor: Sensor, value: float, *, seconds: int = 0, unit: str | None = None
) -> tuple[services.Incoming, readings.Message | readings.Refused]:
    when = timezone.now() - timedelta(minutes=5) + timedelta(seconds=seconds)
    body = {"value": value, "unit": unit or sensor.unit, "measured_at": when.isoformat()}
    topic = f"onewindow/sensors/{sensor.ref}/reading"
    return _raw(topic, json.dumps(body).encode())


def _raw(
    topic: str, payload: bytes
) -> tuple[services.Incoming, readings.Message | readings.Refused]:
    incoming = services.Incoming("mqtt", topic, payload)
    try:
        return incoming, readings.parse(payload, sensor_ref=readings.sensor_of_topic(topic))
    except readings.Refused as refused:
        return incoming, refused


@pytest.fixture
def city(divisions: dict[str, Division]) -> factories.City:
    return factories.city(divisions, sensors=2)


def _sensor(city: factories.City, kind: str, index: int = 0) -> Sensor:
    return next(s for s in city.sensors if s.kind == kind and s.ref.endswith(f"-{index:02d}"))


@pytest.mark.django_db
def test_a_reading_above_threshold_becomes_an_event_dispatched_with_its_due_time(
    city: factories.City,
) -> None:
    water = _sensor(city, "water_level")
    now = timezone.now()
    result = services.ingest([_message(water, 3.2)], now=now)
    assert len(result.events) == 1
    event = result.events[0]
    assert event.state == EventState.DISPATCHED
    assert not event.is_urgent
    assert event.due_at == add_working_days(now, services.WORKING_DAYS)
    assignment = event.assignments.get()
    assert assignment.department == city.departments["emergency"]
    assert assignment.is_lead


@pytest.mark.django_db
def test_an_urgent_reading_is_due_in_hours(city: factories.City) -> None:
    cover = _sensor(city, "manhole_cover")
    now = timezone.now()
    event = services.ingest([_message(cover, 45)], now=now).events[0]
    assert event.is_urgent
    assert event.due_at == now + timedelta(hours=services.URGENT_HOURS)
    # the community's manhole covers are Xihu's urban management's, not the city's
    assert event.assignments.get().department == city.departments["xihu-city_management"]


@pytest.mark.django_db
def test_readings_below_threshold_make_no_event(city: factories.City) -> None:
    air = _sensor(city, "air_quality")
    result = services.ingest([_message(air, 40), _message(air, 74.9, seconds=20)])
    assert result.events == []
    assert not Event.objects.exists()
    air.refresh_from_db()
    assert air.last_value == 74.9


@pytest.mark.django_db
def test_reports_of_the_same_thing_at_the_same_place_are_merged(city: factories.City) -> None:
    water = _sensor(city, "water_level")
    services.ingest([_message(water, 3.1)])
    services.ingest([_message(water, 3.6, seconds=30)])
    event = Event.objects.get()
    assert event.reports == 2
    assert event.value == 3.6
    # a report three hours later is a new event
    later = timezone.now() + timedelta(hours=3)
    services.record_event(
        services.EventDraft(
            source="sensor",
            source_ref=water.ref,
            category="sensor.water_level",
            department_kind="emergency",
            title="x",
            division=water.division,
            latitude=water.latitude,
            longitude=water.longitude,
            occurred_at=later,
        ),
        now=later,
    )
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_the_same_kind_far_away_is_another_event(city: factories.City) -> None:
    first, second = _sensor(city, "water_level", 0), _sensor(city, "water_level", 1)
    second.division = first.division
    second.save()
    assert (
        services.metres_between(
            (first.latitude, first.longitude), (second.latitude, second.longitude)
        )
        > 500
    )
    services.ingest([_message(first, 3.5), _message(second, 3.5)])
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_a_flood_is_throttled_without_losing_the_latest_or_the_worst_reading(
    city: factories.City,
) -> None:
    traffic = _sensor(city, "traffic_counter")
    flood = [_message(traffic, 30 + (i % 7), seconds=i // 30) for i in range(300)]
    flood.insert(150, _message(traffic, 95, seconds=5))
    flood.append(_message(traffic, 12, seconds=11))
    result = services.ingest(flood)
    traffic.refresh_from_db()
    assert traffic.last_value == 12  # the latest
    assert result.accepted == 302
    assert result.stored == 1
    assert result.throttled == 301
    assert Reading.objects.get(sensor=traffic).value == 95  # the worst, above threshold
    assert Event.objects.get().value == 95
    # the next batch within the throttle interval stores nothing, but keeps the latest
    again = services.ingest([_message(traffic, 20, seconds=13)])
    traffic.refresh_from_db()
    assert again.stored == 0
    assert traffic.last_value == 20
    assert traffic.throttled == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("onewindow/sensors/nobody-01/reading", {"value": 1, "unit": "m"}, "unknown_sensor"),
        ("onewindow/sensors/water-00/reading", {"value": 1, "unit": "cm"}, "bad_unit"),
        ("onewindow/sensors/water-00/reading", {"value": 99, "unit": "m"}, "out_of_range"),
        (
            "onewindow/sensors/water-00/reading",
            {"value": 1, "unit": "m", "future": True},
            "future_time",
        ),
        ("onewindow/sensors/water-00/reading", b"\xff\xfe not json", "malformed"),
        ("onewindow/sensors/water-00/reading", b"[1, 2]", "malformed"),
        ("onewindow/sensors/water-00/reading", {"value": "high", "unit": "m"}, "malformed"),
        ("onewindow/sensors/water-00/reading", {"value": True, "unit": "m"}, "malformed"),
        (
            "onewindow/sensors/water-00/reading",
            {"value": 1, "unit": "m", "measured_at": "yesterday"},
            "malformed",
        ),
        ("onewindow/sensors/water-00/reading", b'{"value": NaN, "unit": "m"}', "malformed"),
        ("onewindow/other/water-00", {"value": 1, "unit": "m"}, "bad_topic"),
    ],
)
def test_bad_messages_are_refused_and_logged_for_a_person(
    city: factories.City, topic: str, payload: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    if isinstance(payload, dict):
        when = timezone.now() + (
            timedelta(hours=1) if payload.pop("future", False) else -timedelta(minutes=1)
        )
        payload = json.dumps({"measured_at": when.isoformat(), **payload}).encode()
    assert isinstance(payload, bytes)
    result = services.ingest([_raw(topic, payload)])
    assert result.accepted == 0
    assert not Event.objects.exists()
    assert not Reading.objects.exists()
    rejected = RejectedMessage.objects.get()
    assert rejected.reason == reason
    assert rejected.detail
    assert rejected.channel == "mqtt"
    assert reason in caplog.text


@pytest.mark.django_db
def test_a_bad_message_in_a_batch_refuses_only_itself(city: factories.City) -> None:
    water = _sensor(city, "water_level")
    result = services.ingest(
        [_raw(f"onewindow/sensors/{water.ref}/reading", b"{"), _message(water, 3.3)]
    )
    assert result.accepted == 1
    assert result.rejected_at == [0]
    assert len(result.events) == 1


@pytest.mark.django_db
def test_joint_handling_closes_when_every_department_is_done(city: factories.City) -> None:
    water = _sensor(city, "water_level", 1)  # Chun'an: the city's departments
    event = services.ingest([_message(water, 3.4)]).events[0]
    assert city.operator is not None
    services.add_partner(city.operator, event, city.departments["transport"])
    with pytest.raises(Conflict):
        services.add_partner(city.operator, event, city.departments["transport"])
    lead, partner = city.officers["emergency"], city.officers["transport"]
    services.accept_event(lead, event)
    services.accept_event(partner, event)
    services.close_event(lead, event, evidence="水泵已抽排")
    event.refresh_from_db()
    assert event.state == EventState.ACCEPTED  # the partner's part is not done
    services.close_event(partner, event, evidence="道路已封闭并恢复通行")
    event.refresh_from_db()
    assert event.state == EventState.CLOSED
    assert event.closed_at is not None
    assert set(event.assignments.values_list("state", flat=True)) == {AssignmentState.DONE}


@pytest.mark.django_db
def test_only_operators_dispatch_and_a_department_acts_only_on_its_events(
    city: factories.City,
) -> None:
    water = _sensor(city, "water_level", 1)
    event = services.ingest([_message(water, 3.4)]).events[0]
    with pytest.raises(PermissionDenied):
        services.escalate_event(city.officers["emergency"], event, reason="x")
    with pytest.raises(PermissionDenied):
        services.accept_event(city.officers["ecology"], event)
    with pytest.raises(DomainError):
        services.dispatch_event(city.operator, event, [])  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_sla_clock_escalates_overdue_events(city: factories.City) -> None:
    water = _sensor(city, "water_level", 1)
    event = services.ingest([_message(water, 3.4)]).events[0]
    assert event.due_at is not None
    late = event.due_at + timedelta(minutes=1)
    escalated = services.escalate_overdue(now=late)
    assert [e.pk for e in escalated] == [event.pk]
    event.refresh_from_db()
    assert event.state == EventState.ESCALATED
    assert event.escalation_level == 1
    assert event.due_at > late
    assert services.escalate_overdue(now=late) == []


@pytest.mark.django_db
def test_sensor_registry_refuses_bad_entries(city: factories.City) -> None:
    assert city.operator is not None
    place = city.divisions["community"]
    with pytest.raises(Conflict):
        services.register_sensor(
            city.operator,
            ref="water-00",
            kind="water_level",
            division=place,
            place="x",
            latitude=30,
            longitude=120,
        )
    with pytest.raises(DomainError) as error:
        services.register_sensor(
            city.operator,
            ref="a/b",
            kind="water_level",
            division=place,
            place="x",
            latitude=30,
            longitude=120,
        )
    assert error.value.field == "ref"
    with pytest.raises(DomainError) as error:
        services.register_sensor(
            city.operator,
            ref="x1",
            kind="noise",
            division=place,
            place="x",
            latitude=30,
            longitude=120,
        )
    assert error.value.field == "kind"
    with pytest.raises(PermissionDenied):
        services.register_sensor(
            city.officers["transport"],
            ref="x2",
            kind="water_level",
            division=place,
            place="x",
            latitude=30,
            longitude=120,
        )


@pytest.mark.django_db
def test_hotline_cases_about_the_city_become_events_once(
    city: factories.City, divisions: dict[str, Division]
) -> None:
    from tests.grievances import factories as hotline

    street_light = hotline.call(divisions["village"])  # the router files it under street lights
    hotline.call(divisions["village"], hotline.WAGES, phone="13900002222")  # not a city event
    assert sources.collect() == 1
    event = Event.objects.get(source="hotline")
    assert event.source_ref == street_light.ref
    assert event.category == "hotline.city.street_lighting"
    assert street_light.text not in event.title  # the caller's words stay in the hotline
    assert event.state == EventState.DISPATCHED
    assert sources.collect() == 0
    assert Event.objects.filter(source="hotline").count() == 1


@pytest.mark.django_db
def test_an_inspection_finding_becomes_an_event_for_the_inspecting_department(
    city: factories.City, divisions: dict[str, Division]
) -> None:
    from onewindow.supervision.models import Finding
    from onewindow.supervision.signals import finding_recorded

    values = {
        "inspection_ref": "I330106-20261203-0001",
        "business_credit_code": "91330106MA2XXXXXXX",
        "business_name": "西湖小吃店",
        "division_code": divisions["community"].code,
        "department_codes": [city.departments["ecology"].code],
        "description": "油烟净化器未开启",
        "recorded_at": timezone.now(),
    }
    finding_recorded.send(sender=Finding, finding_id=1, severity="serious", **values)
    finding_recorded.send(sender=Finding, finding_id=2, severity="minor", **values)
    event = Event.objects.get(source="inspection")
    assert event.source_ref == "I330106-20261203-0001#1"
    assert event.reports == 2  # the same visit's second finding is merged
    assert event.is_urgent
    assert "油烟" not in event.title
    assert event.assignments.get().department == city.departments["ecology"]
