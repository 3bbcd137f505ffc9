"""Reads of appointments that pages and the API share. A booking is its person's (or, for the
hall's work, its clerks'): "missing" and "not yours" are one answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.appointments.models import Booking, BookingStatus, Hall, Slot, Window
from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import NotFound
from onewindow.identity.models import Role, User


def halls() -> QuerySet[Hall]:
    return Hall.objects.select_related("division").order_by("level", "code")


def hall_named(code: str) -> Hall:
    found = Hall.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("No hall has this code."), field="hall")
    return found


def slots_of(
    hall: Hall, *, service_code: str = "", day: date | None = None, limit: int = 200
) -> list[Slot]:
    """Slots still ahead with places left, soonest first, of windows serving the item."""
    now = timezone.now()
    slots = Slot.objects.filter(window__hall=hall, starts_at__gt=now).select_related("window")
    if day is not None:
        start = datetime.combine(day, datetime.min.time(), SHANGHAI)
        slots = slots.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
    found = [slot for slot in slots.order_by("starts_at", "window__number")[: limit * 3]]
    return [
        slot
        for slot in found
        if slot.booked < slot.capacity
        and (not service_code or service_code in slot.window.services)
    ][:limit]


def slot_numbered(pk: int) -> Slot:
    found = Slot.objects.select_related("window__hall").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No slot has this number."), field="slot")
    return found


def bookings_of(user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(person=user)
        .select_related("slot__window__hall")
        .order_by("-slot__starts_at")
    )


def access_booking(user: User, ref: str) -> Booking:
    found = bookings_of(user).filter(ref=ref).first()
    if found is None:
        raise NotFound(_("No appointment of yours has this reference."), field="ref")
    return found


def clerk_windows(clerk: User) -> QuerySet[Window]:
    """The windows a window clerk of a department works: its department's."""
    if clerk.department_id is None or not clerk.roles.filter(role=Role.WINDOW_CLERK).exists():
        return Window.objects.none()
    return Window.objects.filter(department_id=clerk.department_id).select_related("hall")


def access_hall_booking(clerk: User, ref: str) -> Booking:
    """A booking at a window the clerk works (to check the resident in by reference)."""
    found = (
        Booking.objects.filter(ref=ref, slot__window__in=clerk_windows(clerk))
        .select_related("slot__window__hall", "person")
        .first()
    )
    if found is None:
        raise NotFound(_("No appointment at your windows has this reference."), field="ref")
    return found


@dataclass(frozen=True)
class WindowNow:
    number: int
    calling: int | None  # the queue number called to this window now
    waiting: int


def display(hall: Hall, *, now: datetime | None = None) -> list[WindowNow]:
    """What the hall's display shows: each window's number being called and how many wait.
    Queue numbers only: no names."""
    now = now or timezone.now()
    day = now.astimezone(SHANGHAI).date()
    today = Booking.objects.filter(hall=hall, queue_day=day)
    rows = []
    for window in hall.windows.all():
        mine = today.filter(slot__window=window)
        called = (
            mine.filter(status=BookingStatus.CALLED)
            .order_by("-called_at")
            .values_list("queue_number", flat=True)
            .first()
        )
        rows.append(
            WindowNow(
                number=window.number,
                calling=called,
                waiting=mine.filter(status=BookingStatus.CHECKED_IN).count(),
            )
        )
    return rows
