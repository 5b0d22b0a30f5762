"""Full rebuild: every read model from nothing, compared row by row with the live one; an
event altered in the store after it was folded is reported and exits 1 (issue 10, acceptance
5); `--replace` swaps the rebuilt rows in."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.cli import run
from claims_ledger.infra.full_rebuild import FRESH_PREFIX, full_rebuild
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import EVENTS_FILE, Settings
from claims_ledger.infra.store import build_ledger, open_ledger_for_audit, open_read_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "01-complaints-q1-2026.jsonl"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ledger holding the first example, its live read model fed with every event (by the
    same projections the Kafka consumer runs)."""
    folder = tmp_path / "ledger"
    settings = Settings(ledger_data_dir=folder)
    ledger = build_ledger(settings)
    apply_file(ledger, EXAMPLE)
    rebuild(ledger, open_read_model(settings))
    for name in list(os.environ):
        if name.upper().startswith(("KAFKA_", "LEDGER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LEDGER_DATA_DIR", str(folder))
    monkeypatch.setenv("LOG_LEVEL", "warning")
    return folder


def alter_first_event(folder: Path) -> None:
    """Rewrite one stored event's bytes in place, as an attacker with the database would."""
    with sqlite3.connect(folder / EVENTS_FILE) as db:
        rowid, state = db.execute(
            "SELECT rowid, state FROM stored_events ORDER BY rowid"
        ).fetchone()
        altered = re.sub(rb'"channel":"[a-z_]+"', b'"channel":"in_person"', bytes(state))
        assert altered != bytes(state)
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (altered, rowid))


def test_a_full_rebuild_of_an_untouched_store_is_identical(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["rebuild"]) == 0
    assert "identical to the Kafka-fed read model: True (0 differences)" in capsys.readouterr().out


def test_an_altered_event_is_reported_by_table_key_and_column_and_exits_1(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # arrange
    alter_first_event(data_dir)
    # act
    status = run(["rebuild", "--json"])
    # assert
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert not report["identical_to_kafka_fed"] and not report["replaced"]
    changed = {(d["table"], d["column"]) for d in report["differences"]}
    assert ("complaint_status", "channel") in changed
    assert ("ledger_events", "hash") in changed
    channel = next(d for d in report["differences"] if d["column"] == "channel")
    assert channel["kafka_fed"] != "in_person" and channel["rebuilt"] == "in_person"


def test_replace_swaps_the_rebuilt_read_model_in(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alter_first_event(data_dir)
    assert run(["rebuild", "--replace"]) == 1  # differed, and was replaced as asked
    capsys.readouterr()
    assert run(["rebuild"]) == 0  # the live read model is now the store's fold


def test_full_rebuild_compares_row_by_row_on_both_stores(store_settings: Settings) -> None:
    ledger = build_ledger(store_settings)
    apply_file(ledger, EXAMPLE)
    live = open_read_model(store_settings)
    rebuild(ledger, live)
    report = full_rebuild(
        open_ledger_for_audit(store_settings), open_read_model(store_settings, FRESH_PREFIX), live
    )
    assert report.identical and report.applied > 0 and report.rows > 0
