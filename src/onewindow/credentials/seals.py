"""Electronic seals: each issuing department's Ed25519 key, and the platform's trust anchor.

Seals are not the exchange's signing keys (exchange.signing): an exchange key signs messages
that live for minutes and may stop verifying an hour after rotation; a seal signs licences
that live for years, so a retired seal stays in the trust list for as long as anything it
signed is valid. Keeping them apart also means a leaked exchange key cannot forge licences.

Private keys are encrypted under the platform's data key; decrypted ones are cached per
process for a short time, only when read outside a transaction (never an uncommitted key).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import connection, transaction
from django.utils import timezone

from onewindow.core import personal_data
from onewindow.credentials import formats
from onewindow.credentials.models import SealKey
from onewindow.identity.models import Department

KEY_CONTEXT = "credentials.seal"
CACHE_SECONDS = 30.0
ANCHOR = "anchor"


@dataclass(frozen=True)
class Seal:
    stored: SealKey
    private: Ed25519PrivateKey
    fetched: float

    @property
    def kid(self) -> str:
        return self.stored.kid

    @property
    def qr_kid(self) -> bytes:
        return formats.b64url_decode(self.stored.qr_kid)


_cache: dict[int | str, Seal] = {}


def forget() -> None:
    _cache.clear()


def _new(department: Department | None) -> SealKey:
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    owner = department.code if department else ANCHOR
    kid = f"{owner}:seal:{timezone.now():%Y%m%d}:{secrets.token_hex(4)}"
    public_jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": formats.b64url(raw_public),
        "kid": kid,
        "use": "sig",
        "alg": formats.JWS_ALGORITHM,
    }
    return SealKey.objects.create(
        department=department,
        kid=kid,
        qr_kid=formats.b64url(formats.qr_key_id(raw_public)),
        public_jwk=public_jwk,
        private_jwk_encrypted=personal_data.encrypt(
            json.dumps({**public_jwk, "d": formats.b64url(raw_private)}), context=KEY_CONTEXT
        ),
    )


def _active(department: Department | None) -> SealKey:
    found = SealKey.objects.filter(department=department, retired_at__isnull=True).first()
    return found if found is not None else _new(department)


def published_jwk(seal: SealKey) -> dict[str, Any]:
    """The seal's public JWK as we publish it: `alg` is what it signs with now (EdDSA); seals
    made before say Ed25519 in storage, the same key and signature under RFC 9864's name."""
    return {**seal.public_jwk, "alg": formats.JWS_ALGORITHM}


def seal_of(department: Department | None) -> Seal:
    """The department's current seal (the trust anchor's for None), made on first use."""
    key: int | str = department.pk if department else ANCHOR
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached.fetched < CACHE_SECONDS:
        return cached
    stored = _active(department)
    private_jwk: dict[str, Any] = json.loads(
        personal_data.decrypt(stored.private_jwk_encrypted, context=KEY_CONTEXT)
    )
    seal = Seal(
        stored,
        Ed25519PrivateKey.from_private_bytes(formats.b64url_decode(private_jwk["d"])),
        now,
    )
    if not connection.in_atomic_block:
        _cache[key] = seal
    return seal


@transaction.atomic
def rotate(department: Department | None) -> SealKey:
    """Retire the current seal (it keeps verifying what it signed) and make a new one."""
    SealKey.objects.filter(department=department, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    forget()
    transaction.on_commit(forget)
    return _new(department)


def sign_jwt(seal: Seal, payload: dict[str, Any], *, typ: str) -> str:
    """A compact JWS of `payload` under the seal, e.g. a status list or the trust list."""
    return formats.sign_compact(
        {"alg": formats.JWS_ALGORITHM, "kid": seal.kid, "typ": typ}, payload, seal.private
    )
