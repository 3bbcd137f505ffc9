"""E-receipts: every confirmed payment gets a signed electronic receipt in the payer's wallet
(a `fee_receipt` credential under the payee department's seal, verifiable at /verify/ and
offline from its QR), every confirmed refund a reversing `fee_refund_receipt`.

Receivers of `payments.signals`; payments cannot call credentials (peers on layer 3), so the
first app above both does. The receivers only queue the worker's task (`appointments.tasks`):
signing, encrypting and recording the credential (~25 ms) stays out of the webhook's request,
which answers the provider as soon as the confirmation is committed. Issuing is once per
payment: the task does nothing for a payment already noted with its receipt, credentials
keys the credential on the case reference (one per case and kind, a concurrent second
issue refused by the database), and the credential and the note commit together; so a task
run again (a worker killed mid-task, `payments.tasks.tick` announcing a confirmation again)
issues nothing twice."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from onewindow.core.calendar import SHANGHAI
from onewindow.core.enqueue import enqueue_with_transaction
from onewindow.core.errors import Conflict
from onewindow.credentials import services as credentials
from onewindow.credentials.models import Credential
from onewindow.payments import services as payments
from onewindow.payments.models import Payment, Refund, yuan

logger = logging.getLogger(__name__)


def queue_receipt(sender: Any, *, payment: Payment, **kwargs: Any) -> None:
    """Receiver of `payment_confirmed`: the receipt is the worker's to issue."""
    from onewindow.appointments import tasks

    if not payment.receipt_number:
        enqueue_with_transaction(tasks.issue_receipt, payment.pk)


def queue_refund_receipt(sender: Any, *, payment: Payment, refund: Refund, **kwargs: Any) -> None:
    """Receiver of `payment_refunded`: the reversing receipt is the worker's to issue."""
    from onewindow.appointments import tasks

    if not refund.receipt_number:
        enqueue_with_transaction(tasks.issue_refund_receipt, refund.pk)


def _issued(payment: Payment, *, kind: str, case_ref: str, subject: dict[str, str]) -> str:
    """The number of the credential issued for `case_ref`, or of the one a concurrent run
    issued meanwhile (the database refuses a second)."""
    try:
        credential = credentials.issue_credential(
            kind=kind,
            issuer=payment.payee,
            holder=payment.payer,
            case_ref=case_ref,
            subject={
                "payerName": payment.payer.real_name or payment.payer.username,
                "payeeDepartment": payment.payee.name_zh,
                "item": payment.description,
                "paymentRef": payment.ref,
                **subject,
            },
        )
    except Conflict:
        credential = Credential.objects.get(case_ref=case_ref, kind=kind)
    return credential.number


def issue_receipt(payment: Payment) -> None:
    """The payment's e-receipt, once: issued and noted on the payment in one transaction."""
    if payment.receipt_number:
        return
    assert payment.confirmed_at is not None
    paid_on = payment.confirmed_at.astimezone(SHANGHAI).date().isoformat()
    with transaction.atomic():
        number = _issued(
            payment,
            kind="fee_receipt",
            case_ref=payment.ref,
            subject={"amountYuan": yuan(payment.amount_fen), "paidOn": paid_on},
        )
        payments.note_receipt(payment, number)


def issue_refund_receipt(refund: Refund) -> None:
    """The refund's reversing e-receipt, once, as `issue_receipt`."""
    if refund.receipt_number:
        return
    assert refund.confirmed_at is not None
    payment = refund.payment
    refunded_on = refund.confirmed_at.astimezone(SHANGHAI).date().isoformat()
    with transaction.atomic():
        number = _issued(
            payment,
            kind="fee_refund_receipt",
            case_ref=refund.ref,
            subject={
                "refundedYuan": yuan(refund.amount_fen),
                "refundedOn": refunded_on,
                "reverses": payment.receipt_number or payment.ref,
            },
        )
        payments.note_refund_receipt(refund, number)
