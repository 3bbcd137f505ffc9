"""Writes to the public ledger: record an event, integrate pending entries, add cosignatures."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.ledger import errors, keys, merkle, note, selectors, signals
from onewindow.ledger.models import (
    AuditKind,
    AuditRun,
    Checkpoint,
    Cosignature,
    LedgerEntry,
    LogSequence,
    TreeHead,
    TreeNode,
)

BODY_VERSION = 1
DEFAULT_BATCH = 50_000
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
# GB 11643 resident ID (18 characters, last may be X) and mainland mobile numbers.
RESIDENT_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_NUMBER = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# Digests and nonces (32+ lowercase hex characters) are not numbers: a run of digits inside
# one is chance (about one SHA-256 digest in 300 holds something shaped like a mobile number).
HEX_TOKEN = re.compile(r"(?<![0-9a-z])[0-9a-f]{32,}(?![0-9a-z])")
# Row identifiers (UUIDs) likewise: about one in 4,000 ends in a mobile-shaped digit run.
UUID_TOKEN = re.compile(r"(?<![0-9a-z-])[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}(?![0-9a-z-])")
PERSONAL_KEYS = frozenset(
    {
        "id_number",
        "resident_id",
        "mobile",
        "phone",
        "name",
        "full_name",
        "address",
        "email",
        "birth_date",
        "date_of_birth",
        "passport_number",
    }
)
MAX_LABEL = 64

if TYPE_CHECKING:
    from onewindow.ledger.audit import AuditReport


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that are hashed and published."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@dataclass(frozen=True)
class PendingReceipt:
    """What `record` hands back at once: the entry's index and leaf hash, before integration."""

    index: int
    leaf_hash: bytes
    body: str


