"""Service-hall appointments over JSON: halls and their free slots (public), booking,
rescheduling, cancelling, checking in, paying the fee (the signed-in resident), the hall's
queue (public) and calling the next number (window clerks).

Booking, rescheduling and paying take an `Idempotency-Key` (core/idempotency.py): a retry
with the same key and body gets the first answer again, so a booking whose answer was lost
in a rush is never made twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.appointments import selectors, services
from onewindow.appointments.models import Booking, BookingPurpose, Hall, HallLevel, Slot
from onewindow.core import idempotency
from onewindow.core.errors import DomainError, NotFound, documented_problems
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import Role
from onewindow.payments.api import PaymentOut

router = Router(tags=["appointments"], auth=django_auth)


class ServiceHallOut(Schema):
    code: str
    name: str
    level: str
    division: str
    address: str
    opens_at: str
    closes_at: str

    @staticmethod
    def resolve_division(hall: Hall) -> str:
        return hall.division.code

    @staticmethod
    def resolve_opens_at(hall: Hall) -> str:
        return hall.opens_at.strftime("%H:%M")

    @staticmethod
    def resolve_closes_at(hall: Hall) -> str:
        return hall.closes_at.strftime("%H:%M")


class HallSlotOut(Schema):
    id: int
    window: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_left: int
    services: list[str]

    @staticmethod
    def resolve_window(slot: Slot) -> int:
        return slot.window.number

    @staticmethod
    def resolve_services(slot: Slot) -> list[str]:
        return list(slot.window.services)


class AppointmentOut(Schema):
    ref: str
    status: str
    hall: str
    window: int
    slot: int
    starts_at: datetime
    ends_at: datetime
    service_code: str
    purpose: str
    queue_number: int | None
    has_fee: bool

    @staticmethod
    def resolve_hall(booking: Booking) -> str:
        return booking.slot.window.hall.code

    @staticmethod
    def resolve_window(booking: Booking) -> int:
        return booking.slot.window.number

    @staticmethod
    def resolve_slot(booking: Booking) -> int:
        return booking.slot_id

    @staticmethod
    def resolve_starts_at(booking: Booking) -> datetime:
        return booking.slot.starts_at

    @staticmethod
    def resolve_ends_at(booking: Booking) -> datetime:
        return booking.slot.ends_at

    @staticmethod
    def resolve_has_fee(booking: Booking) -> bool:
        return services.has_fee(booking)


class AppointmentIn(Schema):
    slot: int
    service_code: str
    purpose: BookingPurpose = BookingPurpose.APPLICATION
    application_ref: str = ""


class AppointmentMoveIn(Schema):
    slot: int


class AppointmentPaymentIn(Schema):
    amount_fen: int
    units: int = 1


class HallWindowNowOut(Schema):
    number: int
    calling: int | None
    waiting: int


def _out(booking: Booking) -> dict[str, Any]:
    return AppointmentOut.from_orm(booking).model_dump(mode="json")


@router.get(
    "/halls",
    response=list[ServiceHallOut],
    auth=None,
    summary="Service halls (of one level: city, county, township)",
    openapi_extra=documented_problems(400),
)
def halls(request: HttpRequest, level: str = "") -> list[Hall]:
    if level and level not in HallLevel.values:
        raise DomainError(_("Unknown level of hall."), code="unknown_level", field="level")
    found = selectors.halls()
    return list(found.filter(level=level) if level else found)


@router.get(
    "/halls/{code}/slots",
    response=list[HallSlotOut],
    auth=None,
    summary="A hall's slots with places left, soonest first",
)
def slots(
    request: HttpRequest, code: str, service_code: str = "", day: date | None = None
) -> list[Slot]:
    return selectors.slots_of(selectors.hall_named(code), service_code=service_code, day=day)


@router.get(
    "/halls/{code}/queue",
    response=list[HallWindowNowOut],
    auth=None,
    summary="The hall display: each window's number called and how many wait",
)
def queue(request: HttpRequest, code: str) -> list[selectors.WindowNow]:
    return selectors.display(selectors.hall_named(code))


class CalledOut(Schema):
    called: AppointmentOut | None  # null: nobody waits for this window


@router.post(
    "/halls/{code}/windows/{number}/call-next",
    response=CalledOut,
    summary="Call the next checked-in resident to the window (window clerks)",
)
def call_next(request: HttpRequest, code: str, number: int) -> Any:
    clerk = verified_officer(request, Role.WINDOW_CLERK)
    window = selectors.clerk_windows(clerk).filter(hall__code=code, number=number).first()
    if window is None:
        raise NotFound(_("You do not work this window."), field="number")
    called = services.call_next(clerk, window)
    return {"called": called}


@router.post(
    "/appointments",
    response={201: AppointmentOut},
    summary="Book a slot (send an Idempotency-Key header)",
)
def book(request: HttpRequest, payload: AppointmentIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        slot = selectors.slot_numbered(payload.slot)

        def write() -> tuple[int, dict[str, Any]]:
            booking = services.book(
                user,
                slot,
                service_code=payload.service_code,
                purpose=payload.purpose,
                application_ref=payload.application_ref,
                idempotency_key=key,
            )
            return 201, _out(booking)

        return write

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)


@router.get("/appointments", response=list[AppointmentOut], summary="My appointments")
def mine(request: HttpRequest) -> list[Booking]:
    return list(selectors.bookings_of(signed_in_user(request))[:100])


@router.get("/appointments/{ref}", response=AppointmentOut, summary="One of my appointments")
def detail(request: HttpRequest, ref: str) -> Booking:
    return selectors.access_booking(signed_in_user(request), ref)


@router.post(
    "/appointments/{ref}/cancel",
    response=AppointmentOut,
    summary="Cancel until two hours before (a paid fee is refunded)",
)
def cancel(request: HttpRequest, ref: str) -> Booking:
    user = signed_in_user(request)
    return services.cancel(selectors.access_booking(user, ref), by=user)


@router.post(
    "/appointments/{ref}/reschedule",
    response={201: AppointmentOut},
    summary="Move to another slot until two hours before (send an Idempotency-Key header)",
)
def reschedule(request: HttpRequest, ref: str, payload: AppointmentMoveIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        booking = selectors.access_booking(user, ref)
        slot = selectors.slot_numbered(payload.slot)
        return lambda: (
            201,
            _out(services.reschedule(booking, slot, by=user, idempotency_key=key)),
        )

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)


@router.post(
    "/appointments/{ref}/check-in",
    response=AppointmentOut,
    summary="Check in on the day and get a queue number",
)
def check_in(request: HttpRequest, ref: str) -> Booking:
    user = signed_in_user(request)
    return services.check_in(selectors.access_booking(user, ref))


@router.post(
    "/appointments/{ref}/payment",
    response={201: PaymentOut},
    summary="Pay the service's fee: the answer's next_url is the provider's page "
    "(send an Idempotency-Key header and the amount you were shown)",
)
def pay(request: HttpRequest, ref: str, payload: AppointmentPaymentIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        booking = selectors.access_booking(user, ref)
        if not services.has_fee(booking):
            raise DomainError(_("This service has no fee."), code="no_fee")

        def write() -> tuple[int, dict[str, Any]]:
            payment = services.pay_fee(
                booking,
                idempotency_key=key,
                units=payload.units,
                expected_amount_fen=payload.amount_fen,
            )
            return 201, PaymentOut.from_orm(payment).model_dump(mode="json")

        return write

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)
