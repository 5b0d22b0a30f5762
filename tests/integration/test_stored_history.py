"""Stored history keeps loading: an event store written by claims-ledger 0.1.0 (the demo's
scenarios, committed as a fixture) still loads, projects and verifies on today's code.

The fixture was written by `claims-ledger demo` on main at c04b948 (2026-11-22); beside it, the
envelope of every stored event and the read model rebuilt from it, both as 0.1.0 produced them.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import structlog

from claims_ledger.infra.audit import rebuild, verify
from claims_ledger.infra.codec import json_safe
from claims_ledger.infra.seal_store import backfill_seals, sealing_recorder
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import (
    build_ledger,
    envelope_chain,
    iter_stored_events,
    open_ledger_for_audit,
    open_read_model,
)

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-0.1.0"


@contextmanager
def info_logs() -> Iterator[list[dict[str, Any]]]:
    """Every log line from info up, captured (the tests otherwise log warnings only)."""
    config = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**config)


@pytest.fixture
def old_store(tmp_path: Path) -> Settings:
    data = tmp_path / "ledger"
    data.mkdir()
    shutil.copy(FIXTURE / "events.sqlite", data / "events.sqlite")
    return Settings(ledger_data_dir=data)


def test_every_event_stored_by_0_1_0_loads_with_its_original_seal(old_store: Settings) -> None:
    # arrange
    expected = [json.loads(line) for line in (FIXTURE / "envelopes.jsonl").read_text().splitlines()]
    ledger = build_ledger(old_store)
    chain = envelope_chain(ledger)
    # act
    envelopes = [
        json.loads(chain.envelope(event).model_dump_json())
        for _, event in iter_stored_events(ledger)
    ]
    # assert: same events, same payloads, same hash chain (C-CALC-1 traces included)
    assert len(envelopes) == len(expected) == 195
    for got, want in zip(envelopes, expected, strict=True):
        assert (got["aggregate_id"], got["version"]) == (want["aggregate_id"], want["version"])
        assert got["hash"] == want["hash"], (got["event_type"], got["version"])
        assert got == want


def rows_as_stored(rows: list[Any]) -> list[dict[str, Any]]:
    """Rows with their times as the read model keeps them (not as the command line shows them)."""
    return [json_safe(asdict(r)) for r in rows]


def test_read_models_projected_from_a_0_1_0_store_hold_the_same_rows(old_store: Settings) -> None:
    ledger = build_ledger(old_store)
    read_model = open_read_model(old_store)
    assert rebuild(ledger, read_model) == 195
    snapshot = read_model.snapshot()
    expected = json.loads((FIXTURE / "readmodel.json").read_text())
    got = json.loads(
        json.dumps({k: rows_as_stored(v) for k, v in snapshot.items()}, sort_keys=True, default=str)
    )
    assert got == expected


def test_opening_a_0_1_0_store_for_writing_seals_its_195_events_with_their_published_hashes(
    old_store: Settings,
) -> None:
    # arrange: the hashes 0.1.0 published; verify, before, finds no seals and creates none
    expected = [json.loads(line) for line in (FIXTURE / "envelopes.jsonl").read_text().splitlines()]
    before = verify(open_ledger_for_audit(old_store))
    assert [p.what.split(" (")[0] for p in before.problems] == ["the event store keeps no seals"]
    assert not sealing_recorder(open_ledger_for_audit(old_store)).seals_table_exists()
    # act
    with info_logs() as logs:
        ledger = build_ledger(old_store)
    # assert: exactly one seal per event, in notification order, equal to what was published
    assert {"event": "seals.backfilled", "count": 195, "log_level": "info"} in logs
    seals = sealing_recorder(ledger).select_seals(0)
    assert list(seals) == list(range(1, 196))
    assert [(str(s.aggregate_id), s.version, s.prev_hash, s.hash) for s in seals.values()] == [
        (e["aggregate_id"], e["version"], e["prev_hash"], e["hash"]) for e in expected
    ]
    assert backfill_seals(build_ledger(old_store)) == 0  # opened again: nothing left to seal
    assert verify(open_ledger_for_audit(old_store)).ok
