"""Feeds the read models from the ledger's Kafka topics.

Commit order, per poll (up to 500 messages): (1) the read-model changes of every message and
(2) the next offset of each partition are written in one database transaction; (3) the offsets
are then committed to Kafka for tooling (a commit refused after a rebalance is only logged).
The database is the authority: on start, and on every partition assignment, the consumer seeks
to the offsets it stored, so a message is never applied twice and never lost; a batch that
overlaps one another member applied is refused whole by the tracking table and the consumer
seeks again. Duplicates (same aggregate id and version) are skipped.

Only the ledger's own messages are applied: each must carry the relay's Ed25519 signature of its
seal (infra/message_signing.py), checked against LEDGER_PUBLIC_KEY. A poison message never stops
a partition: anything wrong with one message (not a valid envelope, an altered hash, an unsigned
or forged one, an event type the ledger does not publish, a payload that does not fit its model,
a version gap, a duplicate that conflicts with what was applied, a payload the folds cannot read)
sends it to the dead-letter topic with the reason in its headers, and consumption goes on; one
too large for the dead-letter topic is recorded there by reference (topic, partition, offset,
size, reason). If the dead-letter topic cannot be written, nothing of the batch is recorded and
it is read again.

A replaced log (the embedded broker restarted and the relay republished the store under a new
epoch; a topic deleted and recreated) is noticed three ways: a message whose relay epoch is above
the one stored for its partition; a broker's OFFSET_OUT_OF_RANGE for the stored offset (or
Apache Kafka's leader-epoch check finding the log truncated below it); and the
message just before the stored offset not being the one recorded (read back whenever the
consumer seeks to its stored offsets, and every VERIFY_IDLE_SECONDS while idle; a read-back
still unanswered a round later on a partition that ends before it counts too). The partition is
then read again from its earliest offset under a new generation of positions, relying on
(aggregate id, version) deduplication. Kafka errors (a broker restarting, a rebalance) never end
`run`: it pauses, reconnects and seeks to the positions in its database.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import IntegrityError, PersistenceError
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import (
    CommitFailedError,
    KafkaError,
    LogTruncationError,
    MessageSizeTooLargeError,
    OffsetOutOfRangeError,
)
from kafka.structs import OffsetAndMetadata

from claims_ledger.infra.codec import UndecodableMessage, decode, payload_of
from claims_ledger.infra.message_signing import MessageVerifier, epoch_of
from claims_ledger.projections.batch import ReadModelBatch
from claims_ledger.projections.read_model import ApplyResult, ReadModelMixin, SourceState

log = structlog.get_logger(__name__)

JOIN_POLL_MS = 15_000
VERIFY_IDLE_SECONDS = 10.0
"""While idle, how often the consumer reads back the message before each stored offset."""
RETRY_MAX_SECONDS = 5.0
CLOSE_COMMIT_MS = 5_000
"""How long a stopping consumer waits for its last offset commit (a broker gone: not long)."""
DEAD_LETTER_MAX_BYTES = 900_000
"""A message larger than this is dead-lettered by reference (under Kafka's 1 MB default)."""
STORAGE_ERRORS = (PersistenceError, sqlite3.Error, psycopg.Error)
"""Errors of the read model's database: never blamed on a message."""


def digest(value: bytes | None) -> str:
    """What a consumer records of the message before its stored offset, to recognise it."""
    return hashlib.sha256(value or b"").hexdigest()


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
        verifier: MessageVerifier,
        on_applied: Callable[[Any], None] | None = None,
        instance_id: str | None = None,
    ) -> None:
        self.read_model = read_model
        self.verifier = verifier
        self.group_id = group_id
        self.topics = list(topics)
        self.dead_letter_topic = dead_letter_topic
        self.on_applied = on_applied
        static = {"group_instance_id": instance_id} if instance_id else {}
        self.consumer = KafkaConsumer(
            **client_config,
            **static,
            group_id=group_id,
            client_id=f"claims-ledger-consumer-{group_id}",
            enable_auto_commit=False,
            # Never a silent jump: an offset the broker no longer has raises, and the consumer
            # rereads that partition from the start (deduplicating) and says so.
            auto_offset_reset="none",
            # A topic the broker lost is created again by the relay with the configured
            # partitions, not by a consumer's metadata request with the broker's defaults.
            allow_auto_create_topics=False,
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
            max_request_size=DEAD_LETTER_MAX_BYTES + 100_000,
        )
        self.consumer.subscribe(self.topics, listener=_SeekToStoredOffsets(self))
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.resets = 0
        self._last_lag_log = 0.0
        self._verified_at = time.monotonic()
        self._states: dict[TopicPartition, SourceState] = {}
        self._pending: list[tuple[Any, Any, int, str, list[tuple[str, bytes]]]] = []
        self._verify: dict[TopicPartition, tuple[int, float]] = {}
        """Partitions sought to just before their stored offset: the offset to read back, and
        when that read-back was first asked for."""
        self._last_commits: dict[TopicPartition, OffsetAndMetadata] = {}
        """The last offsets sent to Kafka per partition (asynchronously), committed again,
        waited for, on close."""

    # -- positions ----------------------------------------------------------------------------

    def _source(self, tp: TopicPartition) -> str:
        return source_name(self.group_id, tp.topic, tp.partition)

    def seek_to_stored(self, tp: TopicPartition) -> None:
        """Seek to the position in the database; with a recorded message before it, one
        message earlier, to read it back and check the log is still the one applied."""
        source = self._source(tp)
        state = self.read_model.source_state(source)
        self._states[tp] = state
        stored = self.read_model.position(state.tracking_name(source))
        asked = self._verify.pop(tp, None)
        if stored is None:
            self.consumer.seek_to_beginning(tp)
        elif state.last_digest and state.next_offset == stored and stored > 0:
            # asked again for the same offset: it has waited since it was first asked
            since = asked[1] if asked is not None and asked[0] == stored - 1 else time.monotonic()
            self._verify[tp] = (stored - 1, since)
            self.consumer.seek(tp, stored - 1)
        else:
            self.consumer.seek(tp, stored)

    def _reread(self, tp: TopicPartition, why: str, epoch: int | None = None) -> None:
        """The partition's log is not the one applied: read it again from its earliest
        offset, under a new generation of positions."""
        state = self._states.get(tp) or self.read_model.source_state(self._source(tp))
        new = SourceState(
            generation=state.generation + 1,
            epoch=state.epoch if epoch is None else max(epoch, state.epoch),
        )
        self._states[tp] = new
        self._verify.pop(tp, None)
        self.resets += 1
        log.warning(
            "consumer.log_replaced",
            topic=tp.topic,
            partition=tp.partition,
            reason=why,
            generation=new.generation,
            epoch=new.epoch,
            action="rereading from the earliest offset; applied events are skipped by "
            "aggregate id and version",
        )
        self.consumer.seek_to_beginning(tp)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Process one poll's messages in one read-model transaction; returns how many were
        handled (0 when the batch was refused because another member applied part of it)."""
        if not self.consumer.assignment():
            # Join the group inside one long poll. kafka-python 3.0.12 discards a JoinGroup
            # that completes between two polls and sends a new one; a broker that holds
            # JoinGroup for its initial rebalance delay (Tansu: 3 s) then never settles when
            # polls are short.
            timeout_ms = max(timeout_ms, JOIN_POLL_MS)
        try:
            batches = self.consumer.poll(timeout_ms=timeout_ms)
        except OffsetOutOfRangeError as error:
            partitions = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
            for tp in partitions or self.consumer.assignment():
                self._reread(tp, "the broker no longer has the stored offset (OFFSET_OUT_OF_RANGE)")
            return 0
        except LogTruncationError as error:
            # Apache Kafka's leader epochs (KIP-320): the log no longer holds what was read
            # under the epoch the position carries (a topic recreated, an unclean election).
            for tp in error.divergent_offsets or self.consumer.assignment():
                self._reread(tp, "the broker's log was truncated below the stored offset")
            return 0
        batches = {tp: self._checked(tp, tp_messages) for tp, tp_messages in batches.items()}
        messages = [m for tp_messages in batches.values() for m in tp_messages]
        if not messages:
            self._verify_if_idle()
            self._log_lag()
            return 0
        self._pending = []
        try:
            with self.read_model.batch() as batch:
                results = [self._handle(batch, message) for message in messages]
                for tp, tp_messages in batches.items():
                    if tp_messages:
                        self._record_source(batch, tp, tp_messages[-1])
                # every dead letter acknowledged before the batch's positions are committed
                self._flush_dead_letters()
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
        # Not awaited: the database holds the true position, Kafka's copy is for tooling (a
        # synchronous commit was a third of the consumer's time at 200 commands/s, measured).
        self.consumer.commit_async(commits, callback=_commit_answered)
        self._last_commits.update(commits)
        self._log_lag()
        return len(messages)

    def _checked(self, tp: TopicPartition, messages: list[Any]) -> list[Any]:
        """The messages of one partition that belong to the log applied so far: the read-back
        message is checked and dropped; a replaced log drops the rest and rereads it."""
        if not messages:
            return messages
        asked = self._verify.pop(tp, None)
        if asked is not None:
            expected, _ = asked
            first = messages[0]
            state = self._states.get(tp, SourceState())
            if first.offset != expected or digest(first.value) != state.last_digest:
                self._reread(
                    tp,
                    f"the message at offset {expected} is not the one applied there",
                )
                return []
            messages = messages[1:]
        state = self._states.get(tp, SourceState())
        for message in messages:
            epoch = epoch_of(message.headers)
            if (
                epoch is not None
                and epoch > state.epoch
                and self.verifier.problem(_seal_of(message.value), message.headers) is None
            ):
                self._reread(
                    tp, f"relay epoch {epoch} above the {state.epoch} applied so far", epoch
                )
                return []
        return messages

    def _record_source(self, batch: ReadModelBatch, tp: TopicPartition, last: Any) -> None:
        state = self._states.get(tp, SourceState())
        updated = SourceState(state.generation, state.epoch, last.offset + 1, digest(last.value))
        self._states[tp] = updated
        source = self._source(tp)
        batch.record_source(
            source,
            generation=updated.generation,
            epoch=updated.epoch,
            next_offset=updated.next_offset,
            last_digest=updated.last_digest,
        )

    def _verify_if_idle(self) -> None:
        now = time.monotonic()
        if now - self._verified_at < VERIFY_IDLE_SECONDS:
            return
        self._verified_at = now
        # A read-back unanswered since the last round, on a partition the broker says ends at
        # or before it: the message is gone (the embedded broker answers a fetch beyond a
        # new, shorter log with nothing at all, not OFFSET_OUT_OF_RANGE).
        unanswered = {
            tp: offset
            for tp, (offset, since) in self._verify.items()
            if now - since >= VERIFY_IDLE_SECONDS
        }
        ends = self.consumer.end_offsets(list(unanswered)) if unanswered else {}
        for tp in self.consumer.assignment():
            offset, end = unanswered.get(tp), ends.get(tp)
            if offset is not None and end is not None and end <= offset:
                self._reread(
                    tp, f"the message at offset {offset} is gone (the partition ends at {end})"
                )
            else:
                self.seek_to_stored(tp)

    def _reseek(self, partitions: Sequence[TopicPartition]) -> None:
        assigned = self.consumer.assignment()
        for tp in partitions:
            if tp in assigned:
                self.seek_to_stored(tp)

    def _handle(self, batch: ReadModelBatch, message: Any) -> tuple[ApplyResult, Any] | None:
        """Fold one message into the batch; None when it went to the dead-letter topic."""
        tp = TopicPartition(message.topic, message.partition)
        source = self._states.get(tp, SourceState()).tracking_name(self._source(tp))
        next_offset = message.offset + 1
        try:
            published = decode(message.value)
            key = message.key.decode("utf-8", "replace") if message.key else None
            if key != str(published.aggregate_id):
                raise UndecodableMessage(
                    f"message key {key!r} is not the aggregate id {published.aggregate_id}"
                )
            problem = self.verifier.problem(published.hash, message.headers)
            if problem is not None:
                raise UndecodableMessage(problem)
            payload_of(published)
            return batch.apply(published, source, next_offset), published
        except STORAGE_ERRORS:
            raise  # the database's trouble, not the message's: nothing of the batch is kept
        except Exception as error:  # any other problem is this message's: it must not stop us
            reason = (
                str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
            )
            self._dead_letter(message, reason)
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
        """Send the message, with the reason, to the dead-letter topic; one too large for it
        by reference. Raises KafkaError when the topic cannot be written (the batch is then
        not recorded, and read again)."""
        reason = reason[:2000]
        size = len(message.value or b"") + len(message.key or b"")
        headers = [
            ("dlq.reason", reason.encode("utf-8")),
            ("dlq.source.topic", message.topic.encode()),
            ("dlq.source.partition", str(message.partition).encode()),
            ("dlq.source.offset", str(message.offset).encode()),
            ("dlq.consumer.group", self.group_id.encode()),
            # the message's own headers follow, as they came (its signature among them)
            *((k, v) for k, v in (message.headers or ()) if not k.startswith("dlq.")),
        ]
        value = message.value
        key = message.key
        if size > DEAD_LETTER_MAX_BYTES:
            value, key = self._reference(message, size, reason), None
            headers.append(("dlq.by_reference", b"true"))
        try:
            future = self.dead_letters.send(
                self.dead_letter_topic, key=key, value=value, headers=headers
            )
        except MessageSizeTooLargeError:
            future = self._send_reference(message, size, reason, headers)
        self._pending.append((future, message, size, reason, headers))
        self.dead_lettered += 1
        log.warning(
            "consumer.dead_lettered",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            size=size,
            reason=reason,
        )

    def _send_reference(
        self, message: Any, size: int, reason: str, headers: list[tuple[str, bytes]]
    ) -> Any:
        return self.dead_letters.send(
            self.dead_letter_topic,
            value=self._reference(message, size, reason),
            headers=[*headers, ("dlq.by_reference", b"true")],
        )

    def _flush_dead_letters(self) -> None:
        """Wait for every dead letter of the batch; raises KafkaError when one was not
        written (the batch is then not committed, and read again)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        self.dead_letters.flush(timeout=60)
        for future, message, size, reason, headers in pending:
            try:
                future.get(timeout=60)
            except MessageSizeTooLargeError:  # refused by the broker: record it by reference
                self._send_reference(message, size, reason, headers).get(timeout=60)

    @staticmethod
    def _reference(message: Any, size: int, reason: str) -> bytes:
        return json.dumps(
            {
                "topic": message.topic,
                "partition": message.partition,
                "offset": message.offset,
                "size": size,
                "reason": reason,
                "note": "too large for the dead-letter topic: read it at its source offset",
            }
        ).encode("utf-8")

    def lag(self) -> dict[str, int]:
        assigned = list(self.consumer.assignment())
        if not assigned:
            return {}
        ends = self.consumer.end_offsets(assigned)
        # As it is, never clamped: below zero, the broker reports an end before the position
        # (the embedded broker reports the start of its last batch as the end).
        return {str(tp): ends[tp] - self.consumer.position(tp) for tp in assigned}

    def _log_lag(self) -> None:
        now = time.monotonic()
        if now - self._last_lag_log >= 10:
            self._last_lag_log = now
            lag = self.lag()
            log.info("consumer.lag", group=self.group_id, total=sum(lag.values()), partitions=lag)

    def run(self, stop: threading.Event) -> None:
        """Poll until stopped. A Kafka error (a broker restarting or unreachable, a rebalance)
        never ends it: a pause, then the positions in the database again."""
        failures = 0
        while not stop.is_set():
            try:
                self.poll_once()
            except KafkaError as error:
                failures += 1
                pause = min(RETRY_MAX_SECONDS, 0.2 * 2 ** min(failures, 20))
                log.warning(
                    "consumer.kafka_unavailable",
                    error=f"{type(error).__name__}: {error}",
                    attempt=failures,
                    retry_in_seconds=pause,
                )
                stop.wait(pause)
                with contextlib.suppress(KafkaError):
                    self._reseek(list(self.consumer.assignment()))
                continue
            if failures:
                log.info("consumer.kafka_back", attempts=failures)
                failures = 0

    def close(self) -> None:
        owned = self.consumer.assignment()
        last = {tp: at for tp, at in self._last_commits.items() if tp in owned}
        if last:  # the last asynchronous commit may still be in flight
            with contextlib.suppress(KafkaError):
                self.consumer.commit(last, timeout_ms=CLOSE_COMMIT_MS)
        self.consumer.close(autocommit=False)
        self.dead_letters.close(timeout=10)


def _commit_answered(offsets: dict[TopicPartition, OffsetAndMetadata], answer: Any) -> None:
    """The broker's answer to an offset commit. Refused after a rebalance: the offsets are in
    the database already (the true position); the next owner seeks to them."""
    if isinstance(answer, CommitFailedError):
        log.info("consumer.commit_failed_after_rebalance", partitions=len(offsets))
    elif isinstance(answer, Exception):
        log.info("consumer.commit_failed", error=f"{type(answer).__name__}: {answer}")


def _seal_of(value: bytes | None) -> str:
    """The `hash` field of a message value, without validating the rest (epoch checks)."""
    try:
        return str(json.loads(value or b"")["hash"])
    except (ValueError, KeyError, TypeError):
        return ""