def _refuse_personal_data(value: Any, path: str = "payload") -> None:
    """Refuse personal-data keys, and ID or mobile numbers anywhere in the payload: the digest of
    so small a value space could be reversed by trying every number."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).lower() in PERSONAL_KEYS:
                raise errors.PersonalDataRefused(
                    errors.PERSONAL_DATA, field=f"{path}.{key}", params={"what": f"{path}.{key}"}
                )
            _refuse_personal_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _refuse_personal_data(item, f"{path}.{position}")
    elif isinstance(value, str) and _looks_personal(value):
        raise errors.PersonalDataRefused(errors.PERSONAL_DATA, field=path, params={"what": path})


def _looks_personal(value: str) -> bool:
    """An ID or mobile number anywhere in the text, outside hex digests, nonces and UUIDs."""
    text = UUID_TOKEN.sub("-", HEX_TOKEN.sub("-", value))
    return bool(RESIDENT_ID.search(text) or MOBILE_NUMBER.search(text))


def _check_label(value: str, field: str) -> None:
    if not value or len(value) > MAX_LABEL or any(ch.isspace() for ch in value):
        raise errors.LedgerError(
            _("%(field)s must be 1 to 64 characters without spaces."),
            code="ledger_bad_label",
            field=field,
            params={"field": field},
        )


@dataclass(frozen=True)
class Event:
    """One event to record: what `record` takes, for `record_many`."""

    event_type: str
    subject_ref: str
    actor_role: str
    department: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class _Prepared:
    leaf: bytes
    body: str
    event_type: str
    subject_ref: str
    created: datetime


def record(
    event_type: str,
    *,
    subject_ref: str,
    actor_role: str,
    department: str,
    payload: Mapping[str, Any],
) -> PendingReceipt:
    """Append an event to the ledger inside the caller's transaction; returns its index at once.

    The payload itself is never published, only its SHA-256 over canonical JSON. The entry is
    integrated into the tree and a checkpoint by `integrate_pending`; use `wait_for_inclusion`.
    Raises `PersonalDataRefused` for payload keys or references that look like personal data,
    `LedgerError` for malformed labels or a payload that is not JSON.
    """
    return record_many([Event(event_type, subject_ref, actor_role, department, payload)])[0]


def record_many(events: Sequence[Event]) -> list[PendingReceipt]:
    """Append several events, in order, inside the caller's transaction: one index
    reservation and one insert for the lot (the exchange logs calls in batches). Each event
    is checked as `record` checks it, all before anything is written; raises as `record`."""
    prepared = [_prepare(event) for event in events]
    if not prepared:
        return []
    # No savepoint: if recording fails, the caller's whole use case must fail with it.
    with transaction.atomic(savepoint=False):
        first = _append_entries(prepared)
    return [
        PendingReceipt(index=first + offset, leaf_hash=entry.leaf, body=entry.body)
        for offset, entry in enumerate(prepared)
    ]


def _prepare(event: Event) -> _Prepared:
    if not EVENT_TYPE.fullmatch(event.event_type):
        raise errors.LedgerError(
            _("The event type must be lower-case letters, digits, '.', '_' or '-'."),
            code="ledger_bad_event_type",
            field="event_type",
        )
    for value, field in (
        (event.subject_ref, "subject_ref"),
        (event.actor_role, "actor_role"),
        (event.department, "department"),
    ):
        _check_label(value, field)
        if _looks_personal(value):
            raise errors.PersonalDataRefused(
                errors.PERSONAL_DATA, field=field, params={"what": field}
            )
    _refuse_personal_data(event.payload)
    try:
        payload_digest = hashlib.sha256(canonical_json(dict(event.payload))).hexdigest()
    except (TypeError, ValueError) as error:
        raise errors.LedgerError(
            _("The payload must be plain JSON."), code="ledger_bad_payload", field="payload"
        ) from error
    now = timezone.now().astimezone(UTC).replace(microsecond=0)
    body_value = {
        "v": BODY_VERSION,
        "event": event.event_type,
        "ref": event.subject_ref,
        "role": event.actor_role,
        "department": event.department,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "payload_sha256": payload_digest,
    }
    body = canonical_json(body_value)
    return _Prepared(
        merkle.leaf_hash(body), body.decode("utf-8"), event.event_type, event.subject_ref, now
    )


ENTRY_COLUMNS = ("index", "leaf_hash", "body", "event_type", "subject_ref", "created")
# Casts make the VALUES list typed under either parameter binding (client or server side).
ENTRY_CASTS = ("bigint", "bytea", "text", "varchar", "varchar", "timestamptz")
ROWS_PER_STATEMENT = 500


# Plain SQL for the per-event path: the ORM spent ~80% of record() building three queries.
def _append_entries(entries: Sequence[_Prepared]) -> int:
    """Take the next len(entries) indexes and insert the entries; returns the first index.
    The sequence row stays locked until the caller's transaction ends, which keeps indexes
    gapless and committed in order."""
    quote = connection.ops.quote_name
    created = LedgerEntry._meta.get_field("created")
    rows = [
        [
            offset,
            entry.leaf,
            entry.body,
            entry.event_type,
            entry.subject_ref,
            created.get_db_prep_value(entry.created, connection),
        ]
        for offset, entry in enumerate(entries)
    ]
    columns = ", ".join(quote(column) for column in ENTRY_COLUMNS)
    table = quote(LedgerEntry._meta.db_table)
    take = (
        f"UPDATE {quote(LogSequence._meta.db_table)} "  # noqa: S608 - identifiers only
        f"SET {quote('next_index')} = {quote('next_index')} + %s "
        f"WHERE {quote('id')} = 1 RETURNING {quote('next_index')} - %s"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) <= ROWS_PER_STATEMENT:
            # One round trip: take the indexes and insert every entry.
            row_sql = "(" + ", ".join(f"%s::{cast}" for cast in ENTRY_CASTS) + ")"
            cursor.execute(
                f"WITH taken (first) AS ({take}) "  # noqa: S608 - identifiers only
                f"INSERT INTO {table} ({columns}) "
                "SELECT taken.first + entry.position, entry.leaf, entry.body, entry.event, "
                "entry.ref, entry.created FROM taken, "
                f"(VALUES {', '.join([row_sql] * len(rows))}) "
                "AS entry (position, leaf, body, event, ref, created) "
                f"RETURNING {quote('index')}",
                [len(rows), len(rows), *(value for row in rows for value in row)],
            )
            indexes = [int(found[0]) for found in cursor.fetchall()]
            first: int | None = min(indexes) if indexes else None
        else:
            cursor.execute(take, [len(rows), len(rows)])
            taken = cursor.fetchone()
            first = None if taken is None else int(taken[0])
            for start in range(0, len(rows) if first is not None else 0, ROWS_PER_STATEMENT):
                chunk = rows[start : start + ROWS_PER_STATEMENT]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                    + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk)),
                    [value for row in chunk for value in [first + row[0], *row[1:]]],
                )
    if first is None:  # the first event ever: create the row (get_or_create survives a race)
        LogSequence.objects.get_or_create(pk=1)
        return _append_entries(entries)
    return first


def _publish(size: int, root: bytes) -> Checkpoint:
    text = note.Checkpoint(keys.origin(), size, root).text()
    return Checkpoint.objects.create(
        size=size, root_hash=root, note=note.sign_note(text, [keys.signer()])
    )


def _insert_nodes(
    nodes: Sequence[tuple[int, int, bytes]], *, rows_per_statement: int = 500
) -> None:
    """Insert new subtree hashes, many rows per statement: ~2 rows per entry, where model
    instances cost ten times the SQL itself (see bench/ledger_append.py)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("level", "index", "hash"))
    table = quote(TreeNode._meta.db_table)
    if connection.vendor == "postgresql":  # COPY: no per-statement parsing of 1,500 parameters
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for node in nodes:
                copy.write_row(node)
        return
    prefix = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(nodes), rows_per_statement):
            chunk = nodes[start : start + rows_per_statement]
            cursor.execute(
                prefix + ", ".join(["(%s, %s, %s)"] * len(chunk)),
                [value for node in chunk for value in node],
            )


