"""The paper result's delivery over JSON: the applicant follows it; the hall's window clerks
and the handling departments' officers (second factor confirmed) move it.

Moves that are not possible in the delivery's state are 409 problems with the `current`
status; a wrong pickup code is a 400 on the field `code`, and the fifth in a row a 429.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.applications import selectors
from onewindow.applications.api import EventOut, OfApplication
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import Carrier, Delivery, Transition
from onewindow.core.errors import DomainError, documented_problems
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import User

router = Router(tags=["delivery"], auth=django_auth)


class AddressOut(Schema):
    """Masked on every read but the waybill's (`/deliveries/{id}/address`)."""

    recipient_name: str
    mobile: str
    division: str
    street: str
    postal_code: str


class DeliveryEventOut(EventOut):
    """A move of the paper result: posted, ready at the hall, handed over."""


class HallOut(Schema):
    division: str
    name: str
    opens: str
    closes: str
    next_opening_day: date


class ApplicantDeliveryOut(Schema):
    """`status` is null until the application is approved (and for electronic results,
    whose credential is the result)."""

    application: str
    method: str
    status: str | None
    hall: HallOut | None
    address: AddressOut | None
    carrier: str
    tracking_number: str
    pickup_code: str
    finished_at: datetime | None
    history: list[DeliveryEventOut]


def _hall(delivery: Delivery | None) -> HallOut | None:
    if delivery is None:
        return None
    return HallOut(
        division=delivery.hall.code,
        name=selectors.hall_name(delivery.hall),
        opens=paper_delivery.HALL_OPENS.strftime("%H:%M"),
        closes=paper_delivery.HALL_CLOSES.strftime("%H:%M"),
        next_opening_day=paper_delivery.next_opening_day(),
    )


def _events(history: list[Transition]) -> list[DeliveryEventOut]:
    return [DeliveryEventOut.model_validate(row) for row in history]


@router.get(
    "/applications/{ref}/delivery",
    response=ApplicantDeliveryOut,
    summary="How my application's paper result reaches me",
)
def applicant_delivery(request: HttpRequest, ref: str) -> ApplicantDeliveryOut:
    application = selectors.access_application(signed_in_user(request), ref)
    view = selectors.delivery_of(application, for_applicant=True)
    found = view.delivery
    return ApplicantDeliveryOut(
        application=application.ref,
        method=view.method,
        status=found.status if found else None,
        hall=_hall(found),
        address=AddressOut(**view.address) if view.address else None,
        carrier=found.carrier if found else "",
        tracking_number=found.tracking_number if found else "",
        pickup_code=view.pickup_code,
        finished_at=found.finished_at if found else None,
        history=_events(view.history),
    )


class OfficerDeliveryOut(OfApplication):
    id: int
    method: str
    status: str
    hall: str
    carrier: str
    tracking_number: str
    is_locked: bool
    created_at: datetime
    finished_at: datetime | None
    handed_over_by: str | None

    @staticmethod
    def resolve_hall(delivery: Delivery) -> str:
        return delivery.hall.code

    @staticmethod
    def resolve_is_locked(delivery: Delivery) -> bool:
        return delivery.locked_until is not None and delivery.locked_until > timezone.now()

    @staticmethod
    def resolve_handed_over_by(delivery: Delivery) -> str | None:
        return delivery.handed_over_by.username if delivery.handed_over_by else None


def _officer_delivery(request: HttpRequest, pk: int) -> tuple[User, Delivery]:
    officer = verified_officer(request)
    return officer, selectors.access_delivery(officer, pk)


@router.get(
    "/deliveries",
    response=list[OfficerDeliveryOut],
    summary="My hall's and department's deliveries (view: to_dispatch, in_transit, pickup, "
    "finished)",
    openapi_extra=documented_problems(400),  # an unknown view
)
def deliveries(request: HttpRequest, view: str = "to_dispatch") -> list[Delivery]:
    officer = verified_officer(request)
    if view not in selectors.DELIVERY_VIEWS:
        raise DomainError(_("Unknown delivery view."), field="view")
    return selectors.deliveries_for(officer, view=view)


@router.get(
    "/deliveries/{pk}/address",
    response=AddressOut,
    summary="The full postal address, to write the waybill (recorded for the applicant)",
)
def address(request: HttpRequest, pk: int) -> AddressOut:
    officer, delivery = _officer_delivery(request, pk)
    found = paper_delivery.read_address(officer, delivery)
    return AddressOut(
        recipient_name=found.recipient_name,
        mobile=found.mobile,
        division=found.division,
        street=found.street,
        postal_code=found.postal_code,
    )


class DeliveryDispatchIn(Schema):
    carrier: Carrier
    tracking_number: str


class ReturnedIn(Schema):
    reason: str


class HandOverIn(Schema):
    code: str


@router.post(
    "/deliveries/{pk}/dispatch", response=OfficerDeliveryOut, summary="Posted, with tracking"
)
def dispatch(request: HttpRequest, pk: int, payload: DeliveryDispatchIn) -> Delivery:
    officer, delivery = _officer_delivery(request, pk)
    return paper_delivery.dispatch(
        officer, delivery, carrier=payload.carrier, tracking_number=payload.tracking_number
    )


@router.post(
    "/deliveries/{pk}/delivered", response=OfficerDeliveryOut, summary="The carrier delivered it"
)
def delivered(request: HttpRequest, pk: int) -> Delivery:
    officer, delivery = _officer_delivery(request, pk)
    return paper_delivery.mark_delivered(officer, delivery)


@router.post(
    "/deliveries/{pk}/returned",
    response=OfficerDeliveryOut,
    summary="The post came back, with the reason",
)
def returned(request: HttpRequest, pk: int, payload: ReturnedIn) -> Delivery:
    officer, delivery = _officer_delivery(request, pk)
    return paper_delivery.mark_returned(officer, delivery, reason=payload.reason)


@router.post(
    "/deliveries/{pk}/hand-over",
    response=OfficerDeliveryOut,
    summary="Hand the result over to the applicant presenting the pickup code",
    openapi_extra=documented_problems(429),  # the fifth wrong code in a row locks the pickup
)
def hand_over(request: HttpRequest, pk: int, payload: HandOverIn) -> Delivery:
    officer, delivery = _officer_delivery(request, pk)
    return paper_delivery.hand_over(officer, delivery, code=payload.code)
