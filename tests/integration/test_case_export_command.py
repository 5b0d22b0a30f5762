"""`claims-ledger export REF --out PATH` on a store holding the example scenarios (issue 10,
acceptance 4): the folder passes the standalone verifier in a venv holding only `cryptography`,
and flipping any one byte of the export makes it fail, naming what."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from claims_ledger.infra.checkpoint_log import CHECKPOINTS_FILE, read_checkpoint_file, signing_key
from claims_ledger.infra.cli import run
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
from claims_ledger.verify import EXPORT_FILE_NAME, VERIFIER_FILE_NAME
from tests.integration.test_kafka_pipeline import EXAMPLES
from tests.integration.test_standalone_verifier_venv import auditor_python  # noqa: F401 (fixture)

pytestmark = pytest.mark.standalone_venv


@pytest.fixture
def exported(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Path, str]:
    """The export of complaint CMP-2026-0001 from a store holding every example scenario, and
    the ledger's published vkey."""
    ledger = build_ledger(store_settings)
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        apply_file(ledger, path)
    monkeypatch.setenv("LEDGER_DATA_DIR", str(store_settings.ledger_data_dir))
    if store_settings.uses_postgres:
        for name in ("dbname", "host", "port", "user", "schema"):
            monkeypatch.setenv(
                f"LEDGER_POSTGRES_{name.upper()}",
                str(getattr(store_settings, f"ledger_postgres_{name}")),
            )
        monkeypatch.setenv(
            "LEDGER_POSTGRES_PASSWORD", store_settings.ledger_postgres_password.get_secret_value()
        )
    assert run(["export", "CMP-2026-0001", "--out", str(tmp_path / "export")]) == 0
    return tmp_path / "export", signing_key(store_settings, create=False).vkey


def verify_in(python: Path, folder: Path, vkey: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-I", VERIFIER_FILE_NAME, ".", "--key", vkey],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_exported_case_passes_the_standalone_verifier_holding_only_cryptography(
    auditor_python: Path,  # noqa: F811
    exported: tuple[Path, str],
    store_settings: Settings,
) -> None:
    folder, vkey = exported
    result = verify_in(auditor_python, folder, vkey)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    seal:" in result.stdout
    export = json.loads((folder / EXPORT_FILE_NAME).read_text())
    assert {"timeline", "calculations"} <= set(export["derived"])
    # the checkpoint signed for the export was recorded like any other
    kept = read_checkpoint_file(store_settings.checkpoint_dir / CHECKPOINTS_FILE)
    assert kept[-1].note == export["checkpoint"]


def test_flipping_any_one_byte_of_an_export_fails_the_verifier_naming_what(
    auditor_python: Path,  # noqa: F811
    exported: tuple[Path, str],
    store_settings: Settings,
) -> None:
    if store_settings.uses_postgres:
        pytest.skip("the same export format on either store; one is enough for 40 runs")
    folder, vkey = exported
    path = folder / EXPORT_FILE_NAME
    original = path.read_bytes()
    # one byte in 40 spread over the whole file: braces, keys, hashes, proofs, signatures
    for at in range(0, len(original), max(1, len(original) // 40)):
        flipped = bytearray(original)
        flipped[at] ^= 0x01
        path.write_bytes(bytes(flipped))
        result = verify_in(auditor_python, folder, vkey)
        assert result.returncode == 1, (at, result.stdout[-500:])
        assert "  FAIL  " in result.stdout, (at, result.stdout)  # each problem named
    path.write_bytes(original)
