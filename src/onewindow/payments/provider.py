"""The payment-provider interface, in the shape integrators know (Stripe, Alipay, WeChat Pay,
UnionPay all have it): create a payment with an amount, a reference, a description, a
return URL and an idempotency key, and send the payer to the provider's `next_url`; the
provider tells us the outcome by a signed webhook, and answers a status query; full and
partial refunds; a daily list of its payments for reconciliation.

`DemoProvider` is a provider that runs inside the platform with its own pages (card, and a
UnionPay/WeChat-style QR), and can be told to decline, to keep quiet (no webhook: the status
query must find the payment) or to send its webhook twice. Its webhooks are signed the way
real providers sign theirs: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from onewindow.core.calendar import SHANGHAI
from onewindow.payments.models import DemoBehaviour, DemoProviderPayment, DemoProviderRefund

SIGNATURE_HEADER = "OneWindow-Pay-Signature"
# A webhook signed longer ago than this is a replay: refused even with a good signature.
SIGNATURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class ProviderPayment:
    id: str
    status: str  # "requires_payment" | "succeeded" | "failed"
    amount_fen: int
    reference: str
    refunded_fen: int
    next_url: str
    created_at: datetime


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    payment_id: str
    amount_fen: int
    status: str  # "succeeded" | "failed"


@dataclass(frozen=True)
class ProviderEvent:
    """A webhook whose signature checked out."""

    id: str
    type: str  # "payment.succeeded" | "payment.failed" | "refund.succeeded"
    payment_id: str
    reference: str
    amount_fen: int
    sequence: int
    refund_id: str = ""
    refund_amount_fen: int = 0


class WebhookRefused(Exception):
    """A webhook that is not the provider's, or no longer: `reason` names the rule."""

    def __init__(self, reason: str, *, event: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event = event or {}


class PaymentProvider(Protocol):
    name: str

    def create_payment(
        self,
        *,
        amount_fen: int,
        reference: str,
        description: str,
        return_url: str,
        idempotency_key: str,
    ) -> ProviderPayment: ...

    def retrieve(self, payment_id: str) -> ProviderPayment: ...

    def refund(
        self, payment_id: str, *, amount_fen: int, idempotency_key: str
    ) -> ProviderRefund: ...

    def payments_on(self, day: date) -> list[ProviderPayment]: ...

    def parse_webhook(self, body: bytes, signature: str, *, now: datetime) -> ProviderEvent: ...


def _secret() -> bytes:
    # Derived from the site's secret: the demo provider and the platform share it by design.
    return hmac.new(settings.SECRET_KEY.encode(), b"demo-payment-provider", "sha256").digest()


def sign(body: bytes, *, at: datetime) -> str:
    stamp = int(at.timestamp())
    mac = hmac.new(_secret(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def _as_provider_payment(row: DemoProviderPayment) -> ProviderPayment:
    return ProviderPayment(
        id=row.id,
        status=row.status,
        amount_fen=row.amount_fen,
        reference=row.reference,
        refunded_fen=row.refunded_fen,
        # The demo provider's page is on this site: a path, where a real provider gives a URL.
        next_url=reverse("payments:demo-pay", args=[row.id]),
        created_at=row.created_at,
    )


class DemoProvider:
    name = "demo"

    # ----- the merchant's side of the interface ------------------------------------------

    def create_payment(
        self,
        *,
        amount_fen: int,
        reference: str,
        description: str,
        return_url: str,
        idempotency_key: str,
    ) -> ProviderPayment:
        existing = DemoProviderPayment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = DemoProviderPayment.objects.create(
                        id="pp_" + secrets.token_hex(16),
                        amount_fen=amount_fen,
                        reference=reference,
                        description=description[:200],
                        return_url=return_url,
                        idempotency_key=idempotency_key,
                    )
            except IntegrityError:
                existing = DemoProviderPayment.objects.get(idempotency_key=idempotency_key)
        return _as_provider_payment(existing)

    def retrieve(self, payment_id: str) -> ProviderPayment:
        return _as_provider_payment(DemoProviderPayment.objects.get(pk=payment_id))

    def refund(self, payment_id: str, *, amount_fen: int, idempotency_key: str) -> ProviderRefund:
        with transaction.atomic():
            row = DemoProviderPayment.objects.select_for_update().get(pk=payment_id)
            done = DemoProviderRefund.objects.filter(idempotency_key=idempotency_key).first()
            if done is not None:
                return ProviderRefund(done.id, payment_id, done.amount_fen, "succeeded")
            if row.status != "succeeded" or row.refunded_fen + amount_fen > row.amount_fen:
                return ProviderRefund("", payment_id, amount_fen, "failed")
            refund = DemoProviderRefund.objects.create(
                id="re_" + secrets.token_hex(16),
                payment=row,
                amount_fen=amount_fen,
                idempotency_key=idempotency_key,
            )
            row.refunded_fen += amount_fen
            row.sequence += 1
            row.save(update_fields=["refunded_fen", "sequence"])
        return ProviderRefund(refund.id, payment_id, amount_fen, "succeeded")

    def payments_on(self, day: date) -> list[ProviderPayment]:
        start = datetime.combine(day, datetime.min.time(), SHANGHAI)
        rows = DemoProviderPayment.objects.filter(
            created_at__gte=start, created_at__lt=start + timedelta(days=1)
        ).order_by("created_at")
        return [_as_provider_payment(row) for row in rows]

    def parse_webhook(self, body: bytes, signature: str, *, now: datetime) -> ProviderEvent:
        parts = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
        try:
            stamp = int(parts.get("t", ""))
        except ValueError:
            raise WebhookRefused("bad_signature") from None
        expected = hmac.new(_secret(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise WebhookRefused("bad_signature")
        try:
            raw = json.loads(body)
            data = raw["data"]
            event = ProviderEvent(
                id=str(raw["id"]),
                type=str(raw["type"]),
                payment_id=str(data["payment"]),
                reference=str(data["reference"]),
                amount_fen=int(data["amount_fen"]),
                sequence=int(raw["sequence"]),
                refund_id=str(data.get("refund", "")),
                refund_amount_fen=int(data.get("refund_amount_fen", 0)),
            )
        except (ValueError, KeyError, TypeError):
            raise WebhookRefused("malformed") from None
        if abs(now.timestamp() - stamp) > SIGNATURE_TOLERANCE.total_seconds():
            raise WebhookRefused("signature_expired", event=raw)
        return event

    # ----- the provider's own side: its pages and its webhooks ---------------------------

    def pay(self, payment_id: str, *, method: str) -> list[tuple[bytes, str]]:
        """The payer confirmed on the provider's page: the provider takes the money (or
        declines, as told) and returns the webhooks it sends, signed."""
        with transaction.atomic():
            row = DemoProviderPayment.objects.select_for_update().get(pk=payment_id)
            if row.status != "requires_payment":
                return []
            row.status = "failed" if row.behaviour == DemoBehaviour.FAIL else "succeeded"
            row.method = method
            row.paid_at = timezone.now() if row.status == "succeeded" else None
            row.sequence += 1
            row.save(update_fields=["status", "method", "paid_at", "sequence"])
        if row.behaviour == DemoBehaviour.TIMEOUT:
            return []
        hook = self.webhook_for(row)
        return [hook, hook] if row.behaviour == DemoBehaviour.DUPLICATE else [hook]

    def webhook_for(
        self,
        row: DemoProviderPayment,
        *,
        at: datetime | None = None,
        refund: DemoProviderRefund | None = None,
    ) -> tuple[bytes, str]:
        at = at or timezone.now()
        kind = "refund.succeeded" if refund else f"payment.{row.status}"
        data: dict[str, Any] = {
            "payment": row.id,
            "reference": row.reference,
            "amount_fen": row.amount_fen,
        }
        if refund is not None:
            data |= {"refund": refund.id, "refund_amount_fen": refund.amount_fen}
        body = json.dumps(
            {
                "id": "evt_"
                + hashlib.sha256(f"{row.id}:{kind}:{row.sequence}".encode()).hexdigest()[:20],
                "type": kind,
                "created": int(at.timestamp()),
                "sequence": row.sequence,
                "data": data,
            },
            separators=(",", ":"),
        ).encode()
        return body, sign(body, at=at)


PROVIDERS: dict[str, PaymentProvider] = {"demo": DemoProvider()}


def provider_named(name: str) -> PaymentProvider:
    return PROVIDERS[name]
