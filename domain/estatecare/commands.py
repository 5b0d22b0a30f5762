"""Commands of the EstateCare area (RULES.md section 2): policies and property claims."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from claims_ledger.domain.commands import CommandModel, Money, PersonalName, PersonalText, Reference
from claims_ledger.domain.estatecare.property_claim import Section
from claims_ledger.domain.personal import PERSONAL


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
    insured: PersonalName
    period_start: date
    period_end: date
    section_i_sum_insured: Money
    schedule: dict[str, Money] = Field(default_factory=dict)
    other_policies: list[OtherPolicyModel] = Field(default_factory=list)
    family_members: Annotated[list[str], PERSONAL] = Field(default_factory=list)
    domestic_helpers: Annotated[list[str], PERSONAL] = Field(default_factory=list)


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
    injured_person: Annotated[str | None, PERSONAL] = None


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
    finding: PersonalText


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
