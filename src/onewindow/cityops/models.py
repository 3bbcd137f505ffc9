"""City operations: sensors and their readings, the city's events (from sensors, hotline
cases, alerts and inspections), their dispatch to departments and every step taken, and the
messages refused at the door."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import Division
from onewindow.identity.models import Department, User


class SensorKind(models.TextChoices):
    WATER_LEVEL = "water_level", _("Water level")
    AIR_QUALITY = "air_quality", _("Air quality (PM2.5)")
    MANHOLE_COVER = "manhole_cover", _("Manhole cover")
    TRAFFIC_COUNTER = "traffic_counter", _("Traffic counter")


class Sensor(models.Model):
    """A registered sensor. The latest reading is kept on the row itself, so throttling a
    flood never loses it."""

    ref = models.CharField(_("sensor id"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SensorKind.choices)
    unit = models.CharField(_("unit"), max_length=16)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=120)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    is_active = models.BooleanField(_("active"), default=True)
    last_value = models.FloatField(null=True, blank=True)
    last_measured_at = models.DateTimeField(null=True, blank=True)
    last_stored_at = models.DateTimeField(null=True, blank=True)  # of the last Reading row
    throttled = models.PositiveIntegerField(default=0)  # readings folded into a later one
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ref"]
        verbose_name = _("sensor")

    def __str__(self) -> str:
        return self.ref


class Reading(models.Model):
    """A stored reading: at most one per sensor per throttle interval (the worst of it)."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="readings")
    value = models.FloatField()
    measured_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-measured_at"]
        constraints = [
            models.UniqueConstraint(fields=["sensor", "measured_at"], name="cityops_one_reading")
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id}@{self.measured_at:%Y-%m-%dT%H:%M:%S}: {self.value}"


class Source(models.TextChoices):
    SENSOR = "sensor", _("Sensor")
    HOTLINE = "hotline", _("Hotline case")
    ALERT = "alert", _("Alert")
    INSPECTION = "inspection", _("Inspection finding")


class EventState(models.TextChoices):
    OPEN = "open", _("Open (waiting for dispatch)")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (
    EventState.OPEN,
    EventState.DISPATCHED,
    EventState.ACCEPTED,
    EventState.IN_PROGRESS,
    EventState.ESCALATED,
)


class Event(models.Model):
    """Something in the city that a department must see to. Reports of the same thing at
    the same place close in time are merged into one (`reports`)."""

    ref = models.CharField(_("event number"), max_length=40, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(max_length=64)  # the sensor, case, alert or finding
    category = models.CharField(_("category"), max_length=64)
    department_kind = models.CharField(max_length=32)
    title = models.CharField(_("what"), max_length=200)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)  # a sensor's worst reading
    unit = models.CharField(max_length=16, blank=True)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=EventState.choices, default=EventState.OPEN
    )
    occurred_at = models.DateTimeField(_("first reported"))
    last_reported_at = models.DateTimeField(_("last reported"))
    reports = models.PositiveIntegerField(_("reports"), default=1)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_reported_at"]
        indexes = [
            models.Index(fields=["state", "-last_reported_at"], name="cityops_event_state"),
            # The dashboard's query: the latest open events (bench/cityops_dashboard.py).
            models.Index(
                fields=["-last_reported_at"],
                condition=~models.Q(state="closed"),
                name="cityops_event_open_latest",
            ),
            models.Index(fields=["category", "division", "state"], name="cityops_event_merge"),
            models.Index(fields=["source", "source_ref"], name="cityops_event_source"),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_open(self) -> bool:
        return self.state != EventState.CLOSED


class AssignmentState(models.TextChoices):
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Assignment(models.Model):
    """One department's part of an event: the lead, or a partner in joint handling."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(default=True)
    state = models.CharField(
        max_length=16, choices=AssignmentState.choices, default=AssignmentState.DISPATCHED
    )
    dispatched_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    evidence_file = models.FileField(upload_to="cityops/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "department"],
                condition=~models.Q(state="withdrawn"),
                name="cityops_one_live_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.department_id} ({self.state})"


class EventStep(models.Model):
    """Every step taken on an event, as its history shows it (each also in the ledger)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=24)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.action}"


class RejectedMessage(models.Model):
    """A sensor message refused at the door (MQTT or HTTP), kept for a person to see."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    channel = models.CharField(max_length=8)  # mqtt or http
    topic = models.CharField(max_length=200, blank=True)
    sensor_ref = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=32)
    detail = models.CharField(max_length=300)
    payload = models.CharField(max_length=500, blank=True)  # the first 500 characters

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} {self.reason}: {self.sensor_ref or self.topic}"


class IngestKey(models.Model):
    """A key for HTTP ingest (a gateway posting readings). Only its hash is kept."""

    name = models.CharField(_("gateway"), max_length=100)
    key_prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class SourceCursor(models.Model):
    """How far a pulled event source (hotline cases, alerts) has been read."""

    name = models.CharField(max_length=32, unique=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.position}"


class EventCounter(models.Model):
    prefix = models.CharField(max_length=32, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class Boundary(models.Model):
    """A division's outline for the city map, as GeoJSON geometry (a Polygon). `is_generated`:
    drawn around the division's centre by the demo, not surveyed (the page says so)."""

    division = models.OneToOneField(Division, on_delete=models.CASCADE, related_name="+")
    geometry = models.JSONField()
    is_generated = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"boundary of {self.division_id}"
