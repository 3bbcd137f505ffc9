"""The demo's city operations: outlines generated around the counties' centres (the map
says they are generated), twenty sensors of the four kinds, and a day of events in every
state: from sensors and the hotline's cases, dispatched, accepted, in progress, escalated,
returned, closed with evidence, one handled jointly, one past its due time. All through the
real services; `onewindow cityops-simulate` then keeps the sensors publishing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from onewindow.alerts.models import DivisionExtent
from onewindow.cityops import boundaries, readings, services, sources
from onewindow.cityops.models import Event, Sensor, SensorKind
from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.identity.models import Department, User

# Where each kind of sensor stands: water levels on the rural counties' rivers, the others
# in the two urban districts.
PLACES = {
    SensorKind.WATER_LEVEL: ("330127", "330182"),
    SensorKind.AIR_QUALITY: ("330102", "330106"),
    SensorKind.MANHOLE_COVER: ("330102", "330106"),
    SensorKind.TRAFFIC_COUNTER: ("330102", "330106"),
}
PLACE_NAMES = {
    SensorKind.WATER_LEVEL: "水文站",
    SensorKind.AIR_QUALITY: "空气监测点",
    SensorKind.MANHOLE_COVER: "井盖",
    SensorKind.TRAFFIC_COUNTER: "路口",
}
# Who acts for each department kind in the demo (demo/data/city.json's officers).
HANDLERS = {
    "emergency": "alert-author",
    "city_management": "city-urban",
    "transport": "city-transport",
    "ecology": "city-ecology",
}
# What becomes of the day's sensor events, in order (cycled).
FATES = (
    "dispatched",
    "accepted",
    "in_progress",
    "closed",
    "escalated",
    "returned",
    "joint",
    "overdue",
    "closed",
    "in_progress",
)


def seed_city_operations(rng: random.Random) -> tuple[int, int]:
    """Idempotent: does nothing when sensors exist. Returns (sensors, events)."""
    if Sensor.objects.exists():
        return Sensor.objects.count(), Event.objects.count()
    operator = User.objects.get(username="dispatcher")
    counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
    boundaries.generate_around_centres(counties)
    sensors = _sensors(operator, rng)
    now = timezone.now()
    # The day's latest readings, below threshold: the dashboard shows every sensor's value.
    services.ingest(
        [
            _reading(
                sensor,
                readings.RULES[sensor.kind].threshold * rng.uniform(0.3, 0.7),
                now - timedelta(minutes=2),
            )
            for sensor in sensors
        ],
        now=now,
    )
    for index, sensor in enumerate(sensors[::2]):
        when = now - timedelta(hours=23) + timedelta(hours=2.2 * index)
        rule = readings.RULES[sensor.kind]
        value = (
            rule.urgent * 1.1
            if FATES[index % len(FATES)] == "overdue"
            else rule.threshold * rng.uniform(1.05, 1.3)
        )
        result = services.ingest([_reading(sensor, value, when)], now=when)
        for event in result.events:
            _play(event, FATES[index % len(FATES)], operator, when)
    sources.collect()  # the hotline's cases about the city
    return len(sensors), Event.objects.count()


def _sensors(operator: User, rng: random.Random) -> list[Sensor]:
    made: list[Sensor] = []
    for kind, counties in PLACES.items():
        townships = list(
            Division.objects.filter(level=Level.TOWNSHIP, parent__code__in=counties).order_by(
                "code"
            )
        )
        extents = {e.division_id: e for e in DivisionExtent.objects.filter(division__in=townships)}
        for number in range(1, 6):
            township = townships[(number * 3 + len(made)) % len(townships)]
            extent = extents[township.pk]
            made.append(
                services.register_sensor(
                    operator,
                    ref=f"{kind.value[:5].upper()}-{number:02d}",
                    kind=kind,
                    division=township,
                    place=f"{township.name_zh}{PLACE_NAMES[kind]}{number}号",
                    latitude=round(extent.centre_lat + rng.uniform(-0.015, 0.015), 5),
                    longitude=round(extent.centre_lon + rng.uniform(-0.015, 0.015), 5),
                )
            )
    return made


def _reading(
    sensor: Sensor, value: float, when: datetime
) -> tuple[services.Incoming, readings.Message]:
    return (
        services.Incoming("mqtt", f"onewindow/sensors/{sensor.ref}/reading", b""),
        readings.Message(sensor.ref, round(value, 2), sensor.unit, when),
    )


def _handler(event: Event) -> User:
    return User.objects.get(username=HANDLERS.get(event.department_kind, "alert-author"))


def _play(event: Event, fate: str, operator: User, when: datetime) -> None:
    """Move a new (dispatched) event to its fate, each step a little later in the day."""
    officer = _handler(event)
    later = iter(when + timedelta(minutes=minutes) for minutes in (15, 50, 130, 170, 200))
    if fate in ("dispatched", "overdue"):
        return
    if fate == "returned":
        services.return_event(
            officer, event, reason="点位不在本部门辖区，请重新派遣", now=next(later)
        )
        return
    if fate == "joint":
        partner = Department.objects.get(code="330100-TRANS")
        services.add_partner(operator, event, partner, now=next(later))
        services.accept_event(officer, event, now=next(later))
        services.accept_event(User.objects.get(username="city-transport"), event, now=next(later))
        services.close_event(officer, event, evidence="已处置，现场复核正常", now=next(later))
        return
    if fate == "escalated":
        services.escalate_event(operator, event, reason="部门未按时受理", now=next(later))
        return
    services.accept_event(officer, event, now=next(later))
    if fate == "accepted":
        return
    services.report_progress(officer, event, note="人员已到场处置", now=next(later))
    if fate == "closed":
        services.close_event(
            officer, event, evidence="已处置完毕，读数恢复正常，附现场记录", now=next(later)
        )
