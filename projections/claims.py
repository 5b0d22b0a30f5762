"""Claims read models, shared by property and travel claims: status per section (RG-CL-3,
table `claim_sections`), documents requested / received / outstanding (EC-S-3, TR-D-*, RG-CL-2,
`claim_documents`), every payout calculation with its trace (C-CALC-1, `claim_calculations`),
and what remains of each policy's Section IV aggregates (EC-IV-1, `policy_aggregates`).

A travel claim's step changes these tables as the property claim's step of the same name does;
where it is registered for both event classes, one handler serves both. The travel claim's own
flow and the assistance cases have read models of their own (travel_claims, assistance_cases).
"""

from __future__ import annotations

from collections.abc import Iterable
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
from claims_ledger.projections.assistance_cases import AssistanceCaseRow
from claims_ledger.projections.dispatch import Load, Projection, existing
from claims_ledger.projections.tables import Table
from claims_ledger.projections.travel_claims import TravelClaimRow

__all__ = [
    "CALCULATIONS",
    "DOCUMENTS",
    "POLICY_AGGREGATES",
    "PROJECTION",
    "SECTIONS",
    "AssistanceCaseRow",  # moved to assistance_cases; still importable from here
    "CalculationRow",
    "ClaimDocumentRow",
    "ClaimSectionRow",
    "PolicyAggregateRow",
    "TravelClaimRow",  # moved to travel_claims; still importable from here
]


@dataclass(frozen=True)
class ClaimSectionRow:
    claim_id: str
    section: str
    reference: str
    policy_number: str
    status: str
    calculations: int
    payable: str | None
    agreed: str | None
    paid: str | None
    updated_at: datetime


@dataclass(frozen=True)
class ClaimDocumentRow:
    claim_id: str
    document: str
    section: str | None
    requested_at: datetime | None
    received_at: datetime | None


@dataclass(frozen=True)
class CalculationRow:
    claim_id: str
    section: str
    number: int
    calculated_at: datetime
    payable: str
    rule_set: str
    trace: dict[str, Any]


@dataclass(frozen=True)
class PolicyAggregateRow:
    policy_number: str
    category: str
    aggregate_limit: str
    reserved: str


SECTIONS = Table("claim_sections", ClaimSectionRow, ("claim_id", "section"))
DOCUMENTS = Table("claim_documents", ClaimDocumentRow, ("claim_id", "document"))
CALCULATIONS = Table("claim_calculations", CalculationRow, ("claim_id", "section", "number"))
POLICY_AGGREGATES = Table("policy_aggregates", PolicyAggregateRow, ("policy_number", "category"))

PROJECTION = Projection("claims", SECTIONS, DOCUMENTS, CALCULATIONS, POLICY_AGGREGATES)
PROJECTION.ignore_aggregates(Complaint, QuarterlyComplaintReport, AssistanceCase)
PROJECTION.ignore(
    Policy.Issued,
    # steps that change no section, document or calculation row
    PropertyClaim.WrittenNoticeGiven,
    PropertyClaim.Surveyed,
    PropertyClaim.PhotoDocumentationApproved,
    PropertyClaim.RepairOrCleanUpRecorded,
    PropertyClaim.ReinstatementEvidenced,
    PropertyClaim.MedicalExaminationRequired,
    PropertyClaim.MedicalExaminationDone,
    TravelClaim.ReceiptConfirmed,
    TravelClaim.CompletenessConfirmed,
    TravelClaim.OriginalsReceived,
    TravelClaim.PoliceReportRecorded,
    # deadlines are the deadlines read model's
    PropertyClaim.DeadlineSet,
    PropertyClaim.DeadlineMet,
    PropertyClaim.DeadlineExtended,
    PropertyClaim.DeadlineBreached,
    PropertyClaim.BreachClosed,
    PropertyClaim.DeadlineCancelled,
    TravelClaim.DeadlineSet,
    TravelClaim.DeadlineMet,
    TravelClaim.DeadlineExtended,
    TravelClaim.DeadlineBreached,
    TravelClaim.BreachClosed,
    TravelClaim.DeadlineCancelled,
)


def _claimed(event: PublishedEvent, sections: Iterable[str]) -> list[ClaimSectionRow]:
    p: Any = event.payload
    return [
        ClaimSectionRow(
            claim_id=str(event.aggregate_id),
            section=section,
            reference=str(p["reference"]),
            policy_number=str(p["policy_number"]),
            status="claimed",
            calculations=0,
            payable=None,
            agreed=None,
            paid=None,
            updated_at=event.occurred_at,
        )
        for section in sections
    ]


def _section_changed(event: PublishedEvent, load: Load, **changes: Any) -> ClaimSectionRow:
    key = {"claim_id": str(event.aggregate_id), "section": str(event.payload["section"])}
    current = existing(load, SECTIONS, key, event, after="claim (no such section)")
    return replace(current, **changes, updated_at=event.occurred_at)


@PROJECTION.on(PropertyClaim.Reported)
def _property_claim_reported(event: PublishedEvent, load: Load) -> list[ClaimSectionRow]:
    """A property claim names its sections (EC-N-1)."""
    sections: Any = event.payload["sections"]
    return _claimed(event, (str(s) for s in sections))


