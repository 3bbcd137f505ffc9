"""Every write of appointments: slots on the working-day calendar, booking, rescheduling and
cancelling, check-in and the queue, the window calling the next number, no-shows, the fee.

Booking is one transaction: the slot's `booked` is raised by a conditional UPDATE (`booked <
capacity`, the slot still ahead) and the booking inserted under its unique (person,
idempotency key). On PostgreSQL concurrent UPDATEs of one slot queue on its row and each
re-checks the condition once the one before commits; on SQLite the transaction takes the
write lock first (IMMEDIATE). A retry whose key was used gets the first booking; the
database's CHECK (`booked <= capacity`) stands behind all of it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.appointments.models import (
    HOLDING,
    Booking,
    BookingPurpose,
    BookingStatus,
    Hall,
    QueueCounter,
    Slot,
    Window,
)
from onewindow.core import calendar
from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.identity.models import Role, User, UserKind
from onewindow.identity.services import valid_consent
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event
from onewindow.payments import services as payments
from onewindow.payments.fees import rule_for
from onewindow.payments.models import Payment

# Rescheduling and cancelling close this long before the slot starts.
CUTOFF = timedelta(hours=2)
# After this many missed appointments in the window, only a clerk may book for the person.
NO_SHOW_LIMIT = 3
NO_SHOW_WINDOW = timedelta(days=90)


class SlotFull(Conflict):
    code = "slot_full"


def _local(instant: datetime) -> datetime:
    return instant.astimezone(SHANGHAI)


# ----- slots -----------------------------------------------------------------------------------


def open_slots(hall: Hall, *, first_day: date, days: int) -> int:
    """Slots for every window of the hall on the working days (core calendar: holidays and
    adjusted working days) among `days` days from `first_day`, within opening hours. Slots
    that exist are left as they are. Returns how many were added."""
    windows = list(hall.windows.all())
    rows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        start = datetime.combine(day, hall.opens_at, SHANGHAI)
        close = datetime.combine(day, hall.closes_at, SHANGHAI)
        step = timedelta(minutes=hall.slot_minutes)
        while start + step <= close:
            rows += [
                Slot(
                    window=window,
                    starts_at=start,
                    ends_at=start + step,
                    capacity=hall.slot_capacity,
                )
                for window in windows
            ]
            start += step
    before = Slot.objects.filter(window__hall=hall).count()
    Slot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Slot.objects.filter(window__hall=hall).count() - before


def _check_slot(slot: Slot, *, service_code: str, purpose: str, now: datetime) -> None:
    hall = slot.window.hall
    local = _local(slot.starts_at)
    if slot.starts_at <= now:
        raise DomainError(
            _("This slot has already begun: choose one later than now."),
            code="slot_in_past",
            field="slot",
        )
    if (
        not calendar.is_working_day(local.date())
        or local.time() < hall.opens_at
        or (_local(slot.ends_at).time() > hall.closes_at and _local(slot.ends_at).time() != time(0))
    ):
        raise DomainError(
            _("This slot is outside the hall's opening hours on working days."),
            code="outside_opening_hours",
            field="slot",
        )
    if purpose == BookingPurpose.APPLICATION and service_code not in slot.window.services:
        raise DomainError(
            _("This window does not handle that service: choose a window that does."),
            code="window_does_not_serve",
            field="service_code",
        )


def _check_booker(person: User, made_by: User | None, now: datetime) -> None:
    if made_by is not None and made_by.pk != person.pk:
        if valid_consent(made_by, person) is None:
            raise PermissionDenied(
                _("Booking for someone else needs their consent, recorded first."),
                code="consent_missing",
            )
        return
    missed = Booking.objects.filter(
        person=person, status=BookingStatus.NO_SHOW, slot__starts_at__gte=now - NO_SHOW_WINDOW
    ).count()
    if missed >= NO_SHOW_LIMIT:
        raise PermissionDenied(
            _(
                "You missed %(count)s appointments in the last 90 days: "
                "a window clerk must book your next one."
            ),
            code="no_show_limit",
            params={"count": missed},
        )


def _booking_ref(now: datetime) -> str:
    return f"B{_local(now):%Y%m%d}-{secrets.token_hex(4).upper()}"


def book(
    person: User,
    slot: Slot,
    *,
    service_code: str,
    purpose: str = BookingPurpose.APPLICATION,
    application_ref: str = "",
    idempotency_key: str,
    made_by: User | None = None,
) -> Booking:
    """Book a place in a slot. The same key returns the first booking. Raises DomainError
    (slot in the past, outside opening hours, window not serving the item), PermissionDenied
    (no consent for someone else; too many missed appointments), SlotFull."""
    existing = Booking.objects.filter(person=person, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    slot = Slot.objects.select_related("window__hall").get(pk=slot.pk)
    _check_slot(slot, service_code=service_code, purpose=purpose, now=now)
    _check_booker(person, made_by, now)
    try:
        with transaction.atomic():
            booking = _take_place(
                person,
                slot,
                service_code=service_code,
                purpose=purpose,
                application_ref=application_ref,
                idempotency_key=idempotency_key,
                made_by=made_by,
                now=now,
            )
    except IntegrityError:
        # Either the key was used meanwhile (the same request twice) or the person already
        # holds a place in this slot: both leave the slot's count where it was.
        existing = Booking.objects.filter(person=person, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        raise Conflict(
            _("You already have a place in this slot."), code="already_booked", field="slot"
        ) from None
    return booking


def _take_place(
    person: User,
    slot: Slot,
    *,
    service_code: str,
    purpose: str,
    application_ref: str,
    idempotency_key: str,
    made_by: User | None,
    now: datetime,
) -> Booking:
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity"), starts_at__gt=now).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise SlotFull(_("This slot is full: choose another."), field="slot")
    booking = Booking.objects.create(
        ref=_booking_ref(now),
        slot=slot,
        hall=slot.window.hall,
        person=person,
        made_by=made_by if made_by is not None and made_by.pk != person.pk else None,
        service_code=service_code,
        purpose=purpose,
        application_ref=application_ref,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    return booking


def _release(booking: Booking, *, to: str, now: datetime) -> bool:
    moved = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
        status=to, cancelled_at=now
    )
    if moved:
        Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    return bool(moved)


def _before_cutoff(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(_("Only a booked appointment can be changed."), code="not_booked")
    if booking.slot.starts_at - now < CUTOFF:
        raise DomainError(
            _("Appointments can be changed until two hours before they start."),
            code="past_cutoff",
        )


def cancel(booking: Booking, *, by: User) -> Booking:
    """Cancel until the cut-off; the place goes back to the slot. A paid fee is refunded in
    full. Raises Conflict (not booked), DomainError (past the cut-off)."""
    now = timezone.now()
    _before_cutoff(booking, now)
    with transaction.atomic():
        if not _release(booking, to=BookingStatus.CANCELLED, now=now):
            raise Conflict(_("Only a booked appointment can be changed."), code="not_booked")
    booking.refresh_from_db()
    paid = fee_payment(booking)
    if paid is not None and paid.status == "confirmed":
        payments.refund_payment(
            paid,
            amount_fen=paid.refundable_fen,
            reason=f"appointment {booking.ref} cancelled",
            idempotency_key=f"cancel:{booking.ref}",
        )
    return booking


def reschedule(booking: Booking, slot: Slot, *, by: User, idempotency_key: str) -> Booking:
    """Move to another slot until the cut-off, in one transaction: the new place is taken
    before the old one is given back, so a full new slot leaves the old booking as it was.
    The fee paid stays with the booking's reference chain."""
    now = timezone.now()
    _before_cutoff(booking, now)
    slot = Slot.objects.select_related("window__hall").get(pk=slot.pk)
    _check_slot(slot, service_code=booking.service_code, purpose=booking.purpose, now=now)
    existing = Booking.objects.filter(
        person=booking.person, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).exists():
            raise Conflict(_("Only a booked appointment can be changed."), code="not_booked")
        new = _take_place(
            booking.person,
            slot,
            service_code=booking.service_code,
            purpose=booking.purpose,
            application_ref=booking.application_ref,
            idempotency_key=idempotency_key,
            made_by=booking.made_by,
            now=now,
        )
        if not _release(booking, to=BookingStatus.CANCELLED, now=now):
            raise Conflict(_("Only a booked appointment can be changed."), code="not_booked")
        Booking.objects.filter(pk=booking.pk).update(rescheduled_to=new)
        Payment.objects.filter(purpose=f"appointment:{booking.ref}").update(
            purpose=f"appointment:{new.ref}"
        )
    return new


