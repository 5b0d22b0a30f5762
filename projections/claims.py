"""Claims read models: status per section (RG-CL-3), documents requested / received /
outstanding (EC-S-3, TR-D-*, RG-CL-2), every payout calculation with its trace (C-CALC-1), what
remains of each policy's Section IV aggregates (EC-IV-1), where each travel claim is in its
submission flow (TR-FLOW-1), and the assistance cases (TR-AS-1).

Property and travel claims share the section, document and calculation tables: a travel event
`TravelClaimX` changes them as the property event `ClaimX` does, and adds its own rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from claims_ledger.domain.envelope import PublishedEvent


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


TRAVEL_PREFIX = "TravelClaim"
TRAVEL_STAGES = {
    "TravelClaimReceiptConfirmed": ("confirmed", "confirmed_at"),
    "TravelClaimDocumentsRequested": ("awaiting_documents", None),
    "TravelClaimCompletenessConfirmed": ("complete", "complete_at"),
    "TravelClaimOriginalsReceived": ("originals_received", "originals_at"),
}

Load = Callable[[type[Any], dict[str, Any]], Any]


def claim_rows(event: PublishedEvent, load: Load) -> list[Any]:
    """The rows an event changes; `load(row_type, key)` reads a row's current state."""
    p: Any = event.payload
    kind = event.event_type
    if event.aggregate_type == "policy" and kind == "PolicySectionIVReserved":
        return [
            PolicyAggregateRow(
                str(p["policy_number"]),
                str(p["category"]),
                str(p["aggregate_limit"]),
                str(p["reserved_after"]),
            )
        ]
    if event.aggregate_type != "claim":
        return []
    if kind.startswith("AssistanceCase"):
        return _assistance_rows(event, load)
    extra: list[Any] = []
    if kind.startswith(TRAVEL_PREFIX):
        extra = _travel_rows(event, load)
        kind = "Claim" + kind.removeprefix(TRAVEL_PREFIX)
    return [*_claim_rows(event, kind, load), *extra]


def _claim_rows(event: PublishedEvent, kind: str, load: Load) -> list[Any]:
    p: Any = event.payload
    claim = str(event.aggregate_id)
    if kind in ("ClaimReported", "ClaimSubmitted"):
        return [
            ClaimSectionRow(
                claim,
                str(s),
                str(p["reference"]),
                str(p["policy_number"]),
                "claimed",
                0,
                None,
                None,
                None,
                event.occurred_at,
            )
            for s in _section_ids(p["sections"])
        ]
    if kind == "ClaimDocumentsRequested":
        rows = []
        for document in p["documents"]:
            current = load(ClaimDocumentRow, {"claim_id": claim, "document": document})
            rows.append(
                replace(current, section=str(p["section"]), requested_at=event.occurred_at)
                if current
                else ClaimDocumentRow(
                    claim, str(document), str(p["section"]), event.occurred_at, None
                )
            )
        return rows
    if kind == "ClaimDocumentsReceived":
        rows = []
        for document in p["documents"]:
            current = load(ClaimDocumentRow, {"claim_id": claim, "document": document})
            rows.append(
                replace(current, received_at=event.occurred_at)
                if current
                else ClaimDocumentRow(claim, str(document), None, None, event.occurred_at)
            )
        return rows
    changes: dict[str, Any] = {}
    extra: list[Any] = []
    if kind == "ClaimCalculationRecorded":
        changes = {
            "status": "assessed",
            "calculations": int(str(p["number"])),
            "payable": str(p["payable"]),
            "agreed": None,
        }
        extra = [
            CalculationRow(
                claim,
                str(p["section"]),
                int(str(p["number"])),
                event.occurred_at,
                str(p["payable"]),
                event.rule_set or "",
                {
                    "inputs": p["inputs"],
                    "steps": p["steps"],
                    "conditions_unmet": p["conditions_unmet"],
                },
            )
        ]
    elif kind == "ClaimSectionDecided":
        changes = {"status": str(p["decision"])}
    elif kind == "ClaimAmountAccepted":
        changes = {"status": "agreed", "agreed": str(p["amount"])}
    elif kind == "ClaimSectionPaid":
        changes = {"status": "paid", "paid": str(p["amount"])}
    else:
        return []
    current = load(ClaimSectionRow, {"claim_id": claim, "section": str(p["section"])})
    return [replace(current, **changes, updated_at=event.occurred_at), *extra]


def _section_ids(sections: Any) -> list[str]:
    """A property claim lists its sections by name, a travel claim as objects."""
    return [str(s["section"]) if isinstance(s, dict) else str(s) for s in sections]


def _travel_rows(event: PublishedEvent, load: Load) -> list[Any]:
    """The travel claim's own rows: its stage (TR-FLOW-1), and at submission the documents its
    lists require (TR-D-0, TR-D-A … TR-D-J) and those the soft copy included."""
    p: Any = event.payload
    kind = event.event_type
    claim = str(event.aggregate_id)
    at = event.occurred_at
    if kind == "TravelClaimSubmitted":
        required: dict[str, list[str]] = {}
        for section, documents in p["required"].items():
            for document in documents:
                required.setdefault(str(document), []).append(str(section))
        included = {str(d) for d in p["documents"]}
        ground = p["ground"]
        return [
            TravelClaimRow(
                claim,
                str(p["reference"]),
                str(p["policy_number"]),
                str(p["plan"]),
                str(p["trip_start"]),
                str(p["trip_end"]),
                None if ground is None else f"{ground['ground']}:{ground['event']}",
                "submitted",
                len(p["sections"]),
                at,
                None,
                None,
                None,
                at,
            ),
            *(
                ClaimDocumentRow(claim, d, ",".join(sections), at, at if d in included else None)
                for d, sections in required.items()
            ),
            *(ClaimDocumentRow(claim, d, None, None, at) for d in sorted(included - set(required))),
        ]
    current = load(TravelClaimRow, {"claim_id": claim})
    if kind in TRAVEL_STAGES:
        stage, column = TRAVEL_STAGES[kind]
        changes: dict[str, Any] = {"stage": stage, "updated_at": at}
        if column:
            changes[column] = at
        return [replace(current, **changes)]
    settled = kind == "TravelClaimSectionPaid" or (
        kind == "TravelClaimSectionDecided" and p["decision"] == "declined"
    )
    if settled:
        left = current.sections_open - 1
        return [
            replace(
                current,
                sections_open=left,
                stage="settled" if left == 0 else current.stage,
                updated_at=at,
            )
        ]
    return []


def _assistance_rows(event: PublishedEvent, load: Load) -> list[Any]:
    p: Any = event.payload
    case = str(event.aggregate_id)
    if event.event_type == "AssistanceCaseReported":
        return [
            AssistanceCaseRow(
                case,
                str(p["reference"]),
                str(p["section"]),
                str(p["service"]),
                str(p["policy_number"]),
                str(p["location"]),
                str(p["reported_by"]),
                datetime.fromisoformat(str(p["event_at"])),
                event.occurred_at,
                int(str(p["report_delay_seconds"])),
                None,
                None,
                None,
                None,
            )
        ]
    current = load(AssistanceCaseRow, {"case_id": case})
    if event.event_type == "AssistanceCaseArranged":
        return [replace(current, arrangement=str(p["arrangement"]), arranged_at=event.occurred_at)]
    if event.event_type == "AssistanceCaseClosed":
        return [replace(current, outcome=str(p["outcome"]), closed_at=event.occurred_at)]
    return []
