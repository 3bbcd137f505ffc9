"""`ledger audit` against someone who edits the database directly, as an attacker would."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from onewindow.ledger import audit, keys, merkle, note, services
from onewindow.ledger.models import (
    AuditKind,
    AuditRun,
    Checkpoint,
    Cosignature,
    LedgerEntry,
    TreeHead,
    TreeNode,
)
from tests.ledger.test_witness import start_witness

pytestmark = pytest.mark.django_db


def record(count: int, *, start: int = 0) -> None:
    for number in range(start, start + count):
        services.record(
            "application.approved",
            subject_ref=f"330106-20261202-{number:06d}",
            actor_role="approver",
            department="330106-AMR",
            payload={"step": number},
        )


def log_in_batches(*sizes: int) -> None:
    """Record and integrate in batches, so the log has a checkpoint after each."""
    done = 0
    for size in sizes:
        record(size, start=done)
        services.integrate_pending()
        done += size


def findings_text(report: audit.AuditReport) -> str:
    return "\n".join(str(finding) for finding in report.findings)


def test_an_intact_log_with_pending_entries_passes_and_counts_what_it_rebuilt() -> None:
    log_in_batches(5, 8, 1, 30)
    record(3, start=44)  # recorded, not yet integrated

    report = audit.audit(batch=16)  # batches smaller than the log: subtrees cross them

    assert report.is_clean, findings_text(report)
    assert (report.entries, report.tree_size, report.checkpoints) == (47, 44, 4)


def test_a_rolled_back_tree_head_does_not_hide_an_entry_edited_beyond_it() -> None:
    log_in_batches(600, 137)  # a signed checkpoint of 737
    TreeHead.objects.filter(pk=1).update(size=700)
    edited = LedgerEntry.objects.get(index=720)
    LedgerEntry.objects.filter(index=720).update(body=edited.body.replace("approver", "clerk"))

    report = audit.audit()

    assert any(finding.index == 720 for finding in report.findings), findings_text(report)
    assert "rolled back" in findings_text(report)
    assert report.tree_size == 737
    with pytest.raises(CommandError, match="tree head says 700"):
        call_command("ledger", "audit")


def test_a_corrupted_signature_in_a_stored_checkpoint_names_the_checkpoint() -> None:
    log_in_batches(4, 4)
    stored = Checkpoint.objects.get(size=4)
    signature_line = stored.note.splitlines()[-1]
    name, signature = signature_line.removeprefix("— ").split(" ")
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 0x01
    corrupted = f"— {name} {base64.b64encode(bytes(raw)).decode()}"
    Checkpoint.objects.filter(pk=stored.pk).update(
        note=stored.note.replace(signature_line, corrupted)
    )

    report = audit.audit()

    assert [finding.checkpoint_size for finding in report.findings] == [4]
    assert "does not verify against the log key" in str(report.first)


def test_an_entry_rewritten_with_its_leaf_hash_and_tree_node_is_named() -> None:
    log_in_batches(40, 25)
    entry = LedgerEntry.objects.get(index=37)
    body = entry.body.replace("approver", "clerk")
    leaf = merkle.leaf_hash(body.encode())
    LedgerEntry.objects.filter(index=37).update(body=body, leaf_hash=leaf)
    TreeNode.objects.filter(level=0, index=37).update(hash=leaf)

    report = audit.audit()

    first = report.first
    assert first is not None, "the rewrite went unnoticed"
    assert first.index is not None
    assert first.last_index is not None
    # The stored subtree of two leaves holding it is the narrowest evidence left.
    assert first.index <= 37 <= first.last_index
    assert first.last_index - first.index <= 1
    assert "(1, 18)" in first.reason


def test_the_last_entry_rewritten_with_its_hashes_is_named_by_the_signed_root() -> None:
    log_in_batches(6, 3)  # size 9: entry 8 is covered by no stored subtree of two leaves
    entry = LedgerEntry.objects.get(index=8)
    body = entry.body.replace("approver", "clerk")
    leaf = merkle.leaf_hash(body.encode())
    LedgerEntry.objects.filter(index=8).update(body=body, leaf_hash=leaf)
    TreeNode.objects.filter(level=0, index=8).update(hash=leaf)

    report = audit.audit()

    first = report.first
    assert first is not None
    assert (first.index, first.last_index, first.checkpoint_size) == (6, 8, 9)


def test_a_deleted_entry_is_named() -> None:
    log_in_batches(10, 10)
    LedgerEntry.objects.filter(index=13).delete()

    report = audit.audit()

    assert report.first is not None
    assert (report.first.index, report.first.reason) == (13, "the entry is missing")


def test_a_deleted_pending_entry_at_the_end_is_named() -> None:
    log_in_batches(10)
    record(3, start=10)
    LedgerEntry.objects.filter(index=12).delete()

    report = audit.audit()

    assert report.first is not None
    assert (report.first.index, report.first.reason) == (12, "the entry is missing")


def test_two_entries_swapped_in_order_are_named() -> None:
    log_in_batches(12)
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    column = connection.ops.quote_name("index")
    with connection.cursor() as cursor:  # raw SQL, as someone at the database would
        cursor.execute(f"UPDATE {table} SET {column} = -1 WHERE {column} = 3")  # noqa: S608
        cursor.execute(f"UPDATE {table} SET {column} = 3 WHERE {column} = 9")  # noqa: S608
        cursor.execute(f"UPDATE {table} SET {column} = 9 WHERE {column} = -1")  # noqa: S608

    report = audit.audit()

    named = [finding.index for finding in report.findings]
    assert named[:2] == [3, 9], findings_text(report)


def test_a_checkpoint_replaced_by_one_signed_with_another_key_is_named() -> None:
    log_in_batches(5, 5)
    forged_root = merkle.root_from_leaf_hashes([merkle.leaf_hash(b"forged")] * 5)
    impostor = note.Signer.from_seed(keys.origin(), b"\x07" * 32)
    text = note.Checkpoint(keys.origin(), 5, forged_root).text()
    Checkpoint.objects.filter(size=5).update(
        root_hash=forged_root, note=note.sign_note(text, [impostor])
    )

    report = audit.audit()

    assert [finding.checkpoint_size for finding in report.findings] == [5]
    assert "does not verify" in str(report.first)


def test_a_checkpoint_whose_stored_root_differs_from_its_note_is_named() -> None:
    log_in_batches(5, 5)
    Checkpoint.objects.filter(size=10).update(root_hash=b"\x00" * 32)

    report = audit.audit()

    assert report.first is not None
    assert report.first.checkpoint_size == 10
    assert "differs from its signed note" in report.first.reason


def test_a_corrupted_cosignature_on_the_latest_cosigned_checkpoint_is_named() -> None:
    log_in_batches(6)
    signer = note.Signer.from_seed("witness.example", b"\x05" * 32, note.COSIGNATURE_V1)
    checkpoint = Checkpoint.objects.get(size=6)
    opened, _ = note.open_note(checkpoint.note, [keys.verifier()])
    line = signer.signature_line(opened.text, timestamp=1_700_000_000)
    _, verified = note.open_note(checkpoint.note + line, [signer.verifier])
    services.add_cosignature(checkpoint, verified[0])
    configured = [{"url": "http://127.0.0.1:9/", "key": signer.verifier.encode()}]
    with override_settings(LEDGER_WITNESSES=configured):
        assert audit.audit().is_clean
        assert audit.audit().cosignatures == 1
        cosignature = Cosignature.objects.get()
        raw = bytearray(base64.b64decode(cosignature.signature_line.split(" ")[-1]))
        raw[-1] ^= 0x01
        broken = " ".join(
            [*cosignature.signature_line.split(" ")[:-1], base64.b64encode(bytes(raw)).decode()]
        )
        Cosignature.objects.filter(pk=cosignature.pk).update(signature_line=broken + "\n")

        report = audit.audit()

    assert report.first is not None
    assert report.first.checkpoint_size == 6
    assert "cosignature of witness.example" in report.first.reason


def test_the_audit_command_reports_a_clean_run_and_keeps_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_in_batches(3, 4)

    call_command("ledger", "audit")

    assert "intact: 7 entries rebuild the tree of 7; 2 checkpoints" in capsys.readouterr().out
    run = AuditRun.objects.get()
    assert (run.kind, run.is_clean, run.checked) == (AuditKind.LOG, True, 7)


def test_a_rewrite_hidden_by_removing_later_checkpoints_is_caught_by_the_witness(
    tmp_path: Path,
) -> None:
    log_in_batches(4)
    running = start_witness("auditor.example/w1", 1, tmp_path / "witness")
    witness = next(running)
    try:
        log_in_batches(4, 4)  # checkpoints of 4, 8 and 12; the witness cosigns 12
        assert [o.status for o in services.request_cosignatures(witnesses=[witness.config])] == [
            200
        ]
        configured = [{"url": witness.url, "key": witness.config.key.encode()}]
        with override_settings(LEDGER_WITNESSES=configured):
            clean = audit.audit()
            assert clean.is_clean, findings_text(clean)
            assert clean.witnessed == 1
            # Rewrite entry 6 with every stored hash up to the root, and remove the
            # checkpoints (and the cosignature) that would tell.
            _rewrite_with_every_hash(6, size=12)
            Cosignature.objects.all().delete()
            Checkpoint.objects.filter(size__gt=4).delete()
            TreeHead.objects.update(size=12, root_hash=_stored_root(12))
            Checkpoint.objects.create(
                size=12,
                root_hash=_stored_root(12),
                note=Checkpoint.objects.get(size=4).note,  # the attacker has no signing key
            )

            report = audit.audit()
    finally:
        running.close()

    text = findings_text(report)
    assert "checkpoint 12: the stored size or root differs from its signed note" in text
    assert "checkpoint 12: the entries do not make the root auditor.example/w1 cosigned" in text


def _stored_root(size: int) -> bytes:
    hashes = dict(
        ((level, index), bytes(value))
        for level, index, value in TreeNode.objects.values_list("level", "index", "hash")
    )
    return merkle.root_hash(size, lambda coordinates: hashes)


def _rewrite_with_every_hash(index: int, *, size: int) -> None:
    """Rewrite an entry and every stored subtree hash above it, as a careful attacker would."""
    entry = LedgerEntry.objects.get(index=index)
    body = entry.body.replace("approver", "clerk")
    LedgerEntry.objects.filter(index=index).update(
        body=body, leaf_hash=merkle.leaf_hash(body.encode())
    )
    leaves = [
        merkle.leaf_hash(body.encode())
        for body in LedgerEntry.objects.filter(index__lt=size)
        .order_by("index")
        .values_list("body", flat=True)
    ]
    tree = merkle.MemoryTree()
    tree.append(leaves)
    for (level, position), value in tree.hashes.items():
        TreeNode.objects.filter(level=level, index=position).update(hash=value)
