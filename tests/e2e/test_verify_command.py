"""`claims-ledger verify`, run as a user runs it: on a folder that does not exist, on a sealed
store, on a store altered after its events were sealed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "claims_ledger"]


def run(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))}
    env = clean | {"LEDGER_DATA_DIR": str(data), "LOG_LEVEL": "warning"}
    return subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_verify_refuses_a_data_folder_that_does_not_exist_and_creates_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-ledger"
    result = run(["verify"], missing)
    assert result.returncode == 2
    assert f"data folder {missing} does not exist" in result.stderr
    assert not missing.exists()


def test_verify_passes_a_sealed_store_and_names_an_event_altered_since(tmp_path: Path) -> None:
    # arrange
    data = tmp_path / "ledger"
    assert (
        run(["apply", str(ROOT / "examples" / "01-complaints-q1-2026.jsonl")], data).returncode == 0
    )
    sound = json.loads(run(["verify", "--json"], data).stdout)
    assert sound["ok"] and sound["stored_events"] == sound["sealed_events"] > 0
    db = sqlite3.connect(data / "events.sqlite")
    db.execute(
        "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
        "'PGD/2026/03/0001', 'PGD/2026/03/9999') AS BLOB)"
    )
    db.commit()
    db.close()
    # act
    result = run(["verify"], data)
    # assert
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert line.startswith("  complaint CMP-2026-0001 (")
    assert " v7 ComplaintRegistered: altered since it was stored" in line
