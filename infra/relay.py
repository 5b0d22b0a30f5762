"""The relay (transactional outbox): publishes the event store's notification log to Kafka.

Order, for every batch: read notifications after the recorded position, check each payload
against its event type's model, send them (key = aggregate id, so each case keeps its order),
wait for every ack, then record the new position. A payload that does not fit stops the relay
at that event, with its batch's position unrecorded: it is a programming error, and it is never
sent for consumers to reject.
A crash anywhere re-sends from the last recorded position: at-least-once, and consumers
deduplicate by (aggregate id, version).

With a checkpoint writer (the command line and the demo give it one), the relay signs a
checkpoint of the log every LEDGER_CHECKPOINT_EVERY_EVENTS published events, or every
LEDGER_CHECKPOINT_EVERY_SECONDS when events it published are not yet covered, and when it stops
caught up; always after the events it covers were acknowledged and its position recorded.

The relay computes no hash chain: it publishes each event with the seal stored with it
(`prev_hash`, `hash`), after checking that the envelope it builds from the stored event hashes
to that seal. An event altered after it was stored, or stored without a seal, stops the relay
with an error naming it; nothing of its batch is published.

Every message is signed (infra/message_signing.py) and carries the relay's log epoch. The relay
keeps a book (infra/relay_book.py) of the next offset it has had acknowledged on each partition;
at start, every RELAY_TOPIC_CHECK_SECONDS and after any Kafka error it reads back the message
before each recorded offset, and with every batch it compares the offsets acknowledged with the
book (an offset below one already acknowledged on its partition can only be a new log). A topic
that lost messages (the embedded broker restarted and kept nothing, a topic was deleted) is
healed from the store: topics recreated, epoch raised, every event republished, and the log says
so. While the broker is unreachable the relay records nothing, rebuilds its producer and retries
with a growing pause (up to RELAY_RETRY_MAX_SECONDS); it never exits for it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import Notification, OperationalError, Tracking
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, OffsetOutOfRangeError

from claims_ledger.domain.envelope import PublishedEvent, envelope_of
from claims_ledger.domain.errors import LedgerError
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.seals import Seal
from claims_ledger.infra.checkpoint_log import CheckpointWriter, signing_key
from claims_ledger.infra.codec import encode, publishable
from claims_ledger.infra.errors import Unreachable
from claims_ledger.infra.kafka_io import ensure_topics, producer
from claims_ledger.infra.message_signing import MessageSigner
from claims_ledger.infra.progress import progress
from claims_ledger.infra.relay_book import RELAY_POSITION, RelayBook, position_name
from claims_ledger.infra.relay_lease import RelayLease
from claims_ledger.infra.seal_store import sealing_recorder
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import relay_tracking_recorder
from claims_ledger.projections.sqlite_write import is_busy

log = structlog.get_logger(__name__)

__all__ = ["RELAY_POSITION", "Relay", "SealBroken"]


class SealBroken(LedgerError):
    """A stored event does not match its stored seal (or has none): it was altered, inserted or
    moved after it was stored. The relay publishes nothing more until someone looks."""

    def __init__(self, aggregate_type: str, aggregate_id: object, version: int, what: str) -> None:
        self.aggregate_id = aggregate_id
        self.version = version
        super().__init__(
            f"relay stopped at {aggregate_type} {aggregate_id} v{version}: {what}; nothing of "
            "this batch was published (run `claims-ledger verify` to see every problem)"
        )


BUSY_POLL_SECONDS = 0.005
"""The first wait after a batch: the store is polled again soon while writes keep coming, and
less and less often (doubling, up to RELAY_POLL_INTERVAL_SECONDS) while it stays quiet."""

STANDBY_POLL_SECONDS = 1.0
READ_BACK_SECONDS = 5.0
"""How long the relay waits to read back the last message it published on a partition."""
_NO_ANSWER = "(no answer)"
CATCH_UP_BATCHES = 4
"""A backlog of more than this many batches is published under a progress bar / log lines."""


class Relay:
    def __init__(
        self,
        ledger: Ledger,
        settings: Settings,
        *,
        checkpoints: CheckpointWriter | None = None,
        lease: RelayLease | None = None,
        **producer_overrides: Any,
    ) -> None:
        self.ledger = ledger
        self.settings = settings
        self.tracking = relay_tracking_recorder(ledger)
        self.seals = sealing_recorder(ledger)
        self._producer_config = self.producer_settings(settings) | producer_overrides
        self.producer = producer(settings, **self._producer_config)
        self.book = RelayBook(ledger)
        self._end_offsets: KafkaConsumer | None = None
        self._checked_at = float("-inf")
        self._republishing = False
        self.lease = lease
        self.checkpoints = checkpoints
        # Every message is signed with the ledger's key (infra/message_signing.py): the
        # checkpoint writer's, else the configured or generated one.
        self.signer = MessageSigner(checkpoints.signer if checkpoints else signing_key(settings))
        self.epoch = self.book.epoch()
        self._checkpointed_at = time.monotonic()
        self._uncovered = (
            max(0, self.position() - checkpoints.covered_through()) if checkpoints else 0
        )

    @staticmethod
    def producer_settings(settings: Settings) -> dict[str, Any]:
        """What the relay's producer adds to the shared producer settings (infra/kafka_io.py:
        acks=all, idempotence, 256 KiB batches). Measured on the embedded broker, linger 0-20 ms
        and batches of 16-512 KiB move throughput less than run-to-run noise (bench/)."""
        config: dict[str, Any] = {
            "linger_ms": 5,
            # A broker that went away fails a send within seconds, not minutes: the relay then
            # rebuilds its producer and retries the batch (its position is not recorded).
            "max_block_ms": 10_000,
            "request_timeout_ms": 10_000,
            "delivery_timeout_ms": 20_000,
            # A topic the broker lost is created again by the relay (ensure_topics, with the
            # configured partitions), never by a send with the broker's defaults: a send to it
            # fails within max_block_ms and the relay heals.
            "allow_auto_create_topics": False,
        }
        if settings.relay_compression != "none":
            config["compression_type"] = settings.relay_compression
        return config

    def position(self) -> int:
        return self.tracking.max_tracking_id(position_name(self.epoch)) or 0

    def publish_batch(self) -> int:
        """Publish the next batch; returns how many events were published (0: caught up)."""
        position = self.position()
        notifications = self.ledger.recorder.select_notifications(
            start=position, limit=self.settings.relay_batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        seals = self.seals.select_seals(notifications[0].id, notifications[-1].id)
        # Every event of the batch is checked (its seal, its payload's model) before any is sent.
        envelopes = [publishable(self._sealed_envelope(n, seals.get(n.id))) for n in notifications]
        futures = []
        for published in envelopes:
            futures.append(
                self.producer.send(
                    self.settings.topic(published.aggregate_type),
                    key=str(published.aggregate_id).encode(),
                    value=encode(published),
                    headers=[
                        ("event_type", published.event_type.encode()),
                        ("schema_version", str(published.schema_version).encode()),
                        *self.signer.headers(published.hash, self.epoch),
                    ],
                )
            )
        self.producer.flush()
        acknowledged: dict[tuple[str, int], tuple[int, str]] = {}
        first_offsets: dict[tuple[str, int], int] = {}
        for published, future in zip(envelopes, futures, strict=True):
            metadata = future.get(timeout=60)  # raises if any send was not acknowledged
            where = (metadata.topic, metadata.partition)
            first_offsets.setdefault(where, metadata.offset)
            if metadata.offset + 1 > acknowledged.get(where, (0, ""))[0]:
                acknowledged[where] = (metadata.offset + 1, published.hash)
        last = notifications[-1].id
        lowered = self._below_the_book(first_offsets)
        if lowered:
            # Appended below an offset already acknowledged there: the partition is a new log
            # (the broker restarted empty, the topic was recreated). Recording these offsets
            # would make the book agree with the new log and hide the loss.
            self._republish(lowered)
            return len(notifications)
        self.book.record(acknowledged, Tracking(position_name(self.epoch), last), self.tracking)
        log.info("relay.published", count=len(notifications), position=last, epoch=self.epoch)
        self._uncovered += len(notifications)
        self.checkpoint_if_due(last)
        return len(notifications)

    def checkpoint_if_due(self, position: int, *, uncovered_ok: bool = True) -> None:
        """Sign a checkpoint up to `position` (published and acknowledged) every N events or
        M seconds; `uncovered_ok=False`: now, if any published event is not yet covered."""
        if self.checkpoints is None or not self._uncovered:
            return
        elapsed = time.monotonic() - self._checkpointed_at
        if (
            uncovered_ok
            and self._uncovered < self.settings.ledger_checkpoint_every_events
            and elapsed < self.settings.ledger_checkpoint_every_seconds
        ):
            return
        self.checkpoints.write(up_to=position, publish=self._publish_checkpoint)
        self._uncovered = 0
        self._checkpointed_at = time.monotonic()

    def _publish_checkpoint(self, note: str) -> None:
        """Through the relay's producer, ack awaited: a producer made per checkpoint cost a
        connection and a producer id each time (120-160 ms on Apache Kafka, measured), a stall
        of every event behind it. A failed send raises into the run loop like a batch's."""
        self.producer.send(
            self.settings.checkpoint_topic,
            key=self.settings.checkpoint_origin.encode(),
            value=note.encode(),
        ).get(timeout=60)

    def _sealed_envelope(self, notification: Notification, seal: Seal | None) -> PublishedEvent:
        """The envelope of a stored event with its stored seal, checked against it."""
        key = (UUID(str(notification.originator_id)), notification.originator_version)
        aggregate_type = "event"
        try:
            domain_event = self.ledger.mapper.to_domain_event(notification)
            aggregate_type = self.ledger.aggregate_types.of(domain_event)
        except Exception as error:  # whatever these bytes are, they are not what was sealed
            problem = f"the stored event cannot be decoded ({type(error).__name__}: {error})"
        else:
            if seal is None:
                problem = f"stored at notification {notification.id} without a seal (inserted?)"
            elif seal.key != key:
                problem = (
                    f"stored at notification {notification.id}, whose seal is for "
                    f"{seal.aggregate_id} v{seal.version} (moved or swapped?)"
                )
            else:
                published = envelope_of(domain_event, aggregate_type, seal.prev_hash)
                if published.hash == seal.hash:
                    return published
                problem = (
                    f"the stored event hashes to {published.hash}, its seal is {seal.hash}: "
                    "altered after it was stored"
                )
        log.error(
            "relay.seal_broken",
            aggregate_type=aggregate_type,
            aggregate_id=str(key[0]),
            version=key[1],
            notification_id=notification.id,
            problem=problem,
        )
        raise SealBroken(aggregate_type, key[0], key[1], problem)

    def run(self, stop: threading.Event, *, until_caught_up: bool = False) -> int:
        """Publish until stopped (or caught up); returns how many events were published. With
        a lease, publish only while holding it: a standby waits here until the lease is free.
        A Kafka error never ends the run: the batch is retried once the broker answers; nor does
        SQLite's write lock held too long by other writers."""
        total = 0
        idle_polls = 0
        failures = 0
        busy = 0
        standby_logged = False
        self._connect_check_client()
        while not stop.is_set():
            try:
                if not self._hold_lease():
                    if not standby_logged:
                        holder = self.lease.holder if self.lease else None
                        log.info("relay.standby", holder=holder)
                        standby_logged = True
                    # a short lease is checked often: the standby takes over soon after expiry
                    stop.wait(min(STANDBY_POLL_SECONDS, self.settings.relay_lease_seconds / 4))
                    continue
                if standby_logged:
                    log.info("relay.took_over", position=self.position())
                    standby_logged = False
                healed = self.heal_if_due(force=failures > 0) or self._republishing
                self._republishing = False
                published = self._catch_up(stop) if total == 0 or healed else 0
                published = published or self.publish_batch()
                if not published:  # idle: a checkpoint of what is published, when due
                    self.checkpoint_if_due(self.position(), uncovered_ok=not until_caught_up)
            except OperationalError as error:
                # SQLite's write lock held beyond its timeout by other writers: nothing of the
                # batch was recorded, so it is published again (consumers skip duplicates); a
                # lease not renewed is asked for again.
                if not is_busy(error):
                    raise
                busy += 1
                self._wait_for_database(stop, error, busy)
                continue
            except (KafkaError, Unreachable) as error:
                failures += 1
                pause = min(
                    self.settings.relay_retry_max_seconds,
                    BUSY_POLL_SECONDS * 40 * 2 ** min(failures, 20),
                )
                log.warning(
                    "relay.kafka_unavailable",
                    error=f"{type(error).__name__}: {error}",
                    attempt=failures,
                    retry_in_seconds=round(pause, 2),
                    position=self.position(),
                )
                self._rebuild_producer()
                stop.wait(pause)
                continue
            if failures:
                log.info("relay.kafka_back", attempts=failures, position=self.position())
                failures = 0
            busy = 0
            total += published
            if published:
                idle_polls = 0
                continue
            if until_caught_up:
                break
            stop.wait(self._idle_wait(idle_polls))
            idle_polls += 1
        return total

    # -- healing a log that lost messages ---------------------------------------------------

    def heal_if_due(self, *, force: bool = False) -> bool:
        """Compare the topics with the book (every RELAY_TOPIC_CHECK_SECONDS, or now); when
        one lost messages, republish the store under a new epoch. True when it did."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.settings.relay_topic_check_seconds:
            return False
        self._checked_at = now
        losses = self.lost_messages()
        if not losses:
            if force:  # after an error: a topic never published to may be gone too
                ensure_topics(self.settings)
            return False
        self._republish(losses)
        return True

    def _below_the_book(
        self, first_offsets: dict[tuple[str, int], int]
    ) -> dict[tuple[str, int], tuple[int, str]]:
        """Partitions where this batch was appended below the next offset the book holds. A
        partition's offsets only grow, whoever writes to it, so this means a replaced log,
        found at once and without reading anything back."""
        recorded = self.book.offsets()
        return {
            where: (recorded[where][0], f"a new message acknowledged at offset {offset}")
            for where, offset in first_offsets.items()
            if where in recorded and offset < recorded[where][0]
        }

    def _republish(self, losses: dict[tuple[str, int], tuple[int, str]]) -> None:
        """Raise the epoch: the whole store is published again from position 0."""
        for (topic, partition), (next_offset, why) in sorted(losses.items()):
            log.warning(
                "relay.topic_lost_messages",
                topic=topic,
                partition=partition,
                offset=next_offset - 1,
                found=why,
            )
        ensure_topics(self.settings)
        self.epoch = self.book.new_epoch()
        stored = self.ledger.recorder.max_notification_id() or 0
        log.warning(
            "relay.republishing",
            events=stored,
            epoch=self.epoch,
            reason="the topics hold less than the relay had published; the event store is the "
            "truth",
        )
        self._rebuild_producer()
        self._republishing = True

    def lost_messages(self) -> dict[tuple[str, int], tuple[int, str]]:
        """Partitions that no longer hold, just before the next offset the relay recorded,
        the message it had acknowledged there: (topic, partition) -> (that offset, why). A
        partition that does not answer in time is not counted lost: it is checked again."""
        recorded = self.book.offsets()
        if not recorded:
            return {}
        client = self._offsets_client()
        existing = client.topics()
        losses: dict[tuple[str, int], tuple[int, str]] = {}
        wanted: dict[TopicPartition, int] = {}
        for (topic, partition), (next_offset, _) in sorted(recorded.items()):
            if topic not in existing:
                losses[(topic, partition)] = (next_offset, "the topic is gone")
            else:
                wanted[TopicPartition(topic, partition)] = next_offset - 1
        for tp, found in self._read_back(client, wanted).items():
            next_offset, seal = recorded[(tp.topic, tp.partition)]
            if found is _NO_ANSWER:
                log.info("relay.read_back_unanswered", topic=tp.topic, partition=tp.partition)
            elif found is None:
                losses[(tp.topic, tp.partition)] = (next_offset, "no message there")
            elif found != seal:
                losses[(tp.topic, tp.partition)] = (next_offset, f"another message there ({found})")
        return losses

    @staticmethod
    def _read_back(
        client: KafkaConsumer, wanted: dict[TopicPartition, int]
    ) -> dict[TopicPartition, str | None]:
        """For each partition, the seal hash of the message at its offset; None when the
        partition has none there (out of range, or empty); _NO_ANSWER when the broker said
        nothing in time. Every partition is read at once (one wait, not one per partition)."""
        if not wanted:
            return {}
        client.assign(list(wanted))
        client.resume(*wanted)  # paused by an earlier read-back once answered
        for tp, offset in wanted.items():
            client.seek(tp, offset)
        found: dict[TopicPartition, str | None] = {}
        deadline = time.monotonic() + READ_BACK_SECONDS
        while len(found) < len(wanted) and time.monotonic() < deadline:
            try:
                batches = client.poll(timeout_ms=500)
            except OffsetOutOfRangeError as error:
                out = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
                for tp in out or set(wanted) - set(found):
                    found[tp] = None
                client.pause(*found)
                continue
            for tp, records in batches.items():
                if tp in found or not records:
                    continue
                record = records[0]
                if record.offset != wanted[tp]:
                    found[tp] = None
                else:
                    try:
                        found[tp] = str(json.loads(record.value)["hash"])
                    except (ValueError, KeyError, TypeError):
                        found[tp] = "not a ledger message"
                client.pause(tp)
        silent = [tp for tp in wanted if tp not in found]
        ends = client.end_offsets(silent) if silent else {}
        for tp in silent:
            # an empty partition was recreated since; anything else is asked again later
            found[tp] = None if ends.get(tp) == 0 else _NO_ANSWER
        return found

    def _connect_check_client(self) -> None:
        """Connect the read-back client before publishing: made at the first topic check, its
        connection and metadata (120-170 ms measured) stalled every event behind that check."""
        with contextlib.suppress(KafkaError):
            self._offsets_client().topics()

    def _offsets_client(self) -> KafkaConsumer:
        if self._end_offsets is None:
            self._end_offsets = KafkaConsumer(
                **self.settings.kafka_client_config(),
                client_id="claims-ledger-relay-check",
                enable_auto_commit=False,
                allow_auto_create_topics=False,
                auto_offset_reset="none",
                request_timeout_ms=10_000,
            )
        return self._end_offsets

    def _rebuild_producer(self) -> None:
        """A broker that restarted may not know this producer's id: start a new one."""
        with contextlib.suppress(KafkaError):
            self.producer.close(timeout=0)
        if self._end_offsets is not None:
            with contextlib.suppress(KafkaError):
                self._end_offsets.close()
            self._end_offsets = None
        self.producer = producer(self.settings, **self._producer_config)

    def _wait_for_database(self, stop: threading.Event, error: Exception, attempt: int) -> None:
        pause = min(self.settings.relay_retry_max_seconds, BUSY_POLL_SECONDS * 40 * attempt)
        log.warning(
            "relay.database_busy",
            error=f"{type(error).__name__}: {error}",
            attempt=attempt,
            retry_in_seconds=round(pause, 2),
        )
        stop.wait(pause)

    def _hold_lease(self) -> bool:
        """Take or renew the lease (renewed before every batch)."""
        return self.lease is None or self.lease.acquire()

    def _idle_wait(self, idle_polls: int) -> float:
        # the exponent is capped: an idle relay polls for days without overflowing a float
        return float(
            min(
                self.settings.relay_poll_interval_seconds,
                BUSY_POLL_SECONDS * 2 ** min(idle_polls, 20),
            )
        )

    def _catch_up(self, stop: threading.Event) -> int:
        """A large backlog (a first start, a takeover, a republish): published batch after
        batch with progress shown; returns how many events."""
        backlog = (self.ledger.recorder.max_notification_id() or 0) - self.position()
        if backlog <= CATCH_UP_BATCHES * self.settings.relay_batch_size:
            return 0
        published = 0
        with progress("relay catch-up", backlog) as advance:
            while published < backlog and not stop.is_set() and self._hold_lease():
                count = self.publish_batch()
                if not count:
                    break
                published += count
                advance(count)
        return published

    def close(self) -> None:
        try:
            if self._end_offsets is not None:
                self._end_offsets.close()
            self.producer.close(timeout=10)
        finally:
            # the lease goes whatever the clients did: a standby need not wait for it to expire
            if self.lease is not None:
                self.lease.release()
