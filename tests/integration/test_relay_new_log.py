"""The embedded broker keeps nothing across a restart; a topic can be deleted and created again.
A relay that goes on publishing into the new, empty log between two of its read-back checks gets
acknowledgements at offsets below those its book holds; it must take that as a lost log at once
and republish the store under a new epoch. Recording those offsets instead would make the book
agree with the new log, and the events published before the loss would never reach a consumer
that starts after it (the embedded broker's restart in CI lost 612 of 9,000 events this way)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from claims_ledger.consumers import read_model_consumer as read_model_consumer_module
from claims_ledger.infra.codec import decode
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.message_signing import epoch_of
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.runtime import read_model_consumer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from tests.factories import store_complaints
from tests.servers import read_topic, wait_until

pytestmark = pytest.mark.kafka


def replace_topic(settings: Settings, topic: str) -> None:
    """Delete a topic and create it again, empty (a broker may need a moment between)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        admin.delete_topics([topic])
        wait_until(lambda: topic not in admin.list_topics(), timeout=60, interval=0.2)

        def created() -> bool:
            try:
                admin.create_topics([NewTopic(topic, settings.kafka_topic_partitions, 1)])
            except (TopicAlreadyExistsError, KafkaError):
                return False
            return True

        wait_until(created, timeout=60, interval=0.5)
    finally:
        admin.close()


def test_a_relay_acknowledged_below_its_book_republishes_the_whole_store(
    sqlite_settings: Settings, kafka_bootstrap: str
) -> None:
    # arrange: a relay that never reads back on its own (checks an hour apart)
    settings = sqlite_settings.model_copy(
        update={
            "kafka_bootstrap_servers": kafka_bootstrap,
            "relay_topic_check_seconds": 3600.0,
            "relay_batch_size": 40,
        }
    )
    ensure_topics(settings)
    ledger = build_ledger(settings)
    topic = settings.topic("complaint")
    store_complaints(ledger, 0, 10)
    relay = Relay(ledger, settings)
    try:
        relay.run(threading.Event(), until_caught_up=True)
        assert relay.epoch == 0
        # act: the topic is replaced by an empty one; many more events than it held are
        # published into it before any read-back
        replace_topic(settings, topic)
        stored = store_complaints(ledger, 10, 60)
        relay.run(threading.Event(), until_caught_up=True)
    finally:
        relay.close()
    messages = read_topic(kafka_bootstrap, topic)
    # assert: a new epoch, and every stored event is on the new log under it, in order per case
    assert relay.epoch == 1
    versions: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        if epoch_of(message.headers) == 1:  # type: ignore[attr-defined]
            envelope = decode(message.value)  # type: ignore[attr-defined]
            versions[str(envelope.aggregate_id)].append(envelope.version)
    assert sum(len(v) for v in versions.values()) == stored
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())


def test_a_consumer_beyond_the_end_of_a_replaced_shorter_log_reads_it_again(
    sqlite_settings: Settings, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old log held every event twice (a relay re-sent after a crash); the new one holds
    each once, so the consumer's stored offsets lie beyond its end. Apache Kafka answers such a
    fetch with OFFSET_OUT_OF_RANGE; the embedded broker answers with nothing at all, and the
    consumer must notice from its unanswered read-back that the message before its offset is
    gone, not wait for ever."""
    monkeypatch.setattr(read_model_consumer_module, "VERIFY_IDLE_SECONDS", 0.5)
    settings = sqlite_settings.model_copy(
        update={"kafka_bootstrap_servers": kafka_bootstrap, "relay_batch_size": 40}
    )
    ensure_topics(settings)
    ledger = build_ledger(settings)
    topic = settings.topic("complaint")
    first = store_complaints(ledger, 0, 20)
    relay = Relay(ledger, settings)
    relay.run(threading.Event(), until_caught_up=True)
    resend_everything(kafka_bootstrap, topic)  # the old log: every event twice
    read_model = open_read_model(settings)
    consumer = read_model_consumer(settings, read_model)
    try:
        consume_until(consumer, read_model, first)
        # act: the log is replaced by one holding each event once, plus a few new ones
        replace_topic(settings, topic)
        stored = store_complaints(ledger, 20, 2)
        relay.run(threading.Event(), until_caught_up=True)
        consume_until(consumer, read_model, stored)
    finally:
        consumer.close()
        relay.close()
    # assert: every stored event is in the read model, each once, and the consumer said why
    assert read_model.event_count() == stored
    assert consumer.resets >= 1
    assert consumer.applied == stored


def resend_everything(bootstrap: str, topic: str) -> None:
    """Every message of the topic sent again, as it is (key, value, headers)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for message in read_topic(bootstrap, topic):
            producer.send(
                topic,
                key=message.key,  # type: ignore[attr-defined]
                value=message.value,  # type: ignore[attr-defined]
                headers=message.headers,  # type: ignore[attr-defined]
                partition=message.partition,  # type: ignore[attr-defined]
            )
        producer.flush()
    finally:
        producer.close()


def consume_until(consumer: Any, read_model: Any, events: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while read_model.event_count() < events:
        assert time.monotonic() < deadline, (
            f"read model holds {read_model.event_count()} of {events} events after {timeout} s"
        )
        consumer.poll_once(timeout_ms=200)
