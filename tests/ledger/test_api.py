"""The ledger's public endpoints, driven the way an auditor's client would drive them."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest
from django.test import Client

from onewindow.ledger import keys, merkle, note, services, tiles

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ledger.urls")]


def populate(count: int) -> list[services.PendingReceipt]:
    receipts = [
        services.record(
            "licence.issued",
            subject_ref=f"330106-20261123-{n:06d}",
            actor_role="approver",
            department="330106-market-regulation",
            payload={"licence": n},
        )
        for n in range(count)
    ]
    services.integrate_pending()
    return receipts


def fetch_checkpoint(client: Client) -> note.Checkpoint:
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    checkpoint, _ = note.open_checkpoint(response.content.decode(), keys.verifier())
    return checkpoint


def assert_problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    document = response.json()
    assert document["status"] == status
    assert document["type"].startswith("https://onewindow.example/problems/")
    assert field in [error["field"] for error in document.get("errors", [])]


def test_a_client_verifies_inclusion_by_index_against_the_signed_checkpoint(client: Client) -> None:
    receipts = populate(7)
    checkpoint = fetch_checkpoint(client)

    response = client.get("/ledger/api/proofs/inclusion", {"index": 4})

    assert response.status_code == 200
    body = response.json()
    proof = [base64.b64decode(element) for element in body["proof"]]
    entry = client.get("/ledger/api/entries/4").json()
    leaf = merkle.leaf_hash(entry["body"].encode())
    assert leaf == receipts[4].leaf_hash
    assert merkle.verify_inclusion(4, body["tree_size"], leaf, proof, checkpoint.root_hash)


def test_inclusion_by_leaf_hash_finds_the_entry(client: Client) -> None:
    receipts = populate(3)

    response = client.get(
        "/ledger/api/proofs/inclusion", {"leaf_hash": receipts[2].leaf_hash.hex()}
    )

    assert response.status_code == 200
    assert response.json()["index"] == 2


def test_a_client_checks_consistency_between_two_checkpoints(client: Client) -> None:
    populate(5)
    old = fetch_checkpoint(client)
    populate(9)
    new = fetch_checkpoint(client)

    response = client.get("/ledger/api/proofs/consistency", {"first": old.size, "second": new.size})

    proof = [base64.b64decode(element) for element in response.json()["proof"]]
    assert merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)


def test_the_json_checkpoint_carries_the_log_key(client: Client) -> None:
    populate(2)

    body = client.get("/ledger/api/checkpoint").json()

    assert body["size"] == 2
    assert body["log_key"] == keys.verifier().encode()
    assert body["cosignatures"] == []


def test_entries_by_range(client: Client) -> None:
    populate(5)

    response = client.get("/ledger/api/entries", {"start": 1, "end": 4})

    assert [entry["index"] for entry in response.json()] == [1, 2, 3]


@pytest.mark.parametrize(
    ("path", "query", "status", "field"),
    [
        ("/ledger/api/proofs/inclusion", {"index": 0, "tree_size": 99}, 400, "tree_size"),
        ("/ledger/api/proofs/inclusion", {"index": 99}, 404, "index"),
        ("/ledger/api/proofs/inclusion", {"leaf_hash": "zz"}, 400, "leaf_hash"),
        ("/ledger/api/proofs/inclusion", {"leaf_hash": "00" * 32}, 404, "leaf_hash"),
        ("/ledger/api/proofs/inclusion", {"index": "two"}, 400, "index"),
        ("/ledger/api/proofs/consistency", {"first": 3, "second": 2}, 400, "first"),
        ("/ledger/api/proofs/consistency", {"first": 1, "second": 50}, 400, "second"),
        ("/ledger/api/proofs/consistency", {"first": 1}, 400, "second"),
        ("/ledger/api/entries", {"start": 0, "end": 50}, 400, "end"),
        ("/ledger/api/entries", {"start": 3, "end": 1}, 400, "end"),
    ],
)
def test_bad_requests_are_problems_naming_the_field(
    client: Client, path: str, query: dict[str, Any], status: int, field: str
) -> None:
    populate(3)

    assert_problem(client.get(path, query), status, field)


def test_a_pending_entry_has_no_proof_yet(client: Client) -> None:
    populate(1)
    services.record(
        "licence.revoked", subject_ref="330106-x", actor_role="approver", department="d", payload={}
    )

    assert_problem(client.get("/ledger/api/proofs/inclusion", {"index": 1}), 400, "index")


def test_the_receipt_endpoint_serves_an_offline_receipt(client: Client) -> None:
    populate(3)

    body = client.get("/ledger/api/receipts/1").json()

    assert body["index"] == 1
    assert body["tree_size"] == 3


def test_tiles_serve_the_tree_so_a_client_can_recompute_the_root(client: Client) -> None:
    receipts = populate(300)
    checkpoint = fetch_checkpoint(client)

    full = client.get("/ledger/tile/0/000")
    partial = client.get("/ledger/tile/0/001.p/44")
    upper = client.get("/ledger/tile/1/000.p/1")
    bundle = client.get("/ledger/tile/entries/001.p/44")

    assert full.status_code == partial.status_code == upper.status_code == 200
    leaves = [full.content[i : i + 32] for i in range(0, len(full.content), 32)]
    leaves += [partial.content[i : i + 32] for i in range(0, len(partial.content), 32)]
    assert leaves == [r.leaf_hash for r in receipts]
    assert upper.content == merkle.root_from_leaf_hashes(leaves[:256])
    assert merkle.root_from_leaf_hashes(leaves) == checkpoint.root_hash
    (length,) = struct.unpack(">H", bundle.content[:2])
    assert merkle.leaf_hash(bundle.content[2 : 2 + length]) == receipts[256].leaf_hash
    assert client.get("/ledger/tile/0/001").status_code == 404
    assert client.get("/ledger/tile/0/001.p/45").status_code == 404
    assert client.get("/ledger/tile/0/1").status_code == 404


def test_tile_paths_follow_the_c2sp_encoding() -> None:
    assert tiles.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tiles.tile_path(2, 5, 17) == "tile/2/005.p/17"
    assert tiles.tile_path("entries", 0, 1) == "tile/entries/000.p/1"
    assert list(tiles.tiles_for_size(256)) == [(0, 0, 256), (1, 0, 1)]
    assert sum(1 for _ in tiles.tiles_for_size(70_000)) == 273 + 1 + 1 + 1 + 1


def test_every_ledger_api_route_is_in_its_openapi_document(client: Client) -> None:
    document = client.get("/ledger/api/openapi.json").json()

    assert set(document["paths"]) == {
        "/ledger/api/checkpoint",
        "/ledger/api/entries",
        "/ledger/api/entries/{index}",
        "/ledger/api/search",
        "/ledger/api/proofs/inclusion",
        "/ledger/api/proofs/consistency",
        "/ledger/api/receipts/{index}",
    }
