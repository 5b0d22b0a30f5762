"""`claims-ledger verify` with checkpoints: which ones it uses (and says so), and its exit
statuses: 0 clean, 1 a problem, 2 checkpoints asked for from a Kafka that does not answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.checkpoint_log import checkpoint_writer
from claims_ledger.infra.cli import run
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from tests.factories import complaint_lifecycle
from tests.tampering import Attacker


def use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.ledger_data_dir))
    if settings.kafka_bootstrap_servers:
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap_servers)
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", settings.kafka_topic_prefix)


def checkpointed(settings: Settings, monkeypatch: pytest.MonkeyPatch, steps: int) -> Ledger:
    """A ledger holding one complaint of `steps` steps, and a checkpoint of it signed by
    `claims-ledger checkpoint`, with the command line pointed at it."""
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "C-1", steps=steps)
    use(settings, monkeypatch)
    assert run(["checkpoint"]) == 0
    return ledger


def test_verify_uses_the_checkpoint_files_it_is_given_and_says_so(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # arrange: a checkpoint, copied where the auditor keeps it
    ledger = checkpointed(sqlite_settings, monkeypatch, steps=4)
    kept = tmp_path / "kept"
    shutil.copytree(sqlite_settings.checkpoint_dir, kept)
    assert run(["public-key"]) == 0
    vkey = capsys.readouterr().out.strip().splitlines()[-1]
    # act
    status = run(["verify", "--checkpoint", str(kept / "checkpoints.txt"), "--public-key", vkey])
    # assert
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"checkpoints: 1 checkpoint from {kept / 'checkpoints.txt'}" in out
    assert "1 checkpoint checked: 0 problems" in out
    # and after an event was altered with every local hash rewritten: exit 1, named
    open_read_model(sqlite_settings)  # the attacker rewrites its copy of the hashes too
    attacker = Attacker(sqlite_settings)
    attacker.alter(attacker.rows()[1], b"C-1:0", b"C-7:0")
    attacker.rewrite_every_hash(ledger)
    assert run(["verify", "--checkpoint", str(kept / "checkpoints.txt"), "--public-key", vkey]) == 1
    assert "at leaf 1 " in capsys.readouterr().out


def test_verify_without_checkpoints_given_uses_the_configured_folder(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = build_ledger(sqlite_settings)
    complaint_lifecycle(ledger, "C-1", steps=2)
    checkpoint_writer(ledger, sqlite_settings).write()
    use(sqlite_settings, monkeypatch)
    assert run(["verify"]) == 0
    assert f"1 checkpoint from {sqlite_settings.checkpoint_dir / 'checkpoints.txt'}" in (
        capsys.readouterr().out
    )


def test_verify_from_kafka_refuses_a_kafka_that_does_not_answer(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_ledger(sqlite_settings)
    use(sqlite_settings, monkeypatch)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    assert run(["verify", "--from-kafka"]) == 2
    assert "Kafka is not reachable" in capsys.readouterr().err


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)
def test_verify_uses_the_checkpoints_on_kafka_when_it_is_configured(
    sqlite_settings: Settings,
    kafka_bootstrap: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # arrange: `claims-ledger checkpoint` publishes to the topic; the files are then lost
    settings = sqlite_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    checkpointed(settings, monkeypatch, steps=3)
    shutil.rmtree(settings.checkpoint_dir)
    capsys.readouterr()
    # act
    status = run(["verify"])
    # assert
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"checkpoints: 1 checkpoint from Kafka topic {settings.checkpoint_topic}" in out


def test_a_copied_data_folder_fails_on_its_checkpoints_origin_and_says_how_to_keep_it(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # arrange: a ledger with a checkpoint, copied to a folder of another name (a restore)
    checkpointed(sqlite_settings, monkeypatch, steps=3)
    origin = sqlite_settings.checkpoint_origin
    copy = tmp_path / "restored"
    shutil.copytree(sqlite_settings.ledger_data_dir, copy)
    monkeypatch.setenv("LEDGER_DATA_DIR", str(copy))
    capsys.readouterr()
    # act
    status = run(["verify"])
    # assert: the problem names the setting and the origin that keeps the ledger's name
    out = capsys.readouterr().out
    assert status == 1
    assert f"LEDGER_CHECKPOINT_ORIGIN={origin}" in out
    monkeypatch.setenv("LEDGER_CHECKPOINT_ORIGIN", origin)
    assert run(["verify"]) == 0, capsys.readouterr().out
