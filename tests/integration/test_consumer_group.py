"""Acceptance: two consumer processes in one group share a 3-partition topic on the PostgreSQL
read model; one is killed mid-stream, the other takes its partitions over (a rebalance); the
read model ends complete and equal to one rebuilt from the event store: nothing applied twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.kafka_io import ensure_topics, ledger_topics
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from tests.factories import store_complaints
from tests.servers import wait_until

pytestmark = pytest.mark.kafka


def consumer_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LEDGER_DATA_DIR": str(settings.ledger_data_dir),
        "LEDGER_POSTGRES_DBNAME": settings.ledger_postgres_dbname or "",
        "LEDGER_POSTGRES_PORT": str(settings.ledger_postgres_port),
        "LEDGER_POSTGRES_PASSWORD": settings.ledger_postgres_password.get_secret_value(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "KAFKA_CONSUMER_GROUP": settings.kafka_consumer_group,
        "LOG_LEVEL": "info",
        "LOG_FORMAT": "json",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "claims_ledger", "consume"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )


def assigned(log: Path) -> list[str]:
    """The partitions a consumer process was last assigned, from its log."""
    partitions: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == "consumer.partitions_assigned":
            partitions = list(entry["partitions"])
    return partitions


def shared(logs: list[Path], partitions: int) -> bool:
    held = [assigned(log) for log in logs]
    every = [p for member in held for p in member]
    return all(held) and len(every) == len(set(every)) == partitions


def test_a_consumer_killed_mid_stream_leaves_its_partitions_to_the_other(
    postgres_settings: Settings, kafka_bootstrap: str, tmp_path: Path
) -> None:
    # arrange: 2,400 events, two consumers in one group sharing three partitions
    settings = postgres_settings.model_copy(
        update={
            "kafka_bootstrap_servers": kafka_bootstrap,
            "kafka_topic_partitions": 3,
            "relay_batch_size": 50,
        }
    )
    ensure_topics(settings)
    ledger = build_ledger(settings)
    stored = store_complaints(ledger, 0, 300)
    read_model = open_read_model(settings)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = consumer_process(settings, logs[0])
    second = consumer_process(settings, logs[1])
    relay = Relay(ledger, settings)
    killed_at = None
    try:
        # both members hold partitions, none held twice, every one held
        partitions = 3 * len(ledger_topics(settings))
        wait_until(lambda: shared(logs, partitions), timeout=90, interval=0.2)
        # act: publish at a steady pace; kill the first consumer once some has been applied
        while relay.publish_batch():
            applied = read_model.event_count()
            if killed_at is None and applied > stored // 5:
                first.send_signal(signal.SIGKILL)
                first.wait()
                killed_at = applied
            time.sleep(0.05)
        wait_until(lambda: read_model.event_count() >= stored, timeout=120, interval=0.2)
    finally:
        relay.close()
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)

    # assert: killed mid-stream; complete; the same as rebuilt from the store
    assert killed_at is not None and killed_at < stored
    assert read_model.event_count() == stored
    rebuilt = open_read_model(settings, prefix="rebuilt_")
    rebuild(ledger, rebuilt)
    assert read_model.snapshot() == rebuilt.snapshot()
