"""Each department signs what it sends with its own Ed25519 key (JWS, RFC 7515 compact form,
`alg: EdDSA` per RFC 8037, which PyJWT, Authlib, jwcrypto and joserfc all verify); the
registry of public keys is published as a JWKS. A message signed under RFC 9864's name for
the same algorithm, `Ed25519` (what we sent before), is accepted too.

Private keys are kept encrypted under the platform's data key. Rotating a key retires the old
one: it still verifies for a grace period, so messages in flight are not lost. Keys of peer
regions' departments (federation, ADR 0005) verify too, each only for its own region.

Decrypted private keys and imported public keys are kept in memory per process for
KEY_CACHE_SECONDS (a call used to spend four database reads, two decryptions and four key
imports on them). Only committed rows are cached; rotating a key forgets the department's
entries at once, and another process sees the rotation within KEY_CACHE_SECONDS, far inside
RETIRED_KEY_GRACE, so no message is accepted or refused differently.
"""

from __future__ import annotations

import json
import secrets
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from onewindow.core import personal_data
from onewindow.core.errors import DomainError
from onewindow.exchange.models import KID_PATTERN, DepartmentKey, PeerRegion, PeerStatus
from onewindow.identity.models import Department

ALGORITHM = "EdDSA"
ALGORITHMS = ["EdDSA", "Ed25519"]  # accepted: the same Ed25519 signature under either name
# joserfc warns on every EdDSA use that RFC 9864 deprecates the name; we sign with it on
# purpose (most JOSE libraries know no other), so the warning says nothing here.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)
TYPE = "onewindow-exchange+jws"
KEY_CONTEXT = "exchange.department_key"
RETIRED_KEY_GRACE = timedelta(hours=1)
KEY_CACHE_SECONDS = 30.0  # must stay far below RETIRED_KEY_GRACE


@dataclass(frozen=True)
class _Signer:
    kid: str
    private: OKPKey
    fetched: float


@dataclass(frozen=True)
class _Verifier:
    stored: DepartmentKey  # with its department loaded
    public: OKPKey
    fetched: float


# Per process; plain dict reads and writes are atomic, and a lost race only costs a re-read.
_signers: dict[int, _Signer] = {}  # department pk → its active key
_verifiers: dict[str, _Verifier] = {}  # kid → the registered key


def _cacheable() -> bool:
    """Rows read inside an open transaction may yet roll back: cache only outside one."""
    return not connection.in_atomic_block


def forget_keys(department: Department | None = None) -> None:
    """Drop cached keys: one department's (after a rotation), or all of them."""
    if department is None:
        _signers.clear()
        _verifiers.clear()
        return
    _signers.pop(department.pk, None)
    for kid, verifier in list(_verifiers.items()):
        if verifier.stored.department_id == department.pk:
            _verifiers.pop(kid, None)


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
    forget_keys(department)
    # Again after commit: another thread may have cached the old key in between.
    transaction.on_commit(lambda: forget_keys(department))
    return _new_key(department)


def _signer(department: Department) -> _Signer:
    cached = _signers.get(department.pk)
    now = time.monotonic()
    if cached is not None and now - cached.fetched < KEY_CACHE_SECONDS:
        return cached
    stored = active_key(department)
    signer = _Signer(
        stored.kid,
        OKPKey.import_key(
            json.loads(personal_data.decrypt(stored.private_jwk_encrypted, context=KEY_CONTEXT))
        ),
        now,
    )
    if _cacheable():
        _signers[department.pk] = signer
    return signer


def _verifier(kid: str) -> _Verifier | None:
    cached = _verifiers.get(kid)
    now = time.monotonic()
    if cached is not None and now - cached.fetched < KEY_CACHE_SECONDS:
        return cached
    stored = DepartmentKey.objects.select_related("department").filter(kid=kid).first()
    if stored is None:
        return None
    verifier = _Verifier(stored, OKPKey.import_key(stored.public_jwk), now)
    if _cacheable():
        _verifiers[kid] = verifier
    return verifier


def sign(department: Department, claims: dict[str, Any]) -> str:
    signer = _signer(department)
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    header = {"alg": ALGORITHM, "kid": signer.kid, "typ": TYPE}
    return jws.serialize_compact(header, payload.encode(), signer.private, algorithms=[ALGORITHM])


