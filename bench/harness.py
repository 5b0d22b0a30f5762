"""How every benchmark measures: ours and the raw baseline run interleaved (ours, raw, ours,
raw, ...) in the same process, each repetition on fresh state prepared outside the timing; the
median of each is printed with the ratio and kept in bench/results.json under the benchmark's
key (read, changed, written back: other benchmarks' keys are left as they are)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")

Run = Callable[[], float]
"""One repetition: prepares its state, times the work, returns a rate (events per second)."""


@dataclass(frozen=True)
class Measured:
    key: str
    what: str
    ours: float
    raw: float
    raw_what: str
    target: float | None
    unit: str = "ev/s"
    runs: int = 3
    lower_is_better: bool = False
    """Latencies: the target is a ceiling on ours / raw, not a floor."""

    @property
    def ratio(self) -> float:
        return self.ours / self.raw if self.raw else 0.0

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target

    def line(self) -> str:
        bound = "≤" if self.lower_is_better else "≥"
        target = "" if self.target is None else f"  (target {bound} {self.target})"
        return (
            f"{self.what}: ours {self.ours:,.0f} {self.unit} | {self.raw_what}: "
            f"{self.raw:,.0f} {self.unit} | ratio {self.ratio:.2f}{target}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "ours": round(self.ours, 1),
            "raw": round(self.raw, 1),
            "raw_baseline": self.raw_what,
            "ratio": round(self.ratio, 3),
            "target": self.target,
            "met": self.met,
            "target_is": "at most" if self.lower_is_better else "at least",
            "unit": self.unit,
            "runs": self.runs,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }


def interleaved(ours: Run, raw: Run, runs: int = 3) -> tuple[float, float]:
    """Median rates of `runs` interleaved repetitions of each."""
    ours_rates: list[float] = []
    raw_rates: list[float] = []
    for _ in range(runs):
        ours_rates.append(ours())
        raw_rates.append(raw())
    return statistics.median(ours_rates), statistics.median(raw_rates)


def timed(work: Callable[[], int]) -> float:
    """Rate of `work`, which returns how many events it handled."""
    start = time.perf_counter()
    count = work()
    return count / (time.perf_counter() - start)


def record(*results: Measured) -> None:
    for result in results:
        print(result.line(), flush=True)
    stored: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for result in results:
        stored[result.key] = result.as_json()
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")


def brokers(folder: Path) -> Iterator[tuple[str, str]]:
    """The embedded broker, then Apache Kafka (its jars fetched by `make kafka-jars`), each
    running only while its turn lasts: (label, bootstrap) pairs."""
    from claims_ledger.infra.broker import EmbeddedBroker
    from tests.servers import ApacheKafka

    with EmbeddedBroker(folder / "tansu") as embedded:
        yield "embedded", embedded.bootstrap
    apache = ApacheKafka().start()
    try:
        yield "apache", apache.bootstrap
    finally:
        apache.stop()
