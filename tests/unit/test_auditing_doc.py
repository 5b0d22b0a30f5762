"""The worked examples of docs/auditing.md hold: another team tests its verifier against them."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from claims_ledger import verify as standalone
from claims_ledger.domain.merkle import event_leaf_hash
from claims_ledger.infra.checkpoint import Checkpoint, CheckpointSigner, NoteVerifier
from tests.exports import CHECKPOINT_TIME, fixture_envelopes, fixture_tree

DOC = (Path(__file__).parent.parent.parent / "docs" / "auditing.md").read_text(encoding="utf-8")


def _documented_note() -> str:
    block = DOC.split("```\nvkey: ", 1)[1].split("```", 1)[0]
    return block.split("\n\n", 1)[1]


def _documented_vkey() -> str:
    return DOC.split("```\nvkey: ", 1)[1].split("\n", 1)[0]


def test_the_worked_hashes_and_roots_are_right() -> None:
    envelopes = fixture_envelopes()
    tree = fixture_tree(envelopes)
    documented = {
        "leaf hash of event 0": event_leaf_hash(envelopes[0]["hash"]),
        "root of 1 leaf": tree.root(1),
        "root of 2 leaves": tree.root(2),
        "root of 3 leaves": tree.root(3),
        "root of all 195": tree.root(195),
    }
    for label, value in documented.items():
        assert re.search(rf"\| {re.escape(label)}.*\| `{value.hex()}` \|", DOC), label
    assert f"its hash is\n`{envelopes[0]['hash']}`" in DOC
    assert f"`[{tree.inclusion_proof(2, 3)[0].hex()}]`" in DOC


def test_the_documented_checkpoint_is_the_docs_key_signing_the_fixture_tree() -> None:
    seed = hashlib.sha256(b"claims-ledger documentation example key").digest()
    signer = CheckpointSigner.from_seed(
        "claims-ledger.example/docs", base64.b64encode(seed).decode()
    )
    tree = fixture_tree(fixture_envelopes())
    checkpoint = Checkpoint("claims-ledger.example/docs", 195, tree.root(), time=CHECKPOINT_TIME)
    assert signer.vkey == _documented_vkey()
    assert signer.sign(checkpoint) == _documented_note()


@pytest.mark.parametrize("implementation", ["ledger", "standalone"])
def test_the_documented_checkpoint_verifies(implementation: str) -> None:
    note, vkey = _documented_note(), _documented_vkey()
    if implementation == "ledger":
        assert NoteVerifier.from_vkey(vkey).verify_checkpoint(note).size == 195
    else:
        text = standalone.verify_note(note, standalone.PublicKey.parse(vkey), "checkpoint")
        assert standalone.Checkpoint.parse(text).size == 195
