"""Signed checkpoints of the notification log (issue 10): written incrementally from the stored
seals, published to their own Kafka topic by the relay, and checked by verify: signature, size,
root of the first `size` leaves, consistency between consecutive checkpoints."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claims_ledger.domain.merkle import MerkleTree, event_leaf_hash
from claims_ledger.infra.audit import verify
from claims_ledger.infra.checkpoint import Checkpoint, CheckpointSigner
from claims_ledger.infra.checkpoint_log import (
    CHECKPOINTS_FILE,
    LEAVES_FILE,
    CheckpointWriter,
    SourcedNote,
    TrustedCheckpoints,
    kafka_checkpoints,
    kafka_publisher,
    parse_signed,
    read_checkpoint_file,
    read_leaves,
    signing_key,
)
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.seal_store import sealing_recorder
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_ledger_for_audit
from tests.factories import complaint_lifecycle
from tests.tampering import Attacker

FIXED = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def writer(settings: Settings, signer: CheckpointSigner) -> CheckpointWriter:
    return CheckpointWriter(build_ledger(settings), settings, signer, clock=lambda: FIXED)


def trusted(settings: Settings, signer: CheckpointSigner) -> TrustedCheckpoints:
    folder = settings.checkpoint_dir
    return TrustedCheckpoints(
        signer.verifier,
        read_checkpoint_file(folder / CHECKPOINTS_FILE),
        read_leaves(folder / LEAVES_FILE),
        origin=settings.checkpoint_origin,
    )


def test_each_checkpoint_reads_only_the_seals_stored_since_the_last_one_and_roots_the_whole_log(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # arrange
    ledger = build_ledger(store_settings)
    signer = CheckpointSigner.generate(store_settings.checkpoint_origin)
    complaint_lifecycle(ledger, "C-1", steps=4)
    first = writer(store_settings, signer).write()
    complaint_lifecycle(ledger, "C-2", steps=3)
    recorder = sealing_recorder(ledger)
    read_from: list[int] = []
    original = type(recorder).select_seals

    def spy(self: Any, start: int, stop: int | None = None) -> Any:
        read_from.append(start)
        return original(self, start, stop)

    monkeypatch.setattr(type(recorder), "select_seals", spy)
    # act: a new process (a new writer) signs the next one
    second = writer(store_settings, signer).write()
    # assert: only seals after the first checkpoint were read; the root is the whole log's
    assert read_from and min(read_from) == first.last_notification_id + 1
    monkeypatch.undo()
    seals = sealing_recorder(ledger).select_seals(0)
    tree = MerkleTree(event_leaf_hash(seals[n].hash) for n in sorted(seals))
    assert second.checkpoint.size == tree.size == len(seals) > first.checkpoint.size
    assert second.checkpoint.root_hash == tree.root()
    assert first.checkpoint.root_hash == tree.root(first.checkpoint.size)
    leaves = read_leaves(store_settings.checkpoint_dir / LEAVES_FILE)
    assert [leaf.hash for leaf in leaves] == [seals[n].hash for n in sorted(seals)]
    report = verify(open_ledger_for_audit(store_settings), trusted(store_settings, signer))
    assert report.ok, report.lines()
    assert report.checkpoints == 2 and report.uncovered_events == 0


def test_a_checkpoint_signed_by_another_key_is_refused_by_name(store_settings: Settings) -> None:
    # arrange
    ledger = build_ledger(store_settings)
    complaint_lifecycle(ledger, "C-1", steps=3)
    signer = CheckpointSigner.generate(store_settings.checkpoint_origin)
    writer(store_settings, CheckpointSigner.generate(store_settings.checkpoint_origin)).write()
    # act
    report = verify(open_ledger_for_audit(store_settings), trusted(store_settings, signer))
    # assert
    assert not report.ok
    assert "checkpoints.txt:1" in report.lines()[0]
    assert "no signature by" in report.lines()[0]


def test_two_checkpoints_that_no_append_only_log_can_both_match_are_reported_as_inconsistent(
    store_settings: Settings,
) -> None:
    # arrange: the real checkpoint of the log, and an older one of a different history signed
    # with the same key (the signer showed two auditors two different logs)
    ledger = build_ledger(store_settings)
    complaint_lifecycle(ledger, "C-1", steps=4)
    complaint_lifecycle(ledger, "C-2", steps=4)
    signer = CheckpointSigner.generate(store_settings.checkpoint_origin)
    writer(store_settings, signer).write()
    forked = Checkpoint(store_settings.checkpoint_origin, 3, b"\x07" * 32, time=FIXED)
    checkpoints = trusted(store_settings, signer)
    checkpoints = TrustedCheckpoints(
        checkpoints.public_key,
        [SourcedNote("fork.txt:1", signer.sign(forked)), *checkpoints.notes],
        checkpoints.leaves,
        checkpoints.origin,
    )
    # act
    report = verify(open_ledger_for_audit(store_settings), checkpoints)
    # assert: the forked one fails against the store, and is not consistent with the real one
    lines = report.lines()
    assert any("fork.txt:1 (size 3" in line and "do not hash" in line for line in lines), lines
    assert any("checkpoints fork.txt:1 and" in line and "not consistent" in line for line in lines)


def test_the_generated_demo_key_is_written_once_readable_by_its_owner_only(
    sqlite_settings: Settings,
) -> None:
    first = signing_key(sqlite_settings)
    again = signing_key(sqlite_settings, create=False)
    key_file = sqlite_settings.ledger_data_dir / "checkpoint-signing-key.pem"
    assert first.vkey == again.vkey
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.vkey.startswith(sqlite_settings.checkpoint_origin + "+")


def test_a_configured_seed_signs_and_no_key_is_written(sqlite_settings: Settings) -> None:
    seed = CheckpointSigner.generate("x").seed()
    settings = sqlite_settings.model_copy(update={"ledger_signing_key": seed})
    assert signing_key(settings).seed().get_secret_value() == seed.get_secret_value()
    assert not (settings.ledger_data_dir / "checkpoint-signing-key.pem").exists()


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)
def test_the_relay_signs_a_checkpoint_every_n_acknowledged_events_onto_its_topic_and_files(
    store_settings: Settings, kafka_bootstrap: str, tmp_path: Path
) -> None:
    # arrange: a checkpoint every 5 events, relayed 4 at a time
    settings = store_settings.model_copy(
        update={
            "kafka_bootstrap_servers": kafka_bootstrap,
            "ledger_checkpoint_every_events": 5,
            "relay_batch_size": 4,
            "ledger_checkpoint_dir": tmp_path / "kept",
        }
    )
    ensure_topics(settings)
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "C-1", steps=4)
    complaint_lifecycle(ledger, "C-2", steps=4)
    total = ledger.recorder.max_notification_id() or 0
    signer = CheckpointSigner.generate(settings.checkpoint_origin)
    checkpoints = CheckpointWriter(ledger, settings, signer, publish=kafka_publisher(settings))
    relay = Relay(ledger, settings, checkpoints=checkpoints)
    # act
    try:
        relay.run(threading.Event(), until_caught_up=True)
    finally:
        relay.close()
    # assert: sizes 8, 16, … (every second batch) and the whole log when caught up
    on_kafka = kafka_checkpoints(settings)
    in_file = read_checkpoint_file(settings.checkpoint_dir / CHECKPOINTS_FILE)
    assert [n.note for n in on_kafka] == [n.note for n in in_file]
    sizes = [parse_signed(n.note).size for n in on_kafka]
    assert sizes == sorted(sizes) and sizes[0] == 8 and sizes[-1] == total
    report = verify(
        open_ledger_for_audit(settings),
        TrustedCheckpoints(signer.verifier, on_kafka, read_leaves(tmp_path / "kept" / LEAVES_FILE)),
    )
    assert report.ok, report.lines()
    # and the last event of a case deleted afterwards is caught against them
    attacker = Attacker(settings)
    attacker.delete(attacker.rows()[-1], with_seal=True)
    report = verify(
        open_ledger_for_audit(settings),
        TrustedCheckpoints(signer.verifier, on_kafka, read_leaves(tmp_path / "kept" / LEAVES_FILE)),
    )
    assert any("events deleted since it was signed" in line for line in report.lines())
