"""Acceptance: a Kafka client the project does not use (librdkafka, via confluent-kafka) reads
the topic; every message validates against the committed JSON Schema; keys are aggregate ids;
versions per key are contiguous from 1."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from jsonschema import Draft202012Validator

from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.schemas import SCHEMA_FILE
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
from tests.factories import complaint_lifecycle

pytestmark = pytest.mark.kafka

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "schemas" / SCHEMA_FILE).read_text()
)


def read_with_librdkafka(bootstrap: str, topic: str, expected: int) -> list[Any]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "librdkafka-reader",
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=30)
        partitions = [
            TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.topics[topic].partitions
        ]
        consumer.assign(partitions)
        messages: list[Any] = []
        for _ in range(200):
            if len(messages) >= expected:
                break
            for message in consumer.consume(num_messages=500, timeout=0.5):
                assert message.error() is None, message.error()
                messages.append(message)
        return messages
    finally:
        consumer.close()


def test_librdkafka_reads_schema_valid_messages_keyed_by_aggregate_with_contiguous_versions(
    sqlite_settings: Settings, kafka_bootstrap: str
) -> None:
    # arrange
    settings = sqlite_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    ledger = build_ledger(settings)
    for n in range(30):
        complaint_lifecycle(ledger, f"CMP-{n:03}", steps=1 + n % 3)
    stored = ledger.recorder.max_notification_id()
    relay = Relay(ledger, settings)
    while relay.publish_batch():
        pass
    relay.close()
    # act
    messages = read_with_librdkafka(kafka_bootstrap, settings.topic("complaint"), stored)
    # assert
    assert len(messages) == stored
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    versions: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        document = json.loads(message.value())
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], errors
        assert message.key().decode() == document["aggregate_id"]
        versions[document["aggregate_id"]].append(document["version"])
    assert len(versions) == 30
    for key_versions in versions.values():
        assert key_versions == list(range(1, len(key_versions) + 1))


def test_the_committed_schema_rejects_what_the_envelope_rejects() -> None:
    validator = Draft202012Validator(SCHEMA)
    assert list(validator.iter_errors({"schema_version": 1, "extra": True}))
