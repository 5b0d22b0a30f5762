"""Feeds the read models from the ledger's Kafka topics.

Commit order, per poll (up to 500 messages): (1) the read-model changes of every message and
(2) the next offset of each partition are written in one database transaction; (3) the offsets
are then committed to Kafka for tooling (a commit refused after a rebalance is only logged).
The database is the authority: on start, and on every partition assignment, the consumer seeks
to the offsets it stored, so a message is never applied twice and never lost; a batch that
overlaps one another member applied is refused whole by the tracking table and the consumer
seeks again. Duplicates (same aggregate id and version) are skipped. A message that cannot be
decoded or validated goes to the dead-letter topic with the reason in its headers, and
consumption goes on: not a valid envelope, an event type the ledger does not publish, or a
payload that does not fit its event type's model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata

from claims_ledger.infra.codec import UndecodableMessage, decode, payload_of
from claims_ledger.projections.batch import ReadModelBatch
from claims_ledger.projections.read_model import ApplyResult, ChainBroken, ReadModelMixin

log = structlog.get_logger(__name__)

JOIN_POLL_MS = 15_000


def source_name(group_id: str, topic: str, partition: int) -> str:
    return f"kafka:{group_id}:{topic}:{partition}"


class _SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: ReadModelConsumer) -> None:
        self.owner = owner

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        log.info("consumer.partitions_revoked", partitions=[str(tp) for tp in revoked])

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        for tp in assigned:
            self.owner.seek_to_stored(tp)
        log.info("consumer.partitions_assigned", partitions=[str(tp) for tp in assigned])


class ReadModelConsumer:
    def __init__(
        self,
        read_model: ReadModelMixin,
        *,
        client_config: dict[str, Any],
        group_id: str,
        topics: Sequence[str],
        dead_letter_topic: str,
        on_applied: Callable[[Any], None] | None = None,
    ) -> None:
        self.read_model = read_model
        self.group_id = group_id
        self.topics = list(topics)
        self.dead_letter_topic = dead_letter_topic
        self.on_applied = on_applied
        self.consumer = KafkaConsumer(
            **client_config,
            group_id=group_id,
            client_id=f"claims-ledger-consumer-{group_id}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
            max_poll_records=500,
            # A poll returns as soon as anything arrives; the default 500 ms wait set the
            # end-to-end latency on a quiet topic.
            fetch_max_wait_ms=100,
        )
        self.dead_letters = KafkaProducer(
            **client_config,
            acks="all",
            enable_idempotence=True,
            client_id=f"claims-ledger-deadletter-{group_id}",
        )
        self.consumer.subscribe(self.topics, listener=_SeekToStoredOffsets(self))
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self._last_lag_log = 0.0

    def seek_to_stored(self, tp: TopicPartition) -> None:
        stored = self.read_model.position(source_name(self.group_id, tp.topic, tp.partition))
        if stored is None:
            self.consumer.seek_to_beginning(tp)
        else:
            self.consumer.seek(tp, stored)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Process one poll's messages in one read-model transaction; returns how many were
        handled (0 when the batch was refused because another member applied part of it)."""
        if not self.consumer.assignment():
            # Join the group inside one long poll. kafka-python 3.0.12 discards a JoinGroup
            # that completes between two polls and sends a new one; a broker that holds
            # JoinGroup for its initial rebalance delay (Tansu: 3 s) then never settles when
            # polls are short.
            timeout_ms = max(timeout_ms, JOIN_POLL_MS)
        batches = self.consumer.poll(timeout_ms=timeout_ms)
        messages = [m for tp_messages in batches.values() for m in tp_messages]
        if not messages:
            self._log_lag()
            return 0
        try:
            with self.read_model.batch() as batch:
                results = [self._handle(batch, message) for message in messages]
        except IntegrityError:
            # The database already holds one of these positions: another member applied it
            # (a rebalance moved the partition). Nothing of this batch was stored; carry on
            # from what the database holds.
            log.info("consumer.batch_already_applied", messages=len(messages))
            self._reseek(list(batches))
            return 0
        self._report(results)
        commits = {
            tp: OffsetAndMetadata(tp_messages[-1].offset + 1, "", -1)
            for tp, tp_messages in batches.items()
            if tp_messages
        }
        try:
            self.consumer.commit(commits)
        except CommitFailedError:
            # The group rebalanced since the poll: the offsets are in the database already
            # (the true position); the next owner seeks to them.
            log.info("consumer.commit_failed_after_rebalance", partitions=len(commits))
        self._log_lag()
        return len(messages)

    def _reseek(self, partitions: Sequence[TopicPartition]) -> None:
        assigned = self.consumer.assignment()
        for tp in partitions:
            if tp in assigned:
                self.seek_to_stored(tp)

    def _handle(self, batch: ReadModelBatch, message: Any) -> tuple[ApplyResult, Any] | None:
        """Fold one message into the batch; None when it went to the dead-letter topic."""
        source = source_name(self.group_id, message.topic, message.partition)
        next_offset = message.offset + 1
        try:
            published = decode(message.value)
            key = message.key.decode("utf-8", "replace") if message.key else None
            if key != str(published.aggregate_id):
                raise UndecodableMessage(
                    f"message key {key!r} is not the aggregate id {published.aggregate_id}"
                )
            payload_of(published)
            return batch.apply(published, source, next_offset), published
        except (UndecodableMessage, ChainBroken) as error:
            self._dead_letter(message, str(error))
            batch.skip(source, next_offset)
            return None

    def _report(self, results: Sequence[tuple[ApplyResult, Any] | None]) -> None:
        """After the batch is committed: count, log and call back, per applied event."""
        for result in results:
            if result is None:
                continue
            outcome, published = result
            structlog.contextvars.bind_contextvars(
                case_id=str(published.aggregate_id), correlation_id=published.correlation_id
            )
            try:
                if outcome is ApplyResult.DUPLICATE:
                    self.duplicates += 1
                    log.debug("consumer.duplicate_skipped", version=published.version)
                else:
                    self.applied += 1
                    log.debug(
                        "consumer.applied",
                        event_type=published.event_type,
                        version=published.version,
                    )
                    if self.on_applied is not None:
                        self.on_applied(published)
            finally:
                structlog.contextvars.unbind_contextvars("case_id", "correlation_id")

    def _dead_letter(self, message: Any, reason: str) -> None:
        headers = [
            ("dlq.reason", reason.encode("utf-8")),
            ("dlq.source.topic", message.topic.encode()),
            ("dlq.source.partition", str(message.partition).encode()),
            ("dlq.source.offset", str(message.offset).encode()),
            ("dlq.consumer.group", self.group_id.encode()),
        ]
        self.dead_letters.send(
            self.dead_letter_topic, key=message.key, value=message.value, headers=headers
        ).get(timeout=60)
        self.dead_lettered += 1
        log.warning(
            "consumer.dead_lettered",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            reason=reason,
        )

    def lag(self) -> dict[str, int]:
        assigned = list(self.consumer.assignment())
        if not assigned:
            return {}
        ends = self.consumer.end_offsets(assigned)
        return {str(tp): max(ends[tp] - self.consumer.position(tp), 0) for tp in assigned}

    def _log_lag(self) -> None:
        now = time.monotonic()
        if now - self._last_lag_log >= 10:
            self._last_lag_log = now
            lag = self.lag()
            log.info("consumer.lag", group=self.group_id, total=sum(lag.values()), partitions=lag)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll_once()

    def close(self) -> None:
        self.consumer.close(autocommit=False)
        self.dead_letters.close(timeout=10)
