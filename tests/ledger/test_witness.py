"""Witnesses cosign consistent checkpoints over real HTTP on loopback, and expose a fork."""

from __future__ import annotations

import base64
import threading
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onewindow.ledger import keys, merkle, note, selectors, services, verify, witness
from onewindow.ledger.models import Checkpoint, Cosignature

pytestmark = pytest.mark.django_db


@dataclass
class RunningWitness:
    witness: witness.Witness
    url: str

    @property
    def config(self) -> services.WitnessConfig:
        return services.WitnessConfig(self.url, self.witness.signer.verifier)

    def latest_note(self) -> str:
        origin = keys.origin().replace("/", "%2F")
        with urllib.request.urlopen(f"{self.url}/latest/{origin}", timeout=5) as response:  # noqa: S310
            return str(response.read().decode())


def start_witness(name: str, seed: int, state: Path) -> Generator[RunningWitness, None, None]:
    signer = note.Signer.from_seed(name, bytes([seed]) * 32, note.COSIGNATURE_V1)
    instance = witness.Witness(signer, [keys.verifier()], state)
    server = ThreadingHTTPServer(("127.0.0.1", 0), witness.make_handler(instance))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RunningWitness(instance, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def auditor(tmp_path: Path) -> Iterator[RunningWitness]:
    yield from start_witness("auditor.example/w1", 1, tmp_path / "auditor")


@pytest.fixture
def region(tmp_path: Path) -> Iterator[RunningWitness]:
    yield from start_witness("region-b.example/w1", 2, tmp_path / "region")


def grow(count: int, start: int) -> Checkpoint:
    for n in range(start, start + count):
        services.record(
            "permission.changed",
            subject_ref=f"ROLE-{n:05d}",
            actor_role="platform-admin",
            department="330000-data-bureau",
            payload={"grant": n},
        )
    return services.integrate_pending()


def add_checkpoint(url: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(f"{url}/add-checkpoint", data=body.encode(), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_witnesses_cosign_and_the_checkpoint_carries_a_quorum(
    auditor: RunningWitness, region: RunningWitness
) -> None:
    grow(4, 0)
    first = services.request_cosignatures(witnesses=[auditor.config, region.config])
    grow(5, 4)

    second = services.request_cosignatures(witnesses=[auditor.config, region.config])

    assert [o.status for o in first + second] == [200, 200, 200, 200]
    latest = selectors.latest_checkpoint()
    assert latest is not None
    assert latest.cosignatures.count() == 2
    receipt = selectors.receipt(6)
    trust = verify.Trust(
        keys.verifier(),
        (auditor.witness.signer.verifier, region.witness.signer.verifier),
        quorum=2,
    )
    assert verify.check_receipt(receipt, trust) == 6
    with pytest.raises(verify.VerificationError, match="2 of the 3"):
        verify.check_receipt(receipt, verify.Trust(trust.log, trust.witnesses, quorum=3))


def test_a_stale_old_size_gets_409_with_the_witness_size(auditor: RunningWitness) -> None:
    checkpoint = grow(3, 0)
    services.request_cosignatures(witnesses=[auditor.config])

    status, body = add_checkpoint(auditor.url, f"old 0\n\n{checkpoint.note}")

    assert (status, body) == (409, "3\n")


def test_the_log_catches_up_a_witness_it_lost_track_of(auditor: RunningWitness) -> None:
    grow(3, 0)
    services.request_cosignatures(witnesses=[auditor.config])
    Cosignature.objects.all().delete()  # the log forgot; the witness did not
    grow(4, 3)

    outcome = services.request_cosignatures(witnesses=[auditor.config])

    assert outcome[0].status == 200


def test_unknown_logs_bad_signatures_and_bad_proofs_are_refused(
    auditor: RunningWitness,
) -> None:
    checkpoint = grow(4, 0)
    stranger = note.Signer.from_seed("elsewhere.example/log", bytes(32))
    foreign = note.sign_note(
        note.Checkpoint("elsewhere.example/log", 1, bytes(32)).text(), [stranger]
    )
    impostor = note.Signer.from_seed(keys.origin(), bytes(32))
    forged = note.sign_note(note.Checkpoint(keys.origin(), 1, bytes(32)).text(), [impostor])

    assert add_checkpoint(auditor.url, f"old 0\n\n{foreign}")[0] == 404
    assert add_checkpoint(auditor.url, f"old 0\n\n{forged}")[0] == 403
    assert add_checkpoint(auditor.url, f"old 5\n\n{checkpoint.note}")[0] == 400
    assert add_checkpoint(auditor.url, f"new 0\n\n{checkpoint.note}")[0] == 400
    bogus_proof = base64.b64encode(bytes(32)).decode()
    assert add_checkpoint(auditor.url, f"old 0\n{bogus_proof}\n\n{checkpoint.note}")[0] == 422


def test_a_fork_shown_to_one_of_two_witnesses_is_detected(
    auditor: RunningWitness,
    region: RunningWitness,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Both witnesses see the honest log at size 4.
    grow(4, 0)
    services.request_cosignatures(witnesses=[auditor.config, region.config])
    honest_leaves = [merkle.leaf_hash(e.body.encode()) for e in selectors.entries_range(0, 4)]
    # The honest log grows to 8 and the auditor cosigns that.
    grow(4, 4)
    services.request_cosignatures(witnesses=[auditor.config])
    # The operator shows region B a different size-8 tree, signed with the same log key.
    fork = merkle.MemoryTree()
    fork.append(honest_leaves + [merkle.leaf_hash(b"rewritten %d" % n) for n in range(4)])
    forked_note = note.sign_note(
        note.Checkpoint(keys.origin(), 8, fork.root).text(), [keys.signer()]
    )
    proof = merkle.consistency_proof(4, 8, fork.read)
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    assert add_checkpoint(region.url, f"old 4\n{lines}\n{forked_note}")[0] == 200

    # A monitor compares what the two witnesses cosigned.
    (tmp_path / "auditor.ckpt").write_text(auditor.latest_note())
    (tmp_path / "region.ckpt").write_text(region.latest_note())
    exit_code = verify.main(
        [
            "--log-key",
            keys.verifier().encode(),
            "fork",
            str(tmp_path / "auditor.ckpt"),
            str(tmp_path / "region.ckpt"),
        ]
    )
    assert exit_code == 1
    assert "fork: the log signed two different trees of size 8" in capsys.readouterr().err

    # And when the operator goes back to the honest tree, region B refuses and keeps evidence.
    grow(4, 8)
    outcome = services.request_cosignatures(witnesses=[region.config])
    assert outcome[0].status == 422
    refused = list((region.witness.state / keys.origin().replace("/", "%2F") / "refused").iterdir())
    assert len(refused) == 1


@pytest.mark.urls("tests.ledger.urls")
def test_with_a_quorum_required_only_cosigned_checkpoints_are_published(
    auditor: RunningWitness, settings: Any, client: Client
) -> None:
    settings.LEDGER_WITNESS_QUORUM = 1
    grow(3, 0)
    assert selectors.published_checkpoint() is None
    assert client.get("/ledger/checkpoint").status_code == 404

    services.request_cosignatures(witnesses=[auditor.config])
    grow(2, 3)

    published = client.get("/ledger/checkpoint").content.decode()
    opened, cosigned = note.open_note(published, [auditor.witness.signer.verifier])
    assert note.Checkpoint.parse(opened.text).size == 3
    assert cosigned[0].name == "auditor.example/w1"
    assert client.get("/ledger/api/receipts/4").status_code == 409
    assert client.get("/ledger/api/receipts/2").json()["tree_size"] == 3
    proof = client.get("/ledger/api/proofs/inclusion", {"index": 2}).json()
    assert proof["tree_size"] == 3  # against the published checkpoint, not the newer tree


def test_the_witness_command_creates_its_key_and_prints_the_verifier_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "w1.key"

    assert witness.main(["key", "--name", "auditor.example/w1", "--key-file", str(key_file)]) == 0
    printed = capsys.readouterr().out.strip()
    assert witness.main(["key", "--name", "auditor.example/w1", "--key-file", str(key_file)]) == 0

    assert capsys.readouterr().out.strip() == printed
    assert note.Verifier.parse(printed).signature_type == note.COSIGNATURE_V1
    assert key_file.stat().st_mode & 0o777 == 0o600
