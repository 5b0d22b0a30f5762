"""The published payloads of the EstateCare area (RULES.md section 2, RG-CL-1..4): the policy
(on the `policies` topic) and the property claim (on the `claims` topic)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from claims_ledger.domain.estatecare.payout.sections import Insured
from claims_ledger.domain.estatecare.policy import Policy
from claims_ledger.domain.estatecare.property_claim import PropertyClaim, Section
from claims_ledger.domain.payloads import (
    Amount,
    CalculationRecorded,
    EventPayload,
    PayloadPart,
    Personal,
    PersonalDataErased,
    deadline_payloads,
)

# -- the policy ---------------------------------------------------------------------------------


class OtherPolicy(PayloadPart):
    """Another policy covering the same interest (EC-C-1)."""

    insurer: str = Field(description="Its insurer.")
    policy_number: str = Field(description="Its policy number.")
    section: Literal["I", "II", "III"] = Field(description="The section it covers.")
    sum_insured: Amount = Field(description="Its sum insured.")


class PolicyIssued(EventPayload):
    """An EstateCare policy: the Section I sum insured, the Section II schedule, other
    insurance, the policy period and the people Section IV covers."""

    rule_ids = ("EC-I-1", "EC-II-1", "EC-C-1", "EC-IV-1")

    policy_number: str = Field(description="The policy number.")
    insured: Personal = Field(description="The insured's name (counted with the family, EC-IV-1).")
    period_start: date = Field(description="First day of the policy period (WIB).")
    period_end: date = Field(description="Last day of the policy period (WIB).")
    section_i_sum_insured: Amount = Field(description="The Section I sum insured (EC-I-1).")
    schedule: dict[str, Amount] = Field(
        description="Section II scheduled items and their own sums insured (EC-II-1)."
    )
    other_policies: list[OtherPolicy] = Field(
        description="Other policies covering the same interest (EC-C-1)."
    )
    family_members: list[Personal] = Field(description="The insured's family members (EC-IV-1).")
    domestic_helpers: list[Personal] = Field(description="The domestic helpers covered (EC-IV-1).")


class PolicySectionIVReserved(EventPayload):
    """The amount a decided Section IV claim takes from its aggregate for the policy period; a
    later decision on the same claim replaces its earlier reservation (EC-IV-1)."""

    rule_ids = ("EC-IV-1",)

    policy_number: str = Field(description="The policy number.")
    claim_reference: str = Field(description="The Section IV claim the reservation is for.")
    person: Personal = Field(description="The injured person.")
    category: Insured = Field(description="Whose aggregate: `family` (25 %) or `helper` (5 %).")
    amount: Amount = Field(description="The amount reserved for this claim.")
    aggregate_limit: Amount = Field(description="The aggregate for the policy period.")
    reserved_after: Amount = Field(description="All reservations on that aggregate after this.")


# -- the property claim ---------------------------------------------------------------------------


class ClaimReported(EventPayload):
    """A property claim was reported, with the delay since the loss, recorded and never
    breached (EC-N-1); the sections it claims are handled each on their own (RG-CL-3). The
    envelope's `rule_set` is the one it keeps (RG-V-1)."""

    rule_ids = ("EC-N-1", "RG-CL-3", "RG-V-1")

    reference: str = Field(description="The insurer's claim reference.")
    policy_number: str = Field(description="The EstateCare policy claimed on.")
    sections: list[Section] = Field(description="The sections claimed (RG-CL-3).")
    loss_occurred_at: AwareDatetime = Field(description="When the loss happened.")
    report_delay_seconds: int = Field(
        ge=0, description="Seconds between the loss and the report (EC-N-1)."
    )
    in_writing: bool = Field(description="Whether the report was in writing (EC-III-N, EC-IV-N).")
    estimate: Amount | None = Field(description="The insured's estimate, if given (EC-N-1).")
    injured_person: Personal | None = Field(description="The injured person, for Section IV.")


class ClaimWrittenNoticeGiven(EventPayload):
    """Written notice of the claim was given (EC-III-N, EC-IV-N)."""

    rule_ids = ("EC-III-N", "EC-IV-N")


