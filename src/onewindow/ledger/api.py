"""The ledger's public JSON API: checkpoint, entries, proofs and receipts.

Hashes are base64 in proofs (as in checkpoints and tiles) and hex in entry references.
"""

from __future__ import annotations

import base64
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from onewindow.ledger import errors, keys, selectors
from onewindow.ledger.models import Checkpoint, LedgerEntry

router = Router(tags=["ledger"])


def _b64(value: bytes | memoryview) -> str:
    return base64.b64encode(bytes(value)).decode()


class CosignatureOut(Schema):
    witness_name: str
    key_id: str
    timestamp: int
    signature_line: str


class CheckpointOut(Schema):
    origin: str
    size: int
    root_hash: str
    note: str
    log_key: str
    cosignatures: list[CosignatureOut]


class EntryOut(Schema):
    index: int
    leaf_hash: str
    body: str
    event_type: str
    subject_ref: str

    @staticmethod
    def resolve_leaf_hash(entry: LedgerEntry) -> str:
        return bytes(entry.leaf_hash).hex()


class InclusionOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyOut(Schema):
    first: int
    second: int
    proof: list[str]


class ReceiptOut(Schema):
    index: int
    entry: str
    leaf_hash: str
    tree_size: int
    inclusion_proof: list[str]
    checkpoint: str
    log_key: str


def _checkpoint_out(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "origin": keys.origin(),
        "size": checkpoint.size,
        "root_hash": _b64(checkpoint.root_hash),
        "note": checkpoint.note,
        "log_key": keys.verifier().encode(),
        "cosignatures": list(checkpoint.cosignatures.order_by("pk")),
    }


@router.get("/checkpoint", response=CheckpointOut, summary="The latest signed checkpoint")
def get_checkpoint(request: HttpRequest, size: int | None = None) -> dict[str, Any]:
    if size is not None:
        return _checkpoint_out(selectors.checkpoint_of_size(size))
    latest = selectors.published_checkpoint()
    if latest is None:
        raise errors.UnknownEntry(_("No checkpoint has been published yet."))
    return _checkpoint_out(latest)


@router.get("/entries", response=list[EntryOut], summary="Integrated entries start <= i < end")
def get_entries(request: HttpRequest, start: int, end: int) -> list[LedgerEntry]:
    return selectors.entries_range(start, end)


@router.get("/entries/{index}", response=EntryOut, summary="One entry")
def get_entry(request: HttpRequest, index: int) -> LedgerEntry:
    return selectors.entry_at(index)


@router.get("/search", response=list[EntryOut], summary="Entries about a public reference")
def search(request: HttpRequest, ref: str) -> list[LedgerEntry]:
    return selectors.entries_for_ref(ref)


def _leaf_hash_from_hex(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise errors.LedgerError(
            _("A leaf hash is 64 hexadecimal characters."),
            code="ledger_bad_hash",
            field="leaf_hash",
        )
    return value


@router.get("/proofs/inclusion", response=InclusionOut, summary="Inclusion proof (RFC 9162)")
def get_inclusion_proof(
    request: HttpRequest,
    index: int | None = None,
    leaf_hash: str | None = None,
    tree_size: int | None = None,
) -> dict[str, Any]:
    if (index is None) == (leaf_hash is None):
        raise errors.LedgerError(
            _("Give exactly one of index and leaf_hash."), code="ledger_bad_query", field="index"
        )
    if leaf_hash is not None:
        entry = selectors.entry_by_leaf_hash(_leaf_hash_from_hex(leaf_hash))
    else:
        assert index is not None
        entry = selectors.entry_at(index)
    if tree_size is None:  # by default, against the checkpoint the public is shown
        published = selectors.published_checkpoint()
        tree_size = published.size if published else 0
    size, proof = selectors.inclusion_proof(entry.index, size=tree_size)
    return {
        "index": entry.index,
        "tree_size": size,
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "proof": [_b64(element) for element in proof],
    }


@router.get("/proofs/consistency", response=ConsistencyOut, summary="Consistency proof (RFC 9162)")
def get_consistency_proof(request: HttpRequest, first: int, second: int) -> dict[str, Any]:
    proof = selectors.consistency_proof(first, second)
    return {"first": first, "second": second, "proof": [_b64(element) for element in proof]}


@router.get("/receipts/{index}", response=ReceiptOut, summary="An offline-verifiable receipt")
def get_receipt(request: HttpRequest, index: int) -> dict[str, Any]:
    return selectors.receipt(index)
