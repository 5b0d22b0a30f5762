"""State as of a version, and a command, on a 10,000-event case vs a 10-event case (issue 10,
acceptance 6; issue 12's snapshot target: each ratio <= 3).

Ours: the ledger with snapshots (LEDGER_SNAPSHOT_INTERVAL, default 50). Raw baseline in the same
run: the library's `Repository.get(id, version=k)` on the same store without snapshots.
Median of 5 interleaved repetitions; figures merged into bench/results.json under
"state_as_of" (read-modify-write, other benchmarks' keys kept)."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims_ledger.domain.areas import COMMAND_ADAPTER  # noqa: E402
from claims_ledger.domain.as_of import state_at  # noqa: E402
from claims_ledger.domain.complaints.complaint import complaint_id  # noqa: E402
from claims_ledger.domain.ledger import CommandContext, Ledger  # noqa: E402
from tests.long_cases import RECORDING_DELAY, long_complaint, occurred  # noqa: E402

RESULTS = Path(__file__).with_name("results.json")
LONG, SHORT = 10_000, 10
REPEATS = 5


def ledger(path: Path, interval: int) -> Ledger:
    return Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SNAPSHOT_INTERVAL": str(interval),
        }
    )


def seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def command_on(led: Ledger, reference: str, n: list[int]) -> Callable[[], Any]:
    def run() -> Any:
        n[0] += 1
        at = occurred(LONG + n[0])
        return led.execute(
            COMMAND_ADAPTER.validate_python(
                {
                    "command": "SubmitDocuments",
                    "complaint": reference,
                    "occurred_at": at,
                    "documents": ["ektp_copy"],
                }
            ),
            CommandContext(at + RECORDING_DELAY, "bench", "bench"),
        )

    return run


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-asof-"))
    ours = ledger(folder / "events.sqlite", interval=50)
    long_complaint(ours, "CMP-LONG", events=LONG)
    long_complaint(ours, "CMP-SHORT", events=SHORT)
    raw = ledger(folder / "events.sqlite", interval=0)  # same store, no snapshots
    long_id = complaint_id("CMP-LONG")
    counter = [0]
    work: dict[str, Callable[[], Any]] = {
        "ours_v10000": lambda: state_at(ours, long_id, version=LONG),
        "ours_v10": lambda: state_at(ours, long_id, version=SHORT),
        "raw_v10000": lambda: raw.repository.get(long_id, version=LONG),
        "raw_v10": lambda: raw.repository.get(long_id, version=SHORT),
        "ours_command_long": command_on(ours, "CMP-LONG", counter),
        "ours_command_short": command_on(ours, "CMP-SHORT", counter),
        "raw_command_long": command_on(raw, "CMP-LONG", counter),
        "raw_command_short": command_on(raw, "CMP-SHORT", counter),
    }
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(REPEATS):  # interleaved: every measurement once per round
        for name, run in work.items():
            times[name].append(seconds(run))
    median = {name: statistics.median(values) for name, values in times.items()}
    figures = {
        "state_as_of_version": {
            "ours_v10000_ms": round(median["ours_v10000"] * 1000, 2),
            "ours_v10_ms": round(median["ours_v10"] * 1000, 2),
            "ratio": round(median["ours_v10000"] / median["ours_v10"], 2),
            "raw_v10000_ms": round(median["raw_v10000"] * 1000, 2),
            "raw_v10_ms": round(median["raw_v10"] * 1000, 2),
            "raw_ratio": round(median["raw_v10000"] / median["raw_v10"], 2),
            "target_ratio_at_most": 3,
        },
        "command_on_long_case": {
            "ours_10000_events_ms": round(median["ours_command_long"] * 1000, 2),
            "ours_10_events_ms": round(median["ours_command_short"] * 1000, 2),
            "ratio": round(median["ours_command_long"] / median["ours_command_short"], 2),
            "raw_10000_events_ms": round(median["raw_command_long"] * 1000, 2),
            "raw_10_events_ms": round(median["raw_command_short"] * 1000, 2),
            "raw_ratio": round(median["raw_command_long"] / median["raw_command_short"], 2),
            "target_ratio_at_most": 3,
        },
        "repeats": REPEATS,
        "store": "sqlite file",
        "snapshot_interval": 50,
    }
    for name, f in figures.items():
        if isinstance(f, dict):
            print(
                f"{name}: ours {f['ratio']}x (long vs short; target <= 3), "
                f"raw library without snapshots {f['raw_ratio']}x  {json.dumps(f)}"
            )
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["state_as_of"] = figures
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
