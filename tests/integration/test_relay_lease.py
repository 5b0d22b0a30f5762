"""Acceptance: one relay publishes at a time. A second relay started beside the first waits;
when the first is killed mid-stream, the second takes over; no event is lost or published out
of order for its case."""

from __future__ import annotations

import signal
import time
from collections import defaultdict

import pytest

from claims_ledger.infra.codec import decode
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.relay import RELAY_POSITION
from claims_ledger.infra.relay_lease import PostgresLease, SQLiteLease, relay_lease
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, relay_tracking_recorder
from tests.factories import store_complaints
from tests.integration.test_relay_faults import relay_logs, relay_process
from tests.servers import read_topic, wait_until

pytestmark = pytest.mark.kafka


def pid_of(holder: str | None) -> int | None:
    return None if holder is None else int(holder.split(":")[1])


def test_a_standby_relay_takes_over_when_the_active_one_is_killed(
    sqlite_settings: Settings, kafka_bootstrap: str
) -> None:
    # arrange
    settings = sqlite_settings.model_copy(
        update={
            "kafka_bootstrap_servers": kafka_bootstrap,
            "relay_batch_size": 10,
            "relay_lease_seconds": 2.0,
        }
    )
    ensure_topics(settings)
    ledger = build_ledger(settings)
    stored = store_complaints(ledger, 0, 250)
    position = relay_tracking_recorder(ledger)
    lease = relay_lease(ledger, settings)
    assert isinstance(lease, SQLiteLease)

    def published() -> int:
        return position.max_tracking_id(RELAY_POSITION) or 0

    first = relay_process(settings)
    wait_until(lambda: published() > 0, timeout=60, interval=0.01)
    second = relay_process(settings)
    try:
        time.sleep(1.0)
        # assert: the first publishes, the second waits
        assert pid_of(lease.current_holder()) == first.pid
        # act: kill the first mid-stream
        wait_until(lambda: published() >= 300, timeout=60, interval=0.005)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = published()
        assert killed_at < stored
        stored = store_complaints(ledger, 250, 50)
        try:
            wait_until(lambda: published() == stored, timeout=90, interval=0.05)
        except TimeoutError:
            raise AssertionError(
                f"published {published()} of {stored}; relay logs:\n{relay_logs(settings)}"
            ) from None
        # assert: the second holds the lease and published the rest
        assert pid_of(lease.current_holder()) == second.pid
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)

    messages = read_topic(kafka_bootstrap, settings.topic("complaint"))
    versions: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        event = decode(message.value)  # type: ignore[attr-defined]
        seen = versions[str(event.aggregate_id)]
        if event.version > (seen[-1] if seen else 0):
            seen.append(event.version)  # a republished earlier version is a duplicate
    assert sum(len(v) for v in versions.values()) == stored
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())


def test_only_one_relay_holds_the_postgresql_lock_until_its_session_ends(
    postgres_settings: Settings,
) -> None:
    # arrange
    build_ledger(postgres_settings)
    active, standby = PostgresLease(postgres_settings), PostgresLease(postgres_settings)
    # act / assert
    assert active.acquire()
    assert not standby.acquire()
    assert active.acquire()  # renewed: still held
    active.release()  # as when its process dies: the session ends
    assert standby.acquire()
    assert not active.acquire()
    standby.release()
