"""C2SP signed notes with Ed25519, tlog checkpoints and tlog cosignatures.

Specifications: https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint and
https://c2sp.org/tlog-cosignature (cosignature/v1). No Django: the standalone verifier and the
witness import this module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, key or checkpoint is malformed or its signature does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise NoteError(f"not valid base64: {text!r}") from error


def _check_key_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || type || public key)[:4], as signed-note recommends."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A trusted key: its name, type (0x01 log key, 0x04 witness cosigner) and public key."""

    name: str
    public_key: bytes
    signature_type: int = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.signature_type, self.public_key)

    def encode(self) -> str:
        """The vkey string `name+hex(key id)+base64(type || public key)`."""
        material = base64.b64encode(bytes([self.signature_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key reads name+keyid+base64(key)")
        name, hex_id, material = parts
        _check_key_name(name)
        raw = _b64decode(material)
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise NoteError("only Ed25519 (0x01) and cosignature/v1 (0x04) keys are supported")
        verifier = cls(name=name, public_key=raw[1:], signature_type=raw[0])
        if verifier.key_id.hex() != hex_id.lower():
            raise NoteError("the key ID does not match the key name and public key")
        return verifier

    def _ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)


@dataclass(frozen=True)
class Signer:
    """An Ed25519 signing key with its name; `signature_type` 0x01 for logs, 0x04 for witnesses."""

    name: str
    private_key: Ed25519PrivateKey
    signature_type: int = ED25519

    def __post_init__(self) -> None:
        _check_key_name(self.name)

    @classmethod
    def from_seed(cls, name: str, seed: bytes, signature_type: int = ED25519) -> Signer:
        if len(seed) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed), signature_type)

    @property
    def verifier(self) -> Verifier:
        return Verifier(
            self.name, raw_public_key(self.private_key.public_key()), self.signature_type
        )

    def signature_line(self, text: str, *, timestamp: int | None = None) -> str:
        """One `— name base64(key id || signature)` line over the note text."""
        identifier = self.verifier.key_id
        if self.signature_type == COSIGNATURE_V1:
            if timestamp is None:
                raise NoteError("a cosignature needs a timestamp")
            stamp = struct.pack(">Q", timestamp)
            blob = identifier + stamp + self.private_key.sign(cosigned_message(text, timestamp))
        else:
            blob = identifier + self.private_key.sign(text.encode())
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


def cosigned_message(text: str, timestamp: int) -> bytes:
    """The cosignature/v1 signed message: header line, time line, then the note text."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes  # after the key ID; a cosignature keeps its timestamp in front
    line: str

    @property
    def timestamp(self) -> int | None:
        return struct.unpack(">Q", self.signature[:8])[0] if len(self.signature) == 72 else None


@dataclass(frozen=True)
class Note:
    text: str
    signatures: list[NoteSignature] = field(default_factory=list)


def parse_note(message: str) -> Note:
    """Split a signed note into its text and signature lines, checking the format only."""
    if _CONTROL.search(message):
        raise NoteError("a note must not contain control characters other than newline")
    if not message.endswith("\n"):
        raise NoteError("a note ends with a newline")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("a note's text and signatures are separated by a blank line")
    text, block = message[: split + 1], message[split + 2 :]
    signatures: list[NoteSignature] = []
    for line in block.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("malformed signature line")
        parts = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(parts) != 2:
            raise NoteError("malformed signature line")
        name, encoded = parts
        _check_key_name(name)
        blob = _b64decode(encoded)
        if len(blob) < 5:
            raise NoteError("signature too short")
        signatures.append(NoteSignature(name, blob[:4], blob[4:], line + "\n"))
    if not signatures:
        raise NoteError("a note carries at least one signature")
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return Note(text, signatures)


def _verifies(verifier: Verifier, text: str, signature: NoteSignature) -> bool:
    try:
        if verifier.signature_type == COSIGNATURE_V1:
            if len(signature.signature) != 72:
                return False
            timestamp = struct.unpack(">Q", signature.signature[:8])[0]
            verifier._ed25519().verify(signature.signature[8:], cosigned_message(text, timestamp))
        else:
            verifier._ed25519().verify(signature.signature, text.encode())
    except InvalidSignature:
        return False
    return True


def open_note(message: str, verifiers: list[Verifier]) -> tuple[Note, list[NoteSignature]]:
    """Parse and verify a note; returns it with the signatures from known keys.

    Raises `NoteError` if no known key signed it, or if a known key's signature fails.
    """
    note = parse_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[NoteSignature] = []
    for signature in note.signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if not _verifies(verifier, note.text, signature):
            raise NoteError(f"the signature of {signature.name} does not verify")
        verified.append(signature)
    if not verified:
        raise NoteError("no signature from a trusted key")
    return note, verified


def sign_note(text: str, signers: list[Signer]) -> str:
    if not text.endswith("\n"):
        raise NoteError("a note text ends with a newline")
    if _CONTROL.search(text):
        raise NoteError("a note must not contain control characters other than newline")
    return text + "\n" + "".join(signer.signature_line(text) for signer in signers)


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint body: origin, tree size, root hash, then optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash line")
        origin, size, root, *extensions = lines[:-1]
        if not origin:
            raise NoteError("the checkpoint origin is empty")
        if not _DECIMAL.fullmatch(size) or int(size) >= 2**63:
            raise NoteError("the checkpoint size is not a decimal without leading zeroes")
        root_hash = _b64decode(root)
        if len(root_hash) != 32:
            raise NoteError("the checkpoint root hash is not 32 bytes")
        if any(not line for line in extensions):
            raise NoteError("a checkpoint has no empty extension lines")
        return cls(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(message: str, verifier: Verifier) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint against the log's key; its origin must be the key name."""
    note, _ = open_note(message, [verifier])
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != verifier.name:
        raise NoteError("the checkpoint origin does not match the log's key name")
    return checkpoint, note
