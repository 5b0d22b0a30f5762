"""Complaint status: one row per complaint (id, reference, state, track, channel, receipt,
outcome, last event)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from claims_ledger.domain.envelope import PublishedEvent

STATE_AFTER: dict[str, str] = {
    "ComplaintReceived": "received",
    "ComplaintDocumentsCompleted": "documents_complete",
    "ComplaintVerified": "verified",
    "ComplaintRegistered": "registered",
    "ComplaintForwarded": "forwarded",
    "ComplaintAnalysed": "analysed",
    "ComplaintResolved": "resolved",
    "ComplaintClosed": "closed",
    "ComplaintClosedIncomplete": "closed_incomplete",
}


@dataclass(frozen=True)
class ComplaintStatus:
    complaint_id: str
    reference: str
    state: str
    track: str
    channel: str
    form: str
    product: str | None
    represented: bool
    rule_set: str
    received_at: datetime
    registration_number: str | None
    outcome: str | None
    breaches: int
    last_event_type: str
    last_event_at: datetime
    version: int


def fold(current: ComplaintStatus | None, event: PublishedEvent) -> ComplaintStatus | None:
    """The complaint's status after `event` (None before a complaint's first event)."""
    if event.aggregate_type != "complaint":
        return current
    payload = event.payload
    if event.event_type == "ComplaintReceived":
        return ComplaintStatus(
            complaint_id=str(event.aggregate_id),
            reference=str(payload["reference"]),
            state=STATE_AFTER[event.event_type],
            track=str(payload["track"]),
            channel=str(payload["channel"]),
            form=str(payload["form"]),
            product=None if payload.get("product") is None else str(payload["product"]),
            represented=bool(payload.get("represented", False)),
            rule_set=event.rule_set or "",
            received_at=event.occurred_at,
            registration_number=None,
            outcome=None,
            breaches=0,
            last_event_type=event.event_type,
            last_event_at=event.occurred_at,
            version=event.version,
        )
    if current is None:
        raise ValueError(
            f"{event.event_type} v{event.version} for complaint {event.aggregate_id} "
            "arrived before its ComplaintReceived"
        )
    changes: dict[str, object] = {}
    if event.event_type == "ComplaintMovedToWrittenTrack":
        changes["track"] = "written"
    if event.event_type == "ComplaintRegistered":
        changes["registration_number"] = str(payload["registration_number"])
    if event.event_type == "ComplaintResolved":
        changes["outcome"] = str(payload["outcome"])
    if event.event_type == "ComplaintDeadlineBreached":
        changes["breaches"] = current.breaches + 1
    return replace(
        current,
        **changes,  # type: ignore[arg-type]
        state=STATE_AFTER.get(event.event_type, current.state),
        last_event_type=event.event_type,
        last_event_at=event.occurred_at,
        version=event.version,
    )
