"""Fees and payments over JSON: a service item's fee for the signed-in person, their
payments, and one payment's status (which asks the provider when it is still open).
Payments start from what they pay for (`POST /appointments/{ref}/payment`,
`POST /tax-returns/{ref}/payment`), with an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.core import idempotency
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.payments import selectors, services
from onewindow.payments.fees import rule_for
from onewindow.payments.models import Refund

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


class RefundIn(Schema):
    amount_fen: int
    reason: str


class RefundOut(Schema):
    ref: str
    payment: str
    amount_fen: int
    status: str
    receipt_number: str
    payment_refunded_fen: int
    payment_status: str
    created_at: datetime
    confirmed_at: datetime | None


def _refund_out(refund: Refund) -> dict[str, Any]:
    payment = refund.payment
    return {
        "ref": refund.ref,
        "payment": payment.ref,
        "amount_fen": refund.amount_fen,
        "status": refund.status,
        "receipt_number": refund.receipt_number,
        "payment_refunded_fen": payment.refunded_fen,
        "payment_status": payment.status,
        "created_at": refund.created_at,
        "confirmed_at": refund.confirmed_at,
    }


@router.post(
    "/payments/{ref}/refunds",
    response={201: RefundOut},
    summary=(
        "Refund all or part of a payment to my department (an approver; integer fen; "
        "send an Idempotency-Key header)"
    ),
)
def refund(request: HttpRequest, ref: str, body: RefundIn) -> Any:
    officer = verified_officer(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        payment = selectors.payment_to_refund(officer, ref)

        def write() -> tuple[int, dict[str, Any]]:
            made = services.refund_by_officer(
                officer,
                payment,
                amount_fen=body.amount_fen,
                reason=body.reason,
                idempotency_key=key,
            )
            return 201, _refund_out(made)

        return write

    return idempotency.answer_once(request, owner=f"user:{officer.pk}", check=check)
