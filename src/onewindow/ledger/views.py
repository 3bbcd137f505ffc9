"""The public ledger page, and the C2SP checkpoint and tiles as plain text and bytes."""

from __future__ import annotations

import base64
import re
import shlex
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onewindow.core.site import public_url
from onewindow.core.text_input import ascii_int
from onewindow.ledger import errors, keys, merkle, selectors, tiles

TILE_INDEX = re.compile(r"((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint with its witness cosignatures (tlog-tiles `/checkpoint`)."""
    latest = selectors.published_checkpoint()
    if latest is None:
        raise Http404("no checkpoint yet")
    cosignatures = "".join(c.signature_line for c in latest.cosignatures.order_by("pk"))
    response = HttpResponse(latest.note + cosignatures, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=2"
    return response


def _decode_index(encoded: str) -> tuple[int, int]:
    match = TILE_INDEX.fullmatch(encoded)
    if match is None:
        raise Http404("malformed tile path")
    n = int(match.group(1).replace("x", "").replace("/", ""))
    width = int(match.group(2)) if match.group(2) else tiles.TILE_WIDTH
    if width > tiles.TILE_WIDTH:
        raise Http404("malformed tile path")
    return n, width


def _tile_response(data: bytes, *, is_full: bool) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if is_full else "public, max-age=60"
    )
    return response


def _check_within_tree(level: int, n: int, width: int) -> None:
    # Any tile whose hashes the tree already has; older, narrower partial tiles included.
    hashes_at_level = selectors.tree_size() >> (tiles.TILE_HEIGHT * level)
    if n * tiles.TILE_WIDTH + width > hashes_at_level:
        raise Http404("no such tile")


@require_GET
def tile(request: HttpRequest, level: str, encoded: str) -> HttpResponse:
    n, width = _decode_index(encoded)
    if int(level) > 63 or level != str(int(level)):
        raise Http404("no such level")
    _check_within_tree(int(level), n, width)
    try:
        data = tiles.tile_bytes(int(level), n, width)
    except errors.UnknownEntry as error:
        raise Http404(str(error)) from error
    return _tile_response(data, is_full=width == tiles.TILE_WIDTH)


@require_GET
def entry_bundle(request: HttpRequest, encoded: str) -> HttpResponse:
    n, width = _decode_index(encoded)
    _check_within_tree(0, n, width)
    try:
        data = tiles.entry_bundle(n, width)
    except errors.UnknownEntry as error:
        raise Http404(str(error)) from error
    return _tile_response(data, is_full=width == tiles.TILE_WIDTH)


def _verify_commands(
    request: HttpRequest, proof_view: dict[str, Any] | None, subject_ref: str
) -> str:
    """The two shell lines that check a receipt, quoted so a reference cannot break them."""
    index = str(proof_view["entry"].index) if proof_view else "INDEX"
    receipt_url = public_url(f"/ledger/api/receipts/{index}")
    verify = ["onewindow-verify", "--log-key", keys.verifier().encode(), "receipt", "receipt.json"]
    if subject_ref:
        verify += ["--ref", subject_ref]
    return f"curl -o receipt.json {shlex.quote(receipt_url)}\n{shlex.join(verify)}"


@require_GET
def public_page(request: HttpRequest) -> HttpResponse:
    """The public ledger page: latest checkpoint, search by reference, a proof step by step."""
    latest = selectors.published_checkpoint()
    subject_ref = request.GET.get("ref", "").strip()[:64]
    entries = selectors.entries_for_ref(subject_ref, limit=50) if subject_ref else []
    proof_view = None
    index = ascii_int(request.GET.get("index"))
    if index is not None and latest is not None and index < latest.size:
        entry = selectors.entry_at(index)
        _, proof = selectors.inclusion_proof(entry.index, size=latest.size)
        leaf = merkle.leaf_hash(entry.body.encode("utf-8"))
        steps = merkle.inclusion_steps(entry.index, latest.size, leaf, proof)
        root = bytes(latest.root_hash)
        proof_view = {
            "entry": entry,
            "leaf_hash": base64.b64encode(leaf).decode(),
            "steps": [
                {
                    "number": number,
                    "side": side,
                    "sibling": base64.b64encode(sibling).decode(),
                    "result": base64.b64encode(result).decode(),
                }
                for number, (side, sibling, result) in enumerate(steps, start=1)
            ],
            "root": base64.b64encode(root).decode(),
            "verifies": merkle.verify_inclusion(entry.index, latest.size, leaf, proof, root),
        }
    context = {
        "checkpoint": latest,
        "root_hash": base64.b64encode(bytes(latest.root_hash)).decode() if latest else "",
        "cosignatures": list(latest.cosignatures.order_by("pk")) if latest else [],
        "log_key": keys.verifier().encode(),
        "subject_ref": subject_ref,
        "entries": entries,
        "proof": proof_view,
        "verify_commands": _verify_commands(request, proof_view, subject_ref),
        "audits": selectors.last_clean_audits(),
    }
    return render(request, "ledger/public.html", context)
