"""The notification log as an RFC 6962 Merkle tree: roots, inclusion and consistency proofs.

Leaf `i` is the `i`-th event of the notification log (from 0); its data is the 32 bytes of the
event's sealed `hash`. Hashing is RFC 6962 section 2.1 (RFC 9162 section 2.1.1), SHA-256:

    leaf hash  = SHA-256(0x00 || leaf data)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256()  (the empty string)
    MTH(D[n])  = node hash of MTH(D[0:k]) and MTH(D[k:n]), k the largest power of two < n

The 0x00 / 0x01 prefixes keep a leaf from ever being read as an inner node (second-preimage
resistance), so the tree's root commits to every event's seal and to its position in the log.

Three shapes of the same tree, for three jobs:
- `root_hash`: the RFC's recursive definition, word for word; the reference in tests.
- `CompactRange`: the roots of the perfect subtrees covering leaves [0, n) (at most log2(n)+1
  hashes): append a leaf and read the root in O(log n) time and memory, without keeping leaves.
  This is what the ledger keeps while it walks a million events.
- `MerkleTree`: every leaf hash and every perfect subtree's hash (2n hashes), to produce
  inclusion and consistency proofs for any earlier tree size in O(log^2 n).

Proofs are produced by the RFC 6962 section 2.1.1 (PATH) and 2.1.2 (SUBPROOF) definitions and
checked by the RFC 9162 section 2.1.3.2 and 2.1.4.2 algorithms, which need nothing but the proof.
Only the standard library is used, so that any auditor can read and rerun this.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}): the root of the tree of size 0."""
_SEALED_HASH = re.compile(r"[0-9a-f]{64}")


class ProofError(ValueError):
    """A proof, a tree size or a hash does not check out; the message says which and why."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 inner node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def event_leaf_hash(sealed_hash: str) -> bytes:
    """The leaf hash of one ledger event: its sealed `hash` (64 hex digits) as 32 bytes, hashed
    as a leaf."""
    if not _SEALED_HASH.fullmatch(sealed_hash):
        raise ValueError(f"a sealed hash is 64 lowercase hex digits, got {sealed_hash!r}")
    return leaf_hash(bytes.fromhex(sealed_hash))


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k, for n >= 2: where RFC 6962 splits a tree of n leaves."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split")
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves, by the RFC's recursive definition (O(n) time)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = largest_power_of_two_below(n)
    return node_hash(root_hash(leaf_hashes[:k]), root_hash(leaf_hashes[k:]))


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes long; a SHA-256 hash is {HASH_SIZE}")


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Root of a range from the roots of its perfect subtrees, left (largest) to right: the
    RFC's split always puts the largest perfect subtree on the left."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


class CompactRange:
    """The running root of leaves [0, size) in O(log size) memory.

    `nodes` are the roots of the perfect subtrees that cover the leaves, largest first: one per
    bit set in `size` (size 6 = 4 + 2: the roots of leaves [0, 4) and [4, 6)). Appending a leaf
    merges equal-sized subtrees like carrying in binary addition. `nodes` and `size` are all the
    state there is: store them with a checkpoint and resume from them (`from_nodes`).
    """

    __slots__ = ("_nodes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._nodes: list[bytes] = []

    @classmethod
    def from_nodes(cls, size: int, nodes: Iterable[bytes]) -> CompactRange:
        """Resume from a stored (size, nodes) pair; refuses a pair that cannot belong together."""
        compact = cls()
        stored = list(nodes)
        if size < 0:
            raise ValueError(f"a tree size cannot be negative, got {size}")
        if len(stored) != size.bit_count():
            raise ValueError(
                f"a compact range of size {size} holds {size.bit_count()} subtree roots "
                f"(one per bit set in the size), got {len(stored)}"
            )
        for i, node in enumerate(stored):
            _check_hash(f"subtree root {i}", node)
        compact._size = size
        compact._nodes = stored
        return compact

    @property
    def size(self) -> int:
        return self._size

    @property
    def nodes(self) -> tuple[bytes, ...]:
        return tuple(self._nodes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash (see `leaf_hash`, `event_leaf_hash`) at index `size`."""
        _check_hash("a leaf hash", leaf)
        node = leaf
        size = self._size
        # Each trailing 1-bit of the old size is a subtree of the new node's height: merge.
        while size & 1:
            node = node_hash(self._nodes.pop(), node)
            size >>= 1
        self._nodes.append(node)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self._nodes:
            return EMPTY_ROOT
        return _fold_right(self._nodes)


