"""The checkpoint settings: a stable default origin, the key as a secret, typos pointed out."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims_ledger.infra.errors import InvalidSettings
from claims_ledger.infra.settings import Settings, unknown_variables


def test_the_default_origin_is_named_after_the_data_folder_without_its_leading_dot() -> None:
    assert Settings(ledger_data_dir=Path("/srv/.ledger")).checkpoint_origin == (
        "claims-ledger.example/ledger"
    )
    assert Settings(ledger_data_dir=Path(".ledger/demo")).checkpoint_origin == (
        "claims-ledger.example/demo"
    )


def test_the_default_origin_on_postgresql_is_the_database_and_a_schema_other_than_public() -> None:
    assert Settings(ledger_postgres_dbname="claims").checkpoint_origin == (
        "claims-ledger.example/claims"
    )
    assert (
        Settings(
            ledger_postgres_dbname="claims", ledger_postgres_schema="jakarta"
        ).checkpoint_origin
        == "claims-ledger.example/claims.jakarta"
    )


def test_a_configured_origin_and_folder_are_used_as_given() -> None:
    settings = Settings(
        ledger_checkpoint_origin="insurer.example/ledger-1",
        ledger_checkpoint_dir=Path("/audit/kept"),
    )
    assert settings.checkpoint_origin == "insurer.example/ledger-1"
    assert settings.checkpoint_dir == Path("/audit/kept")
    assert Settings(ledger_data_dir=Path("/d")).checkpoint_dir == Path("/d/checkpoints")


def test_the_checkpoint_topic_follows_the_topic_prefix() -> None:
    assert Settings(kafka_topic_prefix="prod").checkpoint_topic == "prod.checkpoints.v1"


def test_the_signing_key_is_a_secret_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_SIGNING_KEY", "c2VjcmV0")
    settings = Settings.from_environment()
    assert settings.ledger_signing_key is not None
    assert "c2VjcmV0" not in repr(settings)


def test_a_checkpoint_interval_that_is_not_accepted_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGER_CHECKPOINT_EVERY_EVENTS", "0")
    with pytest.raises(InvalidSettings, match="LEDGER_CHECKPOINT_EVERY_EVENTS='0'.*at least 1"):
        Settings.from_environment()


def test_a_mistyped_checkpoint_variable_is_pointed_at_the_setting() -> None:
    assert unknown_variables({"LEDGER_CHECKPOINT_EVRY_SECONDS": "5"}) == [
        ("LEDGER_CHECKPOINT_EVRY_SECONDS", "LEDGER_CHECKPOINT_EVERY_SECONDS")
    ]
