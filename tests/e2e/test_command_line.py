"""The command line, run as a user runs it: the demo, apply, broker, relay, consume, status,
rebuild and verify, as separate processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import wait_until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "infra.cli"]


def run(
    args: list[str], env: dict[str, str], check: bool = True, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}:\n{result.stderr}")
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))}
    return clean | {"LEDGER_DATA_DIR": str(tmp_path / "ledger"), "LOG_LEVEL": "warning"}


def test_the_demo_prints_every_example_complaint_from_the_kafka_fed_read_model(
    env: dict[str, str],
) -> None:
    statuses = json.loads(run(["demo", "--json"], env).stdout)
    by_reference = {s["reference"]: s for s in statuses}
    assert by_reference["CMP-2026-0001"]["state"] == "resolved"
    assert by_reference["CMP-2026-0001"]["outcome"] == "upheld"
    assert by_reference["CMP-2026-0002"]["state"] == "responded"
    assert by_reference["CMP-2026-0003"]["state"] == "received"
    assert by_reference["CMP-2026-0104"]["outcome"] == "partially_upheld"


def test_the_demo_prints_a_table_and_can_run_again(env: dict[str, str]) -> None:
    first = run(["demo"], env)
    again = run(["demo"], env)
    assert "CMP-2026-0104" in first.stdout and "partially_upheld" in first.stdout
    assert first.stdout == again.stdout


def test_apply_rejects_an_invalid_line_with_its_number_and_stores_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    good = (ROOT / "examples" / "01-complaints-march-2026.jsonl").read_text().splitlines()[1]
    bad = good.replace("+07:00", "", 1)
    scenario = tmp_path / "bad.jsonl"
    scenario.write_text(good.replace("0001", "0900") + "\n" + bad + "\n")
    result = run(["apply", str(scenario)], env, check=False)
    assert result.returncode == 2
    assert "line 2" in result.stderr and "C-TIME-1" in result.stderr
    history = run(["history", "CMP-2026-0900"], env, check=False)
    assert history.returncode == 2 and "unknown complaint" in history.stderr


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
        wait_until(
            lambda: (
                len(json.loads(run(["status", "--json"], env).stdout)) == 4
                and json.loads(run(["status", "--json"], env).stdout)[0]["version"] == 3
            ),
            timeout=90,
            interval=1,
        )
        consumer.send_signal(signal.SIGTERM)
        assert consumer.wait(timeout=30) == 0, consumer.stderr.read() if consumer.stderr else ""
        # assert: the rebuild from the event store equals the Kafka-fed read model
        assert "identical to the Kafka-fed read model: True" in run(["rebuild"], env).stdout
        assert run(["verify"], env).returncode == 0
        # an event altered in the store after publication is detected
        db = sqlite3.connect(Path(env["LEDGER_DATA_DIR"]) / "events.sqlite")
        db.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
            '\'"outcome":"upheld"\', \'"outcome":"rejected"\') AS BLOB)'
        )
        db.commit()
        db.close()
        tampered = run(["verify"], env, check=False)
        assert tampered.returncode == 1
        assert "1 mismatches" in tampered.stdout and "ComplaintResolved" in tampered.stdout
    finally:
        if consumer is not None and consumer.poll() is None:
            consumer.kill()
        broker.send_signal(signal.SIGTERM)
        broker.wait(timeout=30)
