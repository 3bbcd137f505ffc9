"""Verify a credential or its QR payload with nothing but a trust list: no server, no
database, no Django. The `/verify` page and API use this, and so can anyone offline:

    onewindow-credential-verify --trust-list trust-list.json 'OW1:...'
    onewindow-credential-verify --trust-list trust-list.json 'https://<site>/v/<digits>'

The answer is valid, or exactly why not: malformed, unknown issuer, unknown key, signature,
tampered field, not yet valid, expired, suspended, revoked. Status (revoked or suspended)
is read from the issuer's Bitstring Status List when the caller can supply it; otherwise the
verdict says status was not checked, and why (`status_detail`).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict, Unpack

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from onewindow.credentials import formats
from onewindow.credentials.kinds import BY_QR_CODE

TRUST_LIST_TYPE = "onewindow-trust-list"
# What issuers were named before they had https identifiers (IETF SD-JWT VC): credentials
# issued then still name them, and trust lists carry them as `also_known_as`.
ISSUER_PREFIX = "urn:onewindow:issuer:"


class Reason(StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"
    UNKNOWN_ISSUER = "unknown_issuer"
    UNKNOWN_KEY = "unknown_key"
    SIGNATURE = "signature"
    TAMPERED = "tampered"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Issuer:
    id: str  # <public URL>/credentials/issuers/<department code>
    name_zh: str
    name_en: str
    region: str
    status_list_url: str  # with {purpose} in it
    department: str = ""
    also_known_as: tuple[str, ...] = ()  # earlier identifiers (urn:onewindow:issuer:...)

    @property
    def department_code(self) -> str:
        if self.department:
            return self.department
        return self.id.removeprefix(ISSUER_PREFIX).rstrip("/").rsplit("/", 1)[-1]

    def is_named(self, name: object) -> bool:
        if name == self.id or name in self.also_known_as:
            return True
        # The same issuer under an earlier address of its site (a demo moved to another port,
        # a new domain): the trusted key says who signed, and department codes are unique.
        return (
            isinstance(name, str)
            and name.startswith(("https://", "http://"))
            and name.endswith(f"/credentials/issuers/{self.department_code}")
        )


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    qr_kid: bytes
    public: Ed25519PublicKey
    issuer: Issuer
    retired_at: datetime | None


def _datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class TrustList:
    """The issuers and seal keys a verifier trusts: ours, and imported regions'."""

    def __init__(self, documents: list[Mapping[str, Any]]) -> None:
        self.issuers: dict[str, Issuer] = {}
        self._by_kid: dict[str, TrustedKey] = {}
        self._by_qr_kid: dict[bytes, TrustedKey] = {}
        for document in documents:
            self._add(document)

    @classmethod
    def load(cls, path: Path) -> TrustList:
        return cls([json.loads(path.read_text(encoding="utf-8"))])

    def _add(self, document: Mapping[str, Any]) -> None:
        if document.get("type") != TRUST_LIST_TYPE:
            raise ValueError("not a OneWindow trust list")
        region = str(document.get("region", {}).get("code", ""))
        for entry in document.get("issuers", []):
            issuer = Issuer(
                id=str(entry["id"]),
                name_zh=str(entry.get("name_zh", "")),
                name_en=str(entry.get("name_en", "")),
                region=region,
                status_list_url=str(entry.get("status_list", "")),
                department=str(entry.get("department", "")),
                also_known_as=tuple(str(name) for name in entry.get("also_known_as", [])),
            )
            for name in (issuer.id, *issuer.also_known_as):
                self.issuers[name] = issuer
            for jwk in entry.get("keys", []):
                if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                    continue
                raw = formats.b64url_decode(str(jwk["x"]))
                trusted = TrustedKey(
                    kid=str(jwk["kid"]),
                    qr_kid=formats.qr_key_id(raw),
                    public=Ed25519PublicKey.from_public_bytes(raw),
                    issuer=issuer,
                    retired_at=_datetime(jwk.get("retired_at")),
                )
                self._by_kid[trusted.kid] = trusted
                self._by_qr_kid[trusted.qr_kid] = trusted

    def key(self, kid: str) -> TrustedKey | None:
        return self._by_kid.get(kid)

    def qr_key(self, qr_kid: bytes) -> TrustedKey | None:
        return self._by_qr_kid.get(qr_kid)