def own_claims(token: str) -> dict[str, Any]:
    """The claims of a message this process has just signed with `sign`, read without
    verifying: it never left memory, so there is nothing a signature check could catch."""
    claims: dict[str, Any] = json.loads(jws.extract_compact(token.encode()).payload)
    return claims


def jws_header(token: str) -> dict[str, Any]:
    """The protected header of an exchange JWS, unverified; raises SignatureRefused."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError):
        raise SignatureRefused("The message is not a compact JWS.") from None
    if header.get("alg") not in ALGORITHMS or header.get("typ") != TYPE:
        raise SignatureRefused("The message must be signed with Ed25519 as an exchange JWS.")
    return header


def _verified_claims(token: str, public: OKPKey) -> dict[str, Any]:
    try:
        verified = jws.deserialize_compact(token, public, algorithms=ALGORITHMS)
        claims = json.loads(verified.payload)
    except (JoseError, ValueError):
        raise SignatureRefused("The signature does not verify.") from None
    if not isinstance(claims, dict):
        raise SignatureRefused("The signed claims must be an object.")
    return claims


def _verified_locally(token: str, verifier: _Verifier) -> dict[str, Any]:
    stored = verifier.stored
    if stored.retired_at is not None and stored.retired_at + RETIRED_KEY_GRACE < timezone.now():
        raise SignatureRefused("The signing key was retired.")
    return _verified_claims(token, verifier.public)


def verify(token: str) -> tuple[DepartmentKey, dict[str, Any]]:
    """The signer's key and the claims of a message one of our departments signed. Raises
    SignatureRefused for an unknown or long-retired key, a bad signature, or anything that is
    not our JWS."""
    verifier = _verifier(str(jws_header(token).get("kid", "")))
    if verifier is None:
        raise SignatureRefused("The signing key is not in the registry.")
    return verifier.stored, _verified_locally(token, verifier)


@dataclass(frozen=True)
class Signatory:
    """Who signed a message: one of our departments, or a department of a peer region
    (`code` is then the peer's department code, and `department` is None)."""

    code: str
    department: Department | None = None
    peer: PeerRegion | None = None


def _peer_key(kid: str, peer: PeerRegion | None) -> tuple[PeerRegion, str, dict[str, Any]] | None:
    match = KID_PATTERN.match(kid)
    if match is None:
        return None
    department_code = match["department"]
    regions = PeerRegion.objects.filter(status=PeerStatus.ACTIVE)
    if peer is not None:
        regions = regions.filter(pk=peer.pk)
    for region in regions:
        # The kid names its department, and only a department inside the peer's division is
        # the peer's to sign for: a peer's key can never speak for one of ours.
        if not region.owns_department(department_code):
            continue
        for public_jwk in region.keys:
            if public_jwk.get("kid") == kid:
                return region, department_code, public_jwk
    return None


def verify_from_peer(
    token: str, peer: PeerRegion | None = None
) -> tuple[Signatory, dict[str, Any]]:
    """The signatory and claims of a message a peer region's department signed (of `peer`
    only, when given), checked against the keys registered for that region. Raises
    SignatureRefused when no active peer region has the key, or the signature does not
    verify. Not cached: a suspended peer's keys stop verifying at once."""
    found = _peer_key(str(jws_header(token).get("kid", "")), peer)
    if found is None:
        raise SignatureRefused("The signing key is not in the registry.")
    region, department_code, public_jwk = found
    claims = _verified_claims(token, OKPKey.import_key(public_jwk))
    return Signatory(code=department_code, peer=region), claims


def verify_signer(token: str) -> tuple[Signatory, dict[str, Any]]:
    """Who signed and what: our departments' keys first, then registered peer regions'."""
    verifier = _verifier(str(jws_header(token).get("kid", "")))
    if verifier is None:
        return verify_from_peer(token)
    claims = _verified_locally(token, verifier)
    department = verifier.stored.department
    return Signatory(code=department.code, department=department), claims


def jwks() -> dict[str, Any]:
    """Every key that may still verify: the published registry other parties fetch."""
    cutoff = timezone.now() - RETIRED_KEY_GRACE
    keys = DepartmentKey.objects.exclude(retired_at__lt=cutoff).order_by("kid")
    # "region" is an extra member (RFC 7517 §5): peers check it when they register us.
    return {"region": settings.ONEWINDOW_REGION_CODE, "keys": [key.public_jwk for key in keys]}
