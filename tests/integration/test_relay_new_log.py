"""The embedded broker keeps nothing across a restart; a topic can be deleted and created again.
A relay that goes on publishing into the new, empty log between two of its read-back checks gets
acknowledgements at offsets below those its book holds; it must take that as a lost log at once
and republish the store under a new epoch. Recording those offsets instead would make the book
agree with the new log, and the events published before the loss would never reach a consumer
that starts after it (the embedded broker's restart in CI lost 612 of 9,000 events this way)."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from claims_ledger.infra.codec import decode
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.message_signing import epoch_of
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
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
