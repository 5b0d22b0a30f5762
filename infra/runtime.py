"""Running the pieces together: broker (when needed), relay and consumer until caught up."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import structlog

from claims_ledger.consumers.read_model_consumer import ReadModelConsumer
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.broker import EmbeddedBroker
from claims_ledger.infra.checkpoint_log import checkpoint_writer
from claims_ledger.infra.kafka_io import ensure_topics, ledger_topics
from claims_ledger.infra.message_signing import MessageVerifier, message_verifier
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.scenario import AppliedScenario, apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import ReadModel, build_ledger, open_read_model

log = structlog.get_logger(__name__)


@contextlib.contextmanager
def kafka_available(settings: Settings) -> Iterator[Settings]:
    """Yield settings that name a reachable cluster: the configured one, or an embedded broker
    started for the duration (and stopped after)."""
    if settings.kafka_bootstrap_servers:
        yield settings
        return
    with EmbeddedBroker(settings.ledger_data_dir) as broker:
        yield settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})


def read_model_consumer(
    settings: Settings,
    read_model: ReadModel,
    group_id: str | None = None,
    verifier: MessageVerifier | None = None,
) -> ReadModelConsumer:
    return ReadModelConsumer(
        read_model,
        client_config=settings.kafka_client_config(),
        group_id=group_id or settings.kafka_consumer_group,
        topics=ledger_topics(settings),
        dead_letter_topic=settings.dead_letter_topic,
        verifier=verifier or message_verifier(settings),
        instance_id=settings.kafka_consumer_instance_id,
    )


def run_until_caught_up(
    ledger: Ledger,
    relay: Relay,
    consumer: ReadModelConsumer,
    read_model: ReadModel,
    timeout: float = 120.0,
) -> None:
    """Publish everything stored, then consume until the read model holds every stored event."""
    while relay.publish_batch():
        pass
    expected = ledger.recorder.max_notification_id() or 0
    deadline = time.monotonic() + timeout
    while read_model.event_count() < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"read model holds {read_model.event_count()} of {expected} events after {timeout}s"
            )
        consumer.poll_once(timeout_ms=500)


def publish_and_consume(settings: Settings, ledger: Ledger, read_model: ReadModel) -> None:
    """One relay and one consumer, in this process, until the read model has caught up."""
    relay = Relay(ledger, settings, checkpoints=checkpoint_writer(ledger, settings))
    consumer = read_model_consumer(settings, read_model)
    try:
        run_until_caught_up(ledger, relay, consumer, read_model)
        relay.checkpoint_if_due(relay.position(), uncovered_ok=False)
    finally:
        consumer.close()
        relay.close()


def demo_settings(settings: Settings) -> Settings:
    """Where the demo keeps its ledger: a `demo` folder of its own in the data folder, always on
    SQLite files (its event store, read models and key store of personal data)."""
    return settings.model_copy(
        update={
            "ledger_data_dir": settings.ledger_data_dir / "demo",
            "ledger_postgres_dbname": None,
        }
    )


def run_demo(settings: Settings, examples: list[Path]) -> tuple[list[AppliedScenario], ReadModel]:
    """The main job: a fresh ledger, the example scenarios, relay and consumer on Kafka, and
    the statuses read back from the Kafka-fed read model."""
    settings = demo_settings(settings)
    shutil.rmtree(settings.ledger_data_dir, ignore_errors=True)
    settings = settings.model_copy(
        update={"kafka_consumer_group": f"claims-ledger-demo-{time.time_ns()}"}
    )
    with kafka_available(settings) as settings:
        ensure_topics(settings)
        ledger = build_ledger(settings)
        applied = [apply_file(ledger, path) for path in examples]
        read_model = open_read_model(settings)
        publish_and_consume(settings, ledger, read_model)
        return applied, read_model
