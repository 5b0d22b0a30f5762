"""Travel claims: where each claim is in its submission flow (TR-FLOW-1), one row per claim
(table `travel_claims`): submitted, confirmed, awaiting documents, complete, originals received,
settled once every section is paid or declined. Its sections, documents and calculations are in
the claims read model, with the property claims'."""

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
class TravelClaimRow:
    claim_id: str
    reference: str
    policy_number: str
    plan: str
    trip_start: str
    trip_end: str
    ground: str | None
    stage: str
    sections_open: int
    submitted_at: datetime
    confirmed_at: datetime | None
    complete_at: datetime | None
    originals_at: datetime | None
    updated_at: datetime


TRAVEL_CLAIMS = Table("travel_claims", TravelClaimRow, ("claim_id",))

PROJECTION = Projection("travel claims", TRAVEL_CLAIMS)
PROJECTION.ignore_aggregates(
    Complaint, QuarterlyComplaintReport, Policy, PropertyClaim, AssistanceCase
)
PROJECTION.ignore(
    # steps within a section, or of the deadline engine: the flow's stage stays as it is
    TravelClaim.DocumentsReceived,
    TravelClaim.PoliceReportRecorded,
    TravelClaim.CalculationRecorded,
    TravelClaim.AmountAccepted,
    TravelClaim.DeadlineSet,
    TravelClaim.DeadlineMet,
    TravelClaim.DeadlineExtended,
    TravelClaim.DeadlineBreached,
    TravelClaim.BreachClosed,
    TravelClaim.DeadlineCancelled,
)


def _current(event: PublishedEvent, load: Load) -> TravelClaimRow:
    key = {"claim_id": str(event.aggregate_id)}
    return existing(load, TRAVEL_CLAIMS, key, event, after="TravelClaimSubmitted")


@PROJECTION.on(TravelClaim.Submitted)
def _submitted(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    p: Any = event.payload
    ground = p["ground"]
    return [
        TravelClaimRow(
            claim_id=str(event.aggregate_id),
            reference=str(p["reference"]),
            policy_number=str(p["policy_number"]),
            plan=str(p["plan"]),
            trip_start=str(p["trip_start"]),
            trip_end=str(p["trip_end"]),
            ground=None if ground is None else f"{ground['ground']}:{ground['event']}",
            stage="submitted",
            sections_open=len(p["sections"]),
            submitted_at=event.occurred_at,
            confirmed_at=None,
            complete_at=None,
            originals_at=None,
            updated_at=event.occurred_at,
        )
    ]


@PROJECTION.on(TravelClaim.ReceiptConfirmed)
def _receipt_confirmed(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    at = event.occurred_at
    return [replace(_current(event, load), stage="confirmed", confirmed_at=at, updated_at=at)]


@PROJECTION.on(TravelClaim.DocumentsRequested)
def _documents_requested(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    return [
        replace(_current(event, load), stage="awaiting_documents", updated_at=event.occurred_at)
    ]


@PROJECTION.on(TravelClaim.CompletenessConfirmed)
def _completeness_confirmed(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    at = event.occurred_at
    return [replace(_current(event, load), stage="complete", complete_at=at, updated_at=at)]


@PROJECTION.on(TravelClaim.OriginalsReceived)
def _originals_received(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    at = event.occurred_at
    return [
        replace(_current(event, load), stage="originals_received", originals_at=at, updated_at=at)
    ]


def _section_settled(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    current = _current(event, load)
    left = current.sections_open - 1
    return [
        replace(
            current,
            sections_open=left,
            stage="settled" if left == 0 else current.stage,
            updated_at=event.occurred_at,
        )
    ]


@PROJECTION.on(TravelClaim.SectionPaid)
def _section_paid(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    return _section_settled(event, load)


@PROJECTION.on(TravelClaim.SectionDecided)
def _section_decided(event: PublishedEvent, load: Load) -> list[TravelClaimRow]:
    """A declined section is settled; an approved one waits for its payment."""
    if event.payload["decision"] != "declined":
        return []
    return _section_settled(event, load)


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
PROJECTION.ignore(TravelClaim.PersonalDataErased)
