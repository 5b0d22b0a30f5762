"""Commands of the travel area (RULES.md section 3): travel claims and assistance cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from claims_ledger.domain.commands import CommandModel, Money, PersonalName, PersonalText, Reference
from claims_ledger.domain.personal import PERSONAL

TravelSectionId = Literal[
    "A", "B", "B2a", "B2b", "B2c", "B2d", "B2e", "C", "D", "E", "F",
    "G1", "G2", "G3", "G4", "G5", "H-death", "H-disability", "I", "J",
]  # fmt: skip
DocumentId = Annotated[str, Field(min_length=1, max_length=200)]


class TravelClaimCommand(CommandModel):
    claim: Reference = Field(description="The insurer's claim reference.")


class TravelSectionModel(BaseModel):
    """One section as submitted; times abroad carry their own UTC offsets (C-TIME-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    section: TravelSectionId
    circumstances: list[
        Literal[
            "hospitalised_abroad",
            "return_cost",
            "unused_portion",
            "lost_by_airline",
            "cheques",
            "minor_heirs",
        ]
    ] = Field(default_factory=list)
    incident_at: AwareDatetime | None = None
    police_report_at: AwareDatetime | None = None
    card_blocked_at: AwareDatetime | None = None
    cheque_loss_reported_at: AwareDatetime | None = None


class GroundModel(BaseModel):
    """TR-A-1: the reason for cancelling (A) or returning early (D)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ground: Literal[
        "death_injury_illness_quarantine", "disruption", "layoff", "witness_summons", "home_damage"
    ]
    event: Annotated[str, Field(min_length=1, max_length=64)]
    person: Literal["insured", "relative"] | None = None
    layoff_date: date | None = None
    employment_start: date | None = None
    damage_date: date | None = None


class SubmitTravelClaim(TravelClaimCommand):
    """TR-FLOW-1: the soft copy of the claim file is sent."""

    command: Literal["SubmitTravelClaim"]
    policy: Reference
    plan: Annotated[str, Field(min_length=1, max_length=64)]
    trip_start: date
    trip_end: date
    sections: list[TravelSectionModel] = Field(min_length=1)
    ground: GroundModel | None = None
    documents: list[DocumentId] = Field(default_factory=list)


class ConfirmTravelClaimReceipt(TravelClaimCommand):
    command: Literal["ConfirmTravelClaimReceipt"]


class RequestTravelDocuments(TravelClaimCommand):
    """Missing documents requested; none named means every outstanding one."""

    command: Literal["RequestTravelDocuments"]
    documents: list[DocumentId] = Field(default_factory=list)


class ReceiveTravelDocuments(TravelClaimCommand):
    command: Literal["ReceiveTravelDocuments"]
    documents: list[DocumentId] = Field(min_length=1)


class ConfirmTravelClaimComplete(TravelClaimCommand):
    command: Literal["ConfirmTravelClaimComplete"]


class ReceiveTravelOriginals(TravelClaimCommand):
    command: Literal["ReceiveTravelOriginals"]


class RecordPoliceReport(TravelClaimCommand):
    """TR-P-1: the time a police (or cheque loss) report was made, with its local offset."""

    command: Literal["RecordPoliceReport"]
    section: TravelSectionId
    report: Literal["police", "cheque_loss"] = "police"
    reported_at: AwareDatetime


class AssessTravelSection(TravelClaimCommand):
    """TR-PAY-1: claimed, refunds and third-party compensation for one section."""

    command: Literal["AssessTravelSection"]
    section: TravelSectionId
    claimed: Money
    refunds: Money = Decimal(0)
    compensation: Money = Decimal(0)


class DecideTravelSection(TravelClaimCommand):
    command: Literal["DecideTravelSection"]
    section: TravelSectionId
    decision: Literal["approve", "decline"]
    reason: Annotated[str | None, Field(min_length=1, max_length=10_000), PERSONAL] = None


class AcceptTravelAmount(TravelClaimCommand):
    command: Literal["AcceptTravelAmount"]
    section: TravelSectionId


class PayTravelSection(TravelClaimCommand):
    command: Literal["PayTravelSection"]
    section: TravelSectionId
    amount: Money


class AssistanceCommand(CommandModel):
    case: Reference = Field(description="The assistance provider's case reference.")


class ReportAssistanceCase(AssistanceCommand):
    """TR-AS-1: reported to the assistance provider with the four pieces of information."""

    command: Literal["ReportAssistanceCase"]
    service: Literal["medical_evacuation", "repatriation", "funeral_abroad"]
    policy: Reference
    insured_name: PersonalName
    location: Annotated[str, Field(min_length=1, max_length=500), PERSONAL]
    condition: PersonalText
    reported_by: Literal["insured", "family", "friend", "other"] = "insured"
    event_at: AwareDatetime


class ArrangeAssistance(AssistanceCommand):
    command: Literal["ArrangeAssistance"]
    arrangement: PersonalText


class CloseAssistanceCase(AssistanceCommand):
    command: Literal["CloseAssistanceCase"]
    outcome: PersonalText
