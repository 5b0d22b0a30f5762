"""Transport settings reach the clients; secrets never show (issue 11, secrets and transport)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from claims_ledger.infra.settings import Settings


def test_tls_files_and_hostname_check_are_passed_to_the_kafka_clients() -> None:
    settings = Settings(
        kafka_bootstrap_servers="broker:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=Path("/etc/ca.pem"),
        kafka_ssl_certfile=Path("/etc/client.pem"),
        kafka_ssl_keyfile=Path("/etc/client.key"),
        kafka_ssl_check_hostname=False,
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="relay",
        kafka_sasl_password=SecretStr("s3cret"),
    )
    config = settings.kafka_client_config()
    assert config["ssl_cafile"] == "/etc/ca.pem"
    assert config["ssl_certfile"] == "/etc/client.pem"
    assert config["ssl_keyfile"] == "/etc/client.key"
    assert config["ssl_check_hostname"] is False
    assert config["sasl_plain_password"] == "s3cret"
    assert "s3cret" not in repr(settings)


def test_plaintext_kafka_gets_no_tls_options() -> None:
    config = Settings(kafka_bootstrap_servers="broker:9092").kafka_client_config()
    assert not any(key.startswith("ssl_") for key in config)


def test_postgres_sslmode_and_root_certificate_reach_libpq() -> None:
    settings = Settings(
        ledger_postgres_dbname="ledger",
        ledger_postgres_sslmode="verify-full",
        ledger_postgres_sslrootcert=Path("/etc/pg-ca.pem"),
    )
    assert settings.libpq_environment() == {
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/etc/pg-ca.pem",
    }
    assert settings.postgres_connect_args()["sslmode"] == "verify-full"
