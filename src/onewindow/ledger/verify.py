"""`onewindow-verify`: check the public ledger without trusting its operator.

Needs only the standard library and `cryptography` (this module imports no Django), and the
log's verifier key, obtained out of band (`name+keyid+base64key`).

    onewindow-verify checkpoint --log-key KEY NEW [--previous OLD --proof PROOF]
    onewindow-verify receipt --log-key KEY RECEIPT.json [--ref REF]
    onewindow-verify tiles --log-key KEY DIR
    onewindow-verify tiles --log-key KEY https://host/ledger
    onewindow-verify checkpoint --log-key KEY https://host/ledger/checkpoint
    onewindow-verify ref --log-key KEY --url https://host/ledger REF
    onewindow-verify fork --log-key KEY A B

Every file argument may also be an http(s) URL; `tiles` takes the directory of an export or
the ledger's base URL, from which it fetches the checkpoint and every tile as a mirror would.

Exit status 0 when everything verifies, 1 when something does not (the reason on stderr),
2 for a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onewindow.ledger import merkle, note

TILE_WIDTH = 256


class VerificationError(Exception):
    """The evidence does not verify; the message says which check failed and where."""


@dataclass(frozen=True)
class Trust:
    log: note.Verifier
    witnesses: tuple[note.Verifier, ...] = ()
    quorum: int = 0


def open_checkpoint(text: str, trust: Trust) -> note.Checkpoint:
    """Verify the log's signature and, if a quorum is asked, that many witness cosignatures."""
    try:
        checkpoint, _ = note.open_checkpoint(text, trust.log)
    except note.NoteError as error:
        raise VerificationError(f"checkpoint: {error}") from error
    if trust.quorum:
        try:
            _, cosigned = note.open_note(text, list(trust.witnesses))
        except note.NoteError as error:
            raise VerificationError(f"cosignatures: {error}") from error
        witnesses = {signature.name for signature in cosigned}
        if len(witnesses) < trust.quorum:
            raise VerificationError(
                f"cosignatures: {len(witnesses)} of the {trust.quorum} witnesses required"
            )
    return checkpoint


def _hashes(values: Sequence[str]) -> list[bytes]:
    try:
        decoded = [base64.b64decode(value, validate=True) for value in values]
    except binascii.Error as error:
        raise VerificationError("proof: not base64") from error
    if any(len(value) != merkle.HASH_SIZE for value in decoded):
        raise VerificationError("proof: every hash is 32 bytes")
    return decoded


