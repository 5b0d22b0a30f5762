"""Installable anywhere: `pip install` of the repository into a clean virtual environment (no
system site-packages; dependencies from the package index), then `claims-ledger demo` from an
empty directory, as a new user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".ledger",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "lib",  # the Apache Kafka jars fetched for the tests
    "tests",
    "bench",
)
MANDATED_FOLDERS = {"domain", "infra", "consumers", "projections"}


def test_installed_in_a_clean_venv_the_demo_runs_from_an_empty_directory(tmp_path: Path) -> None:
    # arrange: the repository's files (a copy: building leaves nothing in the working tree)
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SHIPPED)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(source)],
        check=True,
        timeout=300,
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))}
    env["LOG_LEVEL"] = "warning"

    # act
    demo = subprocess.run(
        [str(venv / "bin" / "claims-ledger"), "demo"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    # assert: the demo ran on the examples shipped in the package
    assert demo.returncode == 0, demo.stderr
    assert "CMP-2026-0104" in demo.stdout and "AGA-2026-1107" in demo.stdout
    assert [p.name for p in empty.iterdir()] == [".ledger"]
    # and nothing but the `claims_ledger` namespace landed in site-packages
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    assert not MANDATED_FOLDERS & {p.name for p in site.iterdir()}
    (record,) = site.glob("claims_ledger-*.dist-info/RECORD")
    installed = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines()}
    assert installed - {"..", "claims_ledger"} == {record.parent.name}
