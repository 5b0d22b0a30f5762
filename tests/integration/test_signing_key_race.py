"""A relay and a consumer starting together in a fresh data folder both need the ledger's key:
the demo key is generated once, and every process ends up with the same one (a consumer that
checked signatures against a key the relay did not sign with would dead-letter everything)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROCESSES = 8
SCRIPT = (
    "import os, sys, time\n"
    "from claims_ledger.infra.settings import Settings\n"
    "from claims_ledger.infra.checkpoint_log import signing_key\n"
    "while not os.path.exists(sys.argv[1]):\n"  # every process imported: start together
    "    time.sleep(0.001)\n"
    "print(signing_key(Settings.from_environment()).vkey)\n"
)


def test_processes_generating_the_demo_key_at_once_all_get_the_same_key(tmp_path: Path) -> None:
    # arrange
    env = {**os.environ, "LEDGER_DATA_DIR": str(tmp_path / "ledger"), "LOG_LEVEL": "error"}
    (tmp_path / "ledger").mkdir()
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(go)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    time.sleep(3.0)  # let every process import and wait
    # act
    go.touch()
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    # assert
    assert all(process.returncode == 0 for process in processes), outputs
    keys = {output.strip().splitlines()[-1] for output in outputs}
    assert len(keys) == 1, keys
    assert list((tmp_path / "ledger").glob(".checkpoint-signing-key.pem.*")) == []