def read_proof(text: str) -> list[bytes]:
    """A proof as the API's JSON (`{"proof": [...]}`) or as base64 lines (tlog-witness style)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        document = json.loads(stripped)
        return _hashes(document["proof"])
    return _hashes([line for line in stripped.splitlines() if line])


def check_consistency(old: note.Checkpoint, new: note.Checkpoint, proof: Sequence[bytes]) -> None:
    if old.origin != new.origin:
        raise VerificationError("consistency: the checkpoints are from different logs")
    if old.size > new.size:
        raise VerificationError(f"consistency: the log shrank from {old.size} to {new.size}")
    if not merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof):
        raise VerificationError(
            f"consistency: the tree of {new.size} does not extend the tree of {old.size}"
        )


def check_receipt(receipt: dict[str, Any], trust: Trust, *, ref: str | None = None) -> int:
    """Verify an offline receipt: signed checkpoint, entry hash and inclusion proof."""
    checkpoint = open_checkpoint(receipt["checkpoint"], trust)
    index, entry = int(receipt["index"]), str(receipt["entry"])
    if ref is not None and json.loads(entry).get("ref") != ref:
        raise VerificationError(f"entry {index}: it is not about {ref}")
    if int(receipt["tree_size"]) != checkpoint.size:
        raise VerificationError("receipt: the proof is for another tree size than the checkpoint")
    leaf = merkle.leaf_hash(entry.encode("utf-8"))
    proof = _hashes(receipt["inclusion_proof"])
    if not merkle.verify_inclusion(index, checkpoint.size, leaf, proof, checkpoint.root_hash):
        raise VerificationError(
            f"entry {index}: not included in the signed tree of {checkpoint.size}"
        )
    return index


def _is_url(source: str | Path) -> bool:
    return str(source).startswith(("https://", "http://"))


def read_source(source: str | Path, timeout: float = 30.0) -> bytes:
    """The bytes of a file, or of an http(s) URL (a missing one is a VerificationError)."""
    if not _is_url(source):
        return Path(source).read_bytes()
    try:
        with urllib.request.urlopen(str(source), timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as error:
        raise VerificationError(f"{source}: HTTP {error.code}") from error
    except urllib.error.URLError as error:
        raise VerificationError(f"{source}: {error.reason}") from error


def read_text(source: str | Path) -> str:
    return read_source(source).decode("utf-8")


def _tile_path(kind: str, n: int, width: int) -> str:
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{kind}/" + "/".join(reversed(groups)) + suffix


def _tile_file(directory: Path, kind: str, n: int, width: int) -> Path:
    return directory / _tile_path(kind, n, width)


def _under(base: str | Path, relative: str) -> str | Path:
    if _is_url(base):
        return f"{str(base).rstrip('/')}/{relative}"
    return Path(base) / relative


def check_tiles(directory: str | Path, trust: Trust) -> note.Checkpoint:
    """Recompute the whole tree from exported entry bundles (a directory, or a ledger's base
    URL such as https://host/ledger); name the first entry that differs."""
    checkpoint = open_checkpoint(read_text(_under(directory, "checkpoint")), trust)
    leaves: list[bytes] = []
    full, partial = divmod(checkpoint.size, TILE_WIDTH)
    for n, width in [(n, TILE_WIDTH) for n in range(full)] + ([(full, partial)] if partial else []):
        try:
            bundle = read_source(_under(directory, _tile_path("entries", n, width)))
            tile = read_source(_under(directory, _tile_path("0", n, width)))
        except FileNotFoundError as error:
            raise VerificationError(f"tiles: missing {error.filename}") from error
        except VerificationError as error:
            raise VerificationError(f"tiles: missing {error}") from error
        position = 0
        for offset in range(width):
            index = n * TILE_WIDTH + offset
            if position + 2 > len(bundle):
                raise VerificationError(f"entry {index}: missing from its bundle")
            (length,) = struct.unpack(">H", bundle[position : position + 2])
            leaf = merkle.leaf_hash(bundle[position + 2 : position + 2 + length])
            position += 2 + length
            if tile[offset * 32 : offset * 32 + 32] != leaf:
                raise VerificationError(f"entry {index}: does not match its leaf hash in the tree")
            leaves.append(leaf)
    if merkle.root_from_leaf_hashes(leaves) != checkpoint.root_hash:
        # The bundles and level-0 tiles agree with each other but not with what was signed.
        raise VerificationError(
            f"tree: the entries do not make the root signed for size {checkpoint.size}"
        )
    return checkpoint


def _get_json(url: str, timeout: float) -> Any:
    if not url.startswith(("https://", "http://")):
        raise VerificationError(f"not an http(s) URL: {url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - checked above
        return json.loads(response.read().decode("utf-8"))


def check_reference(base_url: str, ref: str, trust: Trust, *, timeout: float = 10.0) -> list[str]:
    """Fetch every record about `ref` from the ledger and verify each one's receipt.

    The server is not trusted: each receipt is checked against the signed checkpoint.
    """
    base = base_url.rstrip("/")
    entries = _get_json(f"{base}/api/search?{urllib.parse.urlencode({'ref': ref})}", timeout)
    if not entries:
        raise VerificationError(f"no records about {ref}")
    report = []
    for entry in entries:
        index = int(entry["index"])
        try:
            receipt = _get_json(f"{base}/api/receipts/{index}", timeout)
        except urllib.error.HTTPError as error:
            if error.code == 409:
                report.append(f"entry {index}: recorded, not yet in a checkpoint")
                continue
            raise VerificationError(f"entry {index}: the ledger answered {error.code}") from error
        if int(receipt["index"]) != index or receipt["entry"] != entry["body"]:
            raise VerificationError(f"entry {index}: the receipt is for another entry")
        check_receipt(receipt, trust, ref=ref)
        report.append(f"entry {index} OK: included in the signed tree of {receipt['tree_size']}")
    return report


def check_fork(first: str, second: str, trust: Trust) -> None:
    """Two validly signed checkpoints that cannot both be true are proof of a split view."""
    a, b = open_checkpoint(first, trust), open_checkpoint(second, trust)
    if a.size == b.size and a.root_hash != b.root_hash:
        raise VerificationError(f"fork: the log signed two different trees of size {a.size}")


def _key(value: str) -> note.Verifier:
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        return note.Verifier.parse(text)
    except note.NoteError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onewindow-verify", description="Verify the OneWindow public ledger."
    )
    parser.add_argument(
        "--log-key", type=_key, required=True, help="the log's verifier key, or @file"
    )
    parser.add_argument(
        "--witness-key", type=_key, action="append", default=[], help="a trusted witness key"
    )
    parser.add_argument("--quorum", type=int, default=0, help="witness cosignatures required")
    commands = parser.add_subparsers(dest="command", required=True)
    checkpoint = commands.add_parser("checkpoint", help="a checkpoint, and its consistency")
    checkpoint.add_argument("checkpoint", help="a file or an http(s) URL")
    checkpoint.add_argument("--previous", help="a checkpoint you saw before (file or URL)")
    checkpoint.add_argument("--proof", help="consistency proof from previous (file or URL)")
    receipt = commands.add_parser("receipt", help="the inclusion of a recorded event")
    receipt.add_argument("receipt", help="a file or an http(s) URL")
    receipt.add_argument("--ref", help="the public reference the entry must be about")
    tiles = commands.add_parser("tiles", help="a whole exported log, entry by entry")
    tiles.add_argument("directory", help="an exported directory, or the ledger's base URL")
    reference = commands.add_parser("ref", help="every record about a public reference, online")
    reference.add_argument("ref")
    reference.add_argument("--url", required=True, help="the ledger's base URL, e.g. …/ledger")
    fork = commands.add_parser("fork", help="two checkpoints, e.g. from two witnesses")
    fork.add_argument("first", help="a file or an http(s) URL")
    fork.add_argument("second", help="a file or an http(s) URL")
    return parser


def run(arguments: argparse.Namespace) -> str:
    trust = Trust(arguments.log_key, tuple(arguments.witness_key), arguments.quorum)
    if arguments.command == "checkpoint":
        new = open_checkpoint(read_text(arguments.checkpoint), trust)
        if arguments.previous is None:
            return f"checkpoint OK: {new.origin} size {new.size}"
        if arguments.proof is None:
            raise VerificationError("consistency: --previous needs --proof")
        old = open_checkpoint(read_text(arguments.previous), trust)
        check_consistency(old, new, read_proof(read_text(arguments.proof)))
        return f"consistent: size {old.size} -> {new.size}"
    if arguments.command == "receipt":
        document = json.loads(read_text(arguments.receipt))
        index = check_receipt(document, trust, ref=arguments.ref)
        return f"entry {index} OK: included in the signed tree of {document['tree_size']}"
    if arguments.command == "ref":
        return "\n".join(check_reference(arguments.url, arguments.ref, trust))
    if arguments.command == "tiles":
        checkpoint = check_tiles(arguments.directory, trust)
        return f"tiles OK: all {checkpoint.size} entries match the signed root"
    check_fork(read_text(arguments.first), read_text(arguments.second), trust)
    return "no fork between these checkpoints"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        print(run(arguments))
    except (VerificationError, OSError, ValueError, KeyError) as error:
        print(f"FAILED {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
