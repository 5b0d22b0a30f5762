"""Acceptance (issue 9, item 3): every message the demo publishes, read with a Kafka client the
project does not use (librdkafka, via confluent-kafka), validates against the JSON Schema of its
`event_type` in docs/schemas/; a payload with an unknown or a missing field does not. Consumers
dead-letter an unknown event type or a payload that does not fit, with the reason. Real brokers
(embedded Tansu and Apache Kafka), real SQLite files."""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from jsonschema import Draft202012Validator
from kafka import KafkaProducer

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.envelope import GENESIS_HASH, PublishedEvent, event_id_for, seal
from claims_ledger.domain.event_types import EVENT_TYPES
from claims_ledger.infra.checkpoint_log import signing_key
from claims_ledger.infra.codec import encode
from claims_ledger.infra.kafka_io import ensure_topics, ledger_topics
from claims_ledger.infra.message_signing import MessageSigner
from claims_ledger.infra.runtime import read_model_consumer, run_demo
from claims_ledger.infra.schemas import event_schema_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, envelope_chain, open_read_model
from tests.factories import complaint_lifecycle
from tests.servers import read_topic, wait_until

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.kafka


@functools.cache
def schema_of(event_type: str) -> Draft202012Validator:
    """The committed JSON Schema of one event type (docs/schemas/events/)."""
    path = ROOT / "docs" / "schemas" / event_schema_file(EVENT_TYPES.get(event_type))
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(document: dict[str, Any]) -> list[str]:
    return [e.message for e in schema_of(document["event_type"]).iter_errors(document)]


def read_every_message(bootstrap: str, topics: list[str]) -> list[Any]:
    """Every message of the topics, from offset 0 to each partition's end, with librdkafka."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"schema-check-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(timeout=30)
        partitions = [
            TopicPartition(topic, p, OFFSET_BEGINNING)
            for topic in topics
            for p in metadata.topics[topic].partitions
        ]
        ends = {
            (tp.topic, tp.partition): consumer.get_watermark_offsets(tp, timeout=30)[1]
            for tp in partitions
        }
        remaining = {key for key, end in ends.items() if end > 0}
        consumer.assign(partitions)
        messages: list[Any] = []
        deadline = time.monotonic() + 120
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"partitions not read to their end: {sorted(remaining)}")
            for message in consumer.consume(num_messages=500, timeout=0.5):
                assert message.error() is None, message.error()
                messages.append(message)
                key = (message.topic(), message.partition())
                if message.offset() + 1 >= ends[key]:
                    remaining.discard(key)
        return messages
    finally:
        consumer.close()


@pytest.fixture
def settings(sqlite_settings: Settings, kafka_bootstrap: str) -> Settings:
    settings = sqlite_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    return settings


def test_every_demo_message_validates_against_the_schema_of_its_event_type(
    settings: Settings,
) -> None:
    # arrange: the main job, on this broker
    _, read_model = run_demo(settings, sorted(EXAMPLES.glob("*.jsonl")))
    stored = read_model.event_count()
    # act: read every ledger topic from offset 0 with librdkafka
    assert settings.kafka_bootstrap_servers is not None
    messages = read_every_message(settings.kafka_bootstrap_servers, ledger_topics(settings))
    # assert: all of them, each valid against the schema of its own event type
    documents = [json.loads(message.value()) for message in messages]
    assert len(documents) == stored > 150
    invalid = {(d["event_type"], d["version"]): problems(d)[:3] for d in documents if problems(d)}
    assert invalid == {}
    for message, document in zip(messages, documents, strict=True):
        assert dict(message.headers())["event_type"].decode() == document["event_type"]
        assert message.topic() == settings.topic(document["aggregate_type"])
    seen = Counter(d["aggregate_type"] for d in documents)
    assert set(seen) == {"complaint", "report", "policy", "claim"}
    # ... and a payload with an unknown field, or without a required one, fails that validation
    for document in documents:
        payload = document["payload"]
        assert problems(document | {"payload": payload | {"unknown_field": 1}})
        if payload:
            first = next(iter(payload))
            shorter = {k: v for k, v in payload.items() if k != first}
            assert any(first in p for p in problems(document | {"payload": shorter}))


def _forged(template: PublishedEvent, **changes: Any) -> PublishedEvent:
    """A correctly sealed first event of a new aggregate: only its event type or payload can
    be wrong."""
    aggregate_id = uuid.uuid4()
    fields = template.model_dump(mode="json", exclude={"hash"}) | {
        "aggregate_id": str(aggregate_id),
        "event_id": str(event_id_for(aggregate_id, 1)),
        "version": 1,
        "prev_hash": GENESIS_HASH,
        **changes,
    }
    return seal(fields)


def test_a_consumer_dead_letters_an_unknown_event_type_and_a_payload_that_does_not_fit(
    settings: Settings,
) -> None:
    # arrange: a complaint's events, then two sealed envelopes only the payload check refuses
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "C-1", steps=1)
    good = [envelope_chain(ledger).envelope(e) for e in ledger.history(complaint_id("C-1"))]
    received = good[0]
    unknown = _forged(received, event_type="ComplaintReopened")
    misfit = _forged(received, payload=received.payload | {"channel": "pigeon", "mood": "cross"})
    topic = settings.topic("complaint")
    # signed with the ledger's key: as a newer relay would publish them
    signer = MessageSigner(signing_key(settings))
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    for envelope in (unknown, *good, misfit):
        key = str(envelope.aggregate_id).encode()
        headers = signer.headers(envelope.hash, 0)
        producer.send(topic, key=key, value=encode(envelope), headers=headers).get(timeout=30)
    producer.close()
    read_model = open_read_model(settings)
    consumer = read_model_consumer(settings, read_model)
    # act
    try:
        wait_until(
            lambda: (
                consumer.poll_once(200) >= 0
                and read_model.event_count() == len(good)
                and consumer.dead_lettered == 2
            )
        )
    finally:
        consumer.close()
    # assert: both dead-lettered with the reason; the good ones applied
    assert settings.kafka_bootstrap_servers is not None
    dead: list[Any] = read_topic(settings.kafka_bootstrap_servers, settings.dead_letter_topic)
    reasons = {m.key.decode(): dict(m.headers)["dlq.reason"].decode() for m in dead}
    assert reasons[str(unknown.aggregate_id)].startswith("unknown event type 'ComplaintReopened'")
    misfit_reason = reasons[str(misfit.aggregate_id)]
    assert misfit_reason.startswith("the payload does not fit ComplaintReceived: ")
    assert "channel: Input should be" in misfit_reason and "mood: Extra inputs" in misfit_reason
    assert read_model.complaint_statuses()[0].version == len(good)
