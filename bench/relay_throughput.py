"""Relay throughput against a raw baseline measured in the same run.

Baseline: kafka-python's idempotent producer sending pre-built payloads of the same size.
Measured: the relay reading the SQLite event store, sealing envelopes (hash chain), sending,
waiting for acks and recording its position. Prints the ratio; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claims_ledger.infra.broker import EmbeddedBroker
from claims_ledger.infra.codec import encode
from claims_ledger.infra.kafka_io import ensure_topics, producer
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, envelope_chain, iter_stored_events
from tests.factories import T0, command, context

EVENTS = 5_000


def main() -> None:
    configure_logging("console", "warning")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp)) as broker:
        settings = Settings(
            ledger_data_dir=Path(tmp) / "ledger",
            kafka_bootstrap_servers=broker.bootstrap,
            kafka_topic_prefix="bench" + uuid.uuid4().hex[:8],
        )
        ensure_topics(settings)
        ledger = build_ledger(settings)
        uow = ledger.unit_of_work()
        for n in range(EVENTS):
            at = T0 + timedelta(seconds=n)
            ledger.handle(
                command("ReceiveComplaint", complaint=f"B-{n}", occurred_at=at), context(at), uow
            )
        uow.commit()
        chain = envelope_chain(ledger)
        payloads = [encode(chain.envelope(e)) for _, e in iter_stored_events(ledger)]

        raw = producer(settings)
        start = time.perf_counter()
        for i, value in enumerate(payloads):
            raw.send(settings.topic("complaint"), key=str(i).encode(), value=value)
        raw.flush()
        baseline = time.perf_counter() - start
        raw.close()

        relay = Relay(ledger, settings)
        start = time.perf_counter()
        while relay.publish_batch():
            pass
        measured = time.perf_counter() - start
        relay.close()

    print(f"events: {EVENTS}")
    print(f"raw producer baseline: {baseline:.3f} s ({EVENTS / baseline:,.0f} msg/s)")
    print(
        f"relay (read, seal, send, ack, record): {measured:.3f} s ({EVENTS / measured:,.0f} ev/s)"
    )
    print(f"ratio relay / baseline: {measured / baseline:.2f}x")


if __name__ == "__main__":
    main()
