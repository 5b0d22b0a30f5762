"""An outside auditor's machine: a fresh virtual environment holding only `cryptography` (from
PyPI) runs the verifier copied next to an export, as docs/auditing.md tells them to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from claims_ledger.infra.case_export import write_export_folder
from claims_ledger.infra.checkpoint import CheckpointSigner
from tests.exports import LARGE_CASE, ORIGIN, build_export

pytestmark = pytest.mark.standalone_venv


@pytest.fixture(scope="session")
def auditor_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with `cryptography` and what it needs (cffi, pycparser), nothing else; made once
    per session. pip runs from the ledger's venv (`--python`) so the new one holds no pip."""
    venv = tmp_path_factory.mktemp("auditor") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "cryptography",
        ],
        check=True,
        timeout=300,
    )
    return python


@pytest.fixture
def export_folder(tmp_path: Path) -> tuple[Path, str]:
    signer = CheckpointSigner.generate(ORIGIN)
    export = build_export(signer, LARGE_CASE, derived={"timeline": ["submitted", "paid"]})
    write_export_folder(tmp_path / "export", export)
    return tmp_path / "export", signer.vkey


def _run(python: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-I", "claims_ledger_verify.py", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_auditors_venv_holds_only_cryptography(auditor_python: Path) -> None:
    listed = subprocess.run(
        [
            str(auditor_python),
            "-I",
            "-c",
            "import importlib.metadata as m, json; "
            "print(json.dumps(sorted(d.metadata['Name'].lower() for d in m.distributions())))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout) == ["cffi", "cryptography", "pycparser"]


def test_an_exported_case_passes_the_verifier_in_the_auditors_venv(
    auditor_python: Path, export_folder: tuple[Path, str]
) -> None:
    folder, vkey = export_folder
    result = _run(auditor_python, folder, "ledger-export.json", "--key", vkey)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    event v20 TravelClaimDeadlineMet (leaf 178)" in result.stdout
    assert "ok    seal:" in result.stdout


def test_one_flipped_byte_fails_in_the_auditors_venv_naming_what(
    auditor_python: Path, export_folder: tuple[Path, str]
) -> None:
    # arrange: change one hex digit of the 5th event's `hash` value
    folder, vkey = export_folder
    path = folder / "ledger-export.json"
    data = bytearray(path.read_bytes())
    fifth_hash = json.loads(data)["events"][4]["envelope"]["hash"]
    at = data.index(f'"hash": "{fifth_hash}"'.encode()) + len('"hash": "') + 10
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    path.write_bytes(bytes(data))
    # act
    result = _run(auditor_python, folder, ".", "--key", vkey)
    # assert
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  event v5 TravelClaimDeadlineSet (leaf 163): field hash was altered" in (
        result.stdout
    )
    assert "NOT verified" in result.stdout


def test_the_installed_console_script_verifies_the_same_export(
    export_folder: tuple[Path, str],
) -> None:
    folder, vkey = export_folder
    script = Path(sys.executable).parent / "claims-ledger-verify"
    result = subprocess.run(
        [str(script), str(folder), "--key", vkey],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
