"""Snapshots: a case read through a snapshot is exactly the case replayed from its events."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.snapshots import case_state
from claims_ledger.infra.scenario import apply_file

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))


def sqlite_ledger(path: Path, interval: int) -> Ledger:
    return Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SNAPSHOT_INTERVAL": str(interval),
        }
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, Ledger, list[UUID]]:
    """Every example case, stored with a snapshot every 2 events; and the same store read
    without snapshots."""
    path = tmp_path_factory.mktemp("snapshots") / "events.sqlite"
    with_snapshots = sqlite_ledger(path, interval=2)
    for example in EXAMPLES:
        apply_file(with_snapshots, example)
    cases = [
        UUID(str(n.originator_id))
        for n in with_snapshots.recorder.select_notifications(start=0, limit=10_000)
        if n.originator_version == 1
    ]
    return with_snapshots, sqlite_ledger(path, interval=0), cases


def test_every_demo_case_reads_the_same_with_and_without_snapshots(
    demo: tuple[Ledger, Ledger, list[UUID]],
) -> None:
    with_snapshots, without, cases = demo
    assert without.snapshots is None
    assert len(cases) >= 10
    for case_id in cases:
        assert case_state(with_snapshots.repository.get(case_id)) == case_state(
            without.repository.get(case_id)
        )


def test_every_version_of_every_demo_case_reads_the_same_through_a_snapshot(
    demo: tuple[Ledger, Ledger, list[UUID]],
) -> None:
    with_snapshots, without, cases = demo
    for case_id in cases:
        last = without.repository.get(case_id).version
        for version in range(1, last + 1):
            through_snapshot = with_snapshots.repository.get(case_id, version=version)
            replayed = without.repository.get(case_id, version=version)
            assert case_state(through_snapshot) == case_state(replayed), (case_id, version)


def test_snapshots_are_taken_every_interval_and_are_not_events(
    demo: tuple[Ledger, Ledger, list[UUID]],
) -> None:
    with_snapshots, _, cases = demo
    assert with_snapshots.snapshots is not None
    longest = max(cases, key=lambda c: with_snapshots.repository.get(c).version)
    snapshots = list(with_snapshots.snapshots.get(longest))
    assert snapshots and all(s.originator_version % 2 == 0 for s in snapshots)
    # the notification log (the outbox the relay publishes) holds events only
    topics = {n.topic for n in with_snapshots.recorder.select_notifications(start=0, limit=10_000)}
    assert not any("Snapshot" in t for t in topics)


def test_a_snapshot_interval_of_zero_takes_no_snapshots(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path / "events.sqlite", interval=0)
    apply_file(ledger, EXAMPLES[0])
    assert ledger.snapshots is None
