"""README, "For auditors": the commands an auditor runs, run exactly as written on the demo's
store; then the same verify after an event was altered and every local hash rewritten."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import open_ledger_for_audit
from tests.tampering import Attacker

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def auditor_commands() -> list[str]:
    """The lines of the first ```sh block of the README's "For auditors" section."""
    section = README.read_text(encoding="utf-8").split("\n## For auditors\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section.split("\n## ", 1)[0], re.DOTALL)
    assert block is not None, "README's For auditors section has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def run_line(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_readme_commands_for_auditors_run_as_written_and_catch_a_rewritten_store(
    tmp_path: Path,
) -> None:
    # arrange: an empty folder, the ledger's commands on the PATH, no ledger settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))}
    env |= {"PATH": f"{Path(sys.executable).parent}:{env['PATH']}", "LOG_LEVEL": "warning"}
    lines = auditor_commands()
    # act: each line as written, in order, in that folder; an `export` sets the variable for
    # the lines after it, as in the reader's shell
    for line in lines:
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            env[name] = value
            continue
        result = run_line(line, tmp_path, env)
        assert result.returncode == 0, f"{line!r} exited {result.returncode}: {result.stderr}"
    # assert: the export verified, the store passed against the kept checkpoint
    assert "verified:" in result.stdout
    verify_line = next(line for line in lines if line.startswith("claims-ledger verify "))
    # arrange: alter an event and rewrite every hash kept beside the events to agree
    settings = Settings(ledger_data_dir=tmp_path / ".ledger" / "demo")
    attacker = Attacker(settings)
    first = attacker.rows()[0]
    attacker.alter(first, b"2026", b"2025")
    attacker.rewrite_every_hash(open_ledger_for_audit(settings))
    # act
    caught = run_line(verify_line, tmp_path, env)
    # assert: exit 1, naming the event at the first leaf
    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert "at leaf 0 " in caught.stdout
