"""Clear errors, never a traceback: each mistake a user can make around the ledger leaves one
readable line on stderr naming the input and what to check, a non-zero exit status, and nothing
created. Run as a user runs the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claims_ledger.infra.broker import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "claims_ledger"]
FREE_PORT = "{free port}"


def run(
    args: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    return result, time.monotonic() - started


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))}
    return clean | {"LEDGER_DATA_DIR": str(tmp_path / "ledger"), "LOG_LEVEL": "warning"}


READ_AND_AUDIT_COMMANDS = [
    ["status"],
    ["status", "CMP-2026-0001"],
    ["history", "CL-2026-0101"],
    ["timeline", "TR-2026-0302"],
    ["payouts", "EC-2026-0481"],
    ["claim-documents", "CL-2026-0101"],
    ["deadlines"],
    ["aggregates"],
    ["travel-claims"],
    ["assistance", "AGA-2026-1107"],
    ["report", "2026-Q1"],
    ["rebuild"],
    ["verify"],
    ["check-deadlines"],
]

ERROR_CASES = [
    pytest.param(
        ["check-deadlines", "--now", "yesterday"],
        {},
        ["--now", "'yesterday'", "ISO 8601 time with an offset"],
        id="bad-option-value",
    ),
    pytest.param(["history"], {}, ["Missing argument", "'reference'"], id="missing-argument"),
    pytest.param(["hstory", "CMP-2026-0001"], {}, ["No such command"], id="unknown-command"),
    pytest.param(
        ["deadlines", "--breached=maybe"],
        {},
        ["'--breached' does not take a value", "see `claims-ledger deadlines --help`"],
        id="flag-given-a-value",
    ),
    pytest.param(
        ["deadlines", "--bogus"],
        {},
        ["No such option: --bogus", "see `claims-ledger deadlines --help`"],
        id="unknown-option",
    ),
    pytest.param(
        ["status"],
        {"KAFKA_TOPIC_PARTITIONS": "abc"},
        ["KAFKA_TOPIC_PARTITIONS='abc'", "accepted: a whole number"],
        id="invalid-setting-number",
    ),
    pytest.param(
        ["demo"],
        {"LOG_LEVEL": "verbose"},
        ["LOG_LEVEL='verbose'", "accepted: debug, info, warning, error"],
        id="invalid-setting-log-level",
    ),
    pytest.param(
        ["relay", "--until-caught-up"],
        {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{FREE_PORT}"},
        [f"127.0.0.1:{FREE_PORT}", "connection refused", "KAFKA_BOOTSTRAP_SERVERS"],
        id="unreachable-kafka-relay",
    ),
    pytest.param(
        ["consume"],
        {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{FREE_PORT}"},
        [f"127.0.0.1:{FREE_PORT}", "connection refused", "KAFKA_BOOTSTRAP_SERVERS"],
        id="unreachable-kafka-consume",
    ),
    pytest.param(
        ["status", "CMP-2026-0001"],
        {"LEDGER_POSTGRES_DBNAME": "ledger", "LEDGER_POSTGRES_PORT": FREE_PORT},
        [f"PostgreSQL at 127.0.0.1:{FREE_PORT}", "LEDGER_POSTGRES_PORT"],
        id="unreachable-postgresql",
    ),
    *[
        pytest.param(
            command,
            {},
            ["does not exist", "LEDGER_DATA_DIR"],
            id="no-data-folder-" + "-".join(command),
        )
        for command in READ_AND_AUDIT_COMMANDS
    ],
]


@pytest.mark.parametrize(("args", "variables", "named"), ERROR_CASES)
def test_a_mistake_leaves_one_readable_line_a_non_zero_exit_and_nothing_created(
    env: dict[str, str],
    tmp_path: Path,
    args: list[str],
    variables: dict[str, str],
    named: list[str],
) -> None:
    # arrange: an empty working directory and a data folder that does not exist
    port = str(free_port())
    env = env | {k: v.replace(FREE_PORT, port) for k, v in variables.items()}
    cwd = tmp_path / "work"
    cwd.mkdir()
    # act
    result, seconds = run(args, env, cwd)
    # assert
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(n.replace(FREE_PORT, port) in lines[0] for n in named), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not Path(env["LEDGER_DATA_DIR"]).exists()
    assert list(cwd.iterdir()) == []
    assert seconds < 10


def test_a_mistyped_variable_is_named_with_the_closest_setting_and_the_command_goes_on(
    env: dict[str, str], tmp_path: Path
) -> None:
    scenario = ROOT / "examples" / "03-complaints-q4-2026.jsonl"
    result, _ = run(["apply", str(scenario)], env | {"LEDGER_DATADIR": "/srv/ledger"}, tmp_path)
    assert result.returncode == 0
    assert result.stderr == (
        "warning: LEDGER_DATADIR is not a setting of the ledger and is ignored; "
        "did you mean LEDGER_DATA_DIR?\n"
    )


def test_ctrl_c_stops_a_long_running_command_with_exit_130(
    env: dict[str, str], tmp_path: Path
) -> None:
    broker = subprocess.Popen(
        [*CLI, "broker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert broker.stdout is not None and broker.stderr is not None
        assert broker.stdout.readline().startswith("KAFKA_BOOTSTRAP_SERVERS=")
        broker.send_signal(signal.SIGINT)
        assert broker.wait(timeout=30) == 130
        stderr = broker.stderr.read()
        assert stderr.splitlines()[-1] == "error: interrupted"
        assert "Traceback" not in stderr
    finally:
        if broker.poll() is None:
            broker.kill()


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)  # the broker is not at stake
def test_a_consumer_in_a_folder_of_its_own_without_the_ledgers_public_key_refuses_to_start(
    env: dict[str, str], tmp_path: Path, kafka_bootstrap: str
) -> None:
    # arrange: no event store, no key configured, no generated key (a key made up here could
    # never be the relay's: every message would be dead-lettered)
    env = env | {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": "lonely"}
    cwd = tmp_path / "work"
    cwd.mkdir()
    # act
    result, _ = run(["consume"], env, cwd)
    # assert
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "LEDGER_PUBLIC_KEY" in lines[0] and "claims-ledger public-key" in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(Path(env["LEDGER_DATA_DIR"]).glob("*.pem"))
