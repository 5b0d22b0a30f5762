"""Building an export refuses to write proofs that could not verify."""

from __future__ import annotations

import json

import pytest

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.merkle import MerkleTree, leaf_hash
from claims_ledger.infra.case_export import ExportedEvent, build_case_export
from claims_ledger.infra.checkpoint import Checkpoint, CheckpointError, CheckpointSigner
from tests.exports import (
    CHECKPOINT_TIME,
    ORIGIN,
    SMALL_CASE,
    build_export,
    fixture_envelopes,
    fixture_tree,
)


@pytest.fixture(scope="module")
def signer() -> CheckpointSigner:
    return CheckpointSigner.generate(ORIGIN)


def _events(indexes: list[int]) -> list[ExportedEvent]:
    envelopes = fixture_envelopes()
    return [ExportedEvent(i, PublishedEvent.model_validate(envelopes[i])) for i in indexes]


def test_an_export_holds_the_case_the_checkpoint_the_key_and_a_seal(
    signer: CheckpointSigner,
) -> None:
    export = json.loads(build_export(signer, SMALL_CASE))
    assert sorted(export) == ["case", "checkpoint", "events", "format", "public_key", "seal"]
    assert export["format"] == "claims-ledger-export/v1"
    assert export["case"] == {"aggregate_id": SMALL_CASE, "aggregate_type": "claim"}
    assert [e["leaf_index"] for e in export["events"]] == [192, 193, 194]
    assert export["public_key"] == signer.vkey
    assert export["seal"].startswith("claims-ledger-export/v1\nsha256 ")


def test_it_refuses_a_checkpoint_of_another_tree(signer: CheckpointSigner) -> None:
    tree = fixture_tree(fixture_envelopes())
    other_root = MerkleTree([leaf_hash(b"x")]).root()
    note = signer.sign(Checkpoint(ORIGIN, tree.size, other_root, time=CHECKPOINT_TIME))
    with pytest.raises(CheckpointError, match="not a checkpoint of this tree"):
        build_case_export(_events([192]), tree=tree, signed_checkpoint=note, signer=signer)


def test_it_refuses_events_that_are_not_at_their_leaf_or_not_of_one_case(
    signer: CheckpointSigner,
) -> None:
    tree = fixture_tree(fixture_envelopes())
    note = signer.sign(Checkpoint(ORIGIN, tree.size, tree.root()))
    misplaced = [ExportedEvent(5, _events([192])[0].envelope)]
    with pytest.raises(ValueError, match="leaf 5 of the tree is not claim"):
        build_case_export(misplaced, tree=tree, signed_checkpoint=note, signer=signer)
    with pytest.raises(ValueError, match="belongs to another case"):
        build_case_export(_events([192, 0]), tree=tree, signed_checkpoint=note, signer=signer)
    with pytest.raises(ValueError, match="at least one event"):
        build_case_export([], tree=tree, signed_checkpoint=note, signer=signer)


def test_it_refuses_a_checkpoint_signed_by_another_key(signer: CheckpointSigner) -> None:
    tree = fixture_tree(fixture_envelopes())
    note = CheckpointSigner.generate(ORIGIN).sign(Checkpoint(ORIGIN, tree.size, tree.root()))
    with pytest.raises(CheckpointError, match="does not verify|no signature"):
        build_case_export(_events([192]), tree=tree, signed_checkpoint=note, signer=signer)
