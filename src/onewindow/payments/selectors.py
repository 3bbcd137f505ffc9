"""Reads of payments that pages and the API share. A payment is its payer's: "missing" and
"not yours" are one answer."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.identity.models import User
from onewindow.payments.models import Payment, PaymentStatus, ReconciliationFinding


def payments_of(user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(payer=user).select_related("payee").order_by("-created_at")


def access_payment(user: User, ref: str) -> Payment:
    found = payments_of(user).filter(ref=ref).first()
    if found is None:
        raise NotFound(_("No payment of yours has this reference."), field="ref")
    return found


def payment_to_refund(officer: User, ref: str) -> Payment:
    """A payment made to the officer's department; "missing" and "another department's" are
    one answer."""
    found = (
        Payment.objects.filter(ref=ref, payee_id=officer.department_id)
        .exclude(payee=None)
        .select_related("payee", "payer")
        .prefetch_related("refunds")
        .first()
    )
    if found is None or officer.department_id is None:
        raise NotFound(_("No payment to your department has this reference."), field="ref")
    return found


def live_payment_for(purpose: str) -> Payment | None:
    """The payment under way or made for something (an appointment, a tax return)."""
    return (
        Payment.objects.filter(
            purpose=purpose,
            status__in=[
                PaymentStatus.CREATED,
                PaymentStatus.PENDING,
                PaymentStatus.CONFIRMED,
                PaymentStatus.REFUNDED,
            ],
        )
        .select_related("payee", "payer")
        .first()
    )


def open_findings() -> QuerySet[ReconciliationFinding]:
    return ReconciliationFinding.objects.filter(resolved_at=None)
