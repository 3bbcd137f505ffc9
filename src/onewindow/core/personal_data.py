"""Personal data at rest: AES-256-GCM encryption, a keyed hash for exact lookups, masking.

The key comes from `settings.ONEWINDOW_DATA_KEY` (32 bytes, base64url). Encryption and
lookup keys are derived from it with HKDF so that one secret serves both purposes
without reusing key material.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"\x01"
_NONCE_BYTES = 12


def _decode_key(raw: str) -> bytes:
    padded = raw + "=" * (-len(raw) % 4)
    key = base64.urlsafe_b64decode(padded.encode("ascii"))
    if len(key) != 32:
        raise ValueError("ONEWINDOW_DATA_KEY must be 32 bytes, base64url-encoded")
    return key


@lru_cache(maxsize=4)
def _derived(raw: str, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"onewindow/" + purpose)
    return hkdf.derive(_decode_key(raw))


def _key(purpose: bytes) -> bytes:
    return _derived(settings.ONEWINDOW_DATA_KEY, purpose)


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt `plaintext`; `context` (e.g. "identity.user.id_number") binds it to its column."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(b"encrypt")).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode("ascii")


def decrypt(token: str, *, context: str) -> str:
    blob = base64.urlsafe_b64decode(token.encode("ascii"))
    if blob[:1] != _VERSION:
        raise ValueError("unknown personal-data ciphertext version")
    nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    return AESGCM(_key(b"encrypt")).decrypt(nonce, sealed, context.encode()).decode("utf-8")


def lookup_hash(value: str, *, context: str) -> str:
    """A keyed hash for exact-match lookups that reveals nothing without the key."""
    message = context.encode() + b"\x00" + value.encode("utf-8")
    return hmac.new(_key(b"lookup"), message, hashlib.sha256).hexdigest()


def mask(value: str, *, keep_start: int, keep_end: int) -> str:
    """`330106199001011234` → `330106********1234` with keep_start=6, keep_end=4."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_resident_id(value: str) -> str:
    return mask(value, keep_start=6, keep_end=4)


def mask_mobile(value: str) -> str:
    return mask(value, keep_start=3, keep_end=4)


def mask_name(value: str) -> str:
    """`王小明` → `王**`: the family name stays, enough for the person to recognise it."""
    return value[:1] + "*" * (len(value) - 1) if value else ""