@PROJECTION.on(TravelClaim.Submitted)
def _travel_claim_submitted(event: PublishedEvent, load: Load) -> list[object]:
    """A travel claim lists its sections as objects, and brings the documents its lists require
    (TR-D-0, TR-D-A … TR-D-J): each required one requested, those the soft copy included
    received at submission, and any extra one included received only."""
    p: Any = event.payload
    claim, at = str(event.aggregate_id), event.occurred_at
    required: dict[str, list[str]] = {}
    for section, documents in p["required"].items():
        for document in documents:
            required.setdefault(str(document), []).append(str(section))
    included = {str(d) for d in p["documents"]}
    return [
        *_claimed(event, (str(s["section"]) for s in p["sections"])),
        *(
            ClaimDocumentRow(
                claim_id=claim,
                document=document,
                section=",".join(sections),
                requested_at=at,
                received_at=at if document in included else None,
            )
            for document, sections in required.items()
        ),
        *(
            ClaimDocumentRow(
                claim_id=claim, document=document, section=None, requested_at=None, received_at=at
            )
            for document in sorted(included - set(required))
        ),
    ]


@PROJECTION.on(PropertyClaim.DocumentsRequested, TravelClaim.DocumentsRequested)
def _documents_requested(event: PublishedEvent, load: Load) -> list[ClaimDocumentRow]:
    p: Any = event.payload
    claim, section, at = str(event.aggregate_id), str(p["section"]), event.occurred_at
    rows = []
    for document in p["documents"]:
        current = load(DOCUMENTS, {"claim_id": claim, "document": document})
        rows.append(
            ClaimDocumentRow(
                claim_id=claim,
                document=str(document),
                section=section,
                requested_at=at,
                received_at=None,
            )
            if current is None
            else replace(current, section=section, requested_at=at)
        )
    return rows


@PROJECTION.on(PropertyClaim.DocumentsReceived, TravelClaim.DocumentsReceived)
def _documents_received(event: PublishedEvent, load: Load) -> list[ClaimDocumentRow]:
    p: Any = event.payload
    claim, at = str(event.aggregate_id), event.occurred_at
    rows = []
    for document in p["documents"]:
        current = load(DOCUMENTS, {"claim_id": claim, "document": document})
        rows.append(
            ClaimDocumentRow(
                claim_id=claim,
                document=str(document),
                section=None,
                requested_at=None,
                received_at=at,
            )
            if current is None
            else replace(current, received_at=at)
        )
    return rows


@PROJECTION.on(PropertyClaim.CalculationRecorded, TravelClaim.CalculationRecorded)
def _calculation_recorded(event: PublishedEvent, load: Load) -> list[object]:
    """C-CALC-1: a new calculation assesses the section afresh (an earlier agreement lapses)
    and is kept with its inputs, steps and unmet conditions."""
    p: Any = event.payload
    number = int(str(p["number"]))
    return [
        _section_changed(
            event,
            load,
            status="assessed",
            calculations=number,
            payable=str(p["payable"]),
            agreed=None,
        ),
        CalculationRow(
            claim_id=str(event.aggregate_id),
            section=str(p["section"]),
            number=number,
            calculated_at=event.occurred_at,
            payable=str(p["payable"]),
            rule_set=event.rule_set or "",
            trace={
                "inputs": p["inputs"],
                "steps": p["steps"],
                "conditions_unmet": p["conditions_unmet"],
            },
        ),
    ]


@PROJECTION.on(TravelClaim.SectionDecided)
def _section_decided(event: PublishedEvent, load: Load) -> list[ClaimSectionRow]:
    return [_section_changed(event, load, status=str(event.payload["decision"]))]


@PROJECTION.on(PropertyClaim.AmountAccepted, TravelClaim.AmountAccepted)
def _amount_accepted(event: PublishedEvent, load: Load) -> list[ClaimSectionRow]:
    """RG-CL-1: the insured and the insurer agree on the section's amount."""
    return [_section_changed(event, load, status="agreed", agreed=str(event.payload["amount"]))]


@PROJECTION.on(PropertyClaim.SectionPaid, TravelClaim.SectionPaid)
def _section_paid(event: PublishedEvent, load: Load) -> list[ClaimSectionRow]:
    return [_section_changed(event, load, status="paid", paid=str(event.payload["amount"]))]


@PROJECTION.on(Policy.SectionIVReserved)
def _section_iv_reserved(event: PublishedEvent, load: Load) -> list[PolicyAggregateRow]:
    """EC-IV-1: the reservation states what the category has taken in total."""
    p: Any = event.payload
    return [
        PolicyAggregateRow(
            policy_number=str(p["policy_number"]),
            category=str(p["category"]),
            aggregate_limit=str(p["aggregate_limit"]),
            reserved=str(p["reserved_after"]),
        )
    ]


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
PROJECTION.ignore(
    Policy.PersonalDataErased, PropertyClaim.PersonalDataErased, TravelClaim.PersonalDataErased
)
