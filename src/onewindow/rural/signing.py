"""How partner platforms authenticate: the API key `<key id>.<secret>` in `X-Api-Key` for
every call, and on what they post, `OneWindow-Signature: t=<unix seconds>,v1=<hex>` where
v1 = HMAC-SHA256(secret, "<t>." + body), as the payment provider's webhooks are signed
(payments.provider). A signature older than SIGNATURE_TOLERANCE is a replay, refused even
when good; an altered body fails the HMAC. A retry inside the window with the same
`Idempotency-Key` is answered once (core.idempotency)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError
from onewindow.rural.models import Partner
from onewindow.rural.services import secret_of

KEY_HEADER = "X-Api-Key"
SIGNATURE_HEADER = "OneWindow-Signature"
SIGNATURE_TOLERANCE = timedelta(minutes=5)


class PartnerUnauthenticated(DomainError):
    status = 401
    code = "partner_key_invalid"

    def response_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'ApiKey header="{KEY_HEADER}"'}


class SignatureRefused(DomainError):
    status = 401
    code = "signature_invalid"


def partner_for_key(key: str) -> Partner:
    """The active partner whose API key this is. Raises PartnerUnauthenticated."""
    key_id, _dot, secret = (key or "").strip().partition(".")
    partner = Partner.objects.filter(key_id=key_id, is_active=True).first() if key_id else None
    if partner is None or not hmac.compare_digest(secret_of(partner).encode(), secret.encode()):
        raise PartnerUnauthenticated(
            _("The API key is unknown or withdrawn: send X-Api-Key as <key id>.<secret>.")
        )
    return partner


def sign(secret: str, body: bytes, *, at: datetime) -> str:
    stamp = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def check_signature(partner: Partner, header: str, body: bytes, *, now: datetime) -> None:
    """Raises SignatureRefused for a missing, malformed, wrong (altered body) or expired
    (replayed) signature."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        stamp = int(parts.get("t", ""))
    except ValueError:
        raise SignatureRefused(
            _("Sign the body: %(header)s: t=<unix seconds>,v1=<HMAC-SHA256 hex>."),
            code="signature_missing",
            field=SIGNATURE_HEADER,
            params={"header": SIGNATURE_HEADER},
        ) from None
    expected = hmac.new(
        secret_of(partner).encode(), f"{stamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise SignatureRefused(
            _(
                "The signature does not match the body: the message was altered or signed "
                "with another secret."
            ),
            field=SIGNATURE_HEADER,
        )
    if abs(now.timestamp() - stamp) > SIGNATURE_TOLERANCE.total_seconds():
        raise SignatureRefused(
            _("The signature is more than 5 minutes old: a replayed message is refused."),
            code="signature_expired",
            field=SIGNATURE_HEADER,
        )
