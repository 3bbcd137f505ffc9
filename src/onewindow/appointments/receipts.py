"""E-receipts: every confirmed payment gets a signed electronic receipt in the payer's wallet
(a `fee_receipt` credential under the payee department's seal, verifiable at /verify/ and
offline from its QR), every confirmed refund a reversing `fee_refund_receipt`.

Receivers of `payments.signals`; payments cannot call credentials (peers on layer 3), so the
first app above both does. Issuing is idempotent per payment (credentials keys it on the case
reference), so `payments.tasks.tick` may announce a confirmation again after a crash."""

from __future__ import annotations

import logging
from typing import Any

from onewindow.core.calendar import SHANGHAI
from onewindow.credentials import services as credentials
from onewindow.payments import services as payments
from onewindow.payments.models import Payment, Refund, yuan

logger = logging.getLogger(__name__)


def issue_receipt(sender: Any, *, payment: Payment, **kwargs: Any) -> None:
    if payment.receipt_number:
        return
    assert payment.confirmed_at is not None
    credential = credentials.issue_credential(
        kind="fee_receipt",
        issuer=payment.payee,
        holder=payment.payer,
        case_ref=payment.ref,
        subject={
            "payerName": payment.payer.real_name or payment.payer.username,
            "payeeDepartment": payment.payee.name_zh,
            "item": payment.description,
            "amountYuan": yuan(payment.amount_fen),
            "paidOn": payment.confirmed_at.astimezone(SHANGHAI).date().isoformat(),
            "paymentRef": payment.ref,
        },
    )
    payments.note_receipt(payment, credential.number)


def issue_refund_receipt(sender: Any, *, payment: Payment, refund: Refund, **kwargs: Any) -> None:
    if refund.receipt_number:
        return
    assert refund.confirmed_at is not None
    credential = credentials.issue_credential(
        kind="fee_refund_receipt",
        issuer=payment.payee,
        holder=payment.payer,
        case_ref=refund.ref,
        subject={
            "payerName": payment.payer.real_name or payment.payer.username,
            "payeeDepartment": payment.payee.name_zh,
            "item": payment.description,
            "refundedYuan": yuan(refund.amount_fen),
            "refundedOn": refund.confirmed_at.astimezone(SHANGHAI).date().isoformat(),
            "paymentRef": payment.ref,
            "reverses": payment.receipt_number or payment.ref,
        },
    )
    payments.note_refund_receipt(refund, credential.number)
