"""The wire formats of a credential, free of Django so the standalone verifier can use them.

- **SD-JWT VC** (W3C VC 2.0 secured with SD-JWT, RFC 9901; media type
  `application/vc+sd-jwt`, with the IETF SD-JWT VC `vct`): an Ed25519 JWS whose payload is the
  VC with every `credentialSubject` property replaced by the digest of a disclosure
  (`[salt, name, value]`, base64url); the holder presents the JWS plus the disclosures they
  choose, `<jws>~<disclosure>~...~`.
- **QR payload**: the EU Digital COVID Certificate's shape: CWT claims in a COSE_Sign1
  (EdDSA), zlib, Base45, and the prefix `OW1:`. The key id is 8 bytes of the key's digest,
  as in the DCC, so the code stays small. The printed QR holds the same bytes as a URL of
  the issuing site's verification page, `<public URL>/v/<digits>` (see `qr_url`), so a phone
  camera opens the verdict; the digits decode back to the `OW1:` payload offline.

JWS algorithm: we sign with `EdDSA` (RFC 8037), which every JOSE library verifies (PyJWT,
Authlib, jwcrypto, joserfc); RFC 9864's fully specified `Ed25519` names the same signature
over the same key, and what was issued with it keeps verifying: both are accepted.

Every decoder here is strict: base64url must be canonical (a changed padding bit is a
changed byte), and anything that is not exactly what we issue is `Malformed`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import re
import secrets
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

JWS_ALGORITHM = "EdDSA"
# Both names of an Ed25519 JWS: EdDSA (RFC 8037) and Ed25519 (RFC 9864, what we issued first).
JWS_ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
SD_JWT_TYPE = "vc+sd-jwt"
# The IETF SD-JWT VC media type the draft moved to; read, not issued (see ADR 0008).
SD_JWT_TYPES = frozenset({SD_JWT_TYPE, "dc+sd-jwt"})
SD_ALG = "sha-256"
QR_PREFIX = "OW1:"
COSE_EDDSA = -8
COSE_SIGN1_TAG = 18
CWT_TAG = 61
# CWT claim keys (RFC 8392) and our private claim for the credential's summary.
CWT_EXP, CWT_NBF, CWT_CTI = 4, 5, 7
CWT_CREDENTIAL = -70001


class Malformed(ValueError):
    """Not a credential or QR payload of the shape we issue."""


class BadSignature(ValueError):
    """Well formed, but the signature does not verify with the named key."""


class TamperedDisclosure(ValueError):
    """A disclosed field does not match any digest the issuer signed."""


# ----- base64url -------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the URL-safe alphabet, no padding, and canonical (re-encodes the same)."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Malformed("not base64url") from None
    if b64url(data) != text:
        raise Malformed("not canonical base64url")
    return data


def qr_key_id(public_key: bytes) -> bytes:
    """The 8-byte key id the QR payload names (as the DCC's kid)."""
    return hashlib.sha256(public_key).digest()[:8]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


# ----- SD-JWT ---------------------------------------------------------------------------------


def disclosure(name: str, value: Any) -> str:
    return b64url(_json([b64url(secrets.token_bytes(16)), name, value]))


def disclosure_digest(encoded: str) -> str:
    return b64url(hashlib.sha256(encoded.encode("ascii")).digest())


def sign_compact(
    header: Mapping[str, Any], payload: Mapping[str, Any], key: Ed25519PrivateKey
) -> str:
    """A compact JWS (RFC 7515) of `payload`, signed with Ed25519 (the header names the
    algorithm; `JWS_ALGORITHM` for everything we issue)."""
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def parse_compact(text: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS; checks only its shape."""
    pieces = text.split(".")
    if len(pieces) != 3:
        raise Malformed("not a compact JWS")
    header = _json_object(b64url_decode(pieces[0]))
    payload = _json_object(b64url_decode(pieces[1]))
    signature = b64url_decode(pieces[2])
    if header.get("alg") not in JWS_ALGORITHMS or not isinstance(header.get("kid"), str):
        raise Malformed("not signed with Ed25519 by a named key")
    return header, payload, f"{pieces[0]}.{pieces[1]}".encode("ascii"), signature


def issue_sd_jwt(
    payload: Mapping[str, Any],
    disclosable: Mapping[str, Any],
    *,
    key: Ed25519PrivateKey,
    kid: str,
) -> str:
    """The issued SD-JWT with every disclosure: `payload` is the VC with a
    `credentialSubject` object, to which each of `disclosable` is added as a digest."""
    disclosures = [disclosure(name, value) for name, value in disclosable.items()]
    body = dict(payload)
    subject = dict(body.get("credentialSubject", {}))
    subject["_sd"] = sorted(disclosure_digest(item) for item in disclosures)
    body["credentialSubject"] = subject
    body["_sd_alg"] = SD_ALG
    header = {"alg": JWS_ALGORITHM, "kid": kid, "typ": SD_JWT_TYPE, "cty": "vc"}
    return "~".join([sign_compact(header, body, key), *disclosures, ""])


@dataclass(frozen=True)
class ParsedSdJwt:
    header: dict[str, Any]
    payload: dict[str, Any]  # as signed, with digests
    signing_input: bytes
    signature: bytes
    disclosures: tuple[str, ...]

    @property
    def kid(self) -> str:
        return str(self.header.get("kid", ""))


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise Malformed("not JSON") from None
    if not isinstance(value, dict):
        raise Malformed("not a JSON object")
    return value


def parse_sd_jwt(text: str) -> ParsedSdJwt:
    """Split an SD-JWT presentation into its parts, checking only its shape."""
    text = text.strip()
    parts = text.split("~")
    if len(parts) < 2 or parts[-1] != "":
        # A key-binding JWT after the last `~` is not something we issue or accept.
        raise Malformed("an SD-JWT ends with '~'")
    header, payload, signing_input, signature = parse_compact(parts[0])
    if header.get("typ") not in SD_JWT_TYPES:
        raise Malformed("not a vc+sd-jwt")
    return ParsedSdJwt(header, payload, signing_input, signature, tuple(parts[1:-1]))


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> None:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        raise BadSignature("signature") from None


def disclosed_claims(parsed: ParsedSdJwt) -> dict[str, Any]:
    """The VC with the presented disclosures put back. Raises TamperedDisclosure for a
    disclosure whose digest the issuer did not sign, and Malformed for a bad one."""
    if parsed.payload.get("_sd_alg") != SD_ALG:
        raise Malformed("unknown digest algorithm")
    body = {key: value for key, value in parsed.payload.items() if key != "_sd_alg"}
    subject = body.get("credentialSubject")
    if not isinstance(subject, dict):
        raise Malformed("no credentialSubject")
    digests = subject.get("_sd", [])
    if not isinstance(digests, list):
        raise Malformed("_sd is not a list")
    signed = set(digests)
    revealed = {key: value for key, value in subject.items() if key != "_sd"}
    seen: set[str] = set()
    for encoded in parsed.disclosures:
        digest = disclosure_digest(encoded)
        if digest not in signed:
            raise TamperedDisclosure(encoded)
        if digest in seen:
            raise Malformed("a disclosure is repeated")
        seen.add(digest)
        item = json.loads(b64url_decode(encoded)) if encoded else None
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[1], str)):
            raise Malformed("a disclosure is not [salt, name, value]")
        name = item[1]
        if name in revealed or name in ("_sd", "..."):
            raise Malformed("a disclosure repeats a claim")
        revealed[name] = item[2]
    body["credentialSubject"] = revealed
    return body


def present(issued: str, names: Iterable[str]) -> str:
    """The same SD-JWT with only the disclosures of `names` (selective disclosure)."""
    parsed = parse_sd_jwt(issued)
    wanted = set(names)
    kept = [item for item in parsed.disclosures if json.loads(b64url_decode(item))[1] in wanted]
    return "~".join([issued.split("~", 1)[0], *kept, ""])


def disclosure_names(issued: str) -> list[str]:
    return [str(json.loads(b64url_decode(item))[1]) for item in parse_sd_jwt(issued).disclosures]


# ----- the QR payload (CWT in COSE_Sign1, zlib, Base45) ----------------------------------------


def issue_qr(claims: Mapping[int, Any], *, key: Ed25519PrivateKey, key_id: bytes) -> str:
    protected = cbor2.dumps({1: COSE_EDDSA, 4: key_id})
    payload = cbor2.dumps(dict(claims))
    to_sign = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = key.sign(to_sign)
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    encoded: bytes = base45.b45encode(zlib.compress(message, 9))
    return QR_PREFIX + encoded.decode("ascii")


@dataclass(frozen=True)
class ParsedQr:
    key_id: bytes
    claims: dict[int, Any]
    to_sign: bytes
    signature: bytes


def parse_qr(text: str) -> ParsedQr:
    """Undo the prefix, Base45, zlib and the COSE_Sign1 envelope; check only the shape."""
    text = text.strip()
    if not text.startswith(QR_PREFIX):
        raise Malformed("no OW1: prefix")
    try:
        compressed = base45.b45decode(text[len(QR_PREFIX) :])
        message = cbor2.loads(zlib.decompress(compressed))
    except (ValueError, zlib.error, cbor2.CBORDecodeError, LookupError, TypeError):
        raise Malformed("not Base45, zlib and CBOR") from None
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise Malformed("not a COSE_Sign1")
        message = message.value
    if not (isinstance(message, list) and len(message) == 4):
        raise Malformed("not a COSE_Sign1")
    protected_bytes, _unprotected, payload, signature = message
    if not all(isinstance(part, bytes) for part in (protected_bytes, payload, signature)):
        raise Malformed("not a COSE_Sign1")
    try:
        protected = cbor2.loads(protected_bytes)
        claims = cbor2.loads(payload)
    except (ValueError, cbor2.CBORDecodeError, LookupError, TypeError):
        raise Malformed("not CBOR") from None
    if not isinstance(protected, dict) or protected.get(1) != COSE_EDDSA:
        raise Malformed("not signed with EdDSA")
    key_id = protected.get(4)
    if not isinstance(key_id, bytes) or not isinstance(claims, dict):
        raise Malformed("no key id or claims")
    to_sign = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    return ParsedQr(key_id, claims, to_sign, signature)


# ----- the QR as a URL of the verification page ---------------------------------------------
#
# A phone camera or WeChat opens a URL, not `OW1:` text. Base45 cannot go into a URL (it uses
# space, `%` and `/`), so the URL carries the same zlib-compressed COSE bytes as decimal
# digits: every 7 bytes as 17 digits (a shorter last group as fewer, by the table below).
# A QR code stores digits in its numeric mode at 3.3 bits each, as dense as Base45 in its
# alphanumeric mode, so `https://<site>/v/<digits>` needs the same QR version as `OW1:...`.

QR_URL_PATH = "/v/"
_DIGITS_FOR_BYTES = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17}
_BYTES_FOR_DIGITS = {digits: size for size, digits in _DIGITS_FOR_BYTES.items()}
_URL = re.compile(r"https?://[^\s/]+(?:/[^\s]*)?/v/([0-9]+)/?", re.IGNORECASE)


def to_digits(data: bytes) -> str:
    return "".join(
        str(int.from_bytes(data[start : start + 7], "big")).zfill(
            _DIGITS_FOR_BYTES[len(data[start : start + 7])]
        )
        for start in range(0, len(data), 7)
    )


def from_digits(text: str) -> bytes:
    """Strict inverse of `to_digits`: a group too large for its bytes or a length no group
    has is Malformed, so each byte string has exactly one spelling."""
    if not text.isascii() or not text.isdigit():
        raise Malformed("not digits")
    out = bytearray()
    for start in range(0, len(text), 17):
        group = text[start : start + 17]
        size = _BYTES_FOR_DIGITS.get(len(group))
        value = int(group)
        if size is None or value >= 256**size:
            raise Malformed("not a digit-encoded QR payload")
        out += value.to_bytes(size, "big")
    return bytes(out)


def qr_url(payload: str, base_url: str) -> str:
    """The printed QR's content: the verification page at `base_url` for this payload."""
    if not payload.startswith(QR_PREFIX):
        raise Malformed("no OW1: prefix")
    data: bytes = base45.b45decode(payload[len(QR_PREFIX) :])
    return f"{base_url.rstrip('/')}{QR_URL_PATH}{to_digits(data)}"


def payload_from_digits(digits: str) -> str:
    encoded: bytes = base45.b45encode(from_digits(digits))
    return QR_PREFIX + encoded.decode("ascii")


def unwrap_qr_url(text: str) -> str:
    """The `OW1:` payload of a scanned QR URL (`https://<site>/v/<digits>`); any other text
    comes back unchanged. Raises Malformed for a QR URL whose digits are not a payload."""
    match = _URL.fullmatch(text.strip())
    return payload_from_digits(match[1]) if match else text


# ----- Bitstring Status List (W3C) ------------------------------------------------------------

STATUS_LIST_BITS = 131_072  # the specification's minimum: 16 KB, so one entry hides in many


# An issuer's lists come in sequence (a new one when the current one is full), each at its
# own address; a credential names its list and its index in it. A verifier that reads the
# status through one lookup sees a *position*: list * STATUS_LIST_BITS + index, so the first
# list's positions are its indexes, as they were before there were more lists.
def status_position(list_number: int, index: int) -> int:
    if list_number < 0 or not 0 <= index < STATUS_LIST_BITS:
        raise Malformed("the status entry is outside the issuer's lists")
    return list_number * STATUS_LIST_BITS + index


def status_entry(position: int) -> tuple[int, int]:
    """The (list, index) of a status position."""
    if position < 0:
        raise Malformed("the status entry is outside the issuer's lists")
    list_number, index = divmod(position, STATUS_LIST_BITS)
    return list_number, index


def status_list_address(template: str, purpose: str, list_number: int = 0) -> str:
    """The address of an issuer's list `list_number` for `purpose`, from its trust-list
    template (`.../status/<department>/{purpose}.jwt`): the first list at the template's
    address, a later one at `.../status/<department>/<purpose>/<list>.jwt`."""
    return template.replace("{purpose}", f"{purpose}/{list_number}" if list_number else purpose)


_LIST_ADDRESS = re.compile(r"/(?:revocation|suspension)/([0-9]{1,9})\.jwt$")


def status_list_number(address: str) -> int:
    """Which of its issuer's lists a `statusListCredential` address names (0: the first)."""
    match = _LIST_ADDRESS.search(address)
    return int(match[1]) if match else 0


def encode_status_list(set_bits: Iterable[int], *, size: int = STATUS_LIST_BITS) -> str:
    """Multibase (base64url, 'u') of the GZIP-compressed bitstring; bit 0 is the left-most."""
    bits = bytearray(size // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(_gzip(bytes(bits)))


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def status_bit(encoded_list: str, index: int) -> bool:
    if not encoded_list.startswith("u"):
        raise Malformed("the status list is not multibase base64url")
    try:
        bits = gzip.decompress(b64url_decode(encoded_list[1:]))
    except (OSError, EOFError, zlib.error):
        raise Malformed("the status list is not GZIP") from None
    if not 0 <= index < len(bits) * 8:
        raise Malformed("the status index is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
