"""Claims read models: status per section (RG-CL-3), documents requested / received /
outstanding (EC-S-3, RG-CL-2), every payout calculation with its trace (C-CALC-1), and what
remains of each policy's Section IV aggregates (EC-IV-1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.envelope import PublishedEvent


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


Load = Callable[[type[Any], dict[str, Any]], Any]


def claim_rows(event: PublishedEvent, load: Load) -> list[Any]:
    """The rows an event changes; `load(row_type, key)` reads a row's current state."""
    p: Any = event.payload
    kind = event.event_type
    claim = str(event.aggregate_id)
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
    if kind == "ClaimReported":
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
            for s in p["sections"]
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
    elif kind == "ClaimAmountAccepted":
        changes = {"status": "agreed", "agreed": str(p["amount"])}
    elif kind == "ClaimSectionPaid":
        changes = {"status": "paid", "paid": str(p["amount"])}
    else:
        return []
    current = load(ClaimSectionRow, {"claim_id": claim, "section": str(p["section"])})
    return [replace(current, **changes, updated_at=event.occurred_at), *extra]
