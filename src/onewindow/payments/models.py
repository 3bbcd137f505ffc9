"""Payments: what a person owes a department and how the provider says it was paid.

`Payment` moves created → pending → confirmed (or failed) only by a conditional UPDATE on
its status, so whatever number of webhooks and status queries arrive, in whatever order, one
of them confirms it and the rest find nothing to change. `WebhookLog` keeps every webhook
received, refused ones included, with the rule that refused it. The demo provider's own
records (`DemoProviderPayment`, `DemoProviderRefund`) are the provider's side: the
reconciliation job compares them with ours as it would a real provider's statement.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.identity.models import Department


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for the provider")
    CONFIRMED = "confirmed", _("Paid")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


# A payment in one of these holds its purpose: a second payment for the same thing is refused.
HOLDING = (PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.CONFIRMED)


class Payment(models.Model):
    ref = models.CharField(_("reference"), max_length=32, unique=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    payee = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="payments_due")
    purpose = models.CharField(_("paid for"), max_length=64)  # "appointment:<ref>", "tax:<ref>"
    item_code = models.CharField(_("service item"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=200)
    gross_fen = models.PositiveBigIntegerField(_("fee before exemption, in fen"))
    waived_fen = models.PositiveBigIntegerField(_("waived, in fen"), default=0)
    exemption = models.CharField(_("exemption"), max_length=32, blank=True)
    amount_fen = models.PositiveBigIntegerField(_("amount in fen"))
    refunded_fen = models.PositiveBigIntegerField(_("refunded, in fen"), default=0)
    provider = models.CharField(_("provider"), max_length=32)
    provider_payment_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    next_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    idempotency_key = models.CharField(max_length=64)
    last_sequence = models.PositiveIntegerField(default=0)  # the provider's last event applied
    confirmed_via = models.CharField(max_length=16, blank=True)  # "webhook" | "status_query"
    receipt_number = models.CharField(_("receipt"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "idempotency_key"], name="payment_key_once"),
            # One live payment per thing paid for: two tabs cannot pay the same fee twice.
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(status__in=["created", "pending", "confirmed", "refunded"]),
                name="payment_purpose_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__lte=models.F("gross_fen"))
                & Q(refunded_fen__lte=models.F("amount_fen")),
                name="payment_amounts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    @property
    def refundable_fen(self) -> int:
        return self.amount_fen - self.refunded_fen


def yuan(fen: int) -> str:
    """¥ as people read it: 1234 fen → "12.34"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    ref = models.CharField(max_length=32, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.PositiveBigIntegerField(_("amount in fen"))
    reason = models.CharField(_("reason"), max_length=200)
    idempotency_key = models.CharField(max_length=64)
    provider_refund_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    receipt_number = models.CharField(_("reversing receipt"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "idempotency_key"], name="refund_key_once")
        ]

    def __str__(self) -> str:
        return self.ref


class WebhookOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Already applied")
    STALE = "stale", _("Older than what we know")
    REFUSED = "refused", _("Refused")


class WebhookLog(models.Model):
    """Every webhook received, what it claimed and what we did with it."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=32, blank=True)
    provider_payment_id = models.CharField(max_length=64, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    outcome = models.CharField(max_length=16, choices=WebhookOutcome.choices)
    reason = models.CharField(max_length=64, blank=True)  # the rule that refused it
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["outcome", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.outcome}"


class FindingKind(models.TextChoices):
    MISSING_HERE = "missing_here", _("Paid at the provider, unknown here")
    MISSING_THERE = "missing_there", _("Confirmed here, not paid at the provider")
    STATUS = "status", _("Paid at the provider, not confirmed here")
    AMOUNT = "amount", _("Amounts differ")


class ReconciliationFinding(models.Model):
    provider = models.CharField(max_length=32)
    day = models.DateField()
    provider_payment_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    detail = models.CharField(max_length=300)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id", "kind"], name="finding_once"
            )
        ]

    # ----- the demo provider's side --------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.provider_payment_id} {self.kind}"


class DemoBehaviour(models.TextChoices):
    NORMAL = "normal", _("Pays and tells us once")
    FAIL = "fail", _("Declines the payment")
    TIMEOUT = "timeout", _("Takes the money and never sends the webhook")
    DUPLICATE = "duplicate", _("Sends the webhook twice")


class DemoProviderPayment(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    amount_fen = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=64)
    description = models.CharField(max_length=200)
    return_url = models.CharField(max_length=500)
    status = models.CharField(max_length=16, default="requires_payment")
    method = models.CharField(max_length=16, blank=True)
    behaviour = models.CharField(
        max_length=16, choices=DemoBehaviour.choices, default=DemoBehaviour.NORMAL
    )
    refunded_fen = models.PositiveBigIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.id


class DemoProviderRefund(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    payment = models.ForeignKey(DemoProviderPayment, on_delete=models.CASCADE)
    amount_fen = models.PositiveBigIntegerField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.id
