"""Annual income tax returns (综合所得年度汇算): what the resident declared, what the rules of
the year made of it, and how it was settled (paid through payments, or refunded to the
resident's bank account). One return per person and tax year; the account number is kept
encrypted and shown masked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    REFUND = "refund", _("Refund")
    DUE = "due", _("Tax due")
    EXEMPT = "exempt", _("Tax due, but need not be paid")
    NONE = "none", _("Nothing to pay or refund")


class ReturnStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for your payment")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded to your bank account")
    CLOSED = "closed", _("Settled")


class TaxReturn(models.Model):
    ref = models.CharField(_("reference"), max_length=32, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tax_returns"
    )
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    declared = models.JSONField(_("declared income and deductions"))  # integers in fen
    income_fen = models.BigIntegerField(_("comprehensive income"))
    deductions_fen = models.BigIntegerField(_("deductions"))
    taxable_fen = models.BigIntegerField(_("taxable income"))
    rate_percent = models.PositiveSmallIntegerField(_("rate"))
    quick_deduction_fen = models.BigIntegerField(_("quick deduction"))
    tax_fen = models.BigIntegerField(_("tax for the year"))
    withheld_fen = models.BigIntegerField(_("tax withheld"))
    balance_fen = models.BigIntegerField(_("balance"))  # > 0 due, < 0 refund
    lines = models.JSONField(default=dict)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=ReturnStatus.choices, default=ReturnStatus.FILED
    )
    bank_account_encrypted = models.TextField(blank=True, editable=False)
    bank_account_masked = models.CharField(_("bank account"), max_length=32, blank=True)
    idempotency_key = models.CharField(max_length=64)
    filed_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-tax_year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "tax_year"], name="tax_return_once_a_year"),
            models.UniqueConstraint(
                fields=["person", "idempotency_key"], name="tax_return_key_once"
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def refund_fen(self) -> int:
        return -self.balance_fen if self.balance_fen < 0 else 0
