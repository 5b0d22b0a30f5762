"""Properties of the Merkle tree: every proof it produces verifies, any change to a proof, leaf,
root or index is refused, and the three ways of computing a root agree."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims_ledger.domain import merkle
from claims_ledger.domain.merkle import CompactRange, MerkleTree, ProofError


def _leaves(n: int, salt: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(f"{salt}:{i}".encode()).digest()) for i in range(n)]


def _flip(value: bytes, position: int, bit: int) -> bytes:
    changed = bytearray(value)
    changed[position % len(value)] ^= 1 << bit
    return bytes(changed)


sizes = st.integers(1, 300)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[MerkleTree, int, int]:
    size = draw(sizes)
    tree = MerkleTree(_leaves(draw(st.integers(size, size + 20))))
    return tree, draw(st.integers(0, size - 1)), size


@st.composite
def tree_and_sizes(draw: st.DrawFn) -> tuple[MerkleTree, int, int]:
    new = draw(sizes)
    tree = MerkleTree(_leaves(draw(st.integers(new, new + 20))))
    return tree, draw(st.integers(1, new)), new


@given(st.integers(0, 140))
def test_the_incremental_root_equals_the_recursive_root_at_every_size(n: int) -> None:
    leaves = _leaves(n)
    compact = CompactRange()
    tree = MerkleTree()
    assert compact.root() == tree.root() == merkle.root_hash([]) == merkle.EMPTY_ROOT
    for size, leaf in enumerate(leaves, start=1):
        compact.append(leaf)
        tree.append(leaf)
        assert compact.root() == merkle.root_hash(leaves[:size]) == tree.root()
        assert len(compact.nodes) == size.bit_count()
    for size in range(n + 1):
        assert tree.root(size) == merkle.root_hash(leaves[:size])


@given(st.integers(0, 200), st.integers(0, 200))
def test_a_compact_range_resumed_from_its_nodes_goes_on_as_if_never_stopped(
    first: int, more: int
) -> None:
    leaves = _leaves(first + more)
    straight = CompactRange()
    straight.extend(leaves)
    stopped = CompactRange()
    stopped.extend(leaves[:first])
    resumed = CompactRange.from_nodes(stopped.size, stopped.nodes)
    resumed.extend(leaves[first:])
    assert resumed.root() == straight.root()
    assert resumed.nodes == straight.nodes


def test_a_compact_range_refuses_nodes_that_cannot_belong_to_its_size() -> None:
    with pytest.raises(ValueError, match="one per bit set"):
        CompactRange.from_nodes(6, [merkle.EMPTY_ROOT])
    with pytest.raises(ValueError, match="32"):
        CompactRange.from_nodes(1, [b"short"])


@given(tree_and_index())
def test_every_inclusion_proof_verifies(
    case: tuple[MerkleTree, int, int],
) -> None:
    tree, index, size = case
    proof = tree.inclusion_proof(index, size)
    root = tree.root(size)
    merkle.verify_inclusion(index, size, tree.leaf(index), proof, root)


@given(tree_and_index(), st.integers(0, 2**16), st.integers(0, 7), st.data())
def test_a_flipped_bit_in_an_inclusion_proof_leaf_or_root_is_refused(
    case: tuple[MerkleTree, int, int], position: int, bit: int, data: st.DataObject
) -> None:
    tree, index, size = case
    proof = tree.inclusion_proof(index, size)
    leaf, root = tree.leaf(index), tree.root(size)
    targets = ["leaf", "root"] + (["proof"] if proof else [])
    target = data.draw(st.sampled_from(targets))
    if target == "leaf":
        leaf = _flip(leaf, position, bit)
    elif target == "root":
        root = _flip(root, position, bit)
    else:
        at = position % len(proof)
        proof = [*proof[:at], _flip(proof[at], position // 7, bit), *proof[at + 1 :]]
    with pytest.raises(ProofError):
        merkle.verify_inclusion(index, size, leaf, proof, root)


@given(tree_and_index(), st.data())
def test_an_inclusion_proof_for_another_index_is_refused(
    case: tuple[MerkleTree, int, int], data: st.DataObject
) -> None:
    tree, index, size = case
    other = data.draw(st.integers(0, size).filter(lambda i: i != index))
    proof = tree.inclusion_proof(index, size)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(other, size, tree.leaf(index), proof, tree.root(size))


@given(tree_and_index())
def test_a_truncated_or_extended_inclusion_proof_is_refused(
    case: tuple[MerkleTree, int, int],
) -> None:
    tree, index, size = case
    proof, root, leaf = tree.inclusion_proof(index, size), tree.root(size), tree.leaf(index)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(index, size, leaf, [*proof, merkle.EMPTY_ROOT], root)
    if proof:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, leaf, proof[:-1], root)


@given(tree_and_sizes())
def test_every_consistency_proof_verifies(case: tuple[MerkleTree, int, int]) -> None:
    tree, old, new = case
    proof = tree.consistency_proof(old, new)
    merkle.verify_consistency(old, new, tree.root(old), tree.root(new), proof)


@given(tree_and_sizes(), st.integers(0, 2**16), st.integers(0, 7), st.data())
def test_a_flipped_bit_in_a_consistency_proof_or_either_root_is_refused(
    case: tuple[MerkleTree, int, int], position: int, bit: int, data: st.DataObject
) -> None:
    tree, old, new = case
    proof = tree.consistency_proof(old, new)
    old_root, new_root = tree.root(old), tree.root(new)
    targets = ["old root", "new root"] + (["proof"] if proof else [])
    target = data.draw(st.sampled_from(targets))
    if target == "old root":
        old_root = _flip(old_root, position, bit)
    elif target == "new root":
        new_root = _flip(new_root, position, bit)
    else:
        at = position % len(proof)
        proof = [*proof[:at], _flip(proof[at], position // 7, bit), *proof[at + 1 :]]
    with pytest.raises(ProofError):
        merkle.verify_consistency(old, new, old_root, new_root, proof)


@given(tree_and_sizes(), st.data())
def test_a_consistency_proof_from_another_older_size_is_refused(
    case: tuple[MerkleTree, int, int], data: st.DataObject
) -> None:
    tree, old, new = case
    other = data.draw(st.integers(1, new).filter(lambda s: s != old))
    proof = tree.consistency_proof(old, new)
    with pytest.raises(ProofError):
        merkle.verify_consistency(other, new, tree.root(other), tree.root(new), proof)


@given(tree_and_sizes())
def test_a_rewritten_history_has_no_consistency_proof(case: tuple[MerkleTree, int, int]) -> None:
    # arrange: the same log, but one leaf below the old size replaced
    tree, old, new = case
    leaves = [tree.leaf(i) for i in range(new)]
    leaves[old - 1] = merkle.leaf_hash(b"rewritten")
    forged = MerkleTree(leaves)
    # act / assert: the forged tree's proof does not connect the honest old root
    with pytest.raises(ProofError):
        merkle.verify_consistency(
            old, new, tree.root(old), forged.root(new), forged.consistency_proof(old, new)
        )


@settings(max_examples=50)
@given(st.binary(min_size=32, max_size=32))
def test_an_events_leaf_is_its_sealed_hash_hashed_as_a_leaf(sealed: bytes) -> None:
    assert merkle.event_leaf_hash(sealed.hex()) == merkle.leaf_hash(sealed)


@pytest.mark.parametrize("bad", ["", "ab", "A" * 64, "g" * 64, " " + "a" * 63])
def test_an_events_leaf_refuses_anything_but_64_lowercase_hex_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        merkle.event_leaf_hash(bad)


def test_proofs_are_refused_for_sizes_and_indexes_outside_the_tree() -> None:
    tree = MerkleTree(_leaves(5))
    with pytest.raises(ProofError):
        tree.inclusion_proof(5, 5)
    with pytest.raises(ProofError):
        tree.inclusion_proof(0, 6)
    with pytest.raises(ProofError):
        tree.consistency_proof(0, 5)
    with pytest.raises(ProofError):
        tree.consistency_proof(4, 3)


def test_a_large_log_keeps_a_compact_range_of_log2_nodes() -> None:
    # 2**16 + 5 leaves: 17 levels, 3 subtree roots held (65536 + 4 + 1)
    leaves = _leaves(2**16 + 5)
    compact = CompactRange()
    compact.extend(leaves)
    assert len(compact.nodes) == 3
    tree = MerkleTree(leaves)
    assert compact.root() == tree.root()
    proof = tree.inclusion_proof(40_000)
    assert len(proof) == 17
    merkle.verify_inclusion(40_000, tree.size, leaves[40_000], proof, compact.root())
