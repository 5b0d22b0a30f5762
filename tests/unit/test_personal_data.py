"""Personal data: never in logs; encrypted at rest when a key is configured (DESIGN, Kafka)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import structlog
from eventsourcing.cryptography import AESCipher
from pydantic import SecretStr

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
from tests.factories import command, context


def stored_bytes(folder: Path) -> bytes:
    """The event store's database file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("events.sqlite*")))


SECRET_STORY = "Budi Santoso, 0812-5555-1234, budi@example.co.id: klaim belum dibayar"


def test_personal_data_keys_are_redacted_in_json_logs(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    try:
        structlog.get_logger("t").info(
            "complaint.noted",
            case_id="c-1",
            email="budi@example.co.id",
            phone="0812-5555-1234",
            explanation=SECRET_STORY,
            insured_name="Rudi Hartono",
            condition="Severe altitude sickness",
            location="Lobuche lodge, Nepal",
        )
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        configure_logging("console", "warning")
    assert line["case_id"] == "c-1"
    assert line["email"] == line["phone"] == line["explanation"] == "[redacted]"
    assert line["insured_name"] == line["condition"] == line["location"] == "[redacted]"


def test_with_a_cipher_key_the_stored_events_hold_no_plain_personal_data(tmp_path: Path) -> None:
    key = AESCipher.create_key(num_bytes=32)
    settings = Settings(ledger_data_dir=tmp_path, cipher_key=SecretStr(key))
    ledger = build_ledger(settings)
    ledger.execute(
        command("ReceiveComplaint", complaint="C-1", explanation=SECRET_STORY), context()
    )
    raw = stored_bytes(tmp_path)
    assert b"budi@example.co.id" not in raw and b"Santoso" not in raw
    received = next(iter(build_ledger(settings).history(complaint_id("C-1"))))
    assert received.__dict__["explanation"] == SECRET_STORY


def test_without_a_key_the_same_event_is_readable_in_the_file(tmp_path: Path) -> None:
    ledger = build_ledger(Settings(ledger_data_dir=tmp_path))
    ledger.execute(
        command("ReceiveComplaint", complaint="C-1", explanation=SECRET_STORY), context()
    )
    assert b"Santoso" in stored_bytes(tmp_path)
