"""The published payloads of the travel area (RULES.md section 3, RG-CL-1..3): single-trip travel
claims and assistance cases, both on the `claims` topic."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from claims_ledger.domain.payloads import (
    Amount,
    CalculationRecorded,
    EventPayload,
    PayloadPart,
    Personal,
    PersonalDataErased,
    RuleSetRef,
    deadline_payloads,
)
from claims_ledger.domain.travel.assistance import AssistanceCase, Service
from claims_ledger.domain.travel.claim import TravelClaim
from claims_ledger.domain.travel.commands import TravelSectionId

# -- the travel claim -----------------------------------------------------------------------------


class SubmittedSection(PayloadPart):
    """One section as the insured submitted it; times abroad keep their own UTC offsets."""

    section: TravelSectionId = Field(description="The section claimed (TR-D-A … TR-D-J).")
    circumstances: list[str] = Field(
        description="Circumstances stated that change its document list (e.g. "
        "`hospitalised_abroad`, `cheques`)."
    )
    incident_at: AwareDatetime | None = Field(
        description="When the event happened abroad; the police report is due 1 x 24 hours "
        "after it (TR-P-1)."
    )
    police_report_at: AwareDatetime | None = Field(
        description="When the police report was made, if known (TR-P-1)."
    )
    card_blocked_at: AwareDatetime | None = Field(
        description="G3: when the card was blocked (TR-P-1)."
    )
    cheque_loss_reported_at: AwareDatetime | None = Field(
        description="G5: when the cheque loss was reported (TR-P-1)."
    )


class Ground(PayloadPart):
    """The ground for cancelling (A) or returning early (D) (TR-A-1)."""

    ground: str = Field(description="The ground (TR-A-1), e.g. `layoff`, `home_damage`.")
    event: str = Field(description="What happened, within the ground.")
    person: Literal["insured", "relative"] | None = Field(
        description="Who it happened to (death, injury, illness, quarantine)."
    )
    layoff_date: date | None = Field(description="Layoff ground: the layoff date (TR-A-2).")
    employment_start: date | None = Field(
        description="Layoff ground: when the employment began (TR-A-2)."
    )
    damage_date: date | None = Field(
        description="Home damage ground: when the home was damaged (TR-A-3)."
    )


class TravelClaimSubmitted(EventPayload):
    """The soft copy of a travel claim file was sent: the sections, the ground checked with its
    date rules, and the documents each section needs (TR-FLOW-1, TR-D-0, TR-A-1..3). The
    envelope's `rule_set` is the one it keeps (RG-V-1)."""

    rule_ids = (
        "TR-FLOW-1",
        "TR-D-0",
        "TR-A-1",
        "TR-A-2",
        "TR-A-3",
        "TR-P-1",
        "TR-AS-1",
        "RG-CL-3",
        "RG-V-1",
    )

    reference: str = Field(description="The insurer's claim reference.")
    policy_number: str = Field(description="The travel policy claimed on.")
    plan: str = Field(description="The policy's plan (its column of the benefit schedule).")
    trip_start: date = Field(description="First day of the trip.")
    trip_end: date = Field(description="Last day of the trip.")
    sections: list[SubmittedSection] = Field(description="The sections claimed (RG-CL-3).")
    ground: Ground | None = Field(
        description="The ground, for a cancellation (A) or early return (D); null otherwise."
    )
    ground_findings: list[str] = Field(
        description="What the ground's check found, each starting with its rule id (TR-A-1..3)."
    )
    required: dict[str, list[str]] = Field(
        description="Per section, the ids of the documents it needs (TR-D-0, TR-D-A … TR-D-J)."
    )
    documents: list[str] = Field(description="The document ids included in the soft copy.")
    benefit_schedule: RuleSetRef = Field(
        description="id@version of the benefit schedule with the section limits (TR-PAY-1)."
    )


class TravelClaimReceiptConfirmed(EventPayload):
    """The claims department confirmed receipt and named what is missing (TR-FLOW-1)."""

    rule_ids = ("TR-FLOW-1",)

    missing: list[str] = Field(description="The document ids still outstanding.")


class TravelClaimDocumentsRequested(EventPayload):
    """Missing documents were requested; a document already received is never requested again
    (TR-FLOW-1, RG-CL-2)."""

    rule_ids = ("TR-FLOW-1", "TR-D-0", "RG-CL-2")

    section: str = Field(
        description="The sections the documents are for, comma-separated, or `claim`."
    )
    documents: list[str] = Field(
        description="The document ids newly requested; `other:<text>` for other documents."
    )


class TravelClaimDocumentsReceived(EventPayload):
    """Documents arrived from the insured (TR-FLOW-1)."""

    rule_ids = ("TR-FLOW-1",)

    documents: list[str] = Field(description="The document ids received that were not yet held.")


class TravelClaimCompletenessConfirmed(EventPayload):
    """The claims department confirmed the claim complete; the originals are sent next
    (TR-FLOW-1)."""

    rule_ids = ("TR-FLOW-1",)


class TravelClaimOriginalsReceived(EventPayload):
    """All originals arrived at the claims department; assessment may begin (TR-FLOW-1)."""

    rule_ids = ("TR-FLOW-1",)


class TravelClaimPoliceReportRecorded(EventPayload):
    """When a police (or cheque loss) report was made, learned after submission, in the local
    time abroad (TR-P-1)."""

    rule_ids = ("TR-P-1",)

    section: TravelSectionId = Field(description="The section the report is for.")
    report: Literal["police", "cheque_loss"] = Field(description="Which report.")
    reported_at: AwareDatetime = Field(description="When it was made, with its local offset.")


