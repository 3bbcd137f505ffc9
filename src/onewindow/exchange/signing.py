"""Each department signs what it sends with its own Ed25519 key (JWS, RFC 7515 compact form,
`alg: Ed25519` per RFC 9864); the registry of public keys is published as a JWKS.

Private keys are kept encrypted under the platform's data key. Rotating a key retires the old
one: it still verifies for a grace period, so messages in flight are not lost.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from onewindow.core import personal_data
from onewindow.core.errors import DomainError
from onewindow.exchange.models import DepartmentKey
from onewindow.identity.models import Department

ALGORITHM = "Ed25519"
TYPE = "onewindow-exchange+jws"
KEY_CONTEXT = "exchange.department_key"
RETIRED_KEY_GRACE = timedelta(hours=1)


class SignatureRefused(DomainError):
    status = 401
    code = "signature_refused"


def _new_key(department: Department) -> DepartmentKey:
    kid = f"{department.code}:{timezone.now():%Y%m%d}:{secrets.token_hex(4)}"
    key = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
    return DepartmentKey.objects.create(
        department=department,
        kid=kid,
        public_jwk=key.as_dict(private=False),
        private_jwk_encrypted=personal_data.encrypt(
            json.dumps(key.as_dict(private=True)), context=KEY_CONTEXT
        ),
    )


def active_key(department: Department) -> DepartmentKey:
    """The department's current signing key, made on first use."""
    found = DepartmentKey.objects.filter(department=department, retired_at__isnull=True).first()
    return found if found is not None else _new_key(department)


@transaction.atomic
def rotate_key(department: Department) -> DepartmentKey:
    """Retire the current key (it verifies for RETIRED_KEY_GRACE more) and start a new one."""
    DepartmentKey.objects.filter(department=department, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return _new_key(department)


def sign(department: Department, claims: dict[str, Any]) -> str:
    stored = active_key(department)
    private = OKPKey.import_key(
        json.loads(personal_data.decrypt(stored.private_jwk_encrypted, context=KEY_CONTEXT))
    )
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    header = {"alg": ALGORITHM, "kid": stored.kid, "typ": TYPE}
    return jws.serialize_compact(header, payload.encode(), private, algorithms=[ALGORITHM])


def verify(token: str) -> tuple[DepartmentKey, dict[str, Any]]:
    """The signer's key and the claims of a signed message. Raises SignatureRefused for an
    unknown or long-retired key, a bad signature, or anything that is not our JWS."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError):
        raise SignatureRefused("The message is not a compact JWS.") from None
    if header.get("alg") != ALGORITHM or header.get("typ") != TYPE:
        raise SignatureRefused("The message must be signed with Ed25519 as an exchange JWS.")
    stored = (
        DepartmentKey.objects.select_related("department").filter(kid=header.get("kid")).first()
    )
    if stored is None:
        raise SignatureRefused("The signing key is not in the registry.")
    if stored.retired_at is not None and stored.retired_at + RETIRED_KEY_GRACE < timezone.now():
        raise SignatureRefused("The signing key was retired.")
    try:
        verified = jws.deserialize_compact(
            token, OKPKey.import_key(stored.public_jwk), algorithms=[ALGORITHM]
        )
        claims = json.loads(verified.payload)
    except (JoseError, ValueError):
        raise SignatureRefused("The signature does not verify.") from None
    if not isinstance(claims, dict):
        raise SignatureRefused("The signed claims must be an object.")
    return stored, claims


def jwks() -> dict[str, Any]:
    """Every key that may still verify: the published registry other parties fetch."""
    cutoff = timezone.now() - RETIRED_KEY_GRACE
    keys = DepartmentKey.objects.exclude(retired_at__lt=cutoff).order_by("kid")
    return {"keys": [key.public_jwk for key in keys]}
