"""RFC 9162 §2.1 Merkle trees over stored subtree hashes.

Pure functions, no Django: the standalone verifier imports this module.

A *coordinate* `(level, index)` names the complete subtree of `2**level` leaves that starts at
leaf `index * 2**level`; its hash never changes once the tree has grown past it, so the log
stores every such hash once and builds any proof from at most ~2·log2(n) of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Coordinate = tuple[int, int]
# Reads the stored hashes for the given coordinates, in any order.
HashReader = Callable[[Sequence[Coordinate]], Mapping[Coordinate, bytes]]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[0:n]) given the leaf hashes, computed bottom-up in O(n)."""
    if not hashes:
        return EMPTY_ROOT
    return _fold(_complete_levels(hashes))


def _complete_levels(hashes: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """The frontier (largest complete subtrees, left to right) of a tree with these leaves."""
    stack: list[tuple[int, bytes]] = []
    for value in hashes:
        level, current = 0, value
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            current = node_hash(left, current)
            level += 1
        stack.append((level, current))
    return stack


def _fold(pieces: Sequence[tuple[int, bytes]]) -> bytes:
    """Combine frontier hashes right to left, as the RFC's split at the largest power of two."""
    result = pieces[-1][1]
    for _, value in reversed(pieces[:-1]):
        result = node_hash(value, result)
    return result


def range_coordinates(start: int, end: int) -> list[Coordinate]:
    """The complete subtrees, largest first, that make up D[start:end].

    `start` must be a multiple of a power of two at least `end - start`, as every range the
    RFC recursion produces is; MTH(D[start:end]) is then the right fold of these hashes.
    """
    coordinates: list[Coordinate] = []
    position, remaining = start, end - start
    while remaining:
        level = remaining.bit_length() - 1
        coordinates.append((level, position >> level))
        position += 1 << level
        remaining -= 1 << level
    return coordinates


def frontier(size: int) -> list[Coordinate]:
    """The stored subtrees that a tree of `size` leaves ends with; enough to append to it."""
    return range_coordinates(0, size)


def _fold_range(start: int, end: int, hashes: Mapping[Coordinate, bytes]) -> bytes:
    coordinates = range_coordinates(start, end)
    return _fold([(level, hashes[(level, index)]) for level, index in coordinates])


def append_leaves(
    size: int, frontier_hashes: Sequence[bytes], new_leaf_hashes: Sequence[bytes]
) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """Append leaves to a tree of `size` leaves whose frontier hashes are given.

    Returns every newly complete subtree as `(level, index, hash)` (leaves included, at
    level 0) and the new root hash.
    """
    coordinates = frontier(size)
    if len(coordinates) != len(frontier_hashes):
        raise ValueError("the frontier does not match the tree size")
    stack = [(level, value) for (level, _), value in zip(coordinates, frontier_hashes, strict=True)]
    stored: list[tuple[int, int, bytes]] = []
    for offset, value in enumerate(new_leaf_hashes):
        position = size + offset
        level, current = 0, value
        stored.append((0, position, current))
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            current = node_hash(left, current)
            level += 1
            stored.append((level, position >> level, current))
        stack.append((level, current))
    root = _fold(stack) if stack else EMPTY_ROOT
    return stored, root


def root_hash(size: int, read: HashReader) -> bytes:
    """MTH of the first `size` leaves, from stored hashes."""
    if size == 0:
        return EMPTY_ROOT
    coordinates = frontier(size)
    hashes = read(coordinates)
    return _fold([(level, hashes[(level, index)]) for level, index in coordinates])


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """PATH(m, D[start:end]) as the list of ranges whose MTH makes each proof element."""
    ranges: list[tuple[int, int]] = []
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    ranges.reverse()  # the recursion emits the deepest sibling first
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """SUBPROOF(m, D[0:n], true) of RFC 9162 §2.1.4.1 as ranges, for 0 < m < n."""
    ranges: list[tuple[int, int]] = []
    m, start, end, complete = old_size, 0, new_size, True
    while m != end - start:
        split_width = _largest_power_of_two_below(end - start)
        if m <= split_width:
            ranges.append((start + split_width, end))
            end = start + split_width
        else:
            ranges.append((start, start + split_width))
            m -= split_width
            start += split_width
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()  # the recursion emits the innermost subtree first
    return ranges


def _ranges_proof(ranges: Sequence[tuple[int, int]], read: HashReader) -> list[bytes]:
    needed = [coordinate for start, end in ranges for coordinate in range_coordinates(start, end)]
    hashes = read(needed)
    return [_fold_range(start, end, hashes) for start, end in ranges]


def _check_sizes(first: int, second: int) -> None:
    if first < 0 or first > second:
        raise ValueError(f"sizes out of order: {first} > {second}")


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """The audit path for leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    return _ranges_proof(_inclusion_ranges(index, 0, size), read)


def consistency_proof(old_size: int, new_size: int, read: HashReader) -> list[bytes]:
    """The proof that the tree of `old_size` is a prefix of that of `new_size` (§2.1.4.1)."""
    _check_sizes(old_size, new_size)
    if old_size in (0, new_size):
        return []
    return _ranges_proof(_consistency_ranges(old_size, new_size), read)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` place the leaf hash `leaf` at `index` under `root`?"""
    if not 0 <= index < size:
        return False
    steps, complete = _inclusion_walk(index, size, leaf, proof)
    return complete and (steps[-1][2] if steps else leaf) == root


def inclusion_steps(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes]
) -> list[tuple[str, bytes, bytes]]:
    """The hashing `verify_inclusion` does, step by step: (side of the sibling, sibling, result).

    For showing a proof to a person; the last result equals the root when the proof verifies.
    """
    return _inclusion_walk(index, size, leaf, proof)[0]


def _inclusion_walk(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes]
) -> tuple[list[tuple[str, bytes, bytes]], bool]:
    """The steps of RFC 9162 §2.1.3.2's loop, and whether the proof was used up exactly (every
    element consumed and the path ended at the root level)."""
    steps: list[tuple[str, bytes, bytes]] = []
    fn, sn, result = index, size - 1, leaf
    for element in proof:
        if sn == 0:
            return steps, False
        if fn & 1 or fn == sn:
            result = node_hash(element, result)
            steps.append(("left", element, result))
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, element)
            steps.append(("right", element, result))
        fn >>= 1
        sn >>= 1
    return steps, sn == 0


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (`old_size`, `old_root`) a prefix of the new one?"""
    if old_size < 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for element in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(element, first)
            second = node_hash(element, second)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            second = node_hash(second, element)
        fn >>= 1
        sn >>= 1
    return first == old_root and second == new_root and sn == 0


class MemoryTree:
    """A tree held in memory, storing hashes exactly as the database does: for tests and tools."""

    def __init__(self) -> None:
        self.size = 0
        self.hashes: dict[Coordinate, bytes] = {}
        self.root = EMPTY_ROOT

    def read(self, coordinates: Sequence[Coordinate]) -> Mapping[Coordinate, bytes]:
        return {coordinate: self.hashes[coordinate] for coordinate in coordinates}

    def append(self, leaf_hashes: Sequence[bytes]) -> bytes:
        frontier_hashes = [self.hashes[coordinate] for coordinate in frontier(self.size)]
        stored, self.root = append_leaves(self.size, frontier_hashes, leaf_hashes)
        for level, index, value in stored:
            self.hashes[(level, index)] = value
        self.size += len(leaf_hashes)
        return self.root
