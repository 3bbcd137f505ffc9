"""The day-before reminder: the worker's tick reminds everyone booked for tomorrow (Beijing
time) in their inbox, in their language, once per booking however often it runs; a
cancelled booking, one for today or for the day after tomorrow gets none."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.appointments import services, tasks
from onewindow.appointments.models import Booking, Hall, Slot
from onewindow.core.calendar import SHANGHAI
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.notify.models import Message
from tests.appointments import factories
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db


def _first_slot_from(hall: Hall, day: date) -> Slot:
    """The hall's first bookable slot on `day` or after (weekends and holidays have none)."""
    start = datetime.combine(day, time(0), tzinfo=SHANGHAI)
    slot = (
        Slot.objects.filter(
            window__hall=hall,
            window__number=1,
            starts_at__gte=max(start, timezone.now() + timedelta(hours=3)),
        )
        .order_by("starts_at")
        .first()
    )
    if slot is None:
        pytest.skip("the hall's calendar has no slot from that day on")
    return slot


def _book(person: User, slot: Slot) -> Booking:
    return services.book(
        person, slot, service_code=factories.FREE, idempotency_key=f"k-{person.pk}-{slot.pk}"
    )


def test_those_booked_for_tomorrow_are_reminded_once_and_see_it_in_their_inbox(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: object
) -> None:
    hall = factories.hall(divisions["district"], capacity=5)
    # The first working day after today, and "now" the day before it (tomorrow may be a Saturday).
    tomorrow = _first_slot_from(
        hall, timezone.now().astimezone(SHANGHAI).date() + timedelta(days=1)
    )
    slot_day = tomorrow.starts_at.astimezone(SHANGHAI).date()
    reminded = citizen(divisions["community"])
    english = citizen(divisions["community"])
    english.preferred_language = "en"
    english.save(update_fields=["preferred_language"])
    cancelled = citizen(divisions["community"])
    later = citizen(divisions["community"])
    booking = _book(reminded, tomorrow)
    _book(english, tomorrow)
    services.cancel(_book(cancelled, tomorrow), by=cancelled)
    _book(later, _first_slot_from(hall, slot_day + timedelta(days=1)))

    noon = datetime.combine(slot_day - timedelta(days=1), time(12), tzinfo=SHANGHAI)
    early = noon.replace(hour=6)
    assert services.send_reminders(now=early) == 0  # not at night
    assert services.send_reminders(now=noon) == 2
    assert services.send_reminders(now=noon) == 0  # once per booking
    tasks.tick.call()
    assert Message.objects.filter(event="appointment_reminder").count() == 2
    assert not Message.objects.filter(recipient__in=[cancelled, later]).filter(
        event="appointment_reminder"
    )

    starts = tomorrow.starts_at.astimezone(SHANGHAI)
    chinese = Message.objects.get(recipient=reminded, event="appointment_reminder")
    assert chinese.subject == f"提醒：您的预约 {booking.ref} 在明天 {starts:%H:%M}"
    assert hall.name_zh in chinese.body
    in_english = Message.objects.get(recipient=english, event="appointment_reminder")
    assert in_english.subject.startswith("Reminder: your appointment")
    assert hall.name_en in in_english.body

    client = Client()
    client.force_login(reminded)
    inbox = client.get("/inbox/").content.decode()
    assert chinese.subject in inbox