class MerkleTree:
    """Every leaf hash and every perfect subtree's root, to prove inclusion and consistency for
    any tree size up to `size`.

    `_levels[h][i]` is the root of leaves [i * 2**h, (i + 1) * 2**h): only perfect subtrees are
    stored; the roots of ragged right edges are folded from them when needed.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def leaf(self, index: int) -> bytes:
        return self._levels[0][index]

    def append(self, leaf: bytes) -> None:
        _check_hash("a leaf hash", leaf)
        self._levels[0].append(leaf)
        height, index = 0, self.size - 1
        while index & 1:  # a right child completes its parent
            level = self._levels[height]
            parent = node_hash(level[index - 1], level[index])
            height, index = height + 1, index >> 1
            if height == len(self._levels):
                self._levels.append([])
            self._levels[height].append(parent)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (all of them by default)."""
        size = self._checked_size(size)
        return self._range_root(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) of RFC 6962 section 2.1.1: the sibling hashes from the leaf up."""
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf index {index} is not in a tree of size {size}")
        return self._path(index, 0, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]) of RFC 6962 section 2.1.2: proves the tree of
        `new_size` leaves extends the tree of `old_size` leaves, changing none of them."""
        new_size = self._checked_size(new_size)
        if not 0 < old_size <= new_size:
            raise ProofError(
                f"a consistency proof goes from a non-empty tree to one at least as large; "
                f"got sizes {old_size} -> {new_size}"
            )
        return self._subproof(old_size, 0, new_size, True)

    def _checked_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ProofError(f"tree size {size} is not between 0 and {self.size} (leaves held)")
        return size

    def _range_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges the RFC recursion visits: `start` is a multiple of
        a power of two at least `end - start`, so the range splits into perfect subtrees along
        the bits of its length, largest first (O(log n) stored hashes)."""
        parts = []
        while start < end:
            height = (end - start).bit_length() - 1
            parts.append(self._levels[height][start >> height])
            start += 1 << height
        return _fold_right(parts)

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if index < k:
            return [*self._path(index, start, start + k), self._range_root(start + k, end)]
        return [*self._path(index - k, start + k, end), self._range_root(start, start + k)]

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self._range_root(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [
                *self._subproof(m, start, start + k, complete),
                self._range_root(start + k, end),
            ]
        return [*self._subproof(m - k, start + k, end, False), self._range_root(start, start + k)]


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` (an inclusion proof of leaf hash `leaf` at `index` in a tree of
    `size` leaves) leads to: RFC 9162 section 2.1.3.2, steps 1 to 4."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash("the leaf hash", leaf)
    fn, sn, result = index, size - 1, leaf
    for position, sibling in enumerate(proof):
        _check_hash(f"inclusion proof hash {position}", sibling)
        if sn == 0:
            raise ProofError(
                f"inclusion proof of leaf {index} in a tree of size {size} is too long: "
                f"{len(proof)} hashes, hash {position} is one too many"
            )
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof of leaf {index} in a tree of size {size} is too short: "
            f"{len(proof)} hashes"
        )
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise `ProofError` unless `proof` shows leaf hash `leaf` at `index` in the tree of
    `size` leaves whose root is `root` (RFC 9162 section 2.1.3.2)."""
    computed = root_from_inclusion_proof(index, size, leaf, proof)
    if computed != root:
        raise ProofError(
            f"inclusion proof of leaf {index} leads to root {computed.hex()}, "
            f"not to the tree of size {size}'s root {root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise `ProofError` unless `proof` shows that the tree of `new_size` leaves with root
    `new_root` extends the tree of `old_size` leaves with root `old_root`, changing none of them
    (RFC 9162 section 2.1.4.2)."""
    if old_size > new_size:
        raise ProofError(f"a tree of size {new_size} cannot extend one of size {old_size}")
    if old_size == 0:
        # Every tree extends the empty tree: there is nothing to prove, and nothing proven.
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofError(f"sizes are equal ({old_size}) but the proof is not empty")
        if old_root != new_root:
            raise ProofError(
                f"two trees of size {old_size} with different roots: "
                f"{old_root.hex()} and {new_root.hex()}"
            )
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {old_size} to {new_size}")
    for position, node in enumerate(proof):
        _check_hash(f"consistency proof hash {position}", node)
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a perfect subtree: its root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError(
                f"consistency proof from size {old_size} to {new_size} is too long: "
                f"{len(proof)} hashes"
            )
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(
            f"consistency proof from size {old_size} to {new_size} is too short: "
            f"{len(proof)} hashes"
        )
    if first != old_root:
        raise ProofError(
            f"consistency proof leads to {first.hex()} for the tree of size {old_size}, "
            f"whose root is {old_root.hex()}: the older tree is not a prefix of the newer"
        )
    if second != new_root:
        raise ProofError(
            f"consistency proof leads to {second.hex()} for the tree of size {new_size}, "
            f"whose root is {new_root.hex()}"
        )
