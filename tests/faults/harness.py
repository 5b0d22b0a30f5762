"""The fault suite's tools: real processes (the `claims-ledger` relay and consumers), real
brokers, real stores; and the figures every scenario reports.

Each scenario ends the same way: the Kafka-fed read model is compared with a rebuild from the
event store (every table, every row), and it counts events lost (stored, never applied), applied
twice (an (aggregate, version) applied more than once, as the consumers' processes reported each
application after its commit), dead-lettered messages, and tracebacks printed by any process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.full_rebuild import compare
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from tests.factories import store_complaints
from tests.servers import read_topic

RESULTS: list[FaultRow] = []
LAST_RUN = Path(__file__).with_name("last-run.json")
CONSUMER_SCRIPT = Path(__file__).with_name("consumer_process.py")


@dataclass
class FaultRow:
    scenario: str
    broker: str
    attempts: int
    events: int
    lost: int = 0
    twice: int = 0
    dead_lettered: int = 0
    tracebacks: int = 0
    rows_differing: int = 0
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def record(row: FaultRow) -> FaultRow:
    RESULTS.append(row)
    return row


def soak() -> bool:
    return os.environ.get("FAULT_SOAK", "") not in ("", "0")


# -- stores ----------------------------------------------------------------------------------


def store_events(settings: Settings, at_least: int, first: int = 0) -> tuple[int, int]:
    """Oral complaints through their whole flow (8 events each), 50 at a time, until at least
    `at_least` events are stored; returns (events stored, next complaint number)."""
    ledger = build_ledger(settings)
    n = first
    while (ledger.recorder.max_notification_id() or 0) < at_least:
        store_complaints(ledger, n, 50)
        n += 50
    return ledger.recorder.max_notification_id() or 0, n


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"},
        "LEDGER_DATA_DIR": str(settings.ledger_data_dir),
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "KAFKA_CONSUMER_GROUP": settings.kafka_consumer_group,
        "RELAY_BATCH_SIZE": str(settings.relay_batch_size),
        "RELAY_LEASE_SECONDS": str(settings.relay_lease_seconds),
        "RELAY_TOPIC_CHECK_SECONDS": str(settings.relay_topic_check_seconds),
        "LOG_LEVEL": "warning",
        **extra,
    }
    if settings.kafka_bootstrap_servers:
        env["KAFKA_BOOTSTRAP_SERVERS"] = settings.kafka_bootstrap_servers
    if settings.uses_postgres:
        env |= {
            "LEDGER_POSTGRES_DBNAME": settings.ledger_postgres_dbname or "",
            "LEDGER_POSTGRES_PORT": str(settings.ledger_postgres_port),
            "LEDGER_POSTGRES_PASSWORD": settings.ledger_postgres_password.get_secret_value(),
        }
    return env


class Processes:
    """Child processes whose stderr is kept, to count the tracebacks they printed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.started: list[subprocess.Popen[bytes]] = []
        self._count = 0

    def start(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        self._count += 1
        err = (self.folder / f"{self._count:03}-stderr.txt").open("wb")
        process = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL
        )
        self.started.append(process)
        return process

    def relay(self, settings: Settings, *args: str) -> subprocess.Popen[bytes]:
        return self.start(
            [sys.executable, "-m", "claims_ledger", "relay", *args], environment(settings)
        )

    def consumer(
        self,
        settings: Settings,
        applied_log: Path,
        kill_after: int = 0,
        *,
        static: bool = False,
        times: bool = False,
        **extra: str,
    ) -> subprocess.Popen[bytes]:
        """`static`: join with a group instance id (KIP-345), so that a restarted consumer takes
        its partitions back at once; Apache Kafka only (the embedded broker does not keep it).
        `times`: each applied line also carries when it was applied (bench/latency.py)."""
        env = environment(
            settings,
            FAULT_APPLIED_LOG=str(applied_log),
            FAULT_KILL_AFTER=str(kill_after),
            FAULT_APPLIED_TIMES="1" if times else "0",
            **extra,
        )
        if static:
            env["KAFKA_CONSUMER_INSTANCE_ID"] = "fault-consumer-1"
        return self.start([sys.executable, str(CONSUMER_SCRIPT)], env)

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def tracebacks(self) -> int:
        return sum(
            p.read_text(errors="replace").count("Traceback (most recent call last)")
            for p in self.folder.glob("*-stderr.txt")
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


# -- the verdict ------------------------------------------------------------------------------


def applied_twice(applied_log: Path) -> int:
    if not applied_log.exists():
        return 0
    counts = Counter(line for line in applied_log.read_text().splitlines() if line)
    return sum(n - 1 for n in counts.values() if n > 1)


def verdict(settings: Settings, read_model: Any) -> tuple[int, int]:
    """(events lost, rows differing) of a Kafka-fed read model against a rebuild."""
    ledger = build_ledger(settings)
    rebuilt = open_read_model(settings, prefix="rb_")
    rebuilt.reset()
    rebuild(ledger, rebuilt)
    stored = set(rebuilt.event_hashes())
    fed = set(read_model.event_hashes())
    differences = compare(read_model.snapshot(), rebuilt.snapshot())
    return len(stored - fed), len(differences)


def wait_for(predicate: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def dead_letters(settings: Settings) -> list[Any]:
    assert settings.kafka_bootstrap_servers is not None
    return read_topic(settings.kafka_bootstrap_servers, settings.dead_letter_topic, timeout=10)


def table() -> str:
    columns = [
        "scenario",
        "broker",
        "attempts",
        "events",
        "lost",
        "twice",
        "dead_lettered",
        "tracebacks",
        "rows_differing",
    ]
    rows = [[str(getattr(r, c)) for c in columns] for r in RESULTS]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    line = " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line, "-+-".join("-" * w for w in widths)]
    out += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def write_last_run() -> None:
    LAST_RUN.write_text(
        json.dumps({"soak": soak(), "rows": [asdict(r) for r in RESULTS]}, indent=2) + "\n"
    )
