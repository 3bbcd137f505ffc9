"""`onewindow-verify` checks what the server hands out, and names what was tampered with."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.ledger import keys, merkle, note, selectors, services, verify
from onewindow.ledger.models import Checkpoint, LedgerEntry, TreeNode

pytestmark = pytest.mark.django_db


def record(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        services.record(
            "data.accessed",
            subject_ref=f"330106-20261123-{n:06d}",
            actor_role="data-steward",
            department="330106-civil-affairs",
            payload={"purpose": "benefit-check", "n": n},
        )


def trust() -> verify.Trust:
    return verify.Trust(keys.verifier())


def run_cli(*arguments: str) -> int:
    return verify.main(["--log-key", keys.verifier().encode(), *arguments])


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[(bit // 8) % len(value)] ^= 1 << (bit % 8)
    return bytes(changed)


def test_the_verifier_and_the_witness_import_no_django() -> None:
    source = Path(verify.__file__).resolve().parents[2]
    code = (
        "import sys; import onewindow.ledger.verify, onewindow.ledger.witness; "
        "sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(source)}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run([sys.executable, "-c", code], env=env, check=False)  # noqa: S603

    assert result.returncode == 0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=5),
    data=st.data(),
)
def test_every_proof_the_server_makes_verifies_and_a_flipped_bit_fails(
    batches: list[int], data: st.DataObject
) -> None:
    with transaction.atomic():
        signed: list[str] = []
        total = 0
        for batch in batches:
            record(batch, total)
            total += batch
            signed.append(services.integrate_pending().note)
        index = data.draw(st.integers(min_value=0, max_value=total - 1))
        receipt = selectors.receipt(index)
        old_note = data.draw(st.sampled_from(signed))
        old = verify.open_checkpoint(old_note, trust())
        new = verify.open_checkpoint(signed[-1], trust())
        proof = selectors.consistency_proof(old.size, new.size)
        bit = data.draw(st.integers(min_value=0, max_value=255))

        assert verify.check_receipt(receipt, trust()) == index
        verify.check_consistency(old, new, proof)
        proof_hashes = [base64.b64decode(h) for h in receipt["inclusion_proof"]]
        if proof_hashes:
            position = bit % len(proof_hashes)
            proof_hashes[position] = flip(proof_hashes[position], bit)
            tampered = {
                **receipt,
                "inclusion_proof": [base64.b64encode(h).decode() for h in proof_hashes],
            }
            with pytest.raises(verify.VerificationError, match=f"entry {index}"):
                verify.check_receipt(tampered, trust())
        entry = json.loads(receipt["entry"])
        entry["payload_sha256"] = flip(bytes.fromhex(entry["payload_sha256"]), bit).hex()
        altered = {**receipt, "entry": services.canonical_json(entry).decode()}
        with pytest.raises(verify.VerificationError, match=f"entry {index}"):
            verify.check_receipt(altered, trust())
        if proof:
            bent = [flip(proof[0], bit), *proof[1:]]
            with pytest.raises(verify.VerificationError, match="does not extend"):
                verify.check_consistency(old, new, bent)
        wrong_root = note.Checkpoint(new.origin, new.size, flip(new.root_hash, bit))
        if new.size > old.size:
            with pytest.raises(verify.VerificationError):
                verify.check_consistency(old, wrong_root, proof)
        transaction.set_rollback(True)


def test_the_cli_verifies_a_receipt_and_names_a_rewritten_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(6)
    services.integrate_pending()
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(selectors.receipt(2)))

    assert run_cli("receipt", str(receipt_file), "--ref", "330106-20261123-000002") == 0
    assert "entry 2 OK" in capsys.readouterr().out

    document = json.loads(receipt_file.read_text())
    document["entry"] = document["entry"].replace("data-steward", "clerk")
    receipt_file.write_text(json.dumps(document))
    assert run_cli("receipt", str(receipt_file)) == 1
    assert "FAILED entry 2: not included" in capsys.readouterr().err


def test_the_cli_checks_a_checkpoint_and_its_consistency_with_an_earlier_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(3)
    old = services.integrate_pending()
    record(10, 3)
    new = services.integrate_pending()
    (tmp_path / "old").write_text(old.note)
    (tmp_path / "new").write_text(new.note)
    proof = selectors.consistency_proof(3, 13)
    (tmp_path / "proof").write_text("".join(base64.b64encode(h).decode() + "\n" for h in proof))

    assert run_cli("checkpoint", str(tmp_path / "new")) == 0
    assert (
        run_cli(
            "checkpoint",
            str(tmp_path / "new"),
            "--previous",
            str(tmp_path / "old"),
            "--proof",
            str(tmp_path / "proof"),
        )
        == 0
    )
    assert "consistent: size 3 -> 13" in capsys.readouterr().out
    (tmp_path / "new").write_text(new.note.replace("\n13\n", "\n14\n"))
    assert run_cli("checkpoint", str(tmp_path / "new")) == 1
    assert "does not verify" in capsys.readouterr().err


def test_exported_tiles_verify_and_a_tampered_leaf_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(300)
    services.integrate_pending()
    call_command("ledger", "export-tiles", str(tmp_path / "log"))

    assert run_cli("tiles", str(tmp_path / "log")) == 0
    assert "all 300 entries match" in capsys.readouterr().out

    # A stored decision is rewritten in the database; the next export carries it.
    entry = LedgerEntry.objects.get(index=270)
    entry.body = entry.body.replace("data-steward", "clerk")
    entry.save()
    call_command("ledger", "export-tiles", str(tmp_path / "log"))
    assert run_cli("tiles", str(tmp_path / "log")) == 1
    assert "FAILED entry 270: does not match its leaf hash" in capsys.readouterr().err


def test_rewriting_entries_and_tree_together_still_fails_against_the_signed_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(10)
    services.integrate_pending()
    entry = LedgerEntry.objects.get(index=4)
    entry.body = entry.body.replace("data-steward", "clerk")
    entry.save()
    TreeNode.objects.filter(level=0, index=4).update(hash=merkle.leaf_hash(entry.body.encode()))
    call_command("ledger", "export-tiles", str(tmp_path / "log"))

    assert run_cli("tiles", str(tmp_path / "log")) == 1
    assert "do not make the root signed for size 10" in capsys.readouterr().err


def test_the_audit_command_names_the_first_altered_entry() -> None:
    record(5)
    services.integrate_pending()
    call_command("ledger", "audit")
    LedgerEntry.objects.filter(index=1).update(body="{}")

    with pytest.raises(Exception, match="entry 1: its body no longer hashes"):
        call_command("ledger", "audit")


def test_two_checkpoints_of_one_size_with_different_roots_are_a_fork(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(4)
    honest = services.integrate_pending()
    signer = keys.signer()
    forked_text = note.Checkpoint(keys.origin(), 4, merkle.leaf_hash(b"other")).text()
    (tmp_path / "a").write_text(honest.note)
    (tmp_path / "b").write_text(note.sign_note(forked_text, [signer]))

    assert run_cli("fork", str(tmp_path / "a"), str(tmp_path / "b")) == 1
    assert "two different trees of size 4" in capsys.readouterr().err
    assert Checkpoint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_cli_verifies_every_record_about_a_reference_over_http(
    live_server: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.ROOT_URLCONF = "tests.ledger.urls"
    record(4)
    record(1, 2)  # a second record about the same reference, still pending
    services.integrate_pending(max_batch=4)
    ref = "330106-20261123-000002"

    assert run_cli("ref", ref, "--url", f"{live_server.url}/ledger") == 0
    out = capsys.readouterr().out
    assert "entry 2 OK: included in the signed tree of 4" in out
    assert "entry 4: recorded, not yet in a checkpoint" in out

    # Someone moves record 2 onto another reference, body and index column both.
    moved = LedgerEntry.objects.get(index=3)
    LedgerEntry.objects.filter(index=2).update(body=moved.body, subject_ref=moved.subject_ref)
    assert run_cli("ref", "330106-20261123-000003", "--url", f"{live_server.url}/ledger") == 1
    assert "FAILED entry 2: not included" in capsys.readouterr().err


def test_exporting_again_after_growth_completes_the_tiles(tmp_path: Path) -> None:
    record(200)
    services.integrate_pending()
    call_command("ledger", "export-tiles", str(tmp_path / "log"))
    record(100, 200)
    services.integrate_pending()

    call_command("ledger", "export-tiles", str(tmp_path / "log"))

    assert (tmp_path / "log/tile/0/000").stat().st_size == 256 * 32
    assert (tmp_path / "log/tile/0/001.p/44").stat().st_size == 44 * 32
    assert (tmp_path / "log/tile/1/000.p/1").exists()
    assert verify.check_tiles(tmp_path / "log", trust()).size == 300


def test_a_malformed_log_key_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as usage:
        verify.main(["--log-key", "not-a-key", "checkpoint", "x"])

    assert usage.value.code == 2


@pytest.mark.django_db(transaction=True)
def test_tiles_and_checkpoint_verify_straight_from_the_servers_url(
    live_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    record(300)  # one full tile of 256 and a partial one
    services.integrate_pending()
    ledger = f"{live_server.url}/ledger"

    assert run_cli("tiles", ledger) == 0
    assert "all 300 entries match" in capsys.readouterr().out
    assert run_cli("checkpoint", f"{ledger}/checkpoint") == 0
    assert "checkpoint OK" in capsys.readouterr().out

    # A rewritten entry is served as it now is, and named.
    entry = LedgerEntry.objects.get(index=270)
    entry.body = entry.body.replace("data-steward", "clerk")
    entry.save()
    assert run_cli("tiles", ledger) == 1
    assert "FAILED entry 270: does not match its leaf hash" in capsys.readouterr().err
    # An address that serves no ledger fails with the reason, not a traceback.
    assert run_cli("checkpoint", f"{live_server.url}/no-ledger/checkpoint") == 1
    assert "HTTP 404" in capsys.readouterr().err
