"""Kafka clients built from settings: the idempotent producer and topic creation."""

from __future__ import annotations

import contextlib
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from claims_ledger.infra.codec import AGGREGATE_TYPES
from claims_ledger.infra.reachability import kafka_admin
from claims_ledger.infra.settings import Settings

log = structlog.get_logger(__name__)


def producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    """acks=all and idempotence on: a retried send is never written twice."""
    config: dict[str, Any] = {
        **settings.kafka_client_config(),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "batch_size": 256 * 1024,
        "max_in_flight_requests_per_connection": 5,
        "request_timeout_ms": 30_000,
        "client_id": "claims-ledger-relay",
    }
    config.update(overrides)
    return KafkaProducer(**config)


def ledger_topics(settings: Settings) -> list[str]:
    return [settings.topic(t) for t in sorted(set(AGGREGATE_TYPES.values()))]


def ensure_topics(settings: Settings) -> None:
    """Create the ledger's topics and the dead-letter topic if the cluster lacks them. The first
    contact with the cluster: `Unreachable` within seconds when it does not answer."""
    admin = kafka_admin(settings)
    try:
        existing = set(admin.list_topics())
        wanted = [*ledger_topics(settings), settings.dead_letter_topic]
        missing = [
            NewTopic(name, settings.kafka_topic_partitions, settings.kafka_replication_factor)
            for name in wanted
            if name not in existing
        ]
        if settings.checkpoint_topic not in existing:
            # One partition: checkpoints are read in the order they were signed.
            missing.append(
                NewTopic(settings.checkpoint_topic, 1, settings.kafka_replication_factor)
            )
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # created by a peer meanwhile
                admin.create_topics(missing)
            log.info("kafka.topics_created", topics=[t.name for t in missing])
    finally:
        admin.close()
