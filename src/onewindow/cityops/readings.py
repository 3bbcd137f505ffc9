"""Sensor messages: what a reading must look like, each kind's unit and thresholds, and the
reasons a message is refused. Pure functions: the MQTT consumer and HTTP ingest share them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.cityops.models import SensorKind

TOPIC_PREFIX = "onewindow/sensors/"  # onewindow/sensors/<sensor id>/reading
# A sensor's clock may run a little ahead of ours; more than this is a reading from the future.
CLOCK_SKEW = timedelta(seconds=60)
MAX_PAYLOAD = 2048


@dataclass(frozen=True)
class Rule:
    """A kind of sensor: its unit, the plausible range of a reading, the value from which a
    reading is an event and from which the event is urgent, the department that acts."""

    unit: str
    low: float
    high: float
    threshold: float
    urgent: float
    department_kind: str
    label: Promise


RULES: dict[str, Rule] = {
    SensorKind.WATER_LEVEL: Rule(
        "m", -5, 30, 3.0, 4.0, "emergency", _("Water above the warning level")
    ),
    SensorKind.AIR_QUALITY: Rule("ug/m3", 0, 2000, 75, 150, "ecology", _("PM2.5 above the limit")),
    SensorKind.MANHOLE_COVER: Rule(
        "deg", 0, 180, 15, 30, "city_management", _("Manhole cover lifted or tilted")
    ),
    SensorKind.TRAFFIC_COUNTER: Rule(
        "veh/min", 0, 1000, 60, 90, "transport", _("Traffic congestion")
    ),
}


@dataclass(frozen=True)
class Message:
    """A reading as it arrived, parsed: not yet checked against the registry."""

    sensor_ref: str
    value: float
    unit: str
    measured_at: datetime


class Refused(Exception):
    """A message refused at the door, with a stable reason code."""

    def __init__(self, reason: str, detail: str | Promise, *, sensor_ref: str = "") -> None:
        super().__init__(str(detail))
        self.reason = reason
        self.detail = detail
        self.sensor_ref = sensor_ref


def sensor_of_topic(topic: str) -> str:
    if not topic.startswith(TOPIC_PREFIX) or not topic.endswith("/reading"):
        raise Refused("bad_topic", _("The topic is not onewindow/sensors/<sensor id>/reading."))
    ref = topic[len(TOPIC_PREFIX) : -len("/reading")]
    if not ref or "/" in ref or len(ref) > 40:
        raise Refused("bad_topic", _("The topic does not name one sensor id."))
    return ref


def parse(payload: bytes, *, sensor_ref: str) -> Message:
    """`{"value": 3.2, "unit": "m", "measured_at": "2026-12-03T08:00:00+00:00"}`; raises
    Refused("malformed") naming what is wrong."""
    if len(payload) > MAX_PAYLOAD:
        raise Refused(
            "malformed", _("The message is longer than 2048 bytes."), sensor_ref=sensor_ref
        )
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("malformed", _("The message is not JSON."), sensor_ref=sensor_ref) from None
    if not isinstance(body, dict):
        raise Refused("malformed", _("The message is not a JSON object."), sensor_ref=sensor_ref)
    return from_fields(body, sensor_ref=sensor_ref)


def from_fields(body: dict[str, object], *, sensor_ref: str) -> Message:
    value, unit, when = body.get("value"), body.get("unit"), body.get("measured_at")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused("malformed", _("value: a finite number is required."), sensor_ref=sensor_ref)
    if not isinstance(unit, str) or not unit:
        raise Refused(
            "malformed", _("unit: the unit of the value is required."), sensor_ref=sensor_ref
        )
    moment = parse_datetime(when) if isinstance(when, str) else None
    if moment is None or moment.tzinfo is None:
        raise Refused(
            "malformed",
            _("measured_at: an ISO 8601 time with its UTC offset is required."),
            sensor_ref=sensor_ref,
        )
    return Message(sensor_ref, float(value), unit, moment)


def check(message: Message, *, kind: str, unit: str, now: datetime) -> None:
    """Against the registered sensor: its unit, the plausible range, and no future time."""
    rule = RULES[kind]
    if message.unit != unit:
        raise Refused(
            "bad_unit",
            _("unit: this sensor reports in %(unit)s, not %(given)s.")
            % {"unit": unit, "given": message.unit[:16]},
            sensor_ref=message.sensor_ref,
        )
    if not rule.low <= message.value <= rule.high:
        raise Refused(
            "out_of_range",
            _("value: %(value)s is outside the plausible range %(low)s to %(high)s.")
            % {"value": message.value, "low": rule.low, "high": rule.high},
            sensor_ref=message.sensor_ref,
        )
    if message.measured_at > now + CLOCK_SKEW:
        raise Refused(
            "future_time",
            _("measured_at: the time is in the future."),
            sensor_ref=message.sensor_ref,
        )


def is_event(kind: str, value: float) -> bool:
    return value >= RULES[kind].threshold


def is_urgent(kind: str, value: float) -> bool:
    return value >= RULES[kind].urgent
