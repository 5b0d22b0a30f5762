from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from claims_ledger.infra.broker import EmbeddedBroker
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.settings import Settings
from tests.servers import ApacheKafka, PostgresServer

configure_logging("console", os.environ.get("TEST_LOG_LEVEL", "warning"))


@pytest.fixture(scope="session", params=["tansu", "apache-kafka"])
def kafka_bootstrap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real Kafka broker: the embedded Tansu one, then Apache Kafka (KRaft)."""
    if request.param == "tansu":
        broker = EmbeddedBroker(tmp_path_factory.mktemp("tansu")).start()
        try:
            yield broker.bootstrap
        finally:
            broker.stop()
    else:
        kafka = ApacheKafka().start()
        try:
            yield kafka.bootstrap
        finally:
            kafka.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings on real SQLite files in a fresh folder, with uuid-named topics."""
    return Settings(
        ledger_data_dir=tmp_path / "ledger",
        kafka_topic_prefix="t" + uuid.uuid4().hex[:10],
        kafka_consumer_group="g" + uuid.uuid4().hex[:10],
    )


@pytest.fixture
def postgres_settings(postgres_server: PostgresServer, tmp_path: Path) -> Settings:
    return Settings(
        ledger_data_dir=tmp_path / "ledger",
        ledger_postgres_dbname=postgres_server.new_database(),
        ledger_postgres_port=postgres_server.port,
        ledger_postgres_password=postgres_server.password,  # type: ignore[arg-type]
        kafka_topic_prefix="t" + uuid.uuid4().hex[:10],
        kafka_consumer_group="g" + uuid.uuid4().hex[:10],
    )


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest) -> Settings:
    """Both storage paths: real SQLite files and a real PostgreSQL server."""
    fixture = "sqlite_settings" if request.param == "sqlite" else "postgres_settings"
    settings: Settings = request.getfixturevalue(fixture)
    return settings
