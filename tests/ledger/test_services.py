"""Recording events, integrating them into signed checkpoints, and proving what was recorded."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from hypothesis import example, given, settings
from hypothesis import strategies as st

from onewindow.ledger import audit, errors, keys, merkle, note, selectors, services
from onewindow.ledger.models import LedgerEntry, TreeNode

pytestmark = pytest.mark.django_db


def record_decision(
    number: int, *, subject_ref: str = "", payload: Mapping[str, Any] | None = None
) -> services.PendingReceipt:
    return services.record(
        "application.decided",
        subject_ref=subject_ref or f"330106-20261123-{number:06d}",
        actor_role="approver",
        department="330106-market-regulation",
        payload={"decision": "approved", "step": number} if payload is None else payload,
    )


def open_latest() -> note.Checkpoint:
    latest = selectors.latest_checkpoint()
    assert latest is not None
    checkpoint, _ = note.open_checkpoint(latest.note, keys.verifier())
    return checkpoint


def test_record_returns_consecutive_indexes_at_once() -> None:
    first = record_decision(1)
    second = record_decision(2)

    assert (first.index, second.index) == (0, 1)
    assert first.leaf_hash == merkle.leaf_hash(first.body.encode())
    assert selectors.tree_size() == 0  # recorded, not yet integrated


def test_the_body_is_canonical_json_with_only_a_digest_of_the_payload() -> None:
    receipt = record_decision(1, payload={"b": "二", "a": 1})

    body = json.loads(receipt.body)
    assert receipt.body == json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert body["payload_sha256"] == hashlib.sha256(b'{"a":1,"b":"\xe4\xba\x8c"}').hexdigest()
    assert set(body) == {"v", "event", "ref", "role", "department", "time", "payload_sha256"}
    assert "二" not in receipt.body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"payload": {"id_number": "x"}}, "payload.id_number"),
        ({"payload": {"applicant": {"mobile": "x"}}}, "payload.applicant.mobile"),
        ({"payload": {"Name": "x"}}, "payload.Name"),
        ({"payload": {"applicant": "33010619900101123X"}}, "payload.applicant"),
        ({"payload": {"contacts": ["tel 13912345678"]}}, "payload.contacts.0"),
        ({"subject_ref": "33010619900101123X"}, "subject_ref"),
        ({"subject_ref": "tel-13912345678"}, "subject_ref"),
    ],
)
def test_personal_data_is_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(errors.PersonalDataRefused) as refused:
        record_decision(1, **overrides)

    assert refused.value.code == "ledger_personal_data"
    assert refused.value.field == field
    assert not LedgerEntry.objects.exists()


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=64))
@example(b"150")  # its SHA-256 holds "16925115707": shaped like a mobile number, but chance
def test_digests_and_nonces_are_never_mistaken_for_personal_data(data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    # One digest in a few hundred holds a digit run shaped like a mobile number: not a number.
    services._refuse_personal_data({"request_sha256": digest, "ref": f"exchange:{digest[:32]}"})
    with pytest.raises(errors.PersonalDataRefused):
        services._refuse_personal_data({"note": f"{digest[:8]} tel 13912345678"})


@settings(max_examples=300, deadline=None)
@given(st.uuids())
@example(uuid.UUID("c2c93808-a83a-4544-88f8-15490218573c"))  # ends in "15490218573": chance
def test_row_identifiers_are_never_mistaken_for_personal_data(row_id: uuid.UUID) -> None:
    # About one random UUID in 4,000 ends in a digit run shaped like a mobile number.
    services._refuse_personal_data({"credential": str(row_id), "ref": f"credential:{row_id}"})
    with pytest.raises(errors.PersonalDataRefused):
        services._refuse_personal_data({"note": f"{row_id} tel 13912345678"})


def test_a_payload_that_is_not_json_is_refused() -> None:
    with pytest.raises(errors.LedgerError) as refused:
        record_decision(1, payload={"when": object()})

    assert refused.value.field == "payload"


def test_integration_publishes_a_signed_checkpoint_over_the_rfc_root() -> None:
    receipts = [record_decision(n) for n in range(5)]

    checkpoint = services.integrate_pending()

    opened = open_latest()
    assert checkpoint.size == opened.size == 5
    assert opened.origin == keys.origin() == "onewindow.example/ledger"
    assert opened.root_hash == merkle.root_from_leaf_hashes([r.leaf_hash for r in receipts])


def test_integration_in_batches_stores_hashes_so_proofs_never_rehash() -> None:
    receipts = [record_decision(n) for n in range(11)]
    services.integrate_pending(max_batch=4)
    services.integrate_pending(max_batch=4)
    old = open_latest()
    services.integrate_pending(max_batch=4)
    new = open_latest()

    assert (old.size, new.size) == (8, 11)
    assert TreeNode.objects.count() == 11 + 5 + 2 + 1  # every complete subtree of 11 leaves
    for receipt in receipts:
        size, proof = selectors.inclusion_proof(receipt.index)
        assert merkle.verify_inclusion(receipt.index, size, receipt.leaf_hash, proof, new.root_hash)
    proof = selectors.consistency_proof(old.size, new.size)
    assert merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)


def test_integrating_with_nothing_pending_returns_the_latest_checkpoint() -> None:
    empty = services.integrate_pending()
    record_decision(1)
    first = services.integrate_pending()

    again = services.integrate_pending()

    assert empty.size == 0
    assert again.pk == first.pk


def test_wait_for_inclusion_returns_the_covering_checkpoint() -> None:
    receipt = record_decision(1)
    with pytest.raises(errors.NotYetIntegrated):
        services.wait_for_inclusion(receipt.index, timeout=0)

    checkpoint = services.wait_for_inclusion(receipt.index, timeout=1, integrate=True)

    assert checkpoint.size == 1


def test_proofs_for_sizes_beyond_the_tree_name_the_field() -> None:
    record_decision(1)
    services.integrate_pending()

    with pytest.raises(errors.TreeSizeOutOfRange) as beyond:
        selectors.inclusion_proof(0, size=2)
    assert beyond.value.field == "tree_size"
    with pytest.raises(errors.TreeSizeOutOfRange) as index:
        selectors.inclusion_proof(1)
    assert index.value.field == "index"
    with pytest.raises(errors.TreeSizeOutOfRange) as order:
        selectors.consistency_proof(1, 0)
    assert order.value.field == "first"


def test_a_tampered_leaf_no_longer_verifies_against_the_signed_checkpoint() -> None:
    receipts = [record_decision(n) for n in range(6)]
    services.integrate_pending()
    signed = open_latest()
    # Someone with database access rewrites a decision after it was checkpointed.
    entry = LedgerEntry.objects.get(index=3)
    entry.body = entry.body.replace("approver", "clerk")
    entry.save()

    served = selectors.entry_at(3)
    size, proof = selectors.inclusion_proof(3)
    recomputed_leaf = merkle.leaf_hash(served.body.encode())

    assert not merkle.verify_inclusion(3, size, recomputed_leaf, proof, signed.root_hash)
    assert merkle.verify_inclusion(3, size, receipts[3].leaf_hash, proof, signed.root_hash)
    finding = audit.audit().first
    assert finding is not None
    assert finding.index == 3


def test_rewriting_a_leaf_with_its_leaf_hash_and_node_is_caught_by_the_stored_subtree() -> None:
    for n in range(4):
        record_decision(n)
    services.integrate_pending()
    for n in range(4, 8):
        record_decision(n)
    services.integrate_pending()
    entry = LedgerEntry.objects.get(index=5)
    entry.body = entry.body.replace("approver", "clerk")
    entry.leaf_hash = merkle.leaf_hash(entry.body.encode())
    entry.save()
    TreeNode.objects.filter(level=0, index=5).update(hash=entry.leaf_hash)

    finding = audit.audit().first

    # The stored subtree hash over entries 4 and 5 was made from the original entry.
    assert finding is not None
    assert (finding.index, finding.last_index) == (4, 5)
    assert "(1, 2)" in finding.reason


def test_an_intact_log_passes_the_audit() -> None:
    for n in range(9):
        record_decision(n)
        services.integrate_pending()

    assert audit.audit().is_clean


def test_the_receipt_carries_everything_needed_to_verify_offline() -> None:
    receipt = record_decision(1)
    services.integrate_pending()

    document = selectors.receipt(receipt.index)

    checkpoint, _ = note.open_checkpoint(
        document["checkpoint"], note.Verifier.parse(document["log_key"])
    )
    proof = [base64.b64decode(h) for h in document["inclusion_proof"]]
    leaf = merkle.leaf_hash(document["entry"].encode())
    assert merkle.verify_inclusion(
        document["index"], checkpoint.size, leaf, proof, checkpoint.root_hash
    )


@pytest.mark.django_db(transaction=True)
def test_two_integrators_at_once_publish_one_consistent_history() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memory"):
        pytest.skip("in-memory SQLite cannot share a database between threads")
    for n in range(40):
        record_decision(n)
    failures: list[BaseException] = []

    def integrate() -> None:
        try:
            for _ in range(5):
                services.integrate_pending(max_batch=3)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=integrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert selectors.tree_size() == 30
    assert audit.audit().is_clean


def test_the_integrate_and_key_commands(capsys: pytest.CaptureFixture[str]) -> None:
    record_decision(1)
    record_decision(2)

    call_command("ledger", "integrate", "--max-batch", "1")
    call_command("ledger", "integrate")
    call_command("ledger", "key")

    assert capsys.readouterr().out.splitlines() == [
        "checkpoint 1",
        "checkpoint 2",
        keys.verifier().encode(),
    ]


def test_ledger_migrations_are_up_to_date() -> None:
    # The suite runs with --nomigrations; this check reads the real migration modules.
    with override_settings(MIGRATION_MODULES={}):
        call_command(
            "makemigrations", "ledger", "--check", "--dry-run", skip_checks=True, verbosity=0
        )


def test_a_rolled_back_use_case_leaves_no_gap_in_the_indexes() -> None:
    def refused_use_case() -> None:
        with transaction.atomic():
            record_decision(1)
            raise errors.LedgerError("the decision is withdrawn")

    with pytest.raises(errors.LedgerError):
        refused_use_case()

    assert record_decision(2).index == 0
    assert services.integrate_pending().size == 1


def decision_event(number: int, **payload: Any) -> services.Event:
    return services.Event(
        "application.decided",
        f"330106-20261123-{number:06d}",
        "approver",
        "330106-market-regulation",
        payload or {"decision": "approved", "step": number},
    )


def test_recording_many_at_once_takes_consecutive_indexes_after_single_records() -> None:
    single = record_decision(0)

    many = services.record_many([decision_event(n) for n in range(1, 8)])
    after = record_decision(8)

    assert [receipt.index for receipt in many] == list(range(1, 8))
    assert after.index == 8
    stored = dict(LedgerEntry.objects.values_list("index", "body"))
    assert [stored[receipt.index] for receipt in many] == [receipt.body for receipt in many]
    for receipt in many:
        assert receipt.leaf_hash == merkle.leaf_hash(receipt.body.encode())
    checkpoint = services.integrate_pending()
    leaves = [single.leaf_hash, *(receipt.leaf_hash for receipt in many), after.leaf_hash]
    assert bytes(checkpoint.root_hash) == merkle.root_from_leaf_hashes(leaves)


def test_recording_many_as_the_first_events_ever_starts_at_zero() -> None:
    assert [receipt.index for receipt in services.record_many([decision_event(1)] * 3)] == [
        0,
        1,
        2,
    ]
    assert services.record_many([]) == []


def test_one_refused_event_among_many_writes_none_of_them() -> None:
    events = [decision_event(1), decision_event(2, mobile="13912345678"), decision_event(3)]

    with pytest.raises(errors.PersonalDataRefused):
        services.record_many(events)

    assert not LedgerEntry.objects.exists()
    assert record_decision(4).index == 0


def test_recording_more_events_than_one_statement_holds_keeps_them_in_order() -> None:
    count = services.ROWS_PER_STATEMENT * 2 + 1

    many = services.record_many([decision_event(n) for n in range(count)])

    assert [receipt.index for receipt in many] == list(range(count))
    stored = dict(LedgerEntry.objects.values_list("index", "subject_ref"))
    assert [stored[n] for n in range(count)] == [f"330106-20261123-{n:06d}" for n in range(count)]
