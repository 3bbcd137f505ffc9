"""RFC 9162 Merkle proofs built from stored hashes, checked against the RFC's own recursion."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.ledger import merkle


def reference_mth(leaves: Sequence[bytes]) -> bytes:
    """MTH exactly as RFC 9162 §2.1.1 writes it."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(reference_mth(leaves[:k]), reference_mth(leaves[k:]))


def reference_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_mth(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_mth(leaves[:k])]


def reference_subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [reference_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*reference_subproof(m, leaves[:k], complete), reference_mth(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), reference_mth(leaves[:k])]


def build(size: int, batches: Sequence[int] = ()) -> tuple[list[bytes], merkle.MemoryTree]:
    leaves = [f"entry {i}".encode() for i in range(size)]
    tree = merkle.MemoryTree()
    position = 0
    for batch in [*batches, size]:
        end = min(size, position + max(batch, 1))
        tree.append([merkle.leaf_hash(leaf) for leaf in leaves[position:end]])
        position = end
        if position == size:
            break
    return leaves, tree


def flip_bit(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def test_empty_tree_root_is_hash_of_nothing() -> None:
    assert merkle.root_from_leaf_hashes([]) == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_known_vectors_from_the_certificate_transparency_test_suite() -> None:
    leaves = [
        bytes.fromhex(h)
        for h in (
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        )
    ]
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    expected = {
        1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    }
    for size, root in expected.items():
        assert merkle.root_from_leaf_hashes(hashes[:size]).hex() == root


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=300),
    batches=st.lists(st.integers(min_value=1, max_value=70), max_size=6),
)
def test_batched_appends_store_the_same_root_as_the_rfc(size: int, batches: list[int]) -> None:
    leaves, tree = build(size, batches)
    assert tree.root == reference_mth(leaves)
    assert merkle.root_hash(size, tree.read) == tree.root


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=300))
def test_every_inclusion_proof_verifies_and_any_flipped_bit_fails(
    data: st.DataObject, size: int
) -> None:
    leaves, tree = build(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    leaf = merkle.leaf_hash(leaves[index])

    proof = merkle.inclusion_proof(index, size, tree.read)

    assert proof == reference_path(index, leaves)
    assert merkle.verify_inclusion(index, size, leaf, proof, tree.root)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not merkle.verify_inclusion(index, size, flip_bit(leaf, bit), proof, tree.root)
    assert not merkle.verify_inclusion(index, size, leaf, proof, flip_bit(tree.root, bit))
    if proof:
        element = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        tampered = [*proof]
        tampered[element] = flip_bit(tampered[element], bit)
        assert not merkle.verify_inclusion(index, size, leaf, tampered, tree.root)
        assert not merkle.verify_inclusion(index, size, leaf, proof[:-1], tree.root)
    assert not merkle.verify_inclusion(index, size, leaf, [*proof, leaf], tree.root)
    if size > 1:
        other = (index + 1) % size
        assert not merkle.verify_inclusion(other, size, leaf, proof, tree.root)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), new_size=st.integers(min_value=1, max_value=300))
def test_every_consistency_proof_verifies_and_any_flipped_bit_fails(
    data: st.DataObject, new_size: int
) -> None:
    leaves, tree = build(new_size)
    old_size = data.draw(st.integers(min_value=1, max_value=new_size))
    old_root = reference_mth(leaves[:old_size])

    proof = merkle.consistency_proof(old_size, new_size, tree.read)

    expected = reference_subproof(old_size, leaves, True) if old_size < new_size else []
    assert proof == expected
    assert merkle.verify_consistency(old_size, new_size, old_root, tree.root, proof)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not merkle.verify_consistency(
        old_size, new_size, flip_bit(old_root, bit), tree.root, proof
    )
    assert not merkle.verify_consistency(
        old_size, new_size, old_root, flip_bit(tree.root, bit), proof
    )
    if proof:
        element = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        tampered = [*proof]
        tampered[element] = flip_bit(tampered[element], bit)
        assert not merkle.verify_consistency(old_size, new_size, old_root, tree.root, tampered)


def test_a_forked_tree_is_not_consistent_with_the_original() -> None:
    leaves, _ = build(20)
    forked_leaves = [*leaves]
    forked_leaves[7] = b"rewritten"
    forked = merkle.MemoryTree()
    forked.append([merkle.leaf_hash(leaf) for leaf in forked_leaves])

    proof = merkle.consistency_proof(10, 20, forked.read)

    assert not merkle.verify_consistency(10, 20, reference_mth(leaves[:10]), forked.root, proof)


def test_sizes_out_of_range_are_refused() -> None:
    _, tree = build(5)
    assert not merkle.verify_inclusion(5, 5, merkle.EMPTY_ROOT, [], tree.root)
    assert not merkle.verify_consistency(6, 5, tree.root, tree.root, [])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, tree.root, [])


def test_the_steps_shown_to_people_end_at_the_root() -> None:
    leaves, tree = build(13)
    proof = merkle.inclusion_proof(6, 13, tree.read)

    steps = merkle.inclusion_steps(6, 13, merkle.leaf_hash(leaves[6]), proof)

    assert [sibling for _, sibling, _ in steps] == proof
    assert steps[-1][2] == tree.root
    assert steps[0][0] == "right"  # leaf 6 is a left child: its sibling 7 is on the right
