"""The command line, run as a user runs it: the demo, apply, broker, relay, consume, status,
rebuild and verify, as separate processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from claims_ledger.domain.envelope import PublishedEvent
from tests.servers import wait_until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "claims_ledger"]


def run(
    args: list[str], env: dict[str, str], check: bool = True, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}:\n{result.stderr}")
    return result


def _rows(database: Path, table: str) -> int:
    """Rows in a table of a SQLite file, -1 while it does not exist yet."""
    if not database.exists():
        return -1
    db = sqlite3.connect(database)
    try:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return -1
    finally:
        db.close()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))}
    return clean | {"LEDGER_DATA_DIR": str(tmp_path / "ledger"), "LOG_LEVEL": "warning"}


def test_the_demo_prints_every_example_complaint_from_the_kafka_fed_read_model(
    env: dict[str, str],
) -> None:
    shown = json.loads(run(["demo", "--json"], env).stdout)
    by_reference = {s["reference"]: s for s in shown["complaints"]}
    assert by_reference["CMP-2026-0001"]["state"] == "closed"
    assert by_reference["CMP-2026-0001"]["track"] == "oral"
    assert by_reference["CMP-2026-0003"]["state"] == "closed_incomplete"
    assert by_reference["CMP-2026-0004"]["represented"] is True
    assert by_reference["CMP-2026-0104"]["outcome"] == "partially_upheld"
    assert by_reference["CMP-2026-0105"]["state"] == "received"
    breaches = sorted((b["rule_id"], b["status"]) for b in shown["breaches"])
    assert breaches == [
        ("CP-SLA-1", "breach_closed"),
        ("CP-SLA-2", "breached"),
        ("EC-III-N", "breach_closed"),  # the neighbour's claim notified an hour late
        ("RG-CL-1", "breach_closed"),  # the flight delay paid after 30 days
        ("RG-CP-2", "breach_closed"),
        ("TR-P-1", "breach_closed"),  # Paris: police report 25 h 35 min after the theft
        ("TR-P-1", "breach_closed"),
    ]
    claims = {(c["reference"], c["section"]): c for c in shown["claims"]}
    assert claims[("CL-2026-0101", "I")]["paid"] == "85750000"  # EC-C-1 share of 171.5M
    assert claims[("CL-2026-0102", "II")]["paid"] == "27100000"
    assert claims[("CL-2026-0103", "III")]["paid"] == "150000000"  # 10 % of the Section I SI
    assert claims[("CL-2026-0104", "IV")]["paid"] == "300000000"
    fire_calculations = [c for c in shown["calculations"] if c["section"] == "I"]
    assert [c["payable"] for c in fire_calculations] == ["0", "85750000"]  # EC-I-2, then paid
    # travel claims (TR-FLOW-1, TR-PAY-1) and the evacuation as an assistance case (TR-AS-1)
    assert claims[("TR-2026-0301", "A")]["paid"] == "26250000"  # 38.5M - 12.25M refunds
    assert claims[("TR-2026-0302", "G1")]["paid"] == "10000000"  # the example Silver G1 limit
    assert claims[("TR-2026-0302", "G3")]["status"] == "declined"
    stages = {t["reference"]: t["stage"] for t in shown["travel_claims"]}
    assert stages == dict.fromkeys(["TR-2026-0301", "TR-2026-0302", "TR-2026-0303"], "settled")
    (evacuation,) = shown["assistance_cases"]
    assert evacuation["section"] == "B2a" and evacuation["report_delay_seconds"] == 40 * 60
    # personal fields shown to the person running it in clear: nothing was erased
    assert "Nepal" in evacuation["location"]
    assert "[erased]" not in json.dumps(shown)


def test_the_demo_prints_a_table_and_can_run_again(env: dict[str, str]) -> None:
    first = run(["demo"], env)
    again = run(["demo"], env)
    assert "CMP-2026-0104" in first.stdout and "partially_upheld" in first.stdout
    assert first.stdout == again.stdout


def test_a_view_of_an_empty_read_model_over_stored_events_says_how_to_fill_it(
    env: dict[str, str],
) -> None:
    # arrange: events stored, nothing relayed, consumed or rebuilt yet
    run(["apply", "examples/01-complaints-q1-2026.jsonl"], env)
    # act
    before = run(["status", "--json"], env)
    rebuilt = run(["rebuild", "--replace"], env, check=False)  # 1: they differed
    after = run(["status", "--json"], env)
    # assert: the empty answer comes with why (on stderr: stdout stays the answer)
    assert json.loads(before.stdout) == []
    assert "read model is empty but the event store is not" in before.stderr
    assert "claims-ledger consume" in before.stderr and "rebuild --replace" in before.stderr
    assert rebuilt.returncode == 1 and "read model is empty" not in rebuilt.stderr
    assert len(json.loads(after.stdout)) == 5 and "read model is empty" not in after.stderr


def test_apply_rejects_an_invalid_line_with_its_number_and_stores_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    lines = (ROOT / "examples" / "01-complaints-q1-2026.jsonl").read_text().splitlines()
    good = next(line for line in lines if '"ReceiveComplaint"' in line)
    bad = good.replace("+07:00", "", 1)
    scenario = tmp_path / "bad.jsonl"
    scenario.write_text(good.replace("0001", "0900") + "\n" + bad + "\n")
    result = run(["apply", str(scenario)], env, check=False)
    assert result.returncode == 2
    assert "line 2" in result.stderr and "C-TIME-1" in result.stderr
    history = run(["history", "CMP-2026-0900"], env, check=False)
    assert history.returncode == 2 and "unknown case" in history.stderr


def test_separate_processes_publish_consume_rebuild_and_detect_tampering(
    env: dict[str, str],
) -> None:
    # arrange: the embedded broker as its own process
    broker = subprocess.Popen(
        [*CLI, "broker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    consumer: subprocess.Popen[str] | None = None
    try:
        assert broker.stdout is not None
        line = broker.stdout.readline().strip()
        assert line.startswith("KAFKA_BOOTSTRAP_SERVERS=")
        env = env | {"KAFKA_BOOTSTRAP_SERVERS": line.split("=", 1)[1]}
        # act
        run(["apply", *sorted(str(p) for p in (ROOT / "examples").glob("*.jsonl"))], env)
        run(["relay", "--until-caught-up"], env)
        consumer = subprocess.Popen(
            [*CLI, "consume"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        data = Path(env["LEDGER_DATA_DIR"])
        wait_until(
            lambda: (
                _rows(data / "readmodels.sqlite", "rm_ledger_events")
                == _rows(data / "events.sqlite", "stored_events")
            ),
            timeout=90,
            interval=1,
        )
        consumer.send_signal(signal.SIGTERM)
        assert consumer.wait(timeout=30) == 0, consumer.stderr.read() if consumer.stderr else ""
        # assert: the rebuild from the event store equals the Kafka-fed read model
        assert "identical to the Kafka-fed read model: True" in run(["rebuild"], env).stdout
        assert run(["verify"], env).returncode == 0
        # the regulator's views come out of the Kafka-fed read model
        view = json.loads(run(["timeline", "CMP-2026-0002", "--json"], env).stdout)
        rg_cp_2 = next(d for d in view["deadlines"] if d["rule_id"] == "RG-CP-2")
        assert rg_cp_2["extended_by"] == "RG-CP-3" and rg_cp_2["status"] == "breach_closed"
        assert view["steps"][0]["recorded_late_by"] is not None  # logged the next morning
        report = run(["report", "2026-Q1", "--csv"], env).stdout
        assert "summary,received,5\n" in report and "received_by_channel,sms,1\n" in report
        breached = json.loads(run(["deadlines", "--breached", "--json"], env).stdout)
        assert sorted(b["rule_id"] for b in breached) == [
            "CP-SLA-1",
            "CP-SLA-2",
            "EC-III-N",
            "RG-CL-1",
            "RG-CP-2",
            "TR-P-1",
            "TR-P-1",
        ]
        # an event altered in the store after publication is detected
        db = sqlite3.connect(Path(env["LEDGER_DATA_DIR"]) / "events.sqlite")
        db.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
            "'PGD/2026/03/0001', 'PGD/2026/03/9999') AS BLOB)"
        )
        db.commit()
        db.close()
        tampered = run(["verify"], env, check=False)
        assert tampered.returncode == 1
        # the altered event and every later event of that complaint no longer chain; the
        # checkpoints the relay signed no longer match the log
        listed = [line for line in tampered.stdout.splitlines() if line.startswith("  ")]
        cases = [line for line in listed if not line.startswith("  checkpoint")]
        assert "ComplaintRegistered" in cases[0]
        assert len({line.split()[1] for line in cases}) == 1  # one complaint only
        assert any("do not hash to its root" in line for line in listed)
    finally:
        if consumer is not None and consumer.poll() is None:
            consumer.kill()
        broker.send_signal(signal.SIGTERM)
        broker.wait(timeout=30)


def test_the_deadline_process_closes_a_complaint_whose_document_window_passed(
    env: dict[str, str],
) -> None:
    run(["apply", *sorted(str(p) for p in (ROOT / "examples").glob("*.jsonl"))], env)
    naive = run(["check-deadlines", "--now", "2027-02-01T09:00:00"], env, check=False)
    assert naive.returncode == 2 and "C-TIME-1" in naive.stderr
    checked = run(["check-deadlines", "--now", "2027-02-01T09:00:00+07:00"], env)
    assert checked.stdout.startswith("1 breach recorded")  # CMP-2026-0105's CP-SLA-2 window
    history = json.loads(run(["history", "CMP-2026-0105", "--json"], env).stdout)
    assert [e["event_type"] for e in history[-2:]] == [
        "ComplaintDeadlineBreached",
        "ComplaintClosedIncomplete",
    ]
    assert history[-1]["payload"]["missing_documents"] == [
        "ektp_copy",
        "email_address",
        "phone_number",
        "policy_number",
    ]
    again = run(["check-deadlines", "--now", "2027-02-02T09:00:00+07:00"], env)
    assert again.stdout.startswith("0 breaches recorded")


SIX_CASE_TYPES = {
    "CMP-2026-0001": "complaint",
    "EC-2026-0481": "policy",
    "CL-2026-0101": "claim",
    "TR-2026-0302": "claim",
    "AGA-2026-1107": "claim",
    "2026-Q1": "report",
}


def test_history_json_replays_a_case_of_each_of_the_six_types_in_the_demo(
    env: dict[str, str],
) -> None:
    # arrange: the demo's scenarios in the event store
    run(["apply", *sorted(str(p) for p in (ROOT / "examples").glob("*.jsonl"))], env)
    for reference, aggregate_type in SIX_CASE_TYPES.items():
        # act
        events = json.loads(run(["history", reference, "--json"], env).stdout)
        # assert: every stored event, in order, each chained to the one before as published
        assert [e["version"] for e in events] == list(range(1, len(events) + 1))
        assert {e["aggregate_type"] for e in events} == {aggregate_type}
        published = [{k: v for k, v in e.items() if k != "audit"} for e in events]
        assert all(PublishedEvent.model_validate(e).hash_is_valid() for e in published)
        # beside each envelope: the change the event made to the case
        assert events[0]["audit"]["change"] and all("rule_ids" in e["audit"] for e in events)
        assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]


def test_the_version_is_the_installed_distributions(env: dict[str, str]) -> None:
    shown = run(["--version"], env).stdout
    assert shown == f"claims-ledger {version('claims-ledger')}\n"
