"""Acceptance: the relay is killed at random points while 2,000 events flow and restarted; the
consumer's read model holds every event exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.relay import RELAY_POSITION
from claims_ledger.infra.runtime import read_model_consumer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model, relay_tracking_recorder
from tests.factories import ORAL_FLOW, T0, command, context
from tests.servers import read_topic, wait_until

pytestmark = pytest.mark.kafka

EVENTS = 2_000


def store_2000_events(settings: Settings) -> int:
    """Oral complaints through their whole flow until at least 2,000 events are stored."""
    ledger = build_ledger(settings)
    uow = ledger.unit_of_work()
    n = 0
    while (ledger.recorder.max_notification_id() or 0) < EVENTS:
        reference = f"CMP-{n:05}"
        for i, name in enumerate(ORAL_FLOW):
            at = T0 + timedelta(minutes=n, seconds=i)
            fields = {"form": "oral"} if name == "ReceiveComplaint" else {}
            ledger.handle(
                command(name, complaint=reference, occurred_at=at, **fields),
                context(at, tag=reference),
                uow,
            )
        n += 1
        if n % 20 == 0:
            uow.commit()
    uow.commit()
    stored = ledger.recorder.max_notification_id() or 0
    assert stored >= EVENTS
    return stored


def relay_process(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LEDGER_DATA_DIR": str(settings.ledger_data_dir),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "RELAY_BATCH_SIZE": str(settings.relay_batch_size),
        # A relay killed keeps its lease until it expires; the next one waits that long.
        "RELAY_LEASE_SECONDS": str(settings.relay_lease_seconds),
        "LOG_LEVEL": "info",
    }
    # Its log beside the data folder, for a test that fails to show (relay_logs).
    log_path = settings.ledger_data_dir.parent / f"relay-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "claims_ledger", "relay", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )


def relay_logs(settings: Settings, lines: int = 15) -> str:
    """The last lines of every relay log of a test (see relay_process)."""
    tails = []
    for path in sorted(settings.ledger_data_dir.parent.glob("relay-*.log")):
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        tails.append(f"--- {path.name}\n" + "\n".join(tail))
    return "\n".join(tails)


def test_relay_killed_at_random_points_loses_nothing_and_applies_nothing_twice(
    sqlite_settings: Settings, kafka_bootstrap: str
) -> None:
    # arrange
    settings = sqlite_settings.model_copy(
        update={
            "kafka_bootstrap_servers": kafka_bootstrap,
            "relay_batch_size": 10,
            "relay_lease_seconds": 1.0,
        }
    )
    ensure_topics(settings)
    stored = store_2000_events(settings)
    ledger = build_ledger(settings)  # kept: a collected Application closes its store
    position = relay_tracking_recorder(ledger)
    rng = random.Random(20261122)
    mid_stream_kills: list[int] = []
    # act: start the relay, SIGKILL it once it has passed a random point, restart; five times
    for _ in range(5):
        target = (position.max_tracking_id(RELAY_POSITION) or 0) + rng.randint(50, 400)
        process = relay_process(settings)
        wait_until(
            lambda t=target: (position.max_tracking_id(RELAY_POSITION) or 0) >= t,
            timeout=60,
            interval=0.005,
        )
        time.sleep(rng.uniform(0, 0.05))  # land anywhere: mid-send, mid-ack, mid-record
        process.send_signal(signal.SIGKILL)
        process.wait()
        mid_stream_kills.append(position.max_tracking_id(RELAY_POSITION) or 0)
    final = relay_process(settings, "--until-caught-up")
    assert final.wait(timeout=180) == 0
    assert position.max_tracking_id(RELAY_POSITION) == stored

    read_model = open_read_model(settings)
    consumer = read_model_consumer(settings, read_model)
    try:
        wait_until(
            lambda: consumer.poll_once(500) >= 0 and read_model.event_count() >= stored, timeout=180
        )
    finally:
        consumer.close()

    # assert
    print("relay killed at positions", mid_stream_kills)
    assert all(0 < p < stored for p in mid_stream_kills), mid_stream_kills
    messages = sum(len(read_topic(kafka_bootstrap, t)) for t in [settings.topic("complaint")])
    assert messages >= stored
    assert read_model.event_count() == stored
    assert consumer.applied == stored
    assert consumer.applied + consumer.duplicates == messages
    assert consumer.dead_lettered == 0
