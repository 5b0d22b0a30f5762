"""Case exports built from real envelopes: the 195 events stored by claims-ledger 0.1.0
(tests/fixtures/store-0.1.0/envelopes.jsonl, in notification-log order), one leaf each."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.merkle import MerkleTree, event_leaf_hash
from claims_ledger.infra.case_export import ExportedEvent, build_case_export
from claims_ledger.infra.checkpoint import Checkpoint, CheckpointSigner

FIXTURE = Path(__file__).parent / "fixtures" / "store-0.1.0" / "envelopes.jsonl"
ORIGIN = "claims-ledger.example/test"
SMALL_CASE = "e75c564d-767a-57e1-bbf4-0f4cd172ec1b"  # a claim of 3 events
LARGE_CASE = "3944e45b-6675-5a16-ab17-880b43959fdb"  # a claim of 20 events
CHECKPOINT_TIME = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def fixture_envelopes() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def fixture_tree(envelopes: list[dict[str, Any]]) -> MerkleTree:
    return MerkleTree(event_leaf_hash(e["hash"]) for e in envelopes)


def build_export(
    signer: CheckpointSigner,
    aggregate_id: str = SMALL_CASE,
    *,
    derived: dict[str, Any] | None = None,
    size: int | None = None,
) -> bytes:
    """The export of one fixture case against a checkpoint of the first `size` events."""
    envelopes = fixture_envelopes()
    tree = fixture_tree(envelopes)
    size = tree.size if size is None else size
    checkpoint = Checkpoint(ORIGIN, size, tree.root(size), time=CHECKPOINT_TIME)
    events = [
        ExportedEvent(index, PublishedEvent.model_validate(envelope))
        for index, envelope in enumerate(envelopes[:size])
        if envelope["aggregate_id"] == aggregate_id
    ]
    return build_case_export(
        events, tree=tree, signed_checkpoint=signer.sign(checkpoint), signer=signer, derived=derived
    )


def rerender(export: dict[str, Any]) -> bytes:
    """An export's content written back in the canonical layout (as an attacker who edits the
    content, not the layout, would)."""
    return (json.dumps(export, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
