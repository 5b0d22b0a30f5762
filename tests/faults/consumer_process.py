"""A read-model consumer process for the fault suite: the real consumer of `claims-ledger
consume`, which also appends each (aggregate, version) it applied, after its commit, to
FAULT_APPLIED_LOG, and with FAULT_KILL_AFTER=N SIGKILLs itself right after the database commit
of the batch that brings it past N applied events, before the offsets are committed to Kafka.
With FAULT_APPLIED_TIMES=1 each line also carries the wall-clock time it was applied (the
latency benchmark, bench/latency.py)."""

from __future__ import annotations

import os
import signal
import threading
import time

from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.runtime import read_model_consumer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import open_read_model


def main() -> None:
    settings = Settings.from_environment()
    configure_logging(settings.log_format, settings.log_level)
    applied_log = open(os.environ["FAULT_APPLIED_LOG"], "a", buffering=1)  # noqa: SIM115
    kill_after = int(os.environ.get("FAULT_KILL_AFTER", "0"))
    with_times = os.environ.get("FAULT_APPLIED_TIMES") == "1"
    consumer = read_model_consumer(settings, open_read_model(settings))
    count = 0

    def on_applied(published: object) -> None:
        nonlocal count
        count += 1
        line = f"{published.aggregate_id}:{published.version}"  # type: ignore[attr-defined]
        applied_log.write(f"{line} {time.time():.6f}\n" if with_times else f"{line}\n")
        if kill_after and count >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # after the DB commit, before Kafka's

    consumer.on_applied = on_applied
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        consumer.run(stop)
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
