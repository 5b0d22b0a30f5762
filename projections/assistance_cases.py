"""Assistance cases (TR-AS-1): one row per case (table `assistance_cases`): what was reported,
by whom, how long after the event, what was arranged and how the case ended."""

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
class AssistanceCaseRow:
    """TR-AS-1. The insured's name and medical condition stay in the event store."""

    case_id: str
    reference: str
    section: str
    service: str
    policy_number: str
    location: str
    reported_by: str
    event_at: datetime
    reported_at: datetime
    report_delay_seconds: int
    arrangement: str | None
    arranged_at: datetime | None
    outcome: str | None
    closed_at: datetime | None


ASSISTANCE_CASES = Table("assistance_cases", AssistanceCaseRow, ("case_id",))

PROJECTION = Projection("assistance cases", ASSISTANCE_CASES)
PROJECTION.ignore_aggregates(
    Complaint, QuarterlyComplaintReport, Policy, PropertyClaim, TravelClaim
)


def _current(event: PublishedEvent, load: Load) -> AssistanceCaseRow:
    key = {"case_id": str(event.aggregate_id)}
    return existing(load, ASSISTANCE_CASES, key, event, after="AssistanceCaseReported")


@PROJECTION.on(AssistanceCase.Reported)
def _reported(event: PublishedEvent, load: Load) -> list[AssistanceCaseRow]:
    p: Any = event.payload
    return [
        AssistanceCaseRow(
            case_id=str(event.aggregate_id),
            reference=str(p["reference"]),
            section=str(p["section"]),
            service=str(p["service"]),
            policy_number=str(p["policy_number"]),
            location=str(p["location"]),
            reported_by=str(p["reported_by"]),
            event_at=datetime.fromisoformat(str(p["event_at"])),
            reported_at=event.occurred_at,
            report_delay_seconds=int(str(p["report_delay_seconds"])),
            arrangement=None,
            arranged_at=None,
            outcome=None,
            closed_at=None,
        )
    ]


@PROJECTION.on(AssistanceCase.Arranged)
def _arranged(event: PublishedEvent, load: Load) -> list[AssistanceCaseRow]:
    arrangement = str(event.payload["arrangement"])
    return [replace(_current(event, load), arrangement=arrangement, arranged_at=event.occurred_at)]


@PROJECTION.on(AssistanceCase.Closed)
def _closed(event: PublishedEvent, load: Load) -> list[AssistanceCaseRow]:
    outcome = str(event.payload["outcome"])
    return [replace(_current(event, load), outcome=outcome, closed_at=event.occurred_at)]


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
PROJECTION.ignore(AssistanceCase.PersonalDataErased)
