"""Commands: the boundary models through which the ledger is told what happened.

Every model forbids unknown fields; times must carry an offset (C-TIME-1).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from domain.complaint import Channel, DocumentKind, ExtensionReason, Form, Outcome
from domain.property_claim import Section


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(
            "C-MONEY-1: money is never a float; write it as a string or an exact "
            'decimal, e.g. "1500000.50"'
        )
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(
        ge=0,
        decimal_places=2,
        max_digits=18,
        description="Rupiah, at most 2 decimal places, never negative (C-MONEY-1).",
    ),
]

Reference = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]


class CommandModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    occurred_at: AwareDatetime = Field(
        description="When it happened in the world (C-TIME-2), with an offset (C-TIME-1)."
    )


class ComplaintCommand(CommandModel):
    complaint: Reference = Field(description="The insurer's complaint reference.")


class ReceiveComplaint(ComplaintCommand):
    """CP-CH-1, CP-FORM-1: a complaint arrives."""

    command: Literal["ReceiveComplaint"]
    channel: Channel
    form: Form
    explanation: Text
    product: str | None = None
    represented: bool = Field(
        default=False, description="Brought by a representative (power of attorney, RG-CP-5)."
    )


class GiveInitialResponse(ComplaintCommand):
    """CP-SLA-1 with the acknowledgement content of RG-CP-4."""

    command: Literal["GiveInitialResponse"]
    registration_reference: Annotated[str, Field(min_length=1, max_length=64)]
    receipt_date: date
    contact_phone: Annotated[str, Field(min_length=5, max_length=32)]


class SubmitDocuments(ComplaintCommand):
    """CP-DOC-1: documents received from the customer (kinds only, never their content)."""

    command: Literal["SubmitDocuments"]
    documents: list[DocumentKind] = Field(default_factory=list)
    other_documents: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list
    )


class ExtendDocumentWindow(ComplaintCommand):
    """CP-SLA-3: once, with a reason, before the window passes."""

    command: Literal["ExtendDocumentWindow"]
    reason: Text


class MoveToWrittenTrack(ComplaintCommand):
    """RG-CP-1: an oral complaint that needs documents."""

    command: Literal["MoveToWrittenTrack"]
    reason: Text


class VerifyComplaint(ComplaintCommand):
    command: Literal["VerifyComplaint"]


class RegisterComplaint(ComplaintCommand):
    command: Literal["RegisterComplaint"]
    registration_number: Annotated[str, Field(min_length=1, max_length=64)]


class ForwardComplaint(ComplaintCommand):
    command: Literal["ForwardComplaint"]
    department: Annotated[str, Field(min_length=1, max_length=100)]


class AnalyseComplaint(ComplaintCommand):
    command: Literal["AnalyseComplaint"]
    finding: Text


class ExtendResolutionDeadline(ComplaintCommand):
    """RG-CP-3: once, 10 working days, reason a/b/c, notice sent before the deadline."""

    command: Literal["ExtendResolutionDeadline"]
    reason_code: ExtensionReason
    notice_sent_at: AwareDatetime


class ResolveComplaint(ComplaintCommand):
    command: Literal["ResolveComplaint"]
    outcome: Outcome


class CloseComplaint(ComplaintCommand):
    command: Literal["CloseComplaint"]


class ProduceQuarterlyReport(CommandModel):
    """RG-CP-6: the quarterly complaint report was produced (and sent)."""

    command: Literal["ProduceQuarterlyReport"]
    quarter: Annotated[str, Field(pattern=r"^[0-9]{4}-Q[1-4]$")]
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="SHA-256 of the report as sent, when produced by the CLI."
    )


class OtherPolicyModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    insurer: Annotated[str, Field(min_length=1)]
    policy_number: Annotated[str, Field(min_length=1)]
    section: Literal["I", "II", "III"]
    sum_insured: Money


class IssuePolicy(CommandModel):
    """An EstateCare policy: Section I sum insured, Section II schedule, other insurance on the
    same interest (EC-C-1), the family members and domestic helpers (EC-IV-1)."""

    command: Literal["IssuePolicy"]
    policy: Reference
    insured: Annotated[str, Field(min_length=1, max_length=200)]
    period_start: date
    period_end: date
    section_i_sum_insured: Money
    schedule: dict[str, Money] = Field(default_factory=dict)
    other_policies: list[OtherPolicyModel] = Field(default_factory=list)
    family_members: list[str] = Field(default_factory=list)
    domestic_helpers: list[str] = Field(default_factory=list)


class ClaimCommand(CommandModel):
    claim: Reference = Field(description="The insurer's claim reference.")


class ReportClaim(ClaimCommand):
    """EC-N-1: the report; EC-III-N / EC-IV-N / EC-IV-D deadlines start here."""

    command: Literal["ReportClaim"]
    policy: Reference
    sections: list[Section] = Field(min_length=1)
    loss_occurred_at: AwareDatetime
    in_writing: bool = False
    estimate: Money | None = None
    third_party_claim_known_at: AwareDatetime | None = None
    injured_person: str | None = None


class GiveWrittenNotice(ClaimCommand):
    command: Literal["GiveWrittenNotice"]


class RecordSurvey(ClaimCommand):
    command: Literal["RecordSurvey"]


class ApprovePhotoDocumentation(ClaimCommand):
    command: Literal["ApprovePhotoDocumentation"]


class RecordRepairOrCleanUp(ClaimCommand):
    command: Literal["RecordRepairOrCleanUp"]
    work: Annotated[str, Field(min_length=1, max_length=200)]


class RequestDocuments(ClaimCommand):
    command: Literal["RequestDocuments"]
    section: Section
    extra: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list)


class ReceiveClaimDocuments(ClaimCommand):
    command: Literal["ReceiveClaimDocuments"]
    documents: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)


class EvidenceReinstatement(ClaimCommand):
    command: Literal["EvidenceReinstatement"]
    invoices: list[str] = Field(min_length=1)


class RequireMedicalExamination(ClaimCommand):
    command: Literal["RequireMedicalExamination"]
    kind: Literal["examination", "autopsy"]


class RecordMedicalExamination(ClaimCommand):
    command: Literal["RecordMedicalExamination"]
    kind: Literal["examination", "autopsy"]
    finding: Text


class AssessFire(ClaimCommand):
    command: Literal["AssessFire"]
    reinstatement_cost: Money
    salvage: Money = Decimal(0)


class StolenItemModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    item: Annotated[str, Field(min_length=1)]
    new_price: Money
    salvage: Money = Decimal(0)


class AssessBurglary(ClaimCommand):
    command: Literal["AssessBurglary"]
    items: list[StolenItemModel] = Field(default_factory=list)
    building_damage: Money = Decimal(0)


class AssessLiability(ClaimCommand):
    command: Literal["AssessLiability"]
    award: Money
    legal_costs: Money = Decimal(0)


class AssessAccident(ClaimCommand):
    command: Literal["AssessAccident"]
    benefit: Money


class AcceptAmount(ClaimCommand):
    command: Literal["AcceptAmount"]
    section: Section


class PaySection(ClaimCommand):
    command: Literal["PaySection"]
    section: Section
    amount: Money


# -- travel claims (RULES.md section 3) ----------------------------------------------------------

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
    reason: Text | None = None


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
    insured_name: Annotated[str, Field(min_length=1, max_length=200)]
    location: Annotated[str, Field(min_length=1, max_length=500)]
    condition: Text
    reported_by: Literal["insured", "family", "friend", "other"] = "insured"
    event_at: AwareDatetime


class ArrangeAssistance(AssistanceCommand):
    command: Literal["ArrangeAssistance"]
    arrangement: Text


class CloseAssistanceCase(AssistanceCommand):
    command: Literal["CloseAssistanceCase"]
    outcome: Text


TRAVEL_COMMANDS = (
    SubmitTravelClaim,
    ConfirmTravelClaimReceipt,
    RequestTravelDocuments,
    ReceiveTravelDocuments,
    ConfirmTravelClaimComplete,
    ReceiveTravelOriginals,
    RecordPoliceReport,
    AssessTravelSection,
    DecideTravelSection,
    AcceptTravelAmount,
    PayTravelSection,
    ReportAssistanceCase,
    ArrangeAssistance,
    CloseAssistanceCase,
)


Command = Annotated[
    ReceiveComplaint
    | GiveInitialResponse
    | SubmitDocuments
    | ExtendDocumentWindow
    | MoveToWrittenTrack
    | VerifyComplaint
    | RegisterComplaint
    | ForwardComplaint
    | AnalyseComplaint
    | ExtendResolutionDeadline
    | ResolveComplaint
    | CloseComplaint
    | ProduceQuarterlyReport
    | IssuePolicy
    | ReportClaim
    | GiveWrittenNotice
    | RecordSurvey
    | ApprovePhotoDocumentation
    | RecordRepairOrCleanUp
    | RequestDocuments
    | ReceiveClaimDocuments
    | EvidenceReinstatement
    | RequireMedicalExamination
    | RecordMedicalExamination
    | AssessFire
    | AssessBurglary
    | AssessLiability
    | AssessAccident
    | AcceptAmount
    | PaySection
    | SubmitTravelClaim
    | ConfirmTravelClaimReceipt
    | RequestTravelDocuments
    | ReceiveTravelDocuments
    | ConfirmTravelClaimComplete
    | ReceiveTravelOriginals
    | RecordPoliceReport
    | AssessTravelSection
    | DecideTravelSection
    | AcceptTravelAmount
    | PayTravelSection
    | ReportAssistanceCase
    | ArrangeAssistance
    | CloseAssistanceCase,
    Field(discriminator="command"),
]
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
COMMAND_NAMES: tuple[str, ...] = tuple(
    model.model_fields["command"].annotation.__args__[0]  # type: ignore[union-attr]
    for model in (
        ReceiveComplaint,
        GiveInitialResponse,
        SubmitDocuments,
        ExtendDocumentWindow,
        MoveToWrittenTrack,
        VerifyComplaint,
        RegisterComplaint,
        ForwardComplaint,
        AnalyseComplaint,
        ExtendResolutionDeadline,
        ResolveComplaint,
        CloseComplaint,
        ProduceQuarterlyReport,
        IssuePolicy,
        ReportClaim,
        GiveWrittenNotice,
        RecordSurvey,
        ApprovePhotoDocumentation,
        RecordRepairOrCleanUp,
        RequestDocuments,
        ReceiveClaimDocuments,
        EvidenceReinstatement,
        RequireMedicalExamination,
        RecordMedicalExamination,
        AssessFire,
        AssessBurglary,
        AssessLiability,
        AssessAccident,
        AcceptAmount,
        PaySection,
        *TRAVEL_COMMANDS,
    )
)
