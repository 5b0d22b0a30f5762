"""The published event: the versioned message format downstream consumers read from Kafka.

Each aggregate's events form a SHA-256 hash chain: `hash` is taken over the canonical JSON of
every other field of the envelope, `prev_hash` included, so altering, dropping or reordering a
stored event changes every hash after it. The ledger computes that hash (the event's seal) when
it stores the event; the relay publishes the stored seal. Building an envelope from a stored
domain event lives here, pure, so that both compute it by the same rules.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64
"""The `prev_hash` of an aggregate's first event."""

EVENT_ID_NAMESPACE = UUID("b7d9a1c2-4e5f-5a6b-8c7d-9e0f1a2b3c4d")

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
AggregateType = Literal["complaint", "report", "claim", "policy"]


def event_id_for(aggregate_id: UUID, version: int) -> UUID:
    """Deterministic: the same stored event always gets the same id, however often it is
    published."""
    return uuid5(EVENT_ID_NAMESPACE, f"{aggregate_id}:{version}")


class PublishedEvent(BaseModel):
    """One ledger event as published on Kafka (schema version 1)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="ClaimsLedgerEvent",
        json_schema_extra={"$id": "https://claims-ledger.example/schemas/event.v1.json"},
    )

    schema_version: Literal[1] = Field(description="Version of this envelope format.")
    event_id: UUID = Field(description="uuid5 of aggregate id and version; stable across re-sends.")
    aggregate_type: AggregateType
    aggregate_id: UUID = Field(description="Also the Kafka message key.")
    version: int = Field(ge=1, description="Position of the event in its aggregate, from 1.")
    event_type: str = Field(pattern=r"^[A-Z][A-Za-z0-9]+$")
    occurred_at: AwareDatetime = Field(description="Business time (C-TIME-2).")
    recorded_at: AwareDatetime = Field(description="When the ledger stored it (C-TIME-2).")
    rule_set: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]+@[0-9A-Za-z.]+$",
        description="id@version of the rule set that applied, where one did (RG-V-1).",
    )
    payload: dict[str, JsonValue] = Field(description="The event's own attributes.")
    correlation_id: str = Field(min_length=1)
    causation_id: str = Field(min_length=1)
    prev_hash: Sha256 = Field(description="`hash` of the previous event of this aggregate.")
    hash: Sha256 = Field(description="SHA-256 of the canonical JSON of all other fields.")

    def computed_hash(self) -> str:
        return chain_hash(self.model_dump(mode="json", exclude={"hash"}))

    def hash_is_valid(self) -> bool:
        return self.computed_hash() == self.hash


def canonical_json(document: dict[str, Any]) -> bytes:
    """Sorted keys, no insignificant white space, UTF-8: one byte string per document."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(unhashed: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(unhashed)).hexdigest()


def seal(unhashed: dict[str, Any]) -> PublishedEvent:
    """Build an envelope from its fields (prev_hash included) and add its hash."""
    draft = PublishedEvent.model_validate({**unhashed, "hash": GENESIS_HASH})
    return draft.model_copy(update={"hash": draft.computed_hash()})


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
    topic: str = type(domain_event).TOPIC
    return topic.rsplit(":", 1)[-1]


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


def envelope_of(domain_event: Any, aggregate_type: str, prev_hash: str) -> PublishedEvent:
    """The sealed envelope of one stored domain event, chained to `prev_hash`."""
    return seal({**unsealed_fields(domain_event, aggregate_type), "prev_hash": prev_hash})


class AggregateTypes:
    """The published `aggregate_type` of each aggregate, from the `originator_topic` of its first
    event: remembered when that event passes by, else read with `first_event(aggregate_id)`.

    Remembers the most recently used `capacity` aggregates, so a relay or an audit walking
    millions of cases keeps a bounded memory.
    """

    def __init__(self, first_event: Callable[[UUID], Any], capacity: int = 100_000) -> None:
        self._first_event = first_event
        self._capacity = capacity
        self._known: OrderedDict[UUID, str] = OrderedDict()

    def remember(self, aggregate_id: UUID, aggregate_topic: str) -> None:
        self._known[aggregate_id] = AGGREGATE_TYPES[aggregate_topic]
        self._known.move_to_end(aggregate_id)
        if len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def of(self, domain_event: Any) -> str:
        aggregate_id: UUID = domain_event.originator_id
        topic = getattr(domain_event, "originator_topic", None)
        if topic is not None:
            self.remember(aggregate_id, topic)
        elif aggregate_id in self._known:
            self._known.move_to_end(aggregate_id)
        else:
            first = self._first_event(aggregate_id)
            topic = getattr(first, "originator_topic", None)
            if topic not in AGGREGATE_TYPES:
                raise UnknownAggregateType(aggregate_id)
            self.remember(aggregate_id, topic)
        return self._known[aggregate_id]


class UnknownAggregateType(LookupError):
    """The first stored event of an aggregate does not say what the aggregate is (it is missing,
    or names a topic the ledger does not publish)."""

    def __init__(self, aggregate_id: UUID) -> None:
        self.aggregate_id = aggregate_id
        super().__init__(
            f"aggregate {aggregate_id}: its first stored event does not name a known aggregate "
            f"type (one of {', '.join(sorted(AGGREGATE_TYPES))})"
        )
