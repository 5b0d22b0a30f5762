"""Several consumers sharing the work: the read models fed from a 3-partition topic by one
`claims-ledger consume` process, then by two in one group, into PostgreSQL (issue 12's target:
two give at least 1.6 x one's throughput). Each run is a new group into a new database; the
rate is counted from the first event in the read model to the last, so process start-up is left
out but the group's first rebalance is not. Both brokers; median of 3 interleaved runs.

The consumer processes are the real consumer (tests/faults/consumer_process.py wraps
`claims-ledger consume` to log what it applied)."""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bench.harness import Measured, brokers, interleaved, record  # noqa: E402
from bench.suite import published  # noqa: E402
from claims_ledger.infra.checkpoint_log import signing_key  # noqa: E402
from claims_ledger.infra.logging import configure_logging  # noqa: E402
from claims_ledger.infra.settings import Settings  # noqa: E402
from claims_ledger.infra.store import open_read_model  # noqa: E402
from tests.faults.harness import Processes  # noqa: E402
from tests.servers import PostgresServer  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="ledger-group-"))
CASES = 3_000
PARTITIONS = 3


def published_here(bootstrap: str) -> tuple[Settings, int]:
    """A SQLite ledger of CASES complaints, published to 3-partition topics."""
    base = Settings(
        ledger_data_dir=TMP / "base",
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_partitions=PARTITIONS,
    )
    return published(base, CASES)


def group_rate(settings: Settings, pg: PostgresServer, members: int, count: int) -> float:
    """Events per second of `members` consumer processes in a new group, into a new database."""
    on_pg = settings.model_copy(
        update={
            "ledger_postgres_dbname": pg.new_database(),
            "ledger_postgres_port": pg.port,
            "ledger_postgres_password": SecretStr(pg.password),
            "kafka_consumer_group": "g" + uuid.uuid4().hex[:8],
        }
    )
    read_model = open_read_model(on_pg)
    processes = Processes(TMP / uuid.uuid4().hex[:8])
    try:
        # The ledger's key, as a consumer away from the ledger is given it.
        vkey = signing_key(settings).verifier.vkey
        for n in range(members):
            processes.consumer(on_pg, processes.folder / f"applied-{n}.log", LEDGER_PUBLIC_KEY=vkey)
        deadline = time.perf_counter() + 120
        while (first := read_model.event_count()) == 0 and time.perf_counter() < deadline:
            time.sleep(0.01)
        if first == 0:
            raise SystemExit(f"{members} consumer(s) applied nothing in 120 s: {processes.folder}")
        started = time.perf_counter()
        deadline = started + 600
        while (done := read_model.event_count()) < count and time.perf_counter() < deadline:
            time.sleep(0.01)
        if done < count:
            raise SystemExit(f"{members} consumer(s) applied {done} of {count} events in 600 s")
        return (count - first) / (time.perf_counter() - started)
    finally:
        processes.kill_all()


def shared_work(pg: PostgresServer, broker: str, bootstrap: str) -> Measured:
    settings, count = published_here(bootstrap)
    two, one = interleaved(
        lambda: group_rate(settings, pg, 2, count), lambda: group_rate(settings, pg, 1, count)
    )
    return Measured(
        f"consumer_group_postgres_{broker}",
        f"two consumers in a group, {PARTITIONS} partitions, {count:,} events (postgres, {broker})",
        two,
        one,
        "one consumer",
        1.6,
    )


def main() -> None:
    configure_logging("console", "warning")
    pg = PostgresServer().start()
    try:
        for broker, bootstrap in brokers(TMP):
            record(shared_work(pg, broker, bootstrap))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
