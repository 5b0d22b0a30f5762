"""The auditor's event log: every applied event, as published, one row each (table
`ledger_events`). It keeps every event type, known to this code or not: it is what a case's
history, the hash-chain checks of the store and `verify` read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.projections.dispatch import Decision, EventClass, Load
from claims_ledger.projections.tables import Table


@dataclass(frozen=True)
class EventRow:
    """One applied event as the read model keeps it (the auditor's event log)."""

    aggregate_id: str
    version: int
    aggregate_type: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    rule_set: str | None
    correlation_id: str
    prev_hash: str
    hash: str
    payload: dict[str, Any]


EVENTS = Table("ledger_events", EventRow, ("aggregate_id", "version"))


def event_row(event: PublishedEvent) -> EventRow:
    return EventRow(
        aggregate_id=str(event.aggregate_id),
        version=event.version,
        aggregate_type=event.aggregate_type,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        rule_set=event.rule_set,
        correlation_id=event.correlation_id,
        prev_hash=event.prev_hash,
        hash=event.hash,
        payload=dict(event.payload),
    )


class EventLog:
    """The event log's fold: no dispatch, every event is kept as it is."""

    name = "event log"
    tables = (EVENTS,)

    def rows(self, event: PublishedEvent, load: Load) -> list[object]:
        return [event_row(event)]

    def decision(self, cls: EventClass) -> Decision:
        return Decision.HANDLED


PROJECTION = EventLog()
