"""State as of a version reads the latest snapshot and at most one interval of events, however
long the case: counted in events decoded, not timed (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from claims_ledger.domain.as_of import state_at
from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.ledger import Ledger
from tests.long_cases import long_complaint, occurred

INTERVAL = 50


class DecodeCounter:
    """Counts the stored events (and snapshots) the ledger's mapper decodes."""

    def __init__(self, ledger: Ledger) -> None:
        self.count = 0
        self._decode = ledger.mapper.to_domain_event
        ledger.mapper.to_domain_event = self  # type: ignore[method-assign]

    def __call__(self, stored: Any) -> Any:
        self.count += 1
        return self._decode(stored)


@pytest.fixture(scope="module")
def long_case(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    path = tmp_path_factory.mktemp("long") / "events.sqlite"
    ledger = Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SNAPSHOT_INTERVAL": str(INTERVAL),
        }
    )
    long_complaint(ledger, "CMP-LONG-1", events=10_000)
    return ledger


@pytest.mark.parametrize("version", [10, 999, 5_049, 10_000])
def test_state_as_of_a_version_decodes_at_most_one_interval_of_events(
    long_case: Ledger, version: int
) -> None:
    counter = DecodeCounter(long_case)
    try:
        aggregate = state_at(long_case, complaint_id("CMP-LONG-1"), version=version)
    finally:
        del long_case.mapper.to_domain_event  # type: ignore[attr-defined]
    assert aggregate.version == version
    assert counter.count <= INTERVAL + 1  # one snapshot, then fewer than INTERVAL events


def test_state_as_of_a_moment_decodes_log_n_events_plus_one_interval(long_case: Ledger) -> None:
    counter = DecodeCounter(long_case)
    try:
        aggregate = state_at(
            long_case, complaint_id("CMP-LONG-1"), at=occurred(9_990), by="occurred"
        )
    finally:
        del long_case.mapper.to_domain_event  # type: ignore[attr-defined]
    assert 9_990 <= aggregate.version <= 9_993  # the first command stored 3 events
    assert counter.count <= 15 + INTERVAL + 1  # log2(10,000) < 14 reads by the binary search
