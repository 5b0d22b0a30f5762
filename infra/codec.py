"""Serialization of the envelope: stored domain events -> PublishedEvent -> Kafka bytes.

The relay and the auditor's rebuild both go through `EnvelopeChain`, so the hashes a
downstream consumer receives are the hashes anyone can recompute from the event store.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from claims_ledger.domain.envelope import (
    GENESIS_HASH,
    SCHEMA_VERSION,
    PublishedEvent,
    event_id_for,
    seal,
)
from claims_ledger.domain.event_types import EVENT_TYPES, PayloadMismatch, event_type_name
from claims_ledger.domain.payloads import EventPayload

AGGREGATE_TYPES: dict[str, str] = {
    "claims_ledger:Complaint": "complaint",
    "claims_ledger:QuarterlyComplaintReport": "report",
    "claims_ledger:Policy": "policy",
    "claims_ledger:PropertyClaim": "claim",
    "claims_ledger:TravelClaim": "claim",
    "claims_ledger:AssistanceCase": "claim",
}
"""Stored aggregate topic -> the published `aggregate_type` (and so the Kafka topic)."""

ENVELOPE_ATTRIBUTES = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "occurred_at",
        "correlation_id",
        "causation_id",
        "rule_set",
    }
)
"""Event attributes the envelope carries in its own fields; every other attribute is the payload."""


class UndecodableMessage(ValueError):
    """A Kafka message that is not a valid envelope; the reason says why."""


class UnpublishableEvent(RuntimeError):
    """A stored event whose payload does not fit its event type's published model: a
    programming error (an event changed without its payload model, or an event type without
    one). Nothing is published for it."""


def json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return value


def event_type_of(domain_event: Any) -> str:
    return event_type_name(type(domain_event))


def unsealed_fields(domain_event: Any, aggregate_type: str) -> dict[str, Any]:
    attrs = domain_event.__dict__
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id_for(domain_event.originator_id, domain_event.originator_version),
        "aggregate_type": aggregate_type,
        "aggregate_id": domain_event.originator_id,
        "version": domain_event.originator_version,
        "event_type": event_type_of(domain_event),
        "occurred_at": attrs["occurred_at"],
        "recorded_at": domain_event.timestamp,
        "rule_set": attrs.get("rule_set"),
        "payload": {k: json_safe(v) for k, v in attrs.items() if k not in ENVELOPE_ATTRIBUTES},
        "correlation_id": attrs["correlation_id"],
        "causation_id": attrs["causation_id"],
    }


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
        fields = unsealed_fields(domain_event, self._aggregate_type_of(domain_event))
        published = seal({**fields, "prev_hash": prev_hash})
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
