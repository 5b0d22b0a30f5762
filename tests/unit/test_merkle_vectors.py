"""The Merkle tree code against published RFC 6962 test vectors.

Sources (all from https://github.com/transparency-dev/merkle at commit
417fb0c314750d94e53942e9f92e79b6d35915db, Apache License 2.0):
- `testonly/constants.go`: the eight reference leaves, the hash of every perfect subtree, the
  root of every tree of size 0 to 8 and its compact range (copied below as data);
- `rfc6962/rfc6962_test.go` (`TestRFC6962Hasher`): the leaf and node hashing vectors;
- `testdata/inclusion/**` and `testdata/consistency/**`: inclusion and consistency proofs, each
  to be accepted or refused, copied byte for byte into tests/fixtures/merkle/transparency-dev/
  (see tests/fixtures/merkle/SOURCE.md).

The standalone verifier's own inclusion check passes the same vectors (test_standalone_verifier).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from claims_ledger.domain import merkle
from claims_ledger.domain.merkle import CompactRange, MerkleTree

VECTORS = Path(__file__).parent.parent / "fixtures" / "merkle" / "transparency-dev" / "testdata"

# testonly/constants.go: LeafInputs()
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
# testonly/constants.go: RootHashes(), indexed by tree size from 0
ROOT_HASHES = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# testonly/constants.go: NodeHashes(), [level][index] of every perfect subtree
NODE_HASHES = [
    [
        bytes.fromhex(h)
        for h in [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ]
    ],
    [
        bytes.fromhex(h)
        for h in [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ]
    ],
    [
        bytes.fromhex(h)
        for h in [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
    ],
    [bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
# testonly/constants.go: CompactTrees(), as (level, index) into NODE_HASHES, by tree size
COMPACT_TREES = [
    [],
    [(0, 0)],
    [(1, 0)],
    [(1, 0), (0, 2)],
    [(2, 0)],
    [(2, 0), (0, 4)],
    [(2, 0), (1, 2)],
    [(2, 0), (1, 2), (0, 6)],
    [(3, 0)],
]

LEAF_HASHES = [merkle.leaf_hash(data) for data in LEAF_INPUTS]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _probes(kind: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {VECTORS}"
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


def _params(kind: str) -> list[Any]:
    return [pytest.param(probe, id=name) for name, probe in _probes(kind)]


def inclusion_params() -> list[Any]:
    """Every inclusion probe, as pytest parameters named by their file."""
    return _params("inclusion")


def _reference_inclusion_proofs() -> list[Any]:
    """The accepted inclusion probes whose leaf is one of the reference leaves."""
    return [
        pytest.param(p, id=name)
        for name, p in _probes("inclusion")
        if not p["wantErr"]
        and p["treeSize"] <= len(LEAF_HASHES)
        and LEAF_HASHES[p["leafIdx"]] == _b64(p["leafHash"])
    ]


def _reference_consistency_proofs() -> list[Any]:
    """The accepted consistency probes between trees of the reference leaves."""
    return [
        pytest.param(p, id=name)
        for name, p in _probes("consistency")
        if not p["wantErr"]
        and p["size2"] < len(ROOT_HASHES)
        and _b64(p["root2"]) == ROOT_HASHES[p["size2"]]
    ]


def test_the_rfc6962_hashing_vectors_hold() -> None:
    # rfc6962/rfc6962_test.go, TestRFC6962Hasher
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert merkle.node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", range(len(ROOT_HASHES)))
def test_the_root_of_every_reference_tree_matches_by_all_three_constructions(size: int) -> None:
    leaves = LEAF_HASHES[:size]
    compact = CompactRange()
    compact.extend(leaves)
    assert merkle.root_hash(leaves) == ROOT_HASHES[size]
    assert MerkleTree(leaves).root() == ROOT_HASHES[size]
    assert MerkleTree(LEAF_HASHES).root(size) == ROOT_HASHES[size]
    assert compact.root() == ROOT_HASHES[size]


@pytest.mark.parametrize("size", range(len(COMPACT_TREES)))
def test_the_compact_range_holds_the_reference_subtree_roots(size: int) -> None:
    compact = CompactRange()
    compact.extend(LEAF_HASHES[:size])
    expected = tuple(NODE_HASHES[level][index] for level, index in COMPACT_TREES[size])
    assert compact.nodes == expected
    resumed = CompactRange.from_nodes(size, expected)
    assert resumed.root() == ROOT_HASHES[size]


def test_every_perfect_subtree_hash_matches_the_reference() -> None:
    tree = MerkleTree(LEAF_HASHES)
    for level, hashes in enumerate(NODE_HASHES):
        for index, expected in enumerate(hashes):
            start, end = index << level, (index + 1) << level
            assert merkle.root_hash(LEAF_HASHES[start:end]) == expected
            if start == 0:
                assert tree.root(end) == expected


def inclusion_args(probe: dict[str, Any]) -> tuple[int, int, bytes, list[bytes], bytes]:
    return (
        probe["leafIdx"],
        probe["treeSize"],
        _b64(probe["leafHash"]),
        [_b64(p) for p in probe["proof"] or []],
        _b64(probe["root"]),
    )


@pytest.mark.parametrize("probe", inclusion_params())
def test_inclusion_probe(probe: dict[str, Any]) -> None:
    if probe["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*inclusion_args(probe))
    else:
        merkle.verify_inclusion(*inclusion_args(probe))


@pytest.mark.parametrize("probe", _params("consistency"))
def test_consistency_probe(probe: dict[str, Any]) -> None:
    args = (
        probe["size1"],
        probe["size2"],
        _b64(probe["root1"]),
        _b64(probe["root2"]),
        [_b64(p) for p in probe["proof"] or []],
    )
    if probe["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@pytest.mark.parametrize("probe", _reference_inclusion_proofs())
def test_the_tree_produces_the_published_inclusion_proofs(probe: dict[str, Any]) -> None:
    index, size = probe["leafIdx"], probe["treeSize"]
    proof = MerkleTree(LEAF_HASHES).inclusion_proof(index, size)
    assert proof == [_b64(p) for p in probe["proof"] or []]


@pytest.mark.parametrize("probe", _reference_consistency_proofs())
def test_the_tree_produces_the_published_consistency_proofs(probe: dict[str, Any]) -> None:
    proof = MerkleTree(LEAF_HASHES).consistency_proof(probe["size1"], probe["size2"])
    assert proof == [_b64(p) for p in probe["proof"] or []]


def test_the_reference_proofs_were_found() -> None:
    # guards the two tests above against an empty parameter list
    assert len(_reference_inclusion_proofs()) == 5
    assert len(_reference_consistency_proofs()) == 5