def integrate_pending(*, max_batch: int = DEFAULT_BATCH) -> Checkpoint:
    """Integrate up to `max_batch` pending entries, store their subtree hashes, sign a checkpoint.

    One transaction under a lock on the tree head, so two integrators never interleave.
    Returns the new checkpoint, or the latest one when nothing is pending. Raises `LedgerError`
    if a stored entry's body no longer hashes to its leaf hash.
    """
    with transaction.atomic():
        head, _created = TreeHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"root_hash": merkle.EMPTY_ROOT}
        )
        rows = list(
            LedgerEntry.objects.filter(index__gte=head.size)
            .order_by("index")
            .values_list("index", "body", "leaf_hash")[:max_batch]
        )
        leaves: list[bytes] = []
        for offset, (index, body, stored_leaf) in enumerate(rows):
            if index != head.size + offset:
                break  # a gap cannot happen with LogSequence; stop short rather than skip
            leaf = merkle.leaf_hash(body.encode("utf-8"))
            if leaf != bytes(stored_leaf):
                raise errors.LedgerError(
                    _("Entry %(index)s no longer matches its leaf hash."),
                    code="ledger_entry_altered",
                    params={"index": index},
                )
            leaves.append(leaf)
        if not leaves:
            latest = selectors.latest_checkpoint()
            return latest if latest is not None else _publish(head.size, bytes(head.root_hash))
        frontier_coordinates = merkle.frontier(head.size)
        known = selectors.read_hashes(frontier_coordinates)
        stored, root = merkle.append_leaves(
            head.size, [known[coordinate] for coordinate in frontier_coordinates], leaves
        )
        _insert_nodes(stored)
        head.size += len(leaves)
        head.root_hash = root
        head.save(update_fields=["size", "root_hash", "updated"])
        return _publish(head.size, root)


