"""A relay's own writes on SQLite (its book, its lease, its position) while other processes
commit to the same file every fraction of a millisecond: they wait for the write lock instead
of failing with "database is locked" (issue 12, acceptance 4: a standby relay that failed this
way at start-up never took over). Real SQLite file, a real second process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import OperationalError, Tracking

from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.relay_book import RelayBook
from claims_ledger.infra.relay_lease import SQLiteLease, relay_lease
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import EVENTS_FILE, build_ledger
from tests.busy_sqlite import committing_to
from tests.factories import store_complaints

ROUNDS = 150
"""Each round opens the book and a lease and records a first position, as a relay starting
up or taking over does. With the library's plain BEGIN about one round in six failed."""


@pytest.fixture
def busy_writer(sqlite_settings: Settings) -> Iterator[None]:
    build_ledger(sqlite_settings)
    with committing_to(sqlite_settings.ledger_data_dir / EVENTS_FILE):
        yield


def test_a_relay_opening_its_book_and_lease_beside_busy_writers_waits_for_the_lock(
    sqlite_settings: Settings, busy_writer: None
) -> None:
    # arrange
    ledger = build_ledger(sqlite_settings)  # kept: a collected Application closes its store
    # act: what a relay does to its database when it starts or takes over, ROUNDS times
    for round_ in range(1, ROUNDS + 1):
        book = RelayBook(ledger)
        lease = relay_lease(ledger, sqlite_settings)
        assert isinstance(lease, SQLiteLease)
        assert lease.acquire()
        tracking = ledger.factory.tracking_recorder()  # a new one reads before its first write
        book.record({("topic", 0): (round_, f"hash-{round_}")}, Tracking("relay", round_), tracking)
        lease.release()
    # assert
    assert book.offsets() == {("topic", 0): (ROUNDS, f"hash-{ROUNDS}")}
    assert ledger.factory.tracking_recorder().max_tracking_id("relay") == ROUNDS


class LockedTwice:
    """A real SQLite lease whose first two renewals find the write lock held beyond the
    timeout (what the library raises then), as under writers that never pause."""

    def __init__(self, lease: SQLiteLease) -> None:
        self.lease = lease
        self.holder = lease.holder
        self.refused = 0

    def acquire(self) -> bool:
        if self.refused < 2:
            self.refused += 1
            raise OperationalError("database is locked")
        return self.lease.acquire()

    def release(self) -> None:
        self.lease.release()


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)  # the broker is not at stake
def test_a_relay_whose_database_stays_locked_for_a_while_waits_and_publishes_everything(
    sqlite_settings: Settings, kafka_bootstrap: str
) -> None:
    # arrange
    settings = sqlite_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    ledger = build_ledger(settings)
    stored = store_complaints(ledger, 0, 20)
    lease = relay_lease(ledger, settings)
    assert isinstance(lease, SQLiteLease)
    locked = LockedTwice(lease)
    relay = Relay(ledger, settings, lease=locked)
    # act
    try:
        relay.run(threading.Event(), until_caught_up=True)
    finally:
        relay.close()
    # assert
    assert locked.refused == 2
    assert relay.position() == stored