# ----- the day of the visit --------------------------------------------------------------------


def check_in(booking: Booking, *, now: datetime | None = None) -> Booking:
    """The resident arrives (QR or reference at the kiosk): on the slot's day, from an hour
    before it until its end, they get the hall's next queue number. Checking in twice gives
    the same number."""
    now = now or timezone.now()
    if booking.status == BookingStatus.CHECKED_IN:
        return booking
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(_("This appointment cannot be checked in."), code="not_booked")
    if not booking.slot.starts_at - timedelta(hours=1) <= now <= booking.slot.ends_at:
        raise DomainError(
            _("Check in from an hour before your slot until it ends."), code="not_now"
        )
    day = _local(now).date()
    with transaction.atomic():
        counter, _created = QueueCounter.objects.get_or_create(hall_id=booking.hall_id, day=day)
        QueueCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
        number = QueueCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)
        moved = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CHECKED_IN, checked_in_at=now, queue_day=day, queue_number=number
        )
        if not moved:
            transaction.set_rollback(True)
    booking.refresh_from_db()
    return booking


def call_next(clerk: User, window: Window, *, now: datetime | None = None) -> Booking | None:
    """The window calls the next checked-in resident of its slots, lowest number first; the
    one called before is marked served. None when nobody waits."""
    now = now or timezone.now()
    if clerk.kind != UserKind.OFFICER or not clerk.roles.filter(role=Role.WINDOW_CLERK).exists():
        raise PermissionDenied(_("Only a window clerk calls the queue."))
    day = _local(now).date()
    with transaction.atomic():
        Booking.objects.filter(
            slot__window=window, status=BookingStatus.CALLED, queue_day=day
        ).update(status=BookingStatus.SERVED)
        waiting = Booking.objects.filter(
            slot__window=window, status=BookingStatus.CHECKED_IN, queue_day=day
        ).order_by("queue_number")
        for candidate in waiting[:5]:
            if Booking.objects.filter(pk=candidate.pk, status=BookingStatus.CHECKED_IN).update(
                status=BookingStatus.CALLED, called_at=now
            ):
                candidate.refresh_from_db()
                return candidate
    return None


