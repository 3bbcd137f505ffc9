"""C2SP tlog-tiles: the tree and entries as static files any web server or CDN can mirror.

Tile (L, N) holds hashes at tree level 8·L, indexes N·256 … N·256+255; those are exactly the
stored subtree hashes, so a tile is one range query. Spec: https://c2sp.org/tlog-tiles
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from onewindow.ledger import errors
from onewindow.ledger.models import Checkpoint, LedgerEntry, TreeNode

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT


def encode_index(n: int) -> str:
    """Tile index as zero-padded 3-digit path elements, all but the last prefixed with x."""
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | str, n: int, width: int = TILE_WIDTH) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(n)}{suffix}"


def tiles_for_size(size: int) -> Iterator[tuple[int, int, int]]:
    """Every (level, index, width) tile a tree of `size` leaves has, partial ones included."""
    level = 0
    while True:
        hashes_at_level = size >> (TILE_HEIGHT * level)
        if hashes_at_level == 0:
            return
        full, partial = divmod(hashes_at_level, TILE_WIDTH)
        for n in range(full):
            yield level, n, TILE_WIDTH
        if partial:
            yield level, full, partial
        level += 1


def tile_bytes(level: int, n: int, width: int) -> bytes:
    rows = TreeNode.objects.filter(
        level=level * TILE_HEIGHT, index__gte=n * TILE_WIDTH, index__lt=n * TILE_WIDTH + width
    ).order_by("index")
    data = b"".join(bytes(value) for value in rows.values_list("hash", flat=True))
    if len(data) != 32 * width:
        raise errors.UnknownEntry("No such tile.")
    return data


def entry_bundle(n: int, width: int) -> bytes:
    """Entries as big-endian uint16 length-prefixed canonical JSON bodies."""
    bodies = LedgerEntry.objects.filter(
        index__gte=n * TILE_WIDTH, index__lt=n * TILE_WIDTH + width
    ).order_by("index")
    parts = []
    for body in bodies.values_list("body", flat=True):
        data = body.encode("utf-8")
        parts.append(struct.pack(">H", len(data)) + data)
    if len(parts) != width:
        raise errors.UnknownEntry("No such entry bundle.")
    return b"".join(parts)


def export(directory: Path, checkpoint: Checkpoint) -> int:
    """Write the checkpoint, every tile and every entry bundle for its size; returns files written.

    Full tiles never change, so existing ones are left alone; partial ones are rewritten.
    """
    written = 0
    for level, n, width in tiles_for_size(checkpoint.size):
        path = directory / tile_path(level, n, width)
        if width == TILE_WIDTH and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tile_bytes(level, n, width))
        written += 1
        if level == 0:
            bundle = directory / tile_path("entries", n, width)
            bundle.parent.mkdir(parents=True, exist_ok=True)
            bundle.write_bytes(entry_bundle(n, width))
            written += 1
    cosignatures = "".join(c.signature_line for c in checkpoint.cosignatures.order_by("pk"))
    (directory / "checkpoint").write_text(checkpoint.note + cosignatures, encoding="utf-8")
    return written + 1
