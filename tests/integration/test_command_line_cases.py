"""Every read command accepts a case of any type: the command line run in this process on real
SQLite files holding the example scenarios, their read model rebuilt from the event store (the
same projections the Kafka consumer feeds)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.cli import run
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CASE_TYPES = {
    "CMP-2026-0001": "complaint",
    "EC-2026-0481": "policy",
    "CL-2026-0101": "property claim",
    "TR-2026-0302": "travel claim",
    "AGA-2026-1107": "assistance case",
    "2026-Q1": "quarterly report",
}
READ_COMMANDS = [
    "status",
    "history",
    "timeline",
    "payouts",
    "claim-documents",
    "deadlines",
    "aggregates",
    "travel-claims",
    "assistance",
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cases") / "ledger"
    settings = Settings(ledger_data_dir=folder)
    ledger = build_ledger(settings)
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        apply_file(ledger, path)
    rebuild(ledger, open_read_model(settings))
    return folder


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    for name in list(os.environ):
        if name.upper().startswith(("KAFKA_", "LEDGER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LEDGER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LOG_LEVEL", "warning")

    def call(*args: str) -> tuple[int, str, str]:
        status = run(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return call


@pytest.mark.parametrize("command", READ_COMMANDS)
@pytest.mark.parametrize("reference", list(CASE_TYPES))
def test_every_read_command_accepts_a_reference_of_each_case_type(
    cli: Any, command: str, reference: str
) -> None:
    status, out, err = cli(command, reference, "--json")
    assert (status, err) == (0, "")
    json.loads(out)


def test_status_of_a_case_names_its_type_state_version_and_last_event(cli: Any) -> None:
    for reference, case_type in CASE_TYPES.items():
        _, out, _ = cli("status", reference, "--json")
        shown = json.loads(out)
        assert shown["case_type"] == case_type
        assert shown["version"] >= 1 and shown["last_event"]
    _, out, _ = cli("status", "TR-2026-0302", "--json")
    assert json.loads(out)["state"] == "settled"
    assert json.loads(out)["sections"] == {"G1": "paid", "G3": "declined"}


def test_payouts_of_a_policy_cover_every_claim_on_it(cli: Any) -> None:
    _, out, _ = cli("payouts", "EC-2026-0481", "--json")
    shown = json.loads(out)
    references = {s["reference"] for s in shown["sections"]}
    assert references == {"CL-2026-0101", "CL-2026-0102", "CL-2026-0103", "CL-2026-0104"}
    assert len(shown["calculations"]) == 5  # Section I twice (EC-I-2), then one each


def test_a_timeline_of_a_travel_claim_shows_its_breached_police_report_deadlines(
    cli: Any,
) -> None:
    _, out, _ = cli("timeline", "TR-2026-0302", "--json")
    view = json.loads(out)
    assert view["case_type"] == "travel claim"
    late = {d["key"]: d["breach_duration"] for d in view["deadlines"] if d["breach_duration"]}
    assert late == {"TR-P-1/G1": "1h 35m", "TR-P-1/G3": "1h 35m"}  # TR-P-1
    assert all(s["occurred_at"].endswith("+07:00") for s in view["steps"])


def test_the_aggregates_of_a_property_claim_are_its_policys(cli: Any) -> None:
    _, out, _ = cli("aggregates", "CL-2026-0104", "--json")
    (row,) = json.loads(out)
    assert row["policy_number"] == "EC-2026-0481" and row["reserved"] == "300000000"


def test_a_view_that_does_not_apply_to_a_case_type_says_so_and_exits_0(cli: Any) -> None:
    status, out, _ = cli("payouts", "CMP-2026-0001")
    assert status == 0
    assert out.strip() == (
        "CMP-2026-0001 is a complaint: payout calculations are kept for property claims, "
        "travel claims, policies"
    )


def test_an_unknown_reference_is_refused_with_one_line_and_exit_2(cli: Any) -> None:
    status, out, err = cli("timeline", "CL-2026-9999")
    assert (status, out) == (2, "")
    assert err == "error: unknown case 'CL-2026-9999': no such case has been received\n"


def test_piped_tables_keep_every_value_whole(cli: Any) -> None:
    _, out, _ = cli("assistance")
    assert "AST-2026-133012" in out
    assert "Lobuche lodge, Khumbu, Nepal (4,940 m)" in out
    assert "…" not in out


def test_history_prints_times_in_wib_and_every_hash_in_full(cli: Any) -> None:
    _, table, _ = cli("history", "CMP-2026-0001")
    _, as_json, _ = cli("history", "CMP-2026-0001", "--json")
    events = json.loads(as_json)
    assert "History of complaint CMP-2026-0001: 12 events" in table
    assert all(e["hash"] in table for e in events)
    assert "2026-03-02T09:05:00+07:00" in table
