"""End-to-end latency at a steady 200 commands/s: from a command handed to `Ledger.execute` to
the read models holding every event it stored, through the relay and the consumer (each its own
process, as deployed); against the raw round trip in the same run: kafka-python producing one
message per command at the same pace, a kafka-python consumer (same fetch settings as ours)
receiving it. p50/p99 of each; issue 12's target: our p99 at most 1.5 x the raw p99, on both
brokers. Times are wall-clock across processes on one machine."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaConsumer, KafkaProducer  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402

from bench.harness import Measured, brokers, record  # noqa: E402
from claims_ledger.infra.kafka_io import ensure_topics  # noqa: E402
from claims_ledger.infra.logging import configure_logging  # noqa: E402
from claims_ledger.infra.settings import Settings  # noqa: E402
from claims_ledger.infra.store import build_ledger  # noqa: E402
from tests.factories import T0, command, context  # noqa: E402
from tests.faults.harness import Processes, wait_for  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="ledger-latency-"))
RATE = 200
SECONDS = 5
WARM_UP = 50
FETCH_MAX_WAIT_MS = 100  # what the read-model consumer asks for (consumers/read_model_consumer)


def paced(count: int, send: Any) -> None:
    """Call send(n) for n in range(count) at RATE per second (on schedule, not after the last)."""
    started = time.perf_counter()
    for n in range(count):
        pause = started + n / RATE - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        send(n)


def percentiles(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def ours(bootstrap: str) -> list[float]:
    settings = Settings(
        ledger_data_dir=TMP / uuid.uuid4().hex[:8],
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_prefix="l" + uuid.uuid4().hex[:8],
        kafka_consumer_group="l" + uuid.uuid4().hex[:8],
    )
    ledger = build_ledger(settings)
    ensure_topics(settings)
    processes = Processes(TMP / uuid.uuid4().hex[:8])
    applied = processes.folder / "applied.log"
    processes.relay(settings)
    processes.consumer(settings, applied, times=True)
    issued: dict[str, float] = {}

    def send(n: int) -> None:
        at = T0 + timedelta(minutes=n)
        issued_at = time.time()
        case = ledger.execute(
            command("ReceiveComplaint", complaint=f"L-{n:06d}", occurred_at=at), context(at)
        )
        issued[str(case)] = issued_at

    def last_applied() -> dict[str, float]:
        times: dict[str, float] = {}
        if applied.exists():
            for line in applied.read_text().splitlines():
                event, _, at = line.partition(" ")
                case = event.rsplit(":", 1)[0]
                times[case] = max(times.get(case, 0.0), float(at))
        return times

    try:
        paced(WARM_UP, send)  # relay and consumer started, group joined, caches warm
        if not wait_for(lambda: len(last_applied()) >= WARM_UP, timeout=120):
            raise SystemExit("the relay and consumer did not start within 120 s")
        issued.clear()
        paced(RATE * SECONDS, lambda n: send(WARM_UP + n))
        total = ledger.recorder.max_notification_id() or 0
        wait_for(lambda: applied.read_text().count("\n") >= total, timeout=120)
        applied_at = last_applied()
        return [applied_at[case] - at for case, at in issued.items()]
    finally:
        processes.kill_all()


def raw(bootstrap: str) -> list[float]:
    topic = "raw-" + uuid.uuid4().hex[:8]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    admin.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id="raw-" + uuid.uuid4().hex[:8],
        auto_offset_reset="earliest",
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    received: list[float] = []
    expected = WARM_UP + RATE * SECONDS
    stop = threading.Event()

    def consume() -> None:
        while not stop.is_set() and len(received) < expected:
            for messages in consumer.poll(timeout_ms=100).values():
                now = time.time()
                received.extend(now - json.loads(m.value)["sent"] for m in messages)

    def send(n: int) -> None:
        producer.send(topic, key=str(n).encode(), value=json.dumps({"sent": time.time()}).encode())

    reader = threading.Thread(target=consume)
    reader.start()
    try:
        paced(WARM_UP, send)  # as for ours: the group joined before the measured messages
        if not wait_for(lambda: len(received) >= WARM_UP, timeout=120):
            raise SystemExit("the raw consumer received nothing within 120 s")
        paced(RATE * SECONDS, lambda n: send(WARM_UP + n))
        producer.flush()
        reader.join(timeout=120)
        return received[WARM_UP:]
    finally:
        stop.set()
        reader.join()
        producer.close()
        consumer.close()


def main() -> None:
    configure_logging("console", "warning")
    for broker, bootstrap in brokers(TMP):
        runs = [(ours(bootstrap), raw(bootstrap)) for _ in range(3)]
        mine = statistics.median(percentiles(o)[1] for o, _ in runs)
        theirs = statistics.median(percentiles(r)[1] for _, r in runs)
        p50s = [(percentiles(o)[0], percentiles(r)[0]) for o, r in runs]
        print(
            f"p50 ({broker}): ours {statistics.median(p for p, _ in p50s):.0f} ms, "
            f"raw {statistics.median(p for _, p in p50s):.0f} ms"
        )
        record(
            Measured(
                f"latency_p99_{broker}",
                f"end-to-end p99 at {RATE} commands/s, command to read models (sqlite, {broker})",
                mine,
                theirs,
                "raw produce-to-consume p99",
                1.5,
                unit="ms",
                lower_is_better=True,
            )
        )


if __name__ == "__main__":
    main()
