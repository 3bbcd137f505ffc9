"""Reads of the public ledger shared by the API, the pages and the export command.

Everything here is public, so there is no access check; proofs come from stored hashes only.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from onewindow.ledger import errors, keys, merkle
from onewindow.ledger.models import (
    AuditKind,
    AuditRun,
    Checkpoint,
    LedgerEntry,
    TreeHead,
    TreeNode,
)

MAX_RANGE = 1000


def _hashes_and_tree_size(
    coordinates: Sequence[merkle.Coordinate],
) -> tuple[dict[merkle.Coordinate, bytes], int]:
    """The stored hashes at these coordinates and the integrated tree size, in one round trip.

    Plain SQL: a proof reads up to ~2·log2(n) rows, and building the equivalent ORM query
    costs more than running it (measured in bench/ledger_append.py).
    """
    wanted = sorted(set(coordinates))
    postgresql = connection.vendor == "postgresql"
    rows = _postgresql_rows(wanted) if postgresql else _portable_rows(wanted)
    size = next((int(row[1]) for row in rows if row[0] == -1), 0)
    return {(row[0], row[1]): bytes(row[2]) for row in rows if row[0] != -1}, size


# Double-quoted identifiers are standard SQL: PostgreSQL and SQLite both read them.
_HEAD_SQL = f'SELECT -1, "size", NULL FROM "{TreeHead._meta.db_table}" WHERE "id" = 1'  # noqa: S608
# One statement text for every proof: the coordinates travel as two arrays, so where
# prepared statements are on (psycopg's prepare_threshold in the database OPTIONS) PostgreSQL
# plans it once per connection; it walks the primary key once per node.
_NODES_SQL = (
    f"{_HEAD_SQL} UNION ALL "  # noqa: S608 - identifiers only, values are parameters
    f'SELECT node."level", node."index", node."hash" FROM "{TreeNode._meta.db_table}" AS node '
    "JOIN unnest(%s::smallint[], %s::bigint[]) AS wanted (level, index) "
    'ON node."level" = wanted.level AND node."index" = wanted.index'
)


def _postgresql_rows(wanted: Sequence[merkle.Coordinate]) -> list[tuple[Any, ...]]:
    """A psycopg cursor with server-side binding beside Django's (same connection, same
    transaction): Django's client-side cursor can neither prepare nor send arrays as such,
    and its wrapper cost more than the query (bench/ledger_append.py)."""
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            _NODES_SQL,
            ([level for level, _ in wanted], [index for _, index in wanted]),
            prepare=True,
            binary=True,  # hashes as bytes, not hex text to decode
        )
        return cursor.fetchall()


def _portable_rows(wanted: Sequence[merkle.Coordinate]) -> list[tuple[Any, ...]]:
    quote = connection.ops.quote_name
    level, index, value = quote("level"), quote("index"), quote("hash")
    # Only quoted identifiers and placeholders go into the text; the values are parameters.
    sql = _HEAD_SQL
    if wanted:
        condition = " OR ".join([f"({level} = %s AND {index} = %s)"] * len(wanted))
        sql += (
            f" UNION ALL SELECT {level}, {index}, {value} "  # noqa: S608
            f"FROM {quote(TreeNode._meta.db_table)} WHERE {condition}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [number for coordinate in wanted for number in coordinate])
        return list(cursor.fetchall())


def _check_complete(
    hashes: Mapping[merkle.Coordinate, bytes], coordinates: Sequence[merkle.Coordinate]
) -> None:
    if len(hashes) != len(set(coordinates)):
        raise errors.LedgerError(
            _("The stored tree is missing hashes."), code="ledger_tree_incomplete"
        )


def read_hashes(coordinates: Sequence[merkle.Coordinate]) -> Mapping[merkle.Coordinate, bytes]:
    """The stored hashes at these coordinates; all must exist."""
    hashes, _tree_size = _hashes_and_tree_size(coordinates)
    _check_complete(hashes, coordinates)
    return hashes


def tree_size() -> int:
    """The integrated size."""
    return _hashes_and_tree_size([])[1]


class _SizeCheckingReader:
    """Reads proof hashes and, in the same query, checks the requested sizes are in the tree."""

    def __init__(self, sizes: Mapping[str, int]) -> None:
        self.sizes = sizes
        self.has_checked = False

    def _check(self, tree: int) -> None:
        self.has_checked = True
        for field, requested in self.sizes.items():
            if requested > tree:
                raise errors.TreeSizeOutOfRange(
                    errors.SIZE_BEYOND_TREE,
                    field=field,
                    params={"size": requested, "tree_size": tree},
                )

    def __call__(
        self, coordinates: Sequence[merkle.Coordinate]
    ) -> Mapping[merkle.Coordinate, bytes]:
        hashes, tree = _hashes_and_tree_size(coordinates)
        self._check(tree)
        _check_complete(hashes, coordinates)
        return hashes

    def ensure_checked(self) -> None:
        """An empty proof reads nothing: check the sizes anyway."""
        if not self.has_checked:
            self._check(tree_size())


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def witness_quorum() -> int:
    return int(getattr(settings, "LEDGER_WITNESS_QUORUM", 0))


def published_checkpoint() -> Checkpoint | None:
    """The checkpoint the public is shown: the latest one cosigned by the required quorum of
    witnesses (`settings.LEDGER_WITNESS_QUORUM`, default 0: the latest one)."""
    quorum = witness_quorum()
    if quorum <= 0:
        return latest_checkpoint()
    return (
        Checkpoint.objects.annotate(witnesses=Count("cosignatures__witness_name", distinct=True))
        .filter(witnesses__gte=quorum)
        .order_by("-size")
        .first()
    )


def checkpoint_of_size(size: int) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(size=size).first()
    if checkpoint is None:
        raise errors.UnknownEntry(
            "No checkpoint was published for tree size %(size)s.",
            field="tree_size",
            params={"size": size},
        )
    return checkpoint


def first_checkpoint_covering(index: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(size__gt=index).order_by("size").first()


def entry_at(index: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(index=index).first()
    if entry is None:
        raise errors.UnknownEntry(errors.UNKNOWN_ENTRY, field="index")
    return entry


def entry_by_leaf_hash(leaf_hash: bytes) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(leaf_hash=leaf_hash).order_by("index").first()
    if entry is None:
        raise errors.UnknownEntry(errors.UNKNOWN_ENTRY, field="leaf_hash")
    return entry


def entries_for_ref(subject_ref: str, *, limit: int = 100) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(subject_ref=subject_ref).order_by("index")[:limit])


def entries_range(start: int, end: int) -> list[LedgerEntry]:
    """Integrated entries with start <= index < end."""
    size = tree_size()
    if start < 0 or end <= start or end - start > MAX_RANGE:
        raise errors.TreeSizeOutOfRange(
            errors.RANGE_INVALID, field="end", params={"limit": MAX_RANGE}
        )
    if end > size:
        raise errors.TreeSizeOutOfRange(
            errors.SIZE_BEYOND_TREE, field="end", params={"size": end, "tree_size": size}
        )
    return list(LedgerEntry.objects.filter(index__gte=start, index__lt=end).order_by("index"))


def _resolve_size(requested: int | None, field: str) -> int:
    size = tree_size()
    if requested is None:
        return size
    if requested < 0 or requested > size:
        raise errors.TreeSizeOutOfRange(
            errors.SIZE_BEYOND_TREE, field=field, params={"size": requested, "tree_size": size}
        )
    return requested


def inclusion_proof(index: int, *, size: int | None = None) -> tuple[int, list[bytes]]:
    """The audit path of entry `index` in the tree of `size` (default: the current tree)."""
    tree = tree_size() if size is None else size
    if tree < 0:
        raise errors.TreeSizeOutOfRange(
            errors.SIZE_BEYOND_TREE, field="tree_size", params={"size": tree, "tree_size": 0}
        )
    if not 0 <= index < tree:
        raise errors.TreeSizeOutOfRange(
            errors.INDEX_BEYOND_TREE, field="index", params={"index": index, "tree_size": tree}
        )
    reader = _SizeCheckingReader({"tree_size": tree})
    proof = merkle.inclusion_proof(index, tree, reader)
    reader.ensure_checked()
    return tree, proof


def consistency_proof(first: int, second: int) -> list[bytes]:
    """The proof that the tree of size `first` is a prefix of that of size `second`."""
    if first < 0 or first > second:
        raise errors.TreeSizeOutOfRange(errors.SIZES_OUT_OF_ORDER, field="first")
    reader = _SizeCheckingReader({"second": second})
    proof = merkle.consistency_proof(first, second, reader)
    reader.ensure_checked()
    return proof


def root_hash(size: int) -> bytes:
    return merkle.root_hash(_resolve_size(size, "tree_size"), read_hashes)


def receipt(index: int) -> dict[str, Any]:
    """Everything `onewindow-verify receipt` needs, offline: entry, proof, signed checkpoint."""
    entry = entry_at(index)
    checkpoint = published_checkpoint()
    if checkpoint is None or checkpoint.size <= index:
        raise errors.NotYetIntegrated(errors.NOT_INTEGRATED, params={"index": index})
    _root, proof = inclusion_proof(index, size=checkpoint.size)
    cosignatures = "".join(c.signature_line for c in checkpoint.cosignatures.order_by("pk"))
    return {
        "index": entry.index,
        "entry": entry.body,
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "tree_size": checkpoint.size,
        "inclusion_proof": [base64.b64encode(h).decode() for h in proof],
        "checkpoint": checkpoint.note + cosignatures,
        "log_key": keys.verifier().encode(),
    }


def last_clean_audits() -> list[tuple[AuditKind, AuditRun | None]]:
    """Each audit with its last run that found everything matching (None: never yet)."""
    return [
        (
            kind,
            AuditRun.objects.filter(kind=kind, is_clean=True).order_by("-finished_at").first(),
        )
        for kind in AuditKind
    ]