class ClaimSurveyed(EventPayload):
    """The insurer surveyed the damage (EC-S-1); the document request follows (EC-S-3)."""

    rule_ids = ("EC-S-1", "EC-S-3")


class ClaimPhotoDocumentationApproved(EventPayload):
    """The insurer let the insured document the evidence with their own photos (EC-S-2)."""

    rule_ids = ("EC-S-2",)


class ClaimRepairOrCleanUpRecorded(EventPayload):
    """Repairs or clean-up were done; flagged, not rejected, when before the survey without
    approved photo documentation (EC-S-1, EC-S-2)."""

    rule_ids = ("EC-S-1", "EC-S-2")

    work: str = Field(description="What was repaired, cleaned or moved.")
    violates_ec_s_1: bool = Field(
        description="True when it came before the survey and without EC-S-2 approval."
    )


class ClaimDocumentsRequested(EventPayload):
    """The document request letter of one section; a document already received is never
    requested again (EC-S-3, EC-I-D … EC-IV-D, RG-CL-2)."""

    rule_ids = ("EC-S-3", "EC-I-D", "EC-II-D", "EC-III-D", "EC-IV-D", "RG-CL-2")

    section: Section = Field(description="The section whose documents are requested.")
    documents: list[str] = Field(
        description="The documents newly requested, in the seed's order; `other:<text>` for "
        "other documents the insurer asks for."
    )


class ClaimDocumentsReceived(EventPayload):
    """Documents arrived from the insured (EC-S-3, EC-IV-D)."""

    rule_ids = ("EC-S-3", "EC-IV-D")

    documents: list[str] = Field(description="The documents received that were not yet held.")


class ClaimReinstatementEvidenced(EventPayload):
    """Rebuilding or restoration was done and evidenced by its invoices (EC-I-2)."""

    rule_ids = ("EC-I-2",)

    invoices: list[str] = Field(description="The invoices that evidence it.")


class ClaimMedicalExaminationRequired(EventPayload):
    """The insurer required a medical examination or an autopsy, at its cost (EC-IV-E)."""

    rule_ids = ("EC-IV-E",)

    kind: Literal["examination", "autopsy"] = Field(description="Which one.")


class ClaimMedicalExaminationDone(EventPayload):
    """The medical examination or autopsy was done (EC-IV-E)."""

    rule_ids = ("EC-IV-E",)

    kind: Literal["examination", "autopsy"] = Field(description="Which one.")
    finding: Personal = Field(description="What it found.")


class FireInputs(PayloadPart):
    """Section I inputs: L = min(max(reinstatement_cost - salvage, 0), SI_I), then EC-C-1."""

    sum_insured: Amount = Field(description="The Section I sum insured (EC-I-1).")
    reinstatement_cost: Amount = Field(description="The cost to rebuild or restore (EC-I-2).")
    salvage: Amount = Field(description="The salvage value deducted (EC-I-3).")
    reinstatement_evidenced: bool = Field(
        description="Whether rebuilding / restoration is evidenced (EC-I-2)."
    )
    other_policies: list[OtherPolicy] = Field(description="Other insurance (EC-C-1).")


class StolenItem(PayloadPart):
    """One stolen or damaged item of Section II."""

    item: str = Field(description="The item, as named on the schedule.")
    new_price: Amount = Field(description="Its new price at the time of the event (EC-II-3).")
    salvage: Amount = Field(description="Its salvage deducted (EC-II-4).")
    sum_insured: Amount = Field(description="Its own sum insured (EC-II-1).")


class BurglaryInputs(PayloadPart):
    """Section II inputs: per item min(max(new_price - salvage, 0), item SI); the building
    min(damage, 100.000); then EC-C-1."""

    items: list[StolenItem] = Field(description="The items claimed.")
    building_damage: Amount = Field(description="Damage to the building (EC-II-2).")
    other_policies: list[OtherPolicy] = Field(description="Other insurance (EC-C-1).")


