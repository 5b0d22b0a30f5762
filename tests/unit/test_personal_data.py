"""Personal data: never in logs; encrypted at rest when a key is configured (DESIGN, Kafka)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import IntegrityError
from pydantic import SecretStr

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.personal import ERASED, is_encrypted, subject_of
from claims_ledger.infra.audit import verify
from claims_ledger.infra.keystore import SubjectErased
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.privacy import Revealer, encrypt, erase_subject
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_key_store
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


def test_a_personal_field_is_stored_encrypted_under_its_subject_key(tmp_path: Path) -> None:
    # arrange
    settings = Settings(ledger_data_dir=tmp_path)
    ledger = build_ledger(settings)
    # act
    ledger.execute(
        command("ReceiveComplaint", complaint="C-1", explanation=SECRET_STORY), context()
    )
    # assert: neither the events file nor the event holds the clear text
    assert b"Santoso" not in stored_bytes(tmp_path) and b"budi@" not in stored_bytes(tmp_path)
    received = next(iter(build_ledger(settings).history(complaint_id("C-1"))))
    stored = received.__dict__["explanation"]
    assert is_encrypted(stored) and "Santoso" not in stored
    assert Revealer(open_key_store(settings)).reveal(stored) == SECRET_STORY


def test_the_library_cipher_still_encrypts_the_whole_store_on_top(tmp_path: Path) -> None:
    key = AESCipher.create_key(num_bytes=32)
    settings = Settings(ledger_data_dir=tmp_path, cipher_key=SecretStr(key))
    ledger = build_ledger(settings)
    ledger.execute(command("ReceiveComplaint", complaint="C-1", explanation="x"), context())
    assert b"explanation" not in stored_bytes(tmp_path)  # the state is encrypted whole


def test_erasing_a_subject_makes_its_fields_read_as_erased_and_keeps_the_seals(
    tmp_path: Path,
) -> None:
    # arrange
    settings = Settings(ledger_data_dir=tmp_path)
    ledger = build_ledger(settings)
    ledger.execute(
        command("ReceiveComplaint", complaint="C-1", explanation=SECRET_STORY), context()
    )
    stored = next(iter(ledger.history(complaint_id("C-1")))).__dict__["explanation"]
    keys = open_key_store(settings)
    # act
    case = erase_subject(ledger, keys, subject_of(stored), "request", datetime.now(UTC))
    # assert
    assert case == "C-1"
    assert Revealer(open_key_store(settings)).reveal(stored) == ERASED
    history = list(build_ledger(settings).history(complaint_id("C-1")))
    assert type(history[-1]).__name__ == "PersonalDataErased"
    assert verify(build_ledger(settings)).ok
    with pytest.raises(SubjectErased):
        ledger.execute(command("AnalyseComplaint", complaint="C-1", finding="more"), context())


def test_the_injured_person_must_still_be_named_on_the_policy_ec_iv_1() -> None:
    """Names are encrypted deterministically per subject, so EC-IV-1 compares ciphertexts."""
    subject, key = "0" * 32, bytes(32)
    assert encrypt(subject, key, "Siti") == encrypt(subject, key, "Siti")
    assert encrypt(subject, key, "Siti") != encrypt(subject, key, "Sita")
    assert encrypt(subject, key, "Siti") != encrypt("1" * 32, key, "Siti")


def test_a_key_another_writer_stored_first_makes_the_command_run_again_under_that_key(
    tmp_path: Path,
) -> None:
    # arrange: two writers on one store; the second gives the complaint its key first
    settings = Settings(ledger_data_dir=tmp_path / "ledger")
    first, second = build_ledger(settings), build_ledger(settings)
    receive = command("ReceiveComplaint", complaint="CMP-KEY-RACE")
    uow = first.unit_of_work()
    first.handle(receive, context(), uow)  # mints a key, stores nothing yet
    second.execute(command("ReceiveComplaint", complaint="CMP-KEY-RACE-2"), context())
    winner = open_key_store(settings).store_keys({"CMP-KEY-RACE": ("f" * 32, b"k" * 32)})
    # act / assert: the first writer's commit is refused, nothing stored for it
    with pytest.raises(IntegrityError):
        uow.commit()
    assert first.recorder.max_notification_id() == second.recorder.max_notification_id()
    # act: handled again, as `execute` does
    first.execute(receive, context())
    # assert: the stored phone number is under the winner's subject
    received = next(iter(first.events.get(complaint_id("CMP-KEY-RACE"))))
    subjects = {subject_of(v) for v in vars(received).values() if is_encrypted(v)}
    assert subjects == {winner["CMP-KEY-RACE"][0]} == {"f" * 32}