# (issuer, purpose "revocation" | "suspension", position) → the bit, or None when unknown.
# The position is list * formats.STATUS_LIST_BITS + index (formats.status_entry splits it).
StatusLookup = Callable[[Issuer, str, int], bool | None]


@dataclass
class Verdict:
    reason: Reason
    format: str = ""  # "qr" | "sd-jwt"
    issuer: Issuer | None = None
    credential_id: str = ""
    kind: str = ""
    number: str = ""
    subject: dict[str, Any] = field(default_factory=dict)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    status_index: int | None = None  # the position in the issuer's lists (formats.status_entry)
    status_checked: bool = False
    status_detail: str = ""  # why the status was not checked
    detail: str = ""

    @property
    def is_valid(self) -> bool:
        return self.reason is Reason.VALID

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.is_valid,
            "reason": self.reason.value,
            "format": self.format,
            "issuer": self.issuer.id if self.issuer else None,
            "issuer_name_zh": self.issuer.name_zh if self.issuer else None,
            "issuer_name_en": self.issuer.name_en if self.issuer else None,
            "credential_id": self.credential_id,
            "kind": self.kind,
            "number": self.number,
            "subject": self.subject,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "status_checked": self.status_checked,
            **({"status_detail": self.status_detail} if self.status_detail else {}),
        }


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int | float):
        raise formats.Malformed("a time is not a number")
    return datetime.fromtimestamp(value, tz=UTC)


class Checks(TypedDict, total=False):
    """What a verification checks against besides the trust list: the time (now unless
    given) and a status lookup (none: offline, status is not checked)."""

    now: datetime | None
    status: StatusLookup | None


def _dates_and_status(verdict: Verdict, checks: Checks, *, retired_at: datetime | None) -> Verdict:
    now = checks.get("now") or datetime.now(UTC)
    status = checks.get("status")
    if verdict.valid_from and verdict.valid_from > now:
        verdict.reason = Reason.NOT_YET_VALID
        return verdict
    if verdict.valid_until and verdict.valid_until <= now:
        verdict.reason = Reason.EXPIRED
        return verdict
    if retired_at and verdict.valid_from and verdict.valid_from > retired_at:
        # A retired seal signs nothing new: a credential dated after it is forged.
        verdict.reason = Reason.SIGNATURE
        verdict.detail = "signed after the seal was retired"
        return verdict
    if status is None:
        verdict.status_detail = "no status lookup was asked for (offline)"
    elif verdict.issuer is None or verdict.status_index is None:
        verdict.status_detail = "the credential names no status list entry"
    else:
        revoked = status(verdict.issuer, "revocation", verdict.status_index)
        suspended = status(verdict.issuer, "suspension", verdict.status_index)
        verdict.status_checked = revoked is not None and suspended is not None
        if not verdict.status_checked:
            verdict.status_detail = getattr(status, "failure", "") or (
                "the issuer's status list could not be read"
            )
        if revoked:
            verdict.reason = Reason.REVOKED
            return verdict
        if suspended:
            verdict.reason = Reason.SUSPENDED
            return verdict
    verdict.reason = Reason.VALID
    return verdict


