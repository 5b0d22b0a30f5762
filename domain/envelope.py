"""The published event: the versioned message format downstream consumers read from Kafka.

Each aggregate's events form a SHA-256 hash chain: `hash` is taken over the canonical JSON of
every other field of the envelope, `prev_hash` included, so altering, dropping or reordering a
stored event changes every hash after it.
"""

from __future__ import annotations

import hashlib
import json
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
