"""Service halls, their windows and slots, and the bookings of residents.

A slot holds `booked` ≤ `capacity`, checked by the database itself (a CHECK constraint) and
raised only by a conditional UPDATE (`booked < capacity`): however many bookings race for
the last place, one gets it. A booking is unique per person and idempotency key, so a retry
of a booking whose answer was lost gets the same booking, never a second. Queue numbers are
unique per hall and day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import Division
from onewindow.identity.models import Department


class HallLevel(models.TextChoices):
    CITY = "city", _("City service centre")
    COUNTY = "county", _("County service centre")
    TOWNSHIP = "township", _("Township service centre")


class Hall(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    level = models.CharField(_("level"), max_length=16, choices=HallLevel.choices)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="halls")
    address_zh = models.CharField(_("address (Chinese)"), max_length=200, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=200, blank=True)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length in minutes"), default=30)
    slot_capacity = models.PositiveSmallIntegerField(_("people per slot and window"), default=4)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def address(self) -> str:
        return self.address_zh if (get_language() or "").startswith("zh") else self.address_en


class Window(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="windows")
    number = models.PositiveSmallIntegerField(_("window number"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="windows")
    services = models.JSONField(_("service items served"), default=list)  # item codes
    serves_consultations = models.BooleanField(_("answers questions"), default=True)

    class Meta:
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.hall.code} #{self.number}"


class Slot(models.Model):
    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["starts_at", "window"]
        constraints = [
            models.UniqueConstraint(fields=["window", "starts_at"], name="slot_once"),
            # The last line of defence: the database refuses an overbooked slot.
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return self.capacity - self.booked


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in, waiting")
    CALLED = "called", _("Called to the window")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")


# A booking in one of these holds its place in the slot.
HOLDING = ("booked", "checked_in", "called", "served")


class BookingPurpose(models.TextChoices):
    APPLICATION = "application", _("To hand in or finish an application")
    CONSULTATION = "consultation", _("To ask about a service")


class Booking(models.Model):
    ref = models.CharField(_("reference"), max_length=32, unique=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    made_by = models.ForeignKey(  # a window clerk or village agent booking for the person
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings_made",
    )
    service_code = models.CharField(_("service item"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=16, choices=BookingPurpose.choices)
    application_ref = models.CharField(_("application"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    idempotency_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="bookings")
    queue_day = models.DateField(null=True, blank=True)
    queue_number = models.PositiveIntegerField(_("queue number"), null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    # The day-before reminder, sent once (services.send_reminders).
    reminded_at = models.DateTimeField(null=True, blank=True)
    rescheduled_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "idempotency_key"], name="booking_key_once"),
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=Q(status__in=HOLDING),
                name="booking_one_place_per_slot",
            ),
            models.UniqueConstraint(
                fields=["hall", "queue_day", "queue_number"],
                condition=Q(queue_number__isnull=False),
                name="queue_number_once",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return self.ref


class QueueCounter(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE)
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="queue_counter_once")]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.day}: {self.last_number}"
