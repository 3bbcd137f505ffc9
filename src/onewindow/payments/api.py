"""Fees and payments over JSON: a service item's fee for the signed-in person, their
payments, and one payment's status (which asks the provider when it is still open).
Payments start from what they pay for (`POST /appointments/{ref}/payment`,
`POST /tax-returns/{ref}/payment`), with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.identity.decorators import signed_in_user
from onewindow.payments import selectors, services
from onewindow.payments.fees import rule_for

router = Router(tags=["payments"], auth=django_auth)


class ServiceFeeOut(Schema):
    item_code: str
    units: int
    gross_fen: int
    waived_fen: int
    amount_fen: int
    exemption: str
    basis: str


class PaymentOut(Schema):
    ref: str
    status: str
    description: str
    gross_fen: int
    waived_fen: int
    exemption: str
    amount_fen: int
    refunded_fen: int
    next_url: str
    receipt_number: str
    created_at: datetime
    confirmed_at: datetime | None


@router.get("/fees/{item_code}", response=ServiceFeeOut, summary="The fee a service item costs me")
def fee(request: HttpRequest, item_code: str, units: int = 1) -> ServiceFeeOut:
    user = signed_in_user(request)
    quote = services.quote_fee(item_code, payer=user, units=units)
    rule = rule_for(item_code)
    assert rule is not None
    basis = rule.basis_zh if (request.LANGUAGE_CODE or "").startswith("zh") else rule.basis_en
    return ServiceFeeOut(
        item_code=quote.item_code,
        units=quote.units,
        gross_fen=quote.gross_fen,
        waived_fen=quote.waived_fen,
        amount_fen=quote.amount_fen,
        exemption=quote.exemption,
        basis=basis,
    )


@router.get("/payments", response=list[PaymentOut], summary="My payments, newest first")
def my_payments(request: HttpRequest) -> list[PaymentOut]:
    return [
        PaymentOut.from_orm(payment)
        for payment in selectors.payments_of(signed_in_user(request))[:100]
    ]


@router.get(
    "/payments/{ref}",
    response=PaymentOut,
    summary="One of my payments (an open one is checked with the provider first)",
)
def my_payment(request: HttpRequest, ref: str) -> PaymentOut:
    payment = selectors.access_payment(signed_in_user(request), ref)
    return PaymentOut.from_orm(services.refresh_payment(payment))
