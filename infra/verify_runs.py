"""What the verification page shows: the latest signed checkpoint and the last `verify` run.

Each `claims-ledger verify` appends its result, one JSON line, to `verify-runs.jsonl` in the
checkpoint folder (LEDGER_CHECKPOINT_DIR), beside `checkpoints.txt`: when it ran, against which
checkpoints, what it counted and every problem it named. The record is a convenience for the
pages; it proves nothing by itself (anyone who can write the folder can write it): an auditor
re-runs `verify` against checkpoints kept elsewhere.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from claims_ledger.infra.audit import VerifyReport
from claims_ledger.infra.checkpoint import CheckpointError
from claims_ledger.infra.checkpoint_log import (
    CHECKPOINTS_FILE,
    parse_signed,
    read_checkpoint_file,
)
from claims_ledger.infra.settings import Settings
from claims_ledger.projections.formatting import wib

VERIFY_RUNS_FILE = "verify-runs.jsonl"
PROBLEMS_KEPT = 50


def record_verify_run(
    settings: Settings, report: VerifyReport, checkpoint_source: str, at: datetime
) -> None:
    """Append one verify run's result to the checkpoint folder (created when missing)."""
    folder = settings.checkpoint_dir
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "at": wib(at),
        "ok": report.ok,
        "stored_events": report.stored_events,
        "sealed_events": report.sealed_events,
        "cases": report.aggregates,
        "checkpoints_checked": report.checkpoints,
        "checkpoint_source": checkpoint_source,
        "covered_events": report.covered_events,
        "uncovered_events": report.uncovered_events,
        "problems": len(report.problems),
        "problem_lines": report.lines()[:PROBLEMS_KEPT],
    }
    with (folder / VERIFY_RUNS_FILE).open("a", encoding="utf-8") as runs:
        runs.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


class CheckpointFolderVerification:
    """The verification page's source: the checkpoint folder of the configured ledger."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def latest_checkpoint(self) -> dict[str, Any] | None:
        path = self.settings.checkpoint_dir / CHECKPOINTS_FILE
        if not path.is_file():
            return None
        try:
            notes = read_checkpoint_file(path)
            if not notes:
                return None
            checkpoint = parse_signed(notes[-1].note)
        except (CheckpointError, ValueError, OSError) as error:
            return {"error": f"{path}: {error}"}
        return {
            "origin": checkpoint.origin,
            "tree_size": checkpoint.size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode("ascii"),
            "time": None if checkpoint.time is None else wib(checkpoint.time),
            "source": notes[-1].source,
            "note": notes[-1].note,
        }

    def last_run(self) -> dict[str, Any] | None:
        path = self.settings.checkpoint_dir / VERIFY_RUNS_FILE
        if not path.is_file():
            return None
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not lines:
            return None
        last: dict[str, Any] = json.loads(lines[-1])
        return last