def verify_qr(text: str, trust: TrustList, **checks: Unpack[Checks]) -> Verdict:
    """The verdict on a QR payload (`OW1:...`)."""
    try:
        parsed = formats.parse_qr(text)
    except formats.Malformed as error:
        return Verdict(Reason.MALFORMED, "qr", detail=str(error))
    key = trust.qr_key(parsed.key_id)
    if key is None:
        return Verdict(Reason.UNKNOWN_KEY, "qr", detail="the seal key is not in the trust list")
    try:
        formats.verify_signature(key.public, parsed.signature, parsed.to_sign)
    except formats.BadSignature:
        return Verdict(Reason.SIGNATURE, "qr", issuer=key.issuer)
    claims = parsed.claims
    summary = claims.get(formats.CWT_CREDENTIAL)
    cti = claims.get(formats.CWT_CTI)
    try:
        if not isinstance(summary, dict) or not isinstance(cti, bytes) or len(cti) != 16:
            raise formats.Malformed("no credential in the claims")
        kind = BY_QR_CODE.get(str(summary.get("k")))
        values = summary.get("s")
        if kind is None or not isinstance(values, list) or len(values) != len(kind.qr_fields):
            raise formats.Malformed("an unknown kind of credential")
        index = summary.get("x")
        list_number = summary.get("l", 0)  # absent in the first list (and before lists)
        position = (
            formats.status_position(list_number, index)
            if isinstance(index, int) and isinstance(list_number, int)
            else None
        )
        verdict = Verdict(
            Reason.VALID,
            "qr",
            issuer=key.issuer,
            credential_id=f"urn:uuid:{uuid.UUID(bytes=cti)}",
            kind=kind.vc_type,
            number=str(summary.get("n", "")),
            subject=dict(zip(kind.qr_fields, values, strict=True)),
            valid_from=_timestamp(claims.get(formats.CWT_NBF)),
            valid_until=_timestamp(claims.get(formats.CWT_EXP)),
            status_index=position,
        )
    except (formats.Malformed, ValueError, TypeError, OverflowError) as error:
        return Verdict(Reason.MALFORMED, "qr", issuer=key.issuer, detail=str(error))
    return _dates_and_status(verdict, checks, retired_at=key.retired_at)


def verify_sd_jwt(text: str, trust: TrustList, **checks: Unpack[Checks]) -> Verdict:
    """The verdict on an SD-JWT VC as issued or as presented with some disclosures."""
    try:
        parsed = formats.parse_sd_jwt(text)
    except formats.Malformed as error:
        return Verdict(Reason.MALFORMED, "sd-jwt", detail=str(error))
    issuer_id = parsed.payload.get("iss")
    key = trust.key(parsed.kid)
    if key is None:
        if issuer_id not in trust.issuers:
            return Verdict(Reason.UNKNOWN_ISSUER, "sd-jwt", detail=str(issuer_id)[:100])
        return Verdict(Reason.UNKNOWN_KEY, "sd-jwt", issuer=trust.issuers[str(issuer_id)])
    try:
        formats.verify_signature(key.public, parsed.signature, parsed.signing_input)
    except formats.BadSignature:
        return Verdict(Reason.SIGNATURE, "sd-jwt", issuer=key.issuer)
    if not key.issuer.is_named(issuer_id):
        return Verdict(
            Reason.SIGNATURE, "sd-jwt", issuer=key.issuer, detail="issuer and key differ"
        )
    try:
        vc = formats.disclosed_claims(parsed)
    except formats.TamperedDisclosure:
        return Verdict(Reason.TAMPERED, "sd-jwt", issuer=key.issuer)
    except (formats.Malformed, ValueError) as error:
        return Verdict(Reason.MALFORMED, "sd-jwt", issuer=key.issuer, detail=str(error))
    subject = dict(vc.get("credentialSubject", {}))
    statuses = vc.get("credentialStatus", [])
    index: int | None = None
    types = vc.get("type", [])
    try:
        for entry in statuses if isinstance(statuses, list) else []:
            if isinstance(entry, dict) and str(entry.get("statusListIndex", "")).isdigit():
                index = formats.status_position(
                    formats.status_list_number(str(entry.get("statusListCredential", ""))),
                    int(entry["statusListIndex"]),
                )
        verdict = Verdict(
            Reason.VALID,
            "sd-jwt",
            issuer=key.issuer,
            credential_id=str(vc.get("id", "")),
            kind=str(types[-1]) if isinstance(types, list) and types else "",
            number=str(subject.pop("credentialNumber", "")),
            subject=subject,
            valid_from=_timestamp(vc.get("nbf")),
            valid_until=_timestamp(vc.get("exp")),
            status_index=index,
        )
    except (formats.Malformed, ValueError, OverflowError) as error:
        return Verdict(Reason.MALFORMED, "sd-jwt", issuer=key.issuer, detail=str(error))
    return _dates_and_status(verdict, checks, retired_at=key.retired_at)