class LiabilityInputs(PayloadPart):
    """Section III inputs: min(award + legal costs, 10 % of the Section I SI), then EC-C-1."""

    section_i_sum_insured: Amount = Field(description="The Section I sum insured (EC-III-1).")
    award: Amount = Field(description="The third party's claim as awarded or settled.")
    legal_costs: Amount = Field(description="Legal costs (EC-III-1).")
    other_policies: list[OtherPolicy] = Field(description="Other insurance (EC-C-1).")


class AccidentInputs(PayloadPart):
    """Section IV inputs: the benefit, at most what remains of the period's aggregate."""

    who: Insured = Field(description="Whose aggregate: `family` or `helper` (EC-IV-1).")
    benefit: Amount = Field(description="The assessed benefit.")
    aggregate_limit: Amount = Field(description="The aggregate for the policy period (EC-IV-1).")
    already_reserved: Amount = Field(description="Reserved on it by other claims (EC-IV-1).")


class ClaimCalculationRecorded(
    CalculationRecorded[Section, FireInputs | BurglaryInputs | LiabilityInputs | AccidentInputs]
):
    """A payout calculation of one section of a property claim, with its inputs, every step
    (each with its rule id) and the payable amount; a recalculation appends (C-CALC-1). The
    envelope's `rule_set` is the claim's rule set."""

    rule_ids = (
        "C-CALC-1",
        "C-MONEY-1",
        "EC-I-1",
        "EC-I-2",
        "EC-I-3",
        "EC-II-1",
        "EC-II-2",
        "EC-II-3",
        "EC-II-4",
        "EC-III-1",
        "EC-IV-1",
        "EC-C-1",
    )


class ClaimAmountAccepted(EventPayload):
    """The insured accepted the latest calculation of one section: payment is due within 30
    days (RG-CL-1), section by section (RG-CL-3)."""

    rule_ids = ("RG-CL-1", "RG-CL-3")

    section: Section = Field(description="The section agreed.")
    amount: Amount = Field(description="The amount agreed.")
    calculation: int = Field(ge=1, description="The number of the calculation accepted.")


class ClaimSectionPaid(EventPayload):
    """One section was paid the agreed amount, on its own and without waiting for reinsurance
    (RG-CL-1, RG-CL-3, RG-CL-4)."""

    rule_ids = ("RG-CL-1", "RG-CL-3", "RG-CL-4")

    section: Section = Field(description="The section paid.")
    amount: Amount = Field(description="The amount paid.")


PAYLOADS: dict[type[Any], dict[type[Any], type[EventPayload]]] = {
    Policy: {
        Policy.Issued: PolicyIssued,
        Policy.SectionIVReserved: PolicySectionIVReserved,
        Policy.PersonalDataErased: PersonalDataErased,
    },
    PropertyClaim: {
        PropertyClaim.Reported: ClaimReported,
        PropertyClaim.WrittenNoticeGiven: ClaimWrittenNoticeGiven,
        PropertyClaim.Surveyed: ClaimSurveyed,
        PropertyClaim.PhotoDocumentationApproved: ClaimPhotoDocumentationApproved,
        PropertyClaim.RepairOrCleanUpRecorded: ClaimRepairOrCleanUpRecorded,
        PropertyClaim.DocumentsRequested: ClaimDocumentsRequested,
        PropertyClaim.DocumentsReceived: ClaimDocumentsReceived,
        PropertyClaim.ReinstatementEvidenced: ClaimReinstatementEvidenced,
        PropertyClaim.MedicalExaminationRequired: ClaimMedicalExaminationRequired,
        PropertyClaim.MedicalExaminationDone: ClaimMedicalExaminationDone,
        PropertyClaim.CalculationRecorded: ClaimCalculationRecorded,
        PropertyClaim.AmountAccepted: ClaimAmountAccepted,
        PropertyClaim.SectionPaid: ClaimSectionPaid,
        **deadline_payloads(PropertyClaim),
        PropertyClaim.PersonalDataErased: PersonalDataErased,
    },
}
"""Per aggregate: each event class and its payload model."""
