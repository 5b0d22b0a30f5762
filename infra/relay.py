"""The relay (transactional outbox): publishes the event store's notification log to Kafka.

Order, for every batch: read notifications after the recorded position, send them (key =
aggregate id, so each case keeps its order), wait for every ack, then record the new position.
A crash anywhere re-sends from the last recorded position: at-least-once, and consumers
deduplicate by (aggregate id, version).
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from eventsourcing.persistence import Tracking

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.codec import encode
from claims_ledger.infra.kafka_io import producer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import envelope_chain, relay_tracking_recorder

log = structlog.get_logger(__name__)

RELAY_POSITION = "relay"


class Relay:
    def __init__(self, ledger: Ledger, settings: Settings, **producer_overrides: Any) -> None:
        self.ledger = ledger
        self.settings = settings
        self.tracking = relay_tracking_recorder(ledger)
        self.chain = envelope_chain(ledger)
        self.producer = producer(settings, **producer_overrides)

    def position(self) -> int:
        return self.tracking.max_tracking_id(RELAY_POSITION) or 0

    def publish_batch(self) -> int:
        """Publish the next batch; returns how many events were published (0: caught up)."""
        position = self.position()
        notifications = self.ledger.recorder.select_notifications(
            start=position, limit=self.settings.relay_batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        futures = []
        for notification in notifications:
            published = self.chain.envelope(self.ledger.mapper.to_domain_event(notification))
            futures.append(
                self.producer.send(
                    self.settings.topic(published.aggregate_type),
                    key=str(published.aggregate_id).encode(),
                    value=encode(published),
                    headers=[
                        ("event_type", published.event_type.encode()),
                        ("schema_version", str(published.schema_version).encode()),
                    ],
                )
            )
        self.producer.flush()
        for future in futures:
            future.get(timeout=60)  # raises if any send was not acknowledged
        last = notifications[-1].id
        self.tracking.insert_tracking(Tracking(RELAY_POSITION, last))
        log.info("relay.published", count=len(notifications), position=last)
        return len(notifications)

    def run(self, stop: threading.Event, *, until_caught_up: bool = False) -> int:
        """Publish until stopped (or caught up); returns how many events were published."""
        total = 0
        while not stop.is_set():
            published = self.publish_batch()
            total += published
            if published == 0:
                if until_caught_up:
                    break
                stop.wait(self.settings.relay_poll_interval_seconds)
        return total

    def close(self) -> None:
        self.producer.close(timeout=10)