def mark_no_shows(*, now: datetime | None = None) -> int:
    """Bookings whose slot ended without a check-in count as missed (the tick runs this)."""
    now = now or timezone.now()
    missed = Booking.objects.filter(status=BookingStatus.BOOKED, slot__ends_at__lt=now)
    count = 0
    with transaction.atomic():
        for booking in missed[:1000]:
            if Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
                status=BookingStatus.NO_SHOW
            ):
                count += 1
                ledger.record(
                    "appointment.no_show",
                    subject_ref=booking.ref,
                    actor_role="system",
                    department=booking.slot.window.department.code,
                    payload={"hall": booking.hall.code},
                )
    return count


# A reminder goes out the day before the slot (Beijing time), not before this hour.
REMIND_FROM = time(8)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind everyone booked for tomorrow (Beijing time) in their inbox, once per booking:
    the conditional UPDATE of `reminded_at` and the message commit together, so a tick run
    twice, or two workers at once, remind once. Cancelled, moved and missed bookings get
    none. Returns how many were reminded (the tick runs this)."""
    now = now or timezone.now()
    local = now.astimezone(SHANGHAI)
    if local.time() < REMIND_FROM:
        return 0
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    due = (
        Booking.objects.filter(
            status=BookingStatus.BOOKED,
            reminded_at=None,
            slot__starts_at__gte=tomorrow,
            slot__starts_at__lt=tomorrow + timedelta(days=1),
        )
        .select_related("slot", "hall", "person")
        .order_by("pk")
    )
    count = 0
    for booking in due[:1000]:
        with transaction.atomic():
            if not Booking.objects.filter(
                pk=booking.pk, status=BookingStatus.BOOKED, reminded_at=None
            ).update(reminded_at=now):
                continue
            english = notify.language_for(booking.person) == "en"
            starts = booking.slot.starts_at.astimezone(SHANGHAI)
            notify.send(
                booking.person,
                Event.APPOINTMENT_REMINDER,
                context={
                    "ref": booking.ref,
                    "service": booking.service_code,
                    "date": starts.date().isoformat(),
                    "time": f"{starts:%H:%M}",
                    "hall": booking.hall.name_en if english else booking.hall.name_zh,
                    "link": reverse("appointments:mine"),
                },
                subject_ref=booking.ref,
            )
            count += 1
    return count


# ----- the fee ---------------------------------------------------------------------------------


def fee_payment(booking: Booking) -> Payment | None:
    from onewindow.payments.selectors import live_payment_for

    return live_payment_for(f"appointment:{booking.ref}")


def has_fee(booking: Booking) -> bool:
    return rule_for(booking.service_code) is not None


def pay_fee(
    booking: Booking,
    *,
    idempotency_key: str,
    return_url: str = "",
    units: int = 1,
    declared: Iterable[str] = (),
    expected_amount_fen: int | None = None,
) -> Payment:
    """Start paying the fee of the service the appointment is for (payments.start_payment).
    Raises NotFound when the item has no fee, DomainError `fee_mismatch`, `nothing_to_pay`."""
    if booking.status not in HOLDING:
        raise Conflict(_("This appointment was cancelled."), code="not_booked")
    quote = payments.quote_fee(
        booking.service_code, payer=booking.person, units=units, declared=declared
    )
    window = booking.slot.window
    return payments.start_payment(
        payments.Charge.for_fee(
            quote,
            payer=booking.person,
            payee=window.department,
            purpose=f"appointment:{booking.ref}",
            description=f"{booking.service_code} · {booking.ref}",
        ),
        idempotency_key=idempotency_key,
        return_url=return_url,
        expected_amount_fen=expected_amount_fen,
    )
