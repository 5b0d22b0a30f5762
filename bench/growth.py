"""How the cost grows: one SQLite ledger grown to about 10,000, 100,000 and 1,000,000 events by
applying scenario files of 5,000 complaints each, and at each size every read model rebuilt from
nothing. Each step runs in a child process of its own, so its peak memory (the child's maximum
resident set, from `wait4`) is its own. Issue 12's targets: rebuilding 1,000,000 events takes at
most 11 x the time of 100,000, in under 1 GiB.

Figures are merged into bench/results.json under "growth" (read-modify-write)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import T0  # noqa: E402
from tests.scenarios import complaint_lines, write_scenario  # noqa: E402

RESULTS = Path(__file__).with_name("results.json")
CASES_PER_FILE = 5_000
SIZES = {"10k": 2_000, "100k": 20_000, "1M": 200_000}
"""Complaints stored at each size (about 5.2 events each)."""

APPLY = """
import sys, time
from pathlib import Path
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
configure_logging("console", "warning")
ledger = build_ledger(Settings(ledger_data_dir=Path(sys.argv[1])))
started = time.perf_counter()
for path in sys.argv[2:]:
    apply_file(ledger, Path(path))
print(ledger.recorder.max_notification_id() or 0, time.perf_counter() - started)
"""

REBUILD = """
import sys, time
from pathlib import Path
from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
configure_logging("console", "warning")
settings = Settings(ledger_data_dir=Path(sys.argv[1]))
ledger, target = build_ledger(settings), open_read_model(settings, prefix=sys.argv[2])
started = time.perf_counter()
print(rebuild(ledger, target), time.perf_counter() - started)
"""


def child(code: str, *args: str) -> tuple[int, float, int]:
    """Run `code` in a child process: (the count and seconds it prints, its peak resident
    bytes). The child times its own work: starting Python is left out."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench child failed ({process.returncode}): {code.splitlines()[-1]}")
    count, seconds = output.split()[-2:]
    return int(count), float(seconds), usage.ru_maxrss * 1024


def scenario_files(folder: Path, first: int, last: int) -> list[str]:
    """Files of CASES_PER_FILE complaints numbered first..last-1, each later than the one
    before (five minutes between complaints, as in tests/scenarios.py)."""
    paths = []
    for start in range(first, last, CASES_PER_FILE):
        cases = min(CASES_PER_FILE, last - start)
        lines = complaint_lines(
            cases, start=T0 + timedelta(minutes=5 * start), prefix=f"G{start:07d}"
        )
        paths.append(str(write_scenario(folder / f"cases-{start:07d}.jsonl", lines)))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--up-to", choices=list(SIZES), default="1M")
    wanted = list(SIZES)[: list(SIZES).index(parser.parse_args().up_to) + 1]
    folder = Path(tempfile.mkdtemp(prefix="ledger-growth-"))
    store = folder / "ledger"
    rows: dict[str, Any] = {}
    stored_cases = 0
    for size in wanted:
        cases = SIZES[size]
        files = scenario_files(folder, stored_cases, cases)
        events, apply_s, apply_rss = child(APPLY, str(store), *files)
        stored_cases = cases
        rebuilt, rebuild_s, rebuild_rss = child(REBUILD, str(store), f"r{size.lower()}_")
        assert rebuilt == events, (rebuilt, events)
        rows[size] = {
            "events": events,
            "rebuild_seconds": round(rebuild_s, 1),
            "rebuild_events_per_second": round(events / rebuild_s),
            "rebuild_peak_memory_mib": round(rebuild_rss / 2**20),
            "apply_step_seconds": round(apply_s, 1),
            "apply_step_peak_memory_mib": round(apply_rss / 2**20),
        }
        print(
            f"{size}: {events:,} events | rebuild {rebuild_s:.1f} s "
            f"({events / rebuild_s:,.0f} ev/s), peak {rebuild_rss / 2**20:,.0f} MiB | "
            f"apply of this step {apply_s:.1f} s, peak {apply_rss / 2**20:,.0f} MiB",
            flush=True,
        )
    result: dict[str, Any] = {"store": "sqlite file", "sizes": rows}
    if "100k" in rows and "1M" in rows:
        ratio = rows["1M"]["rebuild_seconds"] / rows["100k"]["rebuild_seconds"]
        result["rebuild_1m_vs_100k"] = {
            "ratio": round(ratio, 2),
            "target_at_most": 11,
            "met": ratio <= 11 and rows["1M"]["rebuild_peak_memory_mib"] < 1024,
        }
        print(f"rebuild 1M vs 100k: {ratio:.2f} x the time (target <= 11, under 1 GiB)")
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored["growth"] = result
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
