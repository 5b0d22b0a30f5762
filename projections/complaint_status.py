"""Complaint status: one row per complaint (id, reference, state, track, channel, receipt,
outcome, SLA breaches, last event), table `complaint_status`. Every complaint event stamps the
row with its type, time and version; some also move the complaint's state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from claims_ledger.domain.complaints.complaint import Complaint
from claims_ledger.domain.complaints.report import QuarterlyComplaintReport
from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.estatecare.policy import Policy
from claims_ledger.domain.estatecare.property_claim import PropertyClaim
from claims_ledger.domain.travel.assistance import AssistanceCase
from claims_ledger.domain.travel.claim import TravelClaim
from claims_ledger.projections.dispatch import Load, Projection, existing
from claims_ledger.projections.tables import Table


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


STATUS = Table("complaint_status", ComplaintStatus, ("complaint_id",))

PROJECTION = Projection("complaint status", STATUS)
PROJECTION.ignore_aggregates(
    QuarterlyComplaintReport, Policy, PropertyClaim, TravelClaim, AssistanceCase
)


def _current(event: PublishedEvent, load: Load) -> ComplaintStatus:
    key = {"complaint_id": str(event.aggregate_id)}
    return existing(load, STATUS, key, event, after="ComplaintReceived")


def _stamped(row: ComplaintStatus, event: PublishedEvent, **changes: Any) -> list[ComplaintStatus]:
    return [
        replace(
            row,
            **changes,
            last_event_type=event.event_type,
            last_event_at=event.occurred_at,
            version=event.version,
        )
    ]


@PROJECTION.on(Complaint.Received)
def _received(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    payload = event.payload
    return [
        ComplaintStatus(
            complaint_id=str(event.aggregate_id),
            reference=str(payload["reference"]),
            state="received",
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
    ]


@PROJECTION.on(
    Complaint.InitialResponseGiven,
    Complaint.DocumentsSubmitted,
    Complaint.DeadlineSet,
    Complaint.DeadlineMet,
    Complaint.DeadlineExtended,
    Complaint.BreachClosed,
    Complaint.DeadlineCancelled,
)
def _recorded(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    """A step that leaves the state as it is."""
    return _stamped(_current(event, load), event)


@PROJECTION.on(Complaint.DocumentsCompleted)
def _documents_completed(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, state="documents_complete")


@PROJECTION.on(Complaint.MovedToWrittenTrack)
def _moved_to_written_track(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, track="written")


@PROJECTION.on(Complaint.DeadlineBreached)
def _deadline_breached(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    current = _current(event, load)
    return _stamped(current, event, breaches=current.breaches + 1)


@PROJECTION.on(Complaint.Verified)
def _verified(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, state="verified")


@PROJECTION.on(Complaint.Registered)
def _registered(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(
        _current(event, load),
        event,
        state="registered",
        registration_number=str(event.payload["registration_number"]),
    )


@PROJECTION.on(Complaint.Forwarded)
def _forwarded(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, state="forwarded")


@PROJECTION.on(Complaint.Analysed)
def _analysed(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, state="analysed")


@PROJECTION.on(Complaint.Resolved)
def _resolved(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(
        _current(event, load), event, state="resolved", outcome=str(event.payload["outcome"])
    )


@PROJECTION.on(Complaint.Closed)
def _closed(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, state="closed")


@PROJECTION.on(Complaint.ClosedIncomplete)
def _closed_incomplete(event: PublishedEvent, load: Load) -> list[ComplaintStatus]:
    return _stamped(_current(event, load), event, state="closed_incomplete")


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
PROJECTION.ignore(Complaint.PersonalDataErased)
