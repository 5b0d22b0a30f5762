"""Relay -> Kafka -> consumer -> read model, on real brokers (embedded Tansu and Apache Kafka)
and real stores (SQLite files and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from claims_ledger.consumers.read_model_consumer import ReadModelConsumer
from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.infra.audit import rebuild, verify
from claims_ledger.infra.checkpoint_log import signing_key
from claims_ledger.infra.codec import encode
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.message_signing import MessageSigner
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.runtime import (
    publish_and_consume,
    read_model_consumer,
    run_until_caught_up,
)
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, envelope_chain, open_read_model
from claims_ledger.projections.complaint_report import quarterly_report
from claims_ledger.projections.complaint_timeline import timeline
from tests.factories import complaint_lifecycle
from tests.servers import read_topic, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.kafka


@pytest.fixture
def settings(store_settings: Settings, kafka_bootstrap: str) -> Settings:
    settings = store_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    return settings


def test_kafka_fed_read_models_equal_the_ones_rebuilt_from_the_event_store(
    settings: Settings,
) -> None:
    """Status, SLA deadlines, the regulator's timelines and the quarterly reports (CP-REG-1,
    RG-CP-6) read from the Kafka-fed read model equal those rebuilt from the event store."""
    # arrange: the example scenarios
    ledger = build_ledger(settings)
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        apply_file(ledger, path)
    read_model = open_read_model(settings)
    # act
    publish_and_consume(settings, ledger, read_model)
    rebuilt = open_read_model(settings, prefix="rb_")
    rebuild(ledger, rebuilt)
    # assert
    assert len(read_model.complaint_statuses()) == 7
    assert read_model.complaint_statuses() == rebuilt.complaint_statuses()
    assert read_model.deadlines() == rebuilt.deadlines()
    assert read_model.events() == rebuilt.events()
    for status in read_model.complaint_statuses():
        fed = timeline(
            status,
            read_model.events(status.complaint_id),
            read_model.deadlines(status.complaint_id),
        )
        again = timeline(
            status, rebuilt.events(status.complaint_id), rebuilt.deadlines(status.complaint_id)
        )
        assert fed == again
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q4"):
        assert quarterly_report(quarter, read_model.events(), read_model.deadlines()) == (
            quarterly_report(quarter, rebuilt.events(), rebuilt.deadlines())
        )
    # EstateCare claims: sections, documents, payout calculations with traces, aggregates
    assert len(read_model.claim_sections()) == 4 + 4  # EstateCare, then travel A, G1, G3, F
    assert read_model.claim_sections() == rebuilt.claim_sections()
    assert read_model.calculations() == rebuilt.calculations()
    assert read_model.policy_aggregates() == rebuilt.policy_aggregates()
    for section in read_model.claim_sections():
        assert read_model.claim_documents(section.claim_id) == rebuilt.claim_documents(
            section.claim_id
        )
    # travel claims: stages (TR-FLOW-1), documents (TR-D-*), assistance cases (TR-AS-1)
    assert [t.stage for t in read_model.travel_claims()] == ["settled"] * 3
    assert read_model.travel_claims() == rebuilt.travel_claims()
    assert len(read_model.assistance_cases()) == 1
    assert read_model.assistance_cases() == rebuilt.assistance_cases()
    assert read_model.snapshot() == rebuilt.snapshot()  # every table, every row
    assert verify(ledger).ok


def test_a_consumer_restarted_resumes_from_its_stored_offsets(settings: Settings) -> None:
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "C-1")
    relay = Relay(ledger, settings)
    read_model = open_read_model(settings)
    first = read_model_consumer(settings, read_model)
    run_until_caught_up(ledger, relay, first, read_model)
    first.close()
    applied_first = read_model.event_count()
    # more events while no consumer runs; the Kafka-committed offsets are not consulted
    complaint_lifecycle(ledger, "C-2")
    second = read_model_consumer(settings, read_model)
    try:
        run_until_caught_up(ledger, relay, second, read_model)
    finally:
        second.close()
        relay.close()
    stored = ledger.recorder.max_notification_id()
    assert second.applied == stored - applied_first
    assert second.duplicates == 0
    assert read_model.event_count() == stored


def test_malformed_and_schema_invalid_messages_go_to_the_dead_letter_topic(
    settings: Settings,
) -> None:
    # arrange: a valid event, a malformed message, a schema-invalid one, another valid event
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "C-1", steps=2)
    chain = envelope_chain(ledger)
    good = [chain.envelope(e) for e in ledger.history(complaint_id("C-1"))]
    invalid = good[0].model_dump(mode="json") | {"version": 0, "sneaky": True}
    topic = settings.topic("complaint")
    key = str(good[0].aggregate_id).encode()
    signer = MessageSigner(signing_key(settings))  # the ledger's own key: its relay's messages
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    for value, headers in (
        (encode(good[0]), signer.headers(good[0].hash, 0)),
        (b"\x00not json at all", []),
        (json.dumps(invalid).encode(), signer.headers(good[0].hash, 0)),
        (encode(good[1]), signer.headers(good[1].hash, 0)),
    ):
        producer.send(topic, key=key, value=value, headers=headers).get(timeout=30)
    producer.close()
    read_model = open_read_model(settings)
    consumer: ReadModelConsumer = read_model_consumer(settings, read_model)
    # act
    try:
        wait_until(lambda: consumer.poll_once(200) >= 0 and read_model.event_count() == 2)
    finally:
        consumer.close()
    # assert: both bad messages dead-lettered with reasons; the good ones applied
    assert consumer.dead_lettered == 2
    assert settings.kafka_bootstrap_servers is not None
    dead: list[Any] = read_topic(settings.kafka_bootstrap_servers, settings.dead_letter_topic)
    reasons = sorted(dict(m.headers)["dlq.reason"].decode() for m in dead)
    assert len(reasons) == 2
    assert reasons[0].startswith("not UTF-8 JSON")
    assert reasons[1].startswith("not a valid envelope v1")
    assert "version" in reasons[1] and "sneaky" in reasons[1]
    assert all(dict(m.headers)["dlq.source.topic"].decode() == topic for m in dead)
    assert read_model.complaint_statuses()[0].version == 2


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)  # Kafka's copy is at stake
def test_after_a_consumer_stops_kafka_holds_its_groups_offsets_at_the_end_of_every_partition(
    settings: Settings,
) -> None:
    """Offsets go to Kafka without waiting for the answer (the database holds the true
    position); tooling reading the group's lag (`kafka-consumer-groups.sh`) must still find it
    caught up once the consumer has stopped: the last offsets are committed, awaited, on close."""
    from kafka import KafkaConsumer, TopicPartition

    # arrange
    ledger = build_ledger(settings)
    apply_file(ledger, EXAMPLES / "01-complaints-q1-2026.jsonl")
    read_model = open_read_model(settings)
    # act
    publish_and_consume(settings, ledger, read_model)
    # assert
    tooling = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.kafka_consumer_group,
        enable_auto_commit=False,
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in (settings.topic("complaint"),)
            for p in tooling.partitions_for_topic(topic) or set()
        ]
        committed = {tp: tooling.committed(tp) or 0 for tp in partitions}
    finally:
        tooling.close()
    # each partition's end, from the messages themselves (the embedded broker's end_offsets
    # answer is the start of its last batch)
    ends = {tp: 0 for tp in partitions}
    for message in read_topic(settings.kafka_bootstrap_servers or "", settings.topic("complaint")):
        where = TopicPartition(message.topic, message.partition)  # type: ignore[attr-defined]
        ends[where] = max(ends[where], message.offset + 1)  # type: ignore[attr-defined]
    assert sum(ends.values()) > 0
    assert committed == ends
