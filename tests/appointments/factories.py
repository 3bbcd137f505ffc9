"""A hall open round the clock (so tests book at any hour) with two windows, its slots on the
working days ahead, built through the real services."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, time, timedelta

from django.utils import timezone

from onewindow.appointments import services
from onewindow.appointments.models import Booking, Hall, HallLevel, Slot, Window
from onewindow.core.calendar import SHANGHAI
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, User

CARD = "330000-HRSS-SB-001"  # 20 yuan, waived for the elderly and the disabled
PERMIT = "330000-PSB-JZ-001"
FREE = "330000-PSB-HJ-001"  # no fee
_made = itertools.count()


def department(division: Division) -> Department:
    return Department.objects.get_or_create(
        code="330106-HRSS",
        defaults={
            "name_zh": "西湖区人力资源和社会保障局",
            "name_en": "Xihu District Human Resources and Social Security Bureau",
            "kind": DepartmentKind.HUMAN_RESOURCES,
            "division": division,
        },
    )[0]


def hall(
    division: Division,
    *,
    capacity: int = 2,
    opens: time = time(0, 0),
    closes: time = time(23, 59),
    days: int = 10,
) -> Hall:
    made = Hall.objects.create(
        code=f"hall-{secrets.token_hex(3)}",
        name_zh="西湖区政务服务中心",
        name_en="Xihu District government service centre",
        level=HallLevel.COUNTY,
        division=division,
        opens_at=opens,
        closes_at=closes,
        slot_minutes=60,
        slot_capacity=capacity,
    )
    owner = department(division)
    Window.objects.create(hall=made, number=1, department=owner, services=[CARD, FREE])
    Window.objects.create(hall=made, number=2, department=owner, services=[PERMIT])
    services.open_slots(made, first_day=timezone.now().astimezone(SHANGHAI).date(), days=days)
    return made


def next_slot(hall: Hall, *, window: int = 1, after: timedelta = timedelta(hours=3)) -> Slot:
    """The first slot of the window starting later than `after` from now."""
    found = (
        Slot.objects.filter(
            window__hall=hall, window__number=window, starts_at__gt=timezone.now() + after
        )
        .order_by("starts_at")
        .first()
    )
    assert found is not None, "no slot ahead: open more days"
    return found


def slot_now(hall: Hall, *, window: int = 1) -> Slot:
    """A slot that began a few minutes ago (for the day of the visit), outside the calendar."""
    # Each its own start (slots are unique per window and start): a second apart.
    start = timezone.now().astimezone(SHANGHAI).replace(microsecond=0) - timedelta(
        minutes=5, seconds=next(_made)
    )
    return Slot.objects.create(
        window=hall.windows.get(number=window),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=hall.slot_capacity,
    )


def booked_now(person: User, hall: Hall, *, window: int = 1) -> Booking:
    """A booking made earlier for a slot that has begun (booking itself refuses begun slots)."""
    slot = slot_now(hall, window=window)
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    return Booking.objects.create(
        ref=f"B-{secrets.token_hex(4)}",
        slot=slot,
        hall=hall,
        person=person,
        service_code=CARD,
        purpose="application",
        idempotency_key=secrets.token_hex(8),
        created_at=datetime.now(SHANGHAI) - timedelta(days=1),
    )
