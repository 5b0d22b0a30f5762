"""Complaint status: one row per complaint (id, reference, state, channel, receipt, last event)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.envelope import PublishedEvent

_STATE_AFTER: dict[str, str] = {
    "ComplaintReceived": "received",
    "ComplaintInitialResponseGiven": "responded",
    "ComplaintResolved": "resolved",
}


@dataclass(frozen=True)
class ComplaintStatus:
    complaint_id: str
    reference: str
    state: str
    channel: str
    form: str
    rule_set: str
    received_at: datetime
    outcome: str | None
    last_event_type: str
    last_event_at: datetime
    version: int


def fold(current: ComplaintStatus | None, event: PublishedEvent) -> ComplaintStatus | None:
    """The complaint's status after `event`; None for an event this projection ignores."""
    if event.aggregate_type != "complaint":
        return current
    if event.event_type == "ComplaintReceived":
        payload = event.payload
        return ComplaintStatus(
            complaint_id=str(event.aggregate_id),
            reference=str(payload["reference"]),
            state=_STATE_AFTER[event.event_type],
            channel=str(payload["channel"]),
            form=str(payload["form"]),
            rule_set=event.rule_set or "",
            received_at=event.occurred_at,
            outcome=None,
            last_event_type=event.event_type,
            last_event_at=event.occurred_at,
            version=event.version,
        )
    if current is None:
        raise ValueError(
            f"{event.event_type} v{event.version} for complaint {event.aggregate_id} "
            "arrived before its ComplaintReceived"
        )
    outcome = event.payload.get("outcome")
    return replace(
        current,
        state=_STATE_AFTER.get(event.event_type, current.state),
        outcome=str(outcome) if outcome is not None else current.outcome,
        last_event_type=event.event_type,
        last_event_at=event.occurred_at,
        version=event.version,
    )
