"""Serialization of the envelope: stored domain events -> PublishedEvent -> Kafka bytes.

The ledger seals each event when it stores it (domain/envelope.py builds the envelope); the
relay publishes the stored seal. `EnvelopeChain` recomputes the same hashes from the event store
alone, for the auditor's rebuild and for anyone who checks the seals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from pydantic import ValidationError

# The envelope is built from a stored event by the domain's rules (the ledger seals each event
# with them when it stores it); these names stay importable from here.
from claims_ledger.domain.envelope import AGGREGATE_TYPES as AGGREGATE_TYPES
from claims_ledger.domain.envelope import ENVELOPE_ATTRIBUTES as ENVELOPE_ATTRIBUTES
from claims_ledger.domain.envelope import (
    GENESIS_HASH,
    SCHEMA_VERSION,
    PublishedEvent,
    envelope_of,
)
from claims_ledger.domain.envelope import event_type_of as event_type_of
from claims_ledger.domain.envelope import json_safe as json_safe
from claims_ledger.domain.envelope import unsealed_fields as unsealed_fields
from claims_ledger.domain.event_types import EVENT_TYPES, PayloadMismatch
from claims_ledger.domain.payloads import EventPayload


class UndecodableMessage(ValueError):
    """A Kafka message that is not a valid envelope; the reason says why."""


class UnpublishableEvent(RuntimeError):
    """A stored event whose payload does not fit its event type's published model: a
    programming error (an event changed without its payload model, or an event type without
    one). Nothing is published for it."""


class EnvelopeChain:
    """Turns an aggregate's stored events, in order, into sealed envelopes.

    `earlier_events(aggregate_id, below_version)` returns the stored events before a version;
    it is asked only when the chain starts mid-aggregate (a relay restarted at a position).
    """

    def __init__(
        self,
        aggregate_types: dict[str, str],
        earlier_events: Callable[[UUID, int], Iterable[Any]],
    ) -> None:
        self._types = aggregate_types
        self._earlier_events = earlier_events
        self._last: dict[UUID, tuple[int, str]] = {}
        self._aggregate_type: dict[UUID, str] = {}

    def envelope(self, domain_event: Any) -> PublishedEvent:
        aggregate_id: UUID = domain_event.originator_id
        version: int = domain_event.originator_version
        prev_hash = self._prev_hash(aggregate_id, version)
        published = envelope_of(domain_event, self._aggregate_type_of(domain_event), prev_hash)
        self._last[aggregate_id] = (version, published.hash)
        return published

    def _aggregate_type_of(self, domain_event: Any) -> str:
        aggregate_id = domain_event.originator_id
        topic = getattr(domain_event, "originator_topic", None)
        if topic is not None:
            self._aggregate_type[aggregate_id] = self._types[topic]
        if aggregate_id not in self._aggregate_type:
            first = next(iter(self._earlier_events(aggregate_id, 2)))
            self._aggregate_type[aggregate_id] = self._types[first.originator_topic]
        return self._aggregate_type[aggregate_id]

    def _prev_hash(self, aggregate_id: UUID, version: int) -> str:
        if version == 1:
            return GENESIS_HASH
        last = self._last.get(aggregate_id)
        if last is not None and last[0] == version - 1:
            return last[1]
        # Restarted mid-aggregate: recompute the chain from the aggregate's first event.
        self._last.pop(aggregate_id, None)
        for earlier in self._earlier_events(aggregate_id, version):
            self.envelope(earlier)
        last = self._last.get(aggregate_id)
        if last is None or last[0] != version - 1:
            raise RuntimeError(
                f"event store holds no version {version - 1} of aggregate {aggregate_id}"
            )
        return last[1]


def publishable(published: PublishedEvent) -> PublishedEvent:
    """The envelope, once its payload fits its event type's model (docs/events.md); raises
    UnpublishableEvent otherwise."""
    try:
        EVENT_TYPES.validate(published.event_type, published.payload, published.aggregate_type)
    except PayloadMismatch as error:
        raise UnpublishableEvent(
            f"{published.event_type} v{published.version} of {published.aggregate_id} "
            f"is not published: {error}"
        ) from None
    return published


def payload_of(published: PublishedEvent) -> EventPayload:
    """A received envelope's payload as its event type's model; raises UndecodableMessage
    naming the unknown event type or what does not fit."""
    try:
        return EVENT_TYPES.validate(
            published.event_type, published.payload, published.aggregate_type
        )
    except PayloadMismatch as error:
        raise UndecodableMessage(str(error)) from None


def encode(published: PublishedEvent) -> bytes:
    return published.model_dump_json().encode("utf-8")


def decode(value: bytes | None) -> PublishedEvent:
    """Parse and validate one Kafka message value; the reason names what is wrong."""
    if value is None:
        raise UndecodableMessage("empty message value (tombstone)")
    try:
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UndecodableMessage(f"not UTF-8 JSON: {error}") from None
    try:
        published = PublishedEvent.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in error.errors()[:5]
        )
        raise UndecodableMessage(f"not a valid envelope v{SCHEMA_VERSION}: {problems}") from None
    if not published.hash_is_valid():
        raise UndecodableMessage(
            f"hash mismatch for {published.aggregate_id} v{published.version}: "
            "the message was altered after it was sealed"
        )
    return published