def verify(text: str, trust: TrustList, **checks: Unpack[Checks]) -> Verdict:
    """A QR payload (as `OW1:` text or as the printed QR's URL) or an SD-JWT, whichever
    `text` is."""
    try:
        text = formats.unwrap_qr_url(text)
    except formats.Malformed as error:
        return Verdict(Reason.MALFORMED, "qr", detail=str(error))
    if text.strip().startswith(formats.QR_PREFIX):
        return verify_qr(text, trust, **checks)
    return verify_sd_jwt(text, trust, **checks)


class StatusUnavailable(Exception):
    """Why a status list could not be read (the verdict then says status was not checked)."""


def read_status_list(url: str, issuer: Issuer, trust: TrustList, timeout: float = 5.0) -> str:
    """The encodedList published at `url`; raises StatusUnavailable saying why not."""
    import urllib.error
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise StatusUnavailable(f"the status list address is not http(s): {url[:100]!r}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            token = response.read(1_000_000).decode()
    except urllib.error.HTTPError as error:
        raise StatusUnavailable(f"{url} answered HTTP {error.code}") from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise StatusUnavailable(f"{url} could not be fetched: {reason}") from None
    try:
        return status_list_from_jwt(token, issuer, trust)
    except (formats.Malformed, formats.BadSignature, KeyError, ValueError) as error:
        raise StatusUnavailable(f"{url} is not a status list its issuer signed: {error}") from None


def fetch_status_list(
    url: str, issuer: Issuer, trust: TrustList, timeout: float = 5.0
) -> str | None:
    """The encodedList published at `url`, or None when it cannot be fetched or is not
    signed by its issuer."""
    try:
        return read_status_list(url, issuer, trust, timeout)
    except StatusUnavailable:
        return None


class _FetchedStatus:
    """Status read from the issuers' published lists over HTTP, each fetched once; `failure`
    says why the last list could not be read."""

    def __init__(self, trust: TrustList, timeout: float) -> None:
        self.trust = trust
        self.timeout = timeout
        self.lists: dict[str, str | None] = {}
        self.failure = ""

    def __call__(self, issuer: Issuer, purpose: str, position: int) -> bool | None:
        list_number, index = formats.status_entry(position)
        url = formats.status_list_address(issuer.status_list_url, purpose, list_number)
        if url not in self.lists:
            try:
                self.lists[url] = read_status_list(url, issuer, self.trust, self.timeout)
            except StatusUnavailable as error:
                self.lists[url] = None
                self.failure = str(error)
        encoded = self.lists[url]
        return None if encoded is None else formats.status_bit(encoded, index)


def fetch_status_lookup(trust: TrustList, timeout: float = 5.0) -> StatusLookup:
    """Status read from the issuers' published lists over HTTP, each fetched once."""
    return _FetchedStatus(trust, timeout)


def status_list_from_jwt(token: str, issuer: Issuer, trust: TrustList) -> str:
    """The encodedList of a status list credential, checked to be signed by its issuer."""
    header, payload, signing_input, signature = formats.parse_compact(token.strip())
    key = trust.key(str(header["kid"]))
    if key is None or key.issuer.id != issuer.id:
        raise formats.Malformed("the status list is not signed by its issuer")
    formats.verify_signature(key.public, signature, signing_input)
    try:
        return str(payload["credentialSubject"]["encodedList"])
    except (KeyError, TypeError):
        raise formats.Malformed("the status list has no encodedList") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onewindow-credential-verify",
        description="Verify a OneWindow credential or QR payload against a trust list.",
    )
    parser.add_argument("--trust-list", type=Path, required=True, action="append")
    parser.add_argument("--online", action="store_true", help="fetch status lists to check status")
    parser.add_argument(
        "credential",
        help="the QR content (OW1:... or the scanned https://.../v/... URL) or the SD-JWT; "
        "- reads stdin",
    )
    arguments = parser.parse_args(argv)
    text = sys.stdin.read() if arguments.credential == "-" else arguments.credential
    trust = TrustList(
        [json.loads(path.read_text(encoding="utf-8")) for path in arguments.trust_list]
    )
    verdict = verify(text, trust, status=fetch_status_lookup(trust) if arguments.online else None)
    print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    return 0 if verdict.is_valid else 1


if __name__ == "__main__":
    sys.exit(main())
