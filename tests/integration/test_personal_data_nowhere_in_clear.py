"""Personal data never in clear (issue 11, acceptance 2): planted through scenario commands, then
searched for in the raw store files, a PostgreSQL dump, every message of every topic and the JSON
logs; after `erase`, nothing of it can be decrypted, while `verify` passes and the quarterly
report still counts the complaint."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from claims_ledger.domain.personal import ENCRYPTED_PATTERN, ERASED, subject_of
from claims_ledger.infra.audit import verify
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.privacy import Revealer, erase_subject
from claims_ledger.infra.runtime import publish_and_consume
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_key_store, open_read_model
from claims_ledger.projections.complaint_report import quarterly_report
from tests.servers import _pg_bindir, read_topic

pytestmark = pytest.mark.kafka

EKTP = "3171234567890123"
PHONE = "+62 812-9876-5432"
EMAIL = "siti.rahayu@contoh.co.id"
NAME = "Siti Rahayu Wulandari"
EXPLANATION = "Klaim kebakaran dapur saya belum dibayar setelah empat puluh hari"
PLANTED = (EKTP, PHONE, EMAIL, NAME, EXPLANATION)

SCENARIO = [
    {
        "at": "2026-03-02T09:10:00+07:00",
        "command": "ReceiveComplaint",
        "complaint": "CMP-PD-1",
        "channel": "email",
        "form": "written",
        "explanation": f"{EXPLANATION}. Saya {NAME}, NIK {EKTP}, email {EMAIL}.",
        "occurred_at": "2026-03-02T09:05:00+07:00",
    },
    {
        "at": "2026-03-02T14:40:00+07:00",
        "command": "GiveInitialResponse",
        "complaint": "CMP-PD-1",
        "registration_reference": "ACK-PD-1",
        "receipt_date": "2026-03-02",
        "contact_phone": PHONE,
        "occurred_at": "2026-03-02T14:35:00+07:00",
    },
    {
        "at": "2026-03-03T11:00:00+07:00",
        "command": "ReportAssistanceCase",
        "case": "AGA-PD-1",
        "service": "medical_evacuation",
        "policy": "AST-PD-1",
        "insured_name": NAME,
        "location": f"Lobuche lodge, Nepal; call {PHONE}",
        "condition": f"Altitude sickness; e-KTP {EKTP}",
        "event_at": "2026-03-03T06:00:00+05:45",
        "occurred_at": "2026-03-03T10:55:00+07:00",
    },
]


def found_in(data: bytes) -> list[str]:
    return [value for value in PLANTED if value.encode() in data]


def raw_files(settings: Settings) -> bytes:
    """Every SQLite file of the ledger (events, read models, their logs), not the key store."""
    folder = settings.ledger_data_dir
    files = [p for p in sorted(folder.glob("*.sqlite*")) if not p.name.startswith("keys.")]
    return b"".join(p.read_bytes() for p in files)


def postgres_dump(settings: Settings) -> bytes:
    """`pg_dump` of the test database, without the key store's schema."""
    if not settings.uses_postgres:
        return b""
    result = subprocess.run(
        [
            str(_pg_bindir() / "pg_dump"),
            "-h",
            settings.ledger_postgres_host,
            "-p",
            str(settings.ledger_postgres_port),
            "-U",
            settings.ledger_postgres_user,
            "--exclude-schema",
            settings.ledger_key_store_schema,
            str(settings.ledger_postgres_dbname),
        ],
        env=os.environ | {"PGPASSWORD": settings.ledger_postgres_password.get_secret_value()},
        capture_output=True,
        check=True,
    )
    return result.stdout


def every_message(settings: Settings, bootstrap: str) -> bytes:
    topics = [settings.topic(t) for t in ("complaint", "report", "claim", "policy")]
    messages = [
        m for topic in [*topics, settings.dead_letter_topic] for m in _read(bootstrap, topic)
    ]
    return b"\n".join(bytes(m.value or b"") + bytes(m.key or b"") for m in messages)  # type: ignore[attr-defined]


def _read(bootstrap: str, topic: str) -> list[object]:
    try:
        return read_topic(bootstrap, topic)
    except Exception:  # a topic nothing was published to may not exist
        return []


@pytest.fixture
def settings(store_settings: Settings, kafka_bootstrap: str) -> Settings:
    settings = store_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    return settings


def test_planted_personal_data_is_nowhere_in_clear_and_unreadable_after_erase(
    settings: Settings, kafka_bootstrap: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # arrange: the planted values, through a scenario file, with JSON logs at debug
    scenario = tmp_path / "planted.jsonl"
    scenario.write_text("\n".join(json.dumps(line) for line in SCENARIO) + "\n")
    configure_logging("json", "debug")
    try:
        ledger = build_ledger(settings)
        apply_file(ledger, scenario)
        read_model = open_read_model(settings)
        # act: relay and consumer on the real broker
        publish_and_consume(settings, ledger, read_model)
        logs = capsys.readouterr()
    finally:
        configure_logging("console", "warning")
    messages = every_message(settings, kafka_bootstrap)
    # assert: none in clear, anywhere
    assert b"CMP-PD-1" in messages and b"AGA-PD-1" in raw_files(settings) + postgres_dump(settings)
    assert found_in(raw_files(settings)) == []
    assert found_in(postgres_dump(settings)) == []
    assert found_in(messages) == []
    assert found_in((logs.out + logs.err).encode()) == []
    # ...but readable where a person must read it
    encrypted = sorted(set(_encrypted_values(messages)))
    assert EXPLANATION in " ".join(Revealer(open_key_store(settings)).reveal(encrypted))

    # act: erase both subjects
    subjects = sorted({subject_of(value) for value in encrypted})
    assert len(subjects) == 2  # the complaint's customer, the assistance case's insured
    for subject in subjects:
        erase_subject(ledger, open_key_store(settings), subject, "UU PDP art. 43", _now())
    publish_and_consume(settings, ledger, read_model)
    # assert: nothing decryptable, proofs and the report intact
    keys = open_key_store(settings)
    assert all(keys.key_of(subject) is None for subject in subjects)
    after = every_message(settings, kafka_bootstrap)
    assert found_in(raw_files(settings)) == found_in(postgres_dump(settings)) == []
    assert found_in(after) == []
    assert set(Revealer(keys).reveal(sorted(set(_encrypted_values(after))))) == {ERASED}
    assert b"PersonalDataErased" in after
    assert verify(build_ledger(settings)).ok
    report = quarterly_report("2026-Q1", read_model.events(), read_model.deadlines())
    assert report["received"] == 1 and report["received_by_channel"] == {"email": 1}


def _encrypted_values(data: bytes) -> list[str]:
    import re

    return re.findall(ENCRYPTED_PATTERN.strip("^$"), data.decode("utf-8", "replace"))


def _now() -> object:
    from datetime import UTC, datetime

    return datetime.now(UTC)
