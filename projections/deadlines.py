"""SLA: every deadline of every case, complaint or claim (CP-REG-1, C-SLA-1): due, met at,
breached at, how long, whose, which rule, which calendar and rule-set version. One row per
deadline (table `case_deadlines`), keyed by its case and its rule id (`/subject` where a rule
sets one deadline per subject, as RG-CL-1 does per section)."""

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
class DeadlineRow:
    case_id: str
    key: str
    rule_id: str
    subject: str | None
    party: str
    kind: str
    units: int
    basis: datetime
    computed_from: str
    due: datetime
    original_due: datetime | None
    extended_by_rule: str | None
    extension_reason: str | None
    status: str
    met_at: datetime | None
    breached_at: datetime | None
    breach_recorded_at: datetime | None
    fulfilled_at: datetime | None
    breach_seconds: int | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    calendar: str
    calendar_version: str
    rule_set: str


DEADLINES = Table("case_deadlines", DeadlineRow, ("case_id", "key"))

PROJECTION = Projection("deadlines", DEADLINES)
PROJECTION.ignore_aggregates(QuarterlyComplaintReport, Policy, AssistanceCase)
# the cases' own steps: a deadline changes only through the deadline engine's events
PROJECTION.ignore(
    Complaint.Received,
    Complaint.InitialResponseGiven,
    Complaint.DocumentsSubmitted,
    Complaint.DocumentsCompleted,
    Complaint.MovedToWrittenTrack,
    Complaint.Verified,
    Complaint.Registered,
    Complaint.Forwarded,
    Complaint.Analysed,
    Complaint.Resolved,
    Complaint.Closed,
    Complaint.ClosedIncomplete,
    PropertyClaim.Reported,
    PropertyClaim.WrittenNoticeGiven,
    PropertyClaim.Surveyed,
    PropertyClaim.PhotoDocumentationApproved,
    PropertyClaim.RepairOrCleanUpRecorded,
    PropertyClaim.DocumentsRequested,
    PropertyClaim.DocumentsReceived,
    PropertyClaim.ReinstatementEvidenced,
    PropertyClaim.MedicalExaminationRequired,
    PropertyClaim.MedicalExaminationDone,
    PropertyClaim.CalculationRecorded,
    PropertyClaim.AmountAccepted,
    PropertyClaim.SectionPaid,
    TravelClaim.Submitted,
    TravelClaim.ReceiptConfirmed,
    TravelClaim.DocumentsRequested,
    TravelClaim.DocumentsReceived,
    TravelClaim.CompletenessConfirmed,
    TravelClaim.OriginalsReceived,
    TravelClaim.PoliceReportRecorded,
    TravelClaim.CalculationRecorded,
    TravelClaim.SectionDecided,
    TravelClaim.AmountAccepted,
    TravelClaim.SectionPaid,
)


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _current(event: PublishedEvent, load: Load) -> DeadlineRow:
    """The deadline a Met/Extended/Breached/BreachClosed/Cancelled event names by `rule_id`."""
    key = {"case_id": str(event.aggregate_id), "key": str(event.payload["rule_id"])}
    return existing(load, DEADLINES, key, event, after="DeadlineSet")


@PROJECTION.on(Complaint.DeadlineSet, PropertyClaim.DeadlineSet, TravelClaim.DeadlineSet)
def _set(event: PublishedEvent, load: Load) -> list[DeadlineRow]:
    d: Any = event.payload["deadline"]
    subject = None if d.get("subject") is None else str(d["subject"])
    return [
        DeadlineRow(
            case_id=str(event.aggregate_id),
            key=str(d["rule_id"]) + (f"/{d['subject']}" if d.get("subject") else ""),
            rule_id=str(d["rule_id"]),
            subject=subject,
            party=str(d["party"]),
            kind=str(d["kind"]),
            units=int(d["units"]),
            basis=_time(d["basis"]),
            computed_from=str(d["computed_from"]),
            due=_time(d["due"]),
            original_due=None,
            extended_by_rule=None,
            extension_reason=None,
            status="open",
            met_at=None,
            breached_at=None,
            breach_recorded_at=None,
            fulfilled_at=None,
            breach_seconds=None,
            cancelled_at=None,
            cancel_reason=None,
            calendar=str(d["calendar"]),
            calendar_version=str(d["calendar_version"]),
            rule_set=str(d["rule_set"]),
        )
    ]


@PROJECTION.on(Complaint.DeadlineMet, PropertyClaim.DeadlineMet, TravelClaim.DeadlineMet)
def _met(event: PublishedEvent, load: Load) -> list[DeadlineRow]:
    return [replace(_current(event, load), status="met", met_at=event.occurred_at)]


@PROJECTION.on(
    Complaint.DeadlineExtended, PropertyClaim.DeadlineExtended, TravelClaim.DeadlineExtended
)
def _extended(event: PublishedEvent, load: Load) -> list[DeadlineRow]:
    current = _current(event, load)
    d: Any = event.payload["deadline"]
    return [
        replace(
            current,
            due=_time(d["due"]),
            original_due=current.due,
            extended_by_rule=str(event.payload["extension_rule"]),
            extension_reason=str(event.payload["reason"]),
        )
    ]


@PROJECTION.on(
    Complaint.DeadlineBreached, PropertyClaim.DeadlineBreached, TravelClaim.DeadlineBreached
)
def _breached(event: PublishedEvent, load: Load) -> list[DeadlineRow]:
    """C-SLA-1: breached at the deadline itself; noticed when the breach was recorded."""
    return [
        replace(
            _current(event, load),
            status="breached",
            breached_at=event.occurred_at,
            breach_recorded_at=event.recorded_at,
        )
    ]


@PROJECTION.on(Complaint.BreachClosed, PropertyClaim.BreachClosed, TravelClaim.BreachClosed)
def _breach_closed(event: PublishedEvent, load: Load) -> list[DeadlineRow]:
    return [
        replace(
            _current(event, load),
            status="breach_closed",
            fulfilled_at=event.occurred_at,
            breach_seconds=int(str(event.payload["duration_seconds"])),
        )
    ]


@PROJECTION.on(
    Complaint.DeadlineCancelled, PropertyClaim.DeadlineCancelled, TravelClaim.DeadlineCancelled
)
def _cancelled(event: PublishedEvent, load: Load) -> list[DeadlineRow]:
    return [
        replace(
            _current(event, load),
            status="cancelled",
            cancelled_at=event.occurred_at,
            cancel_reason=str(event.payload["reason"]),
        )
    ]


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
PROJECTION.ignore(
    Complaint.PersonalDataErased, PropertyClaim.PersonalDataErased, TravelClaim.PersonalDataErased
)
