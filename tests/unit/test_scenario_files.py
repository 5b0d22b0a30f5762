"""Scenario files: an invalid line is rejected with its line number and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.scenario import ScenarioError, apply_file

RECEIVE = (
    '{"at": "2026-03-02T09:10:00+07:00", "command": "ReceiveComplaint", '
    '"complaint": "C-1", "channel": "email", "form": "written", '
    '"explanation": "Unpaid claim.", "occurred_at": "2026-03-02T09:00:00+07:00"}'
)
RESPOND = (
    '{"at": "2026-03-02T10:10:00+07:00", "command": "GiveInitialResponse", '
    '"complaint": "C-1", "registration_reference": "ACK-1", "receipt_date": "2026-03-02", '
    '"contact_phone": "1500481", "occurred_at": "2026-03-02T10:00:00+07:00"}'
)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "events.sqlite"),
        }
    )


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "scenario.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_valid_file_is_applied_in_order(ledger: Ledger, tmp_path: Path) -> None:
    applied = apply_file(ledger, write(tmp_path, "# comment", RECEIVE, "", RESPOND))
    assert applied.commands == 2
    assert ledger.complaint("C-1").responded_at is not None


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (
            RESPOND.replace("GiveInitialResponse", "EscalateToMinister"),
            "unknown command 'EscalateToMinister' (accepted: ReceiveComplaint",
        ),
        (RESPOND.replace("10:00:00+07:00", "10:00:00"), "C-TIME-1"),
        (RESPOND.replace('"complaint": "C-1", ', ""), "complaint: missing field"),
        (RESPOND.replace('"C-1"', '"C-999"'), "unknown complaint 'C-999'"),
        (
            '{"at": "2026-03-02T10:10:00+07:00", "command": "ResolveComplaint", '
            '"complaint": "C-1", "outcome": "upheld", "occurred_at": "2026-03-02T10:00:00+07:00"}',
            "CP-FLOW-1",
        ),
        (
            RESPOND.replace(
                '"at": "2026-03-02T10:10:00+07:00"', '"at": "2026-03-02T09:55:00+07:00"'
            ),
            "C-TIME-2",
        ),
        (RESPOND[:-1] + ', "fee": "50000"}', "fee: unknown field"),  # RG-CP-5: free of charge
        ("[1, 2]", "a line must be a JSON object"),
        ("{broken", "not valid JSON"),
    ],
)
def test_an_invalid_line_names_its_number_and_reason_and_nothing_is_stored(
    ledger: Ledger, tmp_path: Path, bad_line: str, reason: str
) -> None:
    path = write(tmp_path, RECEIVE, bad_line)
    with pytest.raises(ScenarioError) as raised:
        apply_file(ledger, path)
    assert raised.value.line_no == 2
    assert reason in str(raised.value)
    assert "line 2" in str(raised.value)
    assert (ledger.recorder.max_notification_id() or 0) == 0


def test_applying_the_same_file_twice_applies_nothing_the_second_time(
    ledger: Ledger, tmp_path: Path
) -> None:
    path = write(tmp_path, RECEIVE, RESPOND)
    apply_file(ledger, path)
    with pytest.raises(ScenarioError, match="line 1: complaint 'C-1' already exists"):
        apply_file(ledger, path)
    assert ledger.recorder.max_notification_id() == 5  # received, 2 deadlines, response, met


def test_scenario_times_are_the_recording_times(ledger: Ledger, tmp_path: Path) -> None:
    apply_file(ledger, write(tmp_path, RECEIVE, RESPOND))
    events = list(ledger.history(ledger.complaint("C-1").id))
    assert [e.timestamp.isoformat() for e in events] == ["2026-03-02T09:10:00+07:00"] * 3 + [
        "2026-03-02T10:10:00+07:00"
    ] * 2
