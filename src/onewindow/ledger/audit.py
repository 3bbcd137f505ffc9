"""`ledger audit`: recompute the whole log from its entries and check everything stored about it.

Nothing stored is trusted as a starting point: the tree is rebuilt from the entry bodies, every
stored subtree hash and the tree head are compared with the rebuilt tree, every checkpoint note
is verified against the log key and its root compared with the rebuilt root of its size (one
rebuilt history that matches every signed root also proves each consecutive pair consistent),
and the cosignatures of the latest cosigned checkpoint are verified against the configured
witness keys. Findings name the entry (or the checkpoint) where the stored log first differs.

Reads only; one snapshot (REPEATABLE READ on PostgreSQL, a read transaction on SQLite), so
entries integrated while the audit runs do not look like tampering.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from onewindow.ledger import keys, merkle, models, note, services

BATCH = 8192  # a power of two: most subtrees complete inside the batch that holds their leaves
MAX_FINDINGS = 50
WITNESS_TIMEOUT = 5.0
MAX_NOTE = 64 * 1024


@dataclass(frozen=True)
class AuditFinding:
    """One place where the stored log no longer matches what the entries and signatures say.

    `index` is the entry named (the first of `last_index - index + 1` entries when the stored
    hashes can only narrow it to a few), `checkpoint_size` the checkpoint named, if any."""

    index: int | None
    reason: str
    checkpoint_size: int | None = None
    last_index: int | None = None

    def __str__(self) -> str:
        if self.index is not None and self.last_index not in (None, self.index):
            return f"entries {self.index}-{self.last_index}: {self.reason}"
        if self.index is not None:
            return f"entry {self.index}: {self.reason}"
        if self.checkpoint_size is not None:
            return f"checkpoint {self.checkpoint_size}: {self.reason}"
        return self.reason


@dataclass
class AuditReport:
    """What the audit recomputed and what it found; `first` is the earliest finding."""

    entries: int = 0
    tree_size: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    witnessed: int = 0  # witnesses whose latest cosigned checkpoint was compared
    unreachable: list[str] = field(default_factory=list)  # witnesses that did not answer
    findings: list[AuditFinding] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        return not self.findings

    @property
    def first(self) -> AuditFinding | None:
        return self.findings[0] if self.findings else None

    def add(self, finding: AuditFinding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)

    def names_entries_in(self, start: int, end: int) -> bool:
        """Has an earlier finding already named an entry in [start, end)?"""
        return any(
            finding.index is not None
            and finding.index < end
            and (finding.last_index if finding.last_index is not None else finding.index) >= start
            for finding in self.findings
        )


@dataclass(frozen=True)
class _SignedCheckpoint:
    size: int
    root: bytes


@dataclass(frozen=True)
class _Witnessed:
    """The latest checkpoint a witness says it cosigned (fetched from the witness itself)."""

    witness: str
    size: int
    root: bytes


def audit(*, batch: int = BATCH) -> AuditReport:
    """Recompute the log from its entries and check every stored hash, head and signature,
    and the latest checkpoint each configured witness cosigned.

    Returns the report; `report.is_clean` when everything agrees."""
    report = AuditReport()
    # Before the snapshot: a witness only cosigns what the log had already committed.
    witnessed = _witnessed_checkpoints(report)
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _audit(report, batch, witnessed)


def _witnessed_checkpoints(report: AuditReport) -> list[_Witnessed]:
    """Ask each configured witness for the latest checkpoint of this log it cosigned
    (`GET /latest/<origin>`); an unreachable witness is noted, not a finding."""
    found = []
    path = "/latest/" + urllib.parse.quote(keys.origin(), safe="")
    for config in services.configured_witnesses():
        name = config.key.name
        try:
            with urllib.request.urlopen(  # noqa: S310 - witness URLs come from settings
                config.url.rstrip("/") + path, timeout=WITNESS_TIMEOUT
            ) as response:
                text = response.read(MAX_NOTE).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            report.unreachable.append(name)
            continue
        try:
            opened, _ = note.open_checkpoint(text, keys.verifier())
            _, cosigned = note.open_note(text, [config.key])
        except note.NoteError as error:
            report.add(AuditFinding(None, f"the latest checkpoint {name} holds: {error}"))
            continue
        if cosigned:
            found.append(_Witnessed(name, opened.size, opened.root_hash))
    return found


def _audit(report: AuditReport, batch: int, witnessed: list[_Witnessed]) -> AuditReport:
    stored_sizes = set(models.Checkpoint.objects.values_list("size", flat=True))
    signed = _check_checkpoints(report)
    signed_size = max((checkpoint.size for checkpoint in signed), default=0)
    head = models.TreeHead.objects.filter(pk=1).values_list("size", "root_hash").first()
    head_size, head_root = (int(head[0]), bytes(head[1])) if head else (0, merkle.EMPTY_ROOT)
    if head_size < signed_size:
        report.add(
            AuditFinding(
                None,
                f"the stored tree head says {head_size} entries, but a checkpoint of "
                f"{signed_size} was signed: the head was rolled back",
                checkpoint_size=signed_size,
            )
        )
    elif head_size > signed_size:
        # Integration signs a checkpoint in the same transaction that moves the head.
        report.add(AuditFinding(None, "no checkpoint was signed for the tree head", head_size))
    tree_size = max(signed_size, head_size)
    report.tree_size = tree_size
    report.checkpoints = len(signed)
    report.witnessed = len(witnessed)
    for seen in witnessed:
        if seen.size > tree_size:
            report.add(
                AuditFinding(
                    None,
                    f"{seen.witness} cosigned a tree of {seen.size} entries, but the log holds "
                    f"{tree_size}: entries or checkpoints were removed",
                    seen.size,
                )
            )
        elif seen.size not in stored_sizes:
            report.add(
                AuditFinding(
                    None, f"the checkpoint {seen.witness} cosigned is no longer stored", seen.size
                )
            )
    sequence = models.LogSequence.objects.filter(pk=1).values_list("next_index", flat=True).first()
    _check_tree(
        report,
        batch,
        tree_size,
        signed,
        witnessed,
        (head_size, head_root),
        int(sequence or 0),
    )
    _check_cosignatures(report, signed)
    return report


def _check_checkpoints(report: AuditReport) -> list[_SignedCheckpoint]:
    """Verify every stored checkpoint note against the log key; keep those that verify."""
    verifier = keys.verifier()
    rows = list(
        models.Checkpoint.objects.order_by("pk").values_list("pk", "size", "root_hash", "note")
    )
    signed: list[_SignedCheckpoint] = []
    largest = -1
    for _pk, size, root, text in rows:
        try:
            opened, _ = note.open_checkpoint(text, verifier)
        except note.NoteError as error:
            report.add(
                AuditFinding(None, f"its note does not verify against the log key ({error})", size)
            )
            continue
        if opened.size != size or opened.root_hash != bytes(root):
            report.add(
                AuditFinding(
                    None,
                    f"the stored size or root differs from its signed note (size {opened.size})",
                    size,
                )
            )
            continue
        if size < largest:
            # Checkpoints are published in size order: one stored later but smaller was
            # put back in place of a removed one.
            report.add(AuditFinding(None, "it was stored after a larger checkpoint", size))
        largest = max(largest, size)
        signed.append(_SignedCheckpoint(size, bytes(root)))
    signed.sort(key=lambda checkpoint: checkpoint.size)
    return signed


def _entries(batch: int) -> Iterator[list[tuple[int, str, bytes]]]:
    last = -1
    while True:
        rows = list(
            models.LedgerEntry.objects.filter(index__gt=last)
            .order_by("index")
            .values_list("index", "body", "leaf_hash")[:batch]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield [(int(index), body, bytes(leaf)) for index, body, leaf in rows]


def _stored_nodes(start: int, end: int) -> dict[merkle.Coordinate, bytes]:
    """Stored subtree hashes that could complete while appending leaves [start, end)."""
    quote = connection.ops.quote_name
    conditions, parameters = [], []
    level = 0
    while (1 << level) <= end:
        conditions.append(f"({quote('level')} = %s AND {quote('index')} BETWEEN %s AND %s)")
        parameters += [level, start >> level, (end - 1) >> level]
        level += 1
    sql = (
        f"SELECT {quote('level')}, {quote('index')}, {quote('hash')} "  # noqa: S608 - names only
        f"FROM {quote(models.TreeNode._meta.db_table)} WHERE " + " OR ".join(conditions)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return {(int(row[0]), int(row[1])): bytes(row[2]) for row in cursor.fetchall()}


def _check_tree(
    report: AuditReport,
    batch: int,
    tree_size: int,
    signed: list[_SignedCheckpoint],
    witnessed: list[_Witnessed],
    head: tuple[int, bytes],
    next_index: int,
) -> None:
    head_size, head_root = head
    roots = {checkpoint.size: checkpoint.root for checkpoint in signed}
    witness_roots = {seen.size: seen for seen in witnessed if seen.size <= tree_size}
    stops = sorted({*roots, *witness_roots, head_size, tree_size} - {0})
    size, frontier_hashes = 0, list[bytes]()  # the rebuilt tree: its size and frontier
    verified_size = 0  # the largest signed size whose root the rebuilt tree matches
    expected = 0
    is_rebuilding = True
    for rows in _entries(batch):
        leaves: list[bytes] = []
        for index, body, stored_leaf in rows:
            if index != expected:
                if expected < tree_size or expected < next_index:
                    report.add(AuditFinding(expected, "the entry is missing", None, index - 1))
                is_rebuilding = False  # the tree cannot be rebuilt past a missing leaf
                expected = index
            expected += 1
            leaf = merkle.leaf_hash(body.encode("utf-8"))
            if leaf != stored_leaf:
                report.add(AuditFinding(index, "its body no longer hashes to its leaf hash"))
            elif not _is_canonical(body):
                report.add(AuditFinding(index, "its body is not the canonical JSON recorded"))
            if index < tree_size:
                leaves.append(leaf)
        report.entries += len(rows)
        if not (is_rebuilding and leaves):
            continue
        start = size
        stored = _stored_nodes(start, start + len(leaves))
        position = 0
        while position < len(leaves):
            stop = next((s for s in stops if s > size), tree_size)
            take = leaves[position : position + stop - size]
            new_nodes, root = merkle.append_leaves(size, frontier_hashes, take)
            _compare_nodes(report, new_nodes, stored)
            size += len(take)
            position += len(take)
            frontier_hashes = _frontier_after(frontier_hashes, size - len(take), new_nodes)
            if size in roots:
                if roots[size] == root:
                    verified_size = size
                elif not report.names_entries_in(verified_size, size):
                    report.add(
                        AuditFinding(
                            verified_size,
                            f"an entry up to {size - 1} was rewritten with all its stored "
                            f"hashes: the signed root of size {size} differs",
                            size,
                            size - 1,
                        )
                    )
            seen = witness_roots.get(size)
            if seen is not None and seen.root != root and not report.names_entries_in(0, size):
                report.add(
                    AuditFinding(
                        None,
                        f"the entries do not make the root {seen.witness} cosigned for this "
                        "size: the log was rewritten or its checkpoint replaced",
                        size,
                    )
                )
            if size == head_size and root != head_root:
                report.add(AuditFinding(None, "the stored tree head's root differs", head_size))
    if expected < max(tree_size, next_index):
        report.add(
            AuditFinding(expected, "the entry is missing", None, max(tree_size, next_index) - 1)
        )
    elif next_index and expected > next_index:
        report.add(AuditFinding(next_index, "the entry lies beyond the ledger's sequence"))
    beyond = models.TreeNode.objects.filter(level=0, index__gte=tree_size).order_by("index").first()
    if beyond is not None:
        report.add(
            AuditFinding(
                beyond.index,
                f"the stored tree holds it beyond the signed size {tree_size}: a checkpoint "
                "was removed or the tree head rolled back",
            )
        )


def _frontier_after(
    frontier_hashes: list[bytes], size: int, new_nodes: list[tuple[int, int, bytes]]
) -> list[bytes]:
    """The frontier hashes of the tree after appending: from the old frontier and new nodes."""
    known = dict(zip(merkle.frontier(size), frontier_hashes, strict=True))
    for level, index, value in new_nodes:
        known[(level, index)] = value
    grown = size + sum(1 for level, _, _ in new_nodes if level == 0)
    return [known[coordinate] for coordinate in merkle.frontier(grown)]


def _compare_nodes(
    report: AuditReport,
    new_nodes: list[tuple[int, int, bytes]],
    stored: dict[merkle.Coordinate, bytes],
) -> None:
    """Name the smallest stored subtree that no longer recomputes; its ancestors follow."""
    for level, index, value in sorted(new_nodes):
        first, last = index << level, ((index + 1) << level) - 1
        if stored.get((level, index)) == value or report.names_entries_in(first, last + 1):
            continue
        if (level, index) not in stored:
            reason = f"the stored tree lacks its subtree hash ({level}, {index})"
        elif level == 0:
            reason = "it no longer matches its leaf in the stored tree"
        else:
            reason = (
                f"rewritten with its leaf hash and tree node: the stored subtree hash "
                f"({level}, {index}) was made from other entries"
            )
        report.add(AuditFinding(first, reason, None, last))


def _is_canonical(body: str) -> bool:
    try:
        value = json.loads(body)
    except ValueError:
        return False
    try:
        return services.canonical_json(value).decode("utf-8") == body
    except ValueError:
        return False


def _check_cosignatures(report: AuditReport, signed: list[_SignedCheckpoint]) -> None:
    """The latest cosigned checkpoint: each cosignature by a configured witness must verify."""
    witnesses = {
        (witness.key.name, witness.key.key_id.hex()): witness.key
        for witness in services.configured_witnesses()
    }
    latest = (
        models.Checkpoint.objects.filter(cosignatures__isnull=False)
        .order_by("-size")
        .distinct()
        .first()
    )
    if latest is None:
        return
    signed_sizes = {checkpoint.size for checkpoint in signed}
    if latest.size not in signed_sizes:
        return  # already reported: its own note does not verify
    for cosignature in models.Cosignature.objects.filter(checkpoint=latest).order_by("pk"):
        key = witnesses.get((cosignature.witness_name, cosignature.key_id))
        if key is None:
            continue  # a witness no longer configured: nothing to check it against
        report.cosignatures += 1
        try:
            note.open_note(latest.note + cosignature.signature_line, [key])
        except note.NoteError as error:
            report.add(
                AuditFinding(
                    None,
                    f"the cosignature of {cosignature.witness_name} does not verify ({error})",
                    latest.size,
                )
            )


# ----- for the apps that audit their own rows against the ledger ------------------------------


@dataclass(frozen=True)
class RecordFinding:
    """A row of an app (an application, a decision, a credential) that no longer matches the
    ledger, or a ledger entry whose row is gone: named by public reference and entry index."""

    ref: str
    reason: str
    ledger_index: int | None = None

    def __str__(self) -> str:
        where = f"ledger entry {self.ledger_index} " if self.ledger_index is not None else ""
        return f"{where}({self.ref}): {self.reason}"


@dataclass(frozen=True)
class RecordedEvent:
    index: int
    event_type: str
    subject_ref: str
    payload_sha256: str


def recorded_events(*, prefixes: tuple[str, ...], batch: int = 5_000) -> Iterator[RecordedEvent]:
    """Every entry whose event type starts with one of `prefixes`, in index order, with the
    payload digest its body commits to (a body that is not JSON gives an empty digest)."""
    condition = Q()
    for prefix in prefixes:
        condition |= Q(event_type__startswith=prefix)
    last = -1
    while True:
        rows = list(
            models.LedgerEntry.objects.filter(condition, index__gt=last)
            .order_by("index")
            .values_list("index", "event_type", "subject_ref", "body")[:batch]
        )
        if not rows:
            return
        last = rows[-1][0]
        for index, event_type, subject_ref, body in rows:
            try:
                digest = str(json.loads(body).get("payload_sha256", ""))
            except (ValueError, AttributeError):
                digest = ""
            yield RecordedEvent(int(index), event_type, subject_ref, digest)


def payload_digest(payload: Any) -> str:
    """The digest `services.record` puts in the body for this payload."""
    return hashlib.sha256(services.canonical_json(payload)).hexdigest()