def wait_for_inclusion(
    index: int, *, timeout: float = 5.0, poll_interval: float = 0.05, integrate: bool = False
) -> Checkpoint:
    """Wait until a checkpoint covers entry `index`; with `integrate`, integrate meanwhile.

    Raises `NotYetIntegrated` after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        if integrate:
            integrate_pending()
        checkpoint = selectors.first_checkpoint_covering(index)
        if checkpoint is not None:
            return checkpoint
        if time.monotonic() >= deadline:
            raise errors.NotYetIntegrated(errors.NOT_INTEGRATED, params={"index": index})
        time.sleep(poll_interval)


@dataclass(frozen=True)
class WitnessConfig:
    """A witness the log asks for cosignatures: where it listens and the key it cosigns with."""

    url: str
    key: note.Verifier


@dataclass(frozen=True)
class WitnessOutcome:
    witness: str
    status: int
    detail: str
    cosignature: Cosignature | None = None


def configured_witnesses() -> list[WitnessConfig]:
    """`settings.LEDGER_WITNESSES`: a list of {"url": ..., "key": "name+keyid+base64"}."""
    return [
        WitnessConfig(str(item["url"]), note.Verifier.parse(str(item["key"])))
        for item in getattr(settings, "LEDGER_WITNESSES", [])
    ]


def _post(url: str, body: str, timeout: float) -> tuple[int, str, str]:
    request = urllib.request.Request(  # noqa: S310 - witness URLs come from settings
        url, data=body.encode("utf-8"), method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.headers.get_content_type(), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode()


def _last_cosigned_size(witness: note.Verifier) -> int:
    sizes = Cosignature.objects.filter(witness_name=witness.name, key_id=witness.key_id.hex())
    return int(sizes.aggregate(size=Max("checkpoint__size"))["size"] or 0)


def request_cosignatures(
    checkpoint: Checkpoint | None = None,
    *,
    witnesses: Sequence[WitnessConfig] | None = None,
    timeout: float = 5.0,
) -> list[WitnessOutcome]:
    """Ask each witness to cosign `checkpoint` (default: the latest), per C2SP tlog-witness.

    Sends the consistency proof from the size the witness last cosigned; on a 409 that names
    another size, retries once from that size. Keeps each verified cosignature. Never raises for
    a witness's refusal: the outcomes say what each answered. Runs outside any transaction.
    """
    checkpoint = checkpoint or selectors.latest_checkpoint()
    if checkpoint is None:
        raise errors.NotYetIntegrated(errors.NOT_INTEGRATED, params={"index": 0})
    outcomes = []
    for witness in configured_witnesses() if witnesses is None else witnesses:
        old_size = min(_last_cosigned_size(witness.key), checkpoint.size)
        for _attempt in range(2):
            proof = selectors.consistency_proof(old_size, checkpoint.size)
            lines = "".join(base64.b64encode(element).decode() + "\n" for element in proof)
            body = f"old {old_size}\n{lines}\n{checkpoint.note}"
            try:
                status, content_type, text = _post(
                    witness.url.rstrip("/") + "/add-checkpoint", body, timeout
                )
            except OSError as error:
                status, content_type, text = 0, "", str(error)
                break
            if status == 409 and content_type == "text/x.tlog.size" and text.strip().isdigit():
                reported = int(text.strip())
                if reported <= checkpoint.size and reported != old_size:
                    old_size = reported
                    continue
            break
        outcomes.append(_outcome(checkpoint, witness, status, text))
    return outcomes


def _outcome(
    checkpoint: Checkpoint, witness: WitnessConfig, status: int, text: str
) -> WitnessOutcome:
    if status != 200:
        return WitnessOutcome(witness.key.name, status, text.strip())
    try:
        _text, verified = note.open_note(checkpoint.note + text, [witness.key])
    except note.NoteError as error:
        return WitnessOutcome(witness.key.name, status, f"bad cosignature: {error}")
    cosignature = add_cosignature(checkpoint, verified[0])
    return WitnessOutcome(witness.key.name, status, "cosigned", cosignature)


def add_cosignature(checkpoint: Checkpoint, signature: note.NoteSignature) -> Cosignature:
    """Keep a witness's verified cosignature beside the checkpoint it signs."""
    if signature.timestamp is None:
        raise errors.LedgerError(
            _("A cosignature carries a timestamp."), code="ledger_bad_cosignature"
        )
    cosignature, _created = Cosignature.objects.get_or_create(
        checkpoint=checkpoint,
        witness_name=signature.name,
        key_id=signature.key_id.hex(),
        defaults={
            "signature_line": signature.line,
            "timestamp": signature.timestamp,
        },
    )
    return cosignature


# ----- audits ---------------------------------------------------------------------------------


def audit_is_due(kind: str, *, now: datetime | None = None) -> bool:
    """Has `settings.ONEWINDOW_AUDIT_SECONDS` passed since the last run of this audit?
    The worker ticks every minute; the audits read everything, so they run less often."""
    every = float(getattr(settings, "ONEWINDOW_AUDIT_SECONDS", 3600))
    last = AuditRun.objects.filter(kind=kind).order_by("-finished_at").first()
    now = now or timezone.now()
    return last is None or (now - last.finished_at).total_seconds() >= every


def record_audit_run(
    kind: AuditKind, *, started_at: datetime, checked: int, findings: Sequence[str]
) -> AuditRun:
    """Keep the outcome of an audit run. When it found something, announce it on commit
    (`signals.audit_found_problems`: notify tells every platform admin), unless the previous
    run of this audit found the very same thing (the worker runs it every hour; one message
    per new finding is enough)."""
    with transaction.atomic():
        previous = AuditRun.objects.filter(kind=kind).order_by("-finished_at", "-pk").first()
        run = AuditRun.objects.create(
            kind=kind,
            started_at=started_at,
            finished_at=timezone.now(),
            is_clean=not findings,
            checked=checked,
            findings=list(findings),
        )
        is_new = previous is None or previous.findings[:1] != list(findings[:1])
        if findings and is_new:
            found = list(findings)
            transaction.on_commit(
                lambda: signals.audit_found_problems.send(
                    sender=AuditRun, kind=kind, findings=found
                )
            )
    return run


def record_log_audit(report: AuditReport, *, started_at: datetime | None = None) -> AuditReport:
    """Keep the outcome of `audit.audit()` (the ledger's own audit) as an audit run."""
    record_audit_run(
        AuditKind.LOG,
        started_at=started_at or timezone.now(),
        checked=report.entries,
        findings=[str(finding) for finding in report.findings],
    )
    return report
