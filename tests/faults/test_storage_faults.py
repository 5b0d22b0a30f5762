"""Fault suite, storage path (issue 11): writers racing on one case, processes creating a fresh
store at once, a disk that fills and a file system that turns read-only during writes. Real
processes (`claims-ledger apply`), real SQLite files and a real PostgreSQL server. Each ends with
no traceback, a clean one-line refusal or success, and a store that verifies."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
from tests.faults.harness import FaultRow, environment, record

pytestmark = pytest.mark.faults

WRITERS = 8
RECEIVED = "2026-03-02T09:05:00+07:00"


def receive(reference: str) -> dict[str, str]:
    return {
        "at": "2026-03-02T09:10:00+07:00",
        "command": "ReceiveComplaint",
        "complaint": reference,
        "channel": "contact_center",
        "form": "written",
        "product": "EstateCare",
        "explanation": "Menunggu surveyor.",
        "occurred_at": RECEIVED,
    }


def initial_response(reference: str, ack: str) -> dict[str, str]:
    return {
        "at": "2026-03-02T14:40:00+07:00",
        "command": "GiveInitialResponse",
        "complaint": reference,
        "registration_reference": ack,
        "receipt_date": "2026-03-02",
        "contact_phone": "+62 21 555 0100",
        "occurred_at": "2026-03-02T14:35:00+07:00",
    }


def scenario_file(path: Path, *lines: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def apply_at_once(settings: Settings, files: list[Path]) -> list[subprocess.CompletedProcess[str]]:
    """Start one `claims-ledger apply` per file, all at once; wait for every one."""
    env = environment(settings, LOG_LEVEL="warning")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "claims_ledger", "apply", str(f)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    results = []
    for process, f in zip(processes, files, strict=True):
        out, err = process.communicate(timeout=300)
        results.append(subprocess.CompletedProcess([str(f)], process.returncode, out, err))
    return results


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claims_ledger", *args],
        env=environment(settings, LOG_LEVEL="warning"),
        capture_output=True,
        text=True,
        timeout=300,
    )


def tracebacks(results: list[subprocess.CompletedProcess[str]]) -> int:
    return sum(r.stderr.count("Traceback (most recent call last)") for r in results)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def event_count(settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        return ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()  # no file of the store left open by this process


def responses(settings: Settings, reference: str) -> int:
    ledger = build_ledger(settings)
    return sum(
        type(event).__name__ == "InitialResponseGiven"
        for event in ledger.history(complaint_id(reference))
    )


def test_writers_racing_on_one_case_end_cleanly_and_store_each_change_once(
    store_settings: Settings, tmp_path: Path
) -> None:
    """Eight files each answer their own complaint, eight more all answer the same one (only
    one may: CP-FLOW-1), all sixteen processes at once."""
    # arrange
    references = [f"CMP-RACE-{i}" for i in range(WRITERS + 1)]
    base = scenario_file(tmp_path / "base.jsonl", *(receive(r) for r in references))
    assert cli(store_settings, "apply", str(base)).returncode == 0
    own = [
        scenario_file(tmp_path / f"own-{i}.jsonl", initial_response(references[i + 1], f"A{i}"))
        for i in range(WRITERS)
    ]
    same = [
        scenario_file(tmp_path / f"same-{i}.jsonl", initial_response(references[0], f"S{i}"))
        for i in range(WRITERS)
    ]
    # act
    results = apply_at_once(store_settings, [*own, *same])
    # assert: every own file stored once; one same file stored, the others refused in one line
    own_results, same_results = results[:WRITERS], results[WRITERS:]
    refused = [r for r in same_results if r.returncode == 2]
    lost = sum(responses(store_settings, r) != 1 for r in references[1:])
    twice = sum(max(0, responses(store_settings, r) - 1) for r in references)
    verified = cli(store_settings, "verify")
    row = record(
        FaultRow(
            f"two writers, one case ({'PostgreSQL' if store_settings.uses_postgres else 'SQLite'})",
            "-",
            attempts=len(results),
            events=event_count(store_settings),
            lost=lost,
            twice=twice,
            tracebacks=tracebacks(results),
        )
    )
    assert (row.lost, row.twice, row.tracebacks) == (0, 0, 0)
    assert all(r.returncode == 0 for r in own_results), [r.stderr for r in own_results]
    assert sum(r.returncode == 0 for r in same_results) == 1
    assert len(refused) == WRITERS - 1
    for result in refused:
        (line,) = error_lines(result)
        assert "line 1: CP-FLOW-1" in line and "nothing of this file was stored" in line
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_processes_creating_a_fresh_store_at_once_all_succeed(
    store_settings: Settings, tmp_path: Path
) -> None:
    # arrange: a data folder (and database) nobody has opened yet
    files = [
        scenario_file(tmp_path / f"new-{i}.jsonl", receive(f"CMP-FRESH-{i}"))
        for i in range(WRITERS)
    ]
    # act
    results = apply_at_once(store_settings, files)
    # assert
    ledger = build_ledger(store_settings)
    cases = sum(bool(list(ledger.history(complaint_id(f"CMP-FRESH-{i}")))) for i in range(WRITERS))
    row = record(
        FaultRow(
            f"fresh store, {WRITERS} at once "
            f"({'PostgreSQL' if store_settings.uses_postgres else 'SQLite'})",
            "-",
            attempts=len(results),
            events=event_count(store_settings),
            lost=WRITERS - cases,
            tracebacks=tracebacks(results),
        )
    )
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert (row.lost, row.tracebacks) == (0, 0)
    assert cli(store_settings, "verify").returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB file system (tmpfs) for the data folder; needs root to mount."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_and_a_read_only_file_system_during_writes_store_nothing_half(
    small_disk: Path, tmp_path: Path
) -> None:
    # arrange: a store on the small disk, with cases in it
    settings = Settings(ledger_data_dir=small_disk / "ledger")
    base = scenario_file(tmp_path / "base.jsonl", *(receive(f"CMP-DISK-{i}") for i in range(20)))
    assert cli(settings, "apply", str(base)).returncode == 0
    stored = event_count(settings)
    answers = scenario_file(
        tmp_path / "answers.jsonl",
        *(initial_response(f"CMP-DISK-{i}", f"ACK-{i}") for i in range(20)),
    )
    results = []
    # act 1: the disk fills up
    filler = small_disk / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)
    results.append(full := cli(settings, "apply", str(answers)))
    filler.unlink()
    after_full = event_count(settings)
    # act 2: the file system turns read-only
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        results.append(read_only := cli(settings, "apply", str(answers)))
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    after_read_only = event_count(settings)
    verified = cli(settings, "verify")
    row = record(
        FaultRow(
            "disk full, then read-only (SQLite)",
            "-",
            attempts=2,
            events=stored,
            lost=stored - after_read_only,
            twice=max(0, after_full - stored) + max(0, after_read_only - stored),
            tracebacks=tracebacks(results),
        )
    )
    # assert: one clear line each, nothing of the file stored, the store intact
    assert (full.returncode, read_only.returncode) == (2, 2)
    (full_line,) = error_lines(full)
    assert "full" in full_line and "nothing was stored" in full_line
    (read_only_line,) = error_lines(read_only)
    assert "writ" in read_only_line and "LEDGER_DATA_DIR" in read_only_line
    assert (row.lost, row.twice, row.tracebacks) == (0, 0, 0)
    assert verified.returncode == 0, verified.stdout + verified.stderr
