"""The deadline process reads only deadlines that are due: an index of open deadlines by due
time, kept in the events' transaction, and a heap while a scenario file is applied."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from claims_ledger.domain.clock import ScenarioClock
from claims_ledger.domain.deadline_index import DeadlineIndex, due_key
from claims_ledger.domain.deadlines import DeadlineStatus, DeadlineTracking
from claims_ledger.domain.ledger import CommandContext, Ledger
from claims_ledger.infra.scenario import apply_file, parse_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, iter_stored_events
from tests.factories import T0
from tests.scenarios import complaint_lines, write_scenario

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-0.1.0"


def breaches(ledger: Ledger) -> list[tuple[UUID, str, datetime, datetime]]:
    return sorted(
        (UUID(str(e.originator_id)), e.rule_id, e.occurred_at, e.timestamp)
        for _, e in iter_stored_events(ledger)
        if type(e).__name__ == "DeadlineBreached"
    )


def apply_file_checking_every_case(ledger: Ledger, path: Path) -> None:
    """How files were applied before the index: every case loaded, every deadline of every
    case checked after each line (the oracle the indexed process must agree with)."""
    lines, _ = parse_file(path)
    clock = ScenarioClock(lines[0].at)
    uow = ledger.unit_of_work()
    ledger.load_open_cases(uow)
    for line in lines:
        clock.advance_to(line.at)
        context = CommandContext(clock.now(), f"c{line.line_no}", f"c{line.line_no}")
        ledger.handle(line.command, context, uow)
        ledger.detect_breaches(uow, now=clock.now(), recorded_at=clock.now())
    uow.commit()


def open_deadlines(ledger: Ledger) -> set[tuple[UUID, str, int]]:
    """Every open deadline, read from the cases themselves."""
    found = set()
    for aggregate_id in ledger.case_ids():
        case: Any = ledger.repository.get(aggregate_id)
        assert isinstance(case, DeadlineTracking)
        for key, state in case.deadlines.items():
            if state.status is DeadlineStatus.OPEN:
                found.add((aggregate_id, key, due_key(state.due)))
    return found


def indexed(ledger: Ledger) -> set[tuple[UUID, str, int]]:
    index = ledger.recorder
    assert isinstance(index, DeadlineIndex) and index.deadline_index_ready()
    entries = index.open_deadlines_due_before(datetime(9999, 1, 1, tzinfo=T0.tzinfo))
    return {(e.aggregate_id, e.key, e.due_us) for e in entries}


def test_the_deadlines_examined_grow_linearly_with_the_file(tmp_path: Path) -> None:
    # arrange
    examined = {}
    for cases in (500, 2000):
        ledger = build_ledger(Settings(ledger_data_dir=tmp_path / f"l{cases}"))
        path = write_scenario(tmp_path / f"{cases}.jsonl", complaint_lines(cases))
        # act
        apply_file(ledger, path)
        examined[cases] = ledger.deadlines_examined
    # assert: four times the cases, about four times the work (the square would be sixteen)
    ratio = examined[2000] / examined[500]
    assert 3 < ratio < 6, examined


def test_indexed_files_record_the_same_breaches_as_checking_every_case(
    store_settings: Settings, tmp_path: Path
) -> None:
    # arrange: two files, the second reaching deadlines the first left open in the store
    first = write_scenario(tmp_path / "1.jsonl", complaint_lines(60, T0, "A"))
    second = write_scenario(tmp_path / "2.jsonl", complaint_lines(60, T0 + timedelta(days=3), "B"))
    ledger = build_ledger(store_settings)
    oracle = Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "oracle.sqlite"),
        }
    )
    # act
    for path in (first, second):
        apply_file(ledger, path)
        apply_file_checking_every_case(oracle, path)
    later = T0 + timedelta(days=40)
    found_later = ledger.check_deadlines(later)
    expected_later = oracle.check_deadlines(later)
    # assert
    assert breaches(ledger) and breaches(ledger) == breaches(oracle)
    assert found_later == expected_later > 0
    assert indexed(ledger) == open_deadlines(ledger)


def test_a_store_written_before_the_index_is_indexed_when_opened(tmp_path: Path) -> None:
    # arrange
    data = tmp_path / "ledger"
    data.mkdir()
    shutil.copy(FIXTURE / "events.sqlite", data / "events.sqlite")
    # act
    ledger = build_ledger(Settings(ledger_data_dir=data))
    # assert
    assert open_deadlines(ledger)
    assert indexed(ledger) == open_deadlines(ledger)


@pytest.mark.parametrize("days", [1, 30, 400])
def test_check_deadlines_loads_only_cases_with_a_deadline_due(
    sqlite_settings: Settings, tmp_path: Path, days: int
) -> None:
    # arrange
    ledger = build_ledger(sqlite_settings)
    apply_file(ledger, write_scenario(tmp_path / "f.jsonl", complaint_lines(40)))
    index = ledger.recorder
    assert isinstance(index, DeadlineIndex)
    now = T0 + timedelta(days=days)
    due = {e.aggregate_id for e in index.open_deadlines_due_before(now)}
    ledger.deadlines_examined = 0
    # act
    ledger.check_deadlines(now)
    # assert: the index entries read, and the deadlines of the cases they name
    assert ledger.deadlines_examined <= 2 * len(index.open_deadlines_due_before(now)) + 4 * len(due)
    assert not index.open_deadlines_due_before(now)
