"""Booking a hall visit as residents, clerks and village agents do it, and every refusal the
issue names: a slot in the past or outside opening hours, full, someone else's without
consent, too many missed appointments; cancelling and moving until the cut-off; the day of
the visit (check-in, queue numbers, the window calling, the display); the fee."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.appointments import selectors, services
from onewindow.appointments.models import Booking, BookingStatus, Hall, Slot
from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.payments.models import Payment
from tests.appointments import factories
from tests.identity import factories as people

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(divisions: dict[str, Division]) -> Hall:
    return factories.hall(divisions["district"])


@pytest.fixture
def resident(divisions: dict[str, Division]) -> User:
    return people.citizen(divisions["community"])


def test_a_booking_takes_one_place_and_its_retry_returns_it(hall: Hall, resident: User) -> None:
    slot = factories.next_slot(hall)
    first = services.book(resident, slot, service_code=factories.CARD, idempotency_key="k")
    again = services.book(resident, slot, service_code=factories.CARD, idempotency_key="k")
    assert first.pk == again.pk
    slot.refresh_from_db()
    assert slot.booked == 1
    with pytest.raises(Conflict) as twice:
        services.book(resident, slot, service_code=factories.CARD, idempotency_key="other")
    assert twice.value.code == "already_booked"
    slot.refresh_from_db()
    assert slot.booked == 1


def test_a_full_slot_refuses_the_next_resident(hall: Hall, divisions: dict[str, Division]) -> None:
    slot = factories.next_slot(hall)
    for _ in range(slot.capacity):
        services.book(
            people.citizen(divisions["community"]),
            slot,
            service_code=factories.CARD,
            idempotency_key="k",
        )
    with pytest.raises(services.SlotFull):
        services.book(
            people.citizen(divisions["community"]),
            slot,
            service_code=factories.CARD,
            idempotency_key="k",
        )
    slot.refresh_from_db()
    assert slot.booked == slot.capacity == Booking.objects.filter(slot=slot).count()


def test_slots_in_the_past_outside_hours_or_at_the_wrong_window_are_refused(
    hall: Hall, resident: User, divisions: dict[str, Division]
) -> None:
    begun = factories.slot_now(hall)
    day_hall = factories.hall(divisions["district"], opens=time(9), closes=time(17), days=0)
    tomorrow = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=1)
    night = Slot.objects.create(
        window=day_hall.windows.get(number=1),
        starts_at=datetime.combine(tomorrow, time(3), SHANGHAI),
        ends_at=datetime.combine(tomorrow, time(4), SHANGHAI),
        capacity=2,
    )
    cases = {
        "slot_in_past": (begun, factories.CARD),
        "outside_opening_hours": (night, factories.CARD),
        "window_does_not_serve": (factories.next_slot(hall), factories.PERMIT),
    }
    for code, (slot, service) in cases.items():
        with pytest.raises(DomainError) as refused:
            services.book(resident, slot, service_code=service, idempotency_key=code)
        assert refused.value.code == code
    assert not Booking.objects.exists()
    assert set(Slot.objects.values_list("booked", flat=True)) == {0}


def test_booking_for_someone_else_needs_their_consent(
    hall: Hall, resident: User, divisions: dict[str, Division]
) -> None:
    agent = people.citizen(divisions["village"])
    with pytest.raises(PermissionDenied) as refused:
        services.book(
            resident,
            factories.next_slot(hall),
            service_code=factories.CARD,
            idempotency_key="k",
            made_by=agent,
        )
    assert refused.value.code == "consent_missing"
    assert not Booking.objects.exists()


def test_three_missed_appointments_in_90_days_and_only_a_clerk_may_book(
    hall: Hall, resident: User
) -> None:
    for _ in range(3):
        factories.booked_now(resident, hall)
    assert services.mark_no_shows(now=timezone.now() + timedelta(hours=2)) == 3
    with pytest.raises(PermissionDenied) as refused:
        services.book(
            resident,
            factories.next_slot(hall, after=timedelta(hours=4)),
            service_code=factories.CARD,
            idempotency_key="k",
        )
    assert refused.value.code == "no_show_limit"


def test_cancel_and_move_until_the_cutoff_give_the_place_back(hall: Hall, resident: User) -> None:
    first_slot = factories.next_slot(hall)
    booking = services.book(resident, first_slot, service_code=factories.CARD, idempotency_key="a")
    later = factories.next_slot(
        hall, after=first_slot.starts_at - timezone.now() + timedelta(minutes=1)
    )
    moved = services.reschedule(booking, later, by=resident, idempotency_key="b")
    first_slot.refresh_from_db()
    later.refresh_from_db()
    assert (first_slot.booked, later.booked) == (0, 1)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.rescheduled_to_id == moved.pk
    services.cancel(moved, by=resident)
    later.refresh_from_db()
    assert later.booked == 0
    soon = factories.booked_now(resident, hall)
    Slot.objects.filter(pk=soon.slot_id).update(starts_at=timezone.now() + timedelta(minutes=30))
    soon.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.cancel(soon, by=resident)
    assert refused.value.code == "past_cutoff"


def test_check_in_gives_queue_numbers_in_order_and_the_window_calls_them(
    hall: Hall, divisions: dict[str, Division]
) -> None:
    residents = [people.citizen(divisions["community"]) for _ in range(3)]
    bookings = [factories.booked_now(person, hall) for person in residents]
    numbers = [services.check_in(booking).queue_number for booking in bookings]
    assert numbers == [1, 2, 3]
    assert services.check_in(bookings[0]).queue_number == 1  # twice: the same number
    clerk = people.officer(
        factories.department(divisions["district"]), roles=("window_clerk",), username="clerk"
    )
    window = hall.windows.get(number=1)
    assert services.call_next(clerk, window).queue_number == 1  # type: ignore[union-attr]
    assert [row.calling for row in selectors.display(hall)] == [1, None]
    assert services.call_next(clerk, window).queue_number == 2  # type: ignore[union-attr]
    assert Booking.objects.get(pk=bookings[0].pk).status == BookingStatus.SERVED
    with pytest.raises(PermissionDenied):
        services.call_next(residents[0], window)


def test_the_fee_is_paid_through_the_provider_and_refunded_when_cancelled(
    hall: Hall, resident: User, client: Client, django_capture_on_commit_callbacks: object
) -> None:
    booking = services.book(
        resident, factories.next_slot(hall), service_code=factories.CARD, idempotency_key="k"
    )
    client.force_login(resident)
    page = client.get(reverse("appointments:detail", args=[booking.ref]))
    assert b"20.00" in page.content
    wrong = client.post(
        reverse("appointments:pay", args=[booking.ref]), {"amount_fen": "1", "request_key": "r1"}
    )
    assert wrong.status_code == 302
    assert not Payment.objects.exists()
    started = client.post(
        reverse("appointments:pay", args=[booking.ref]), {"amount_fen": "2000", "request_key": "r2"}
    )
    payment = Payment.objects.get()
    assert started["Location"] == payment.next_url
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        returned = client.post(payment.next_url, {"method": "card"})
    assert returned["Location"] == reverse("payments:return", args=[payment.ref])
    payment.refresh_from_db()
    assert payment.status == "confirmed"
    assert payment.receipt_number
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.cancel(booking, by=resident)
    payment.refresh_from_db()
    assert payment.status == "refunded"


def test_the_pages_book_once_for_a_form_sent_twice(
    hall: Hall, resident: User, client: Client
) -> None:
    slot = factories.next_slot(hall)
    client.force_login(resident)
    assert client.get(reverse("appointments:hall", args=[hall.code])).status_code == 200
    form = {"slot": str(slot.pk), "service_code": factories.CARD, "request_key": "same"}
    first = client.post(reverse("appointments:hall", args=[hall.code]), form)
    second = client.post(reverse("appointments:hall", args=[hall.code]), form)
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert client.get(first["Location"]).status_code == 200
    assert client.get(reverse("appointments:mine")).status_code == 200
    assert client.get(reverse("appointments:display", args=[hall.code])).status_code == 200
