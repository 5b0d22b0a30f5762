"""A scenario file is one transaction however long it is (CP-FLOW-1: all its lines or none).
On PostgreSQL, a file of 2,000 complaints (10,523 events) once never finished: the library's
pipelined insert, one statement per event, left client and server each waiting for the other.
The ledger now inserts a transaction's events with one statement."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
from tests.faults.harness import environment
from tests.scenarios import complaint_lines, write_scenario


def test_a_file_of_2000_complaints_is_stored_whole_on_postgresql(
    postgres_settings: Settings, tmp_path: Path
) -> None:
    # arrange
    path = write_scenario(tmp_path / "year.jsonl", complaint_lines(2000))
    # act: the command line, given five minutes (it takes seconds)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "claims_ledger", "apply", str(path)],
            env=environment(postgres_settings, LOG_LEVEL="warning"),
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("applying 2,000 complaints on PostgreSQL did not finish") from None
    # assert: every line stored, sealed and indexed, in one transaction
    assert result.returncode == 0, result.stderr
    ledger = build_ledger(postgres_settings)
    stored = ledger.recorder.max_notification_id()
    assert stored == 10_523
    seals = ledger.recorder.select_seals(1)  # type: ignore[attr-defined]
    assert sorted(seals) == list(range(1, stored + 1))