class TravelInputs(PayloadPart):
    """TR-PAY-1 inputs: min(max(claimed - refunds - compensation, 0), section limit)."""

    claimed: Amount = Field(description="The amount claimed.")
    refunds: Amount = Field(description="Refunds received (A f-g, D c, E f), deducted.")
    compensation: Amount = Field(
        description="Compensation from carriers or hotels (G1 d, G4 h, G5 d), deducted."
    )
    limit: Amount = Field(description="The plan's limit for the section.")
    plan: str = Field(description="The policy's plan.")
    benefit_schedule: RuleSetRef = Field(description="id@version of the benefit schedule.")
    example_schedule: bool = Field(
        description="True when the schedule is the shipped example, not an insurer's own."
    )


class TravelClaimCalculationRecorded(CalculationRecorded[TravelSectionId, TravelInputs]):
    """A payout calculation of one section of a travel claim, with its inputs, every step and
    the payable amount; late or missing TR-P-1 reports are stated as unmet conditions; a
    recalculation appends (C-CALC-1, TR-PAY-1)."""

    rule_ids = ("C-CALC-1", "C-MONEY-1", "TR-PAY-1", "TR-P-1")


class TravelClaimSectionDecided(EventPayload):
    """The insurer's decision on one section, after completeness is confirmed: approved at the
    latest calculation's amount, or declined with the reason (TR-FLOW-1, RG-CL-3)."""

    rule_ids = ("TR-FLOW-1", "RG-CL-3")

    section: TravelSectionId = Field(description="The section decided.")
    decision: Literal["approved", "declined"] = Field(description="The decision.")
    amount: Amount | None = Field(description="The approved amount; null when declined.")
    calculation: Annotated[int, Field(ge=1)] | None = Field(
        description="The number of the calculation approved; null when declined."
    )
    reason: Personal | None = Field(description="Why it was declined (or a note on the approval).")


class TravelClaimAmountAccepted(EventPayload):
    """The insured accepted the approved amount of one section: payment is due within 30 days
    (RG-CL-1), section by section (RG-CL-3)."""

    rule_ids = ("RG-CL-1", "RG-CL-3")

    section: TravelSectionId = Field(description="The section agreed.")
    amount: Amount = Field(description="The amount agreed.")
    calculation: int = Field(ge=1, description="The number of the calculation accepted.")


class TravelClaimSectionPaid(EventPayload):
    """One section was paid the agreed amount, on its own (RG-CL-1, RG-CL-3)."""

    rule_ids = ("RG-CL-1", "RG-CL-3")

    section: TravelSectionId = Field(description="The section paid.")
    amount: Amount = Field(description="The amount paid.")


# -- the assistance case --------------------------------------------------------------------------


class AssistanceCaseReported(EventPayload):
    """A medical evacuation (B2a) or repatriation / funeral abroad (C) reported to the
    assistance provider with its four pieces of information: a case, never a document-driven
    claim (TR-AS-1)."""

    rule_ids = ("TR-AS-1",)

    reference: str = Field(description="The assistance provider's case reference.")
    section: Literal["B2a", "C"] = Field(description="The policy section it falls under.")
    service: Service = Field(description="The service the provider arranges.")
    provider: str = Field(description="The assistance provider and how it is reached.")
    policy_number: str = Field(description="The travel policy number.")
    insured_name: Personal = Field(description="The insured's name.")
    location: Personal = Field(description="Where the insured is now.")
    condition: Personal = Field(description="The insured's condition and the help needed.")
    reported_by: Literal["insured", "family", "friend", "other"] = Field(
        description="Who called the provider."
    )
    event_at: AwareDatetime = Field(description="When the emergency happened (local offset).")
    report_delay_seconds: int = Field(
        ge=0, description="Seconds between the emergency and the report."
    )


class AssistanceCaseArranged(EventPayload):
    """The provider arranged the evacuation or repatriation (TR-AS-1)."""

    rule_ids = ("TR-AS-1",)

    arrangement: Personal = Field(description="How, and where to.")


class AssistanceCaseClosed(EventPayload):
    """The assistance case was closed (TR-AS-1)."""

    rule_ids = ("TR-AS-1",)

    outcome: Personal = Field(description="How it ended.")


PAYLOADS: dict[type[Any], dict[type[Any], type[EventPayload]]] = {
    TravelClaim: {
        TravelClaim.Submitted: TravelClaimSubmitted,
        TravelClaim.ReceiptConfirmed: TravelClaimReceiptConfirmed,
        TravelClaim.DocumentsRequested: TravelClaimDocumentsRequested,
        TravelClaim.DocumentsReceived: TravelClaimDocumentsReceived,
        TravelClaim.CompletenessConfirmed: TravelClaimCompletenessConfirmed,
        TravelClaim.OriginalsReceived: TravelClaimOriginalsReceived,
        TravelClaim.PoliceReportRecorded: TravelClaimPoliceReportRecorded,
        TravelClaim.CalculationRecorded: TravelClaimCalculationRecorded,
        TravelClaim.SectionDecided: TravelClaimSectionDecided,
        TravelClaim.AmountAccepted: TravelClaimAmountAccepted,
        TravelClaim.SectionPaid: TravelClaimSectionPaid,
        **deadline_payloads(TravelClaim),
        TravelClaim.PersonalDataErased: PersonalDataErased,
    },
    AssistanceCase: {
        AssistanceCase.Reported: AssistanceCaseReported,
        AssistanceCase.Arranged: AssistanceCaseArranged,
        AssistanceCase.Closed: AssistanceCaseClosed,
        AssistanceCase.PersonalDataErased: PersonalDataErased,
    },
}
"""Per aggregate: each event class and its payload model."""
