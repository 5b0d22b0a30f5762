"""One case, exported for an outside auditor: its events with their seals, each event's inclusion
proof against a signed checkpoint, the public key, and a seal over the whole file.

The format (claims-ledger-export/v1) is documented in docs/auditing.md and checked by the
standalone verifier, claims_ledger/verify.py, which `write_export_folder` copies next to the
export. This module only assembles and renders; it reads no store.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claims_ledger.domain.envelope import PublishedEvent, canonical_json
from claims_ledger.domain.merkle import MerkleTree, event_leaf_hash
from claims_ledger.infra.checkpoint import CheckpointError, CheckpointSigner
from claims_ledger.verify import EXPORT_FILE_NAME, EXPORT_FORMAT, copy_to


@dataclass(frozen=True)
class ExportedEvent:
    """One event of the case and its position in the notification log (from 0)."""

    leaf_index: int
    envelope: PublishedEvent


def build_case_export(
    events: Sequence[ExportedEvent],
    *,
    tree: MerkleTree,
    signed_checkpoint: str,
    signer: CheckpointSigner,
    derived: Mapping[str, Any] | None = None,
) -> bytes:
    """The export file's bytes.

    `events` are every event of one case, in version order; `tree` holds the log's leaves at
    least up to the checkpoint's size; `signed_checkpoint` is signed by `signer`, whose key also
    seals the export. `derived` (calculations, timeline…) travels under the seal only: the
    verifier can tell it was not altered, not that it was derived correctly.
    """
    if not events:
        raise ValueError("an export holds at least one event")
    checkpoint = signer.verifier.verify_checkpoint(signed_checkpoint)
    if tree.size < checkpoint.size or tree.root(checkpoint.size) != checkpoint.root_hash:
        raise CheckpointError(
            f"the checkpoint (size {checkpoint.size}) is not a checkpoint of this tree "
            f"(size {tree.size}): refusing to export proofs against it"
        )
    first = events[0].envelope
    entries = []
    for event in events:
        envelope = event.envelope
        if (envelope.aggregate_type, envelope.aggregate_id) != (
            first.aggregate_type,
            first.aggregate_id,
        ):
            raise ValueError(f"event {envelope.event_id} belongs to another case")
        if tree.leaf(event.leaf_index) != event_leaf_hash(envelope.hash):
            raise ValueError(
                f"leaf {event.leaf_index} of the tree is not {envelope.aggregate_type} "
                f"{envelope.aggregate_id} v{envelope.version}"
            )
        proof = tree.inclusion_proof(event.leaf_index, checkpoint.size)
        entries.append(
            {
                "leaf_index": event.leaf_index,
                "envelope": envelope.model_dump(mode="json"),
                "inclusion_proof": [_b64(node) for node in proof],
            }
        )
    export: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "case": {"aggregate_type": first.aggregate_type, "aggregate_id": str(first.aggregate_id)},
        "checkpoint": signed_checkpoint,
        "public_key": signer.vkey,
        "events": entries,
    }
    if derived is not None:
        export["derived"] = dict(derived)
    digest = hashlib.sha256(canonical_json(export)).hexdigest()
    export["seal"] = signer.sign_note(f"{EXPORT_FORMAT}\nsha256 {digest}\n")
    return (json.dumps(export, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def write_export_folder(folder: Path, export: bytes) -> list[Path]:
    """Write the export as `ledger-export.json` into `folder`, with the standalone verifier
    beside it (`claims_ledger_verify.py`): an auditor needs Python and `cryptography`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / EXPORT_FILE_NAME
    target.write_bytes(export)
    return [target, copy_to(folder)]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
