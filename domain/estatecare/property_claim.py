"""The EstateCare property claim: RULES.md section 2 with RG-CL-1..4.

Report (EC-N-1), survey and the repair / clean-up condition (EC-S-1, EC-S-2), document requests
per section (EC-S-3, EC-I-D, EC-II-D, EC-III-D, EC-IV-D) with RG-CL-2, reinstatement evidence
(EC-I-2), notice deadlines (EC-III-N, EC-IV-N), medical examination or autopsy (EC-IV-E),
calculations recorded with their trace (C-CALC-1), the insured's acceptance and payment within
30 days (RG-CL-1), each section on its own (RG-CL-3). No state waits on reinsurance (RG-CL-4):
there is none.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from claims_ledger.domain.calculation import Calculation
from claims_ledger.domain.calendar import DEFAULT_CALENDAR, DeadlineKind, WorkingDayCalendar
from claims_ledger.domain.clock import require_aware
from claims_ledger.domain.deadlines import (
    DeadlineEventRules,
    DeadlineState,
    Party,
    Provenance,
)
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.personal import HoldsPersonalData, PersonalDataEventRules
from claims_ledger.domain.rulesets import ClaimRuleSet, claim_rule_set, claim_rule_set_for
from claims_ledger.domain.settlement import (
    SectionSettlement,
    SectionState,
    SectionStatus,
    SettlementEventRules,
    refuse_rerequest,
)

CLAIM_NAMESPACE = UUID("7c2e9f10-3a4b-5c6d-9e8f-0a1b2c3d4e5f")


def claim_id(reference: str) -> UUID:
    return uuid5(CLAIM_NAMESPACE, f"claim:{reference}")


class Section(enum.StrEnum):
    I = "I"  # noqa: E741  fire (Kebakaran)
    II = "II"  # burglary (Kebongkaran)
    III = "III"  # third-party legal liability
    IV = "IV"  # personal accident (Kecelakaan Diri)


# The document request letter's lists, per section, in the seed's order.
SECTION_DOCUMENTS: dict[Section, tuple[str, ...]] = {
    Section.I: (  # EC-I-D
        "formal_claim_letter",
        "official_report_and_chronology",
        "loss_estimate",
        "police_security_or_lurah_report",
        "photos",
        "price_quotation",
        "replacement_and_repair_invoices",
    ),
    Section.II: (  # EC-II-D
        "official_report_and_chronology",
        "loss_estimate",
        "police_security_or_lurah_report",
        "event_photos",
    ),
    Section.III: ("third_party_letters_and_summonses",),  # EC-III-D
    Section.IV: (  # EC-IV-D
        "accident_cause_information",
        "disability_or_death_information",
        "claim_form",
    ),
}
DOCUMENT_RULE = {
    Section.I: "EC-I-D",
    Section.II: "EC-II-D",
    Section.III: "EC-III-D",
    Section.IV: "EC-IV-D",
}
SURVEYED_SECTIONS = frozenset({Section.I, Section.II})  # damage to property is surveyed (EC-S-1)


@dataclass
class Documents:
    requested: dict[str, str] = field(default_factory=dict)  # document -> section
    received: dict[str, datetime] = field(default_factory=dict)  # document -> when

    def outstanding(self) -> list[str]:
        return [d for d in self.requested if d not in self.received]


class PropertyClaim(HoldsPersonalData, SectionSettlement, Aggregate):
    TOPIC = "claims_ledger:PropertyClaim"
    SECTION_WORD = "Section"

    class Event(Aggregate.Event):
        TOPIC = "claims_ledger:ClaimEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class PersonalDataErased(PersonalDataEventRules.Erased, Event):
        TOPIC = "claims_ledger:PropertyClaimPersonalDataErased"

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:ClaimCreated"

    class Reported(Created):
        """EC-N-1: the report, with the delay since the loss (recorded, never breached)."""

        TOPIC = "claims_ledger:ClaimReported"
        reference: str
        policy_number: str
        sections: list[str]
        loss_occurred_at: datetime
        report_delay_seconds: int
        in_writing: bool
        estimate: Decimal | None
        injured_person: str | None
        rule_set: str

    class WrittenNoticeGiven(Event):
        TOPIC = "claims_ledger:ClaimWrittenNoticeGiven"

        def apply(self, aggregate: Any) -> None:
            aggregate.written_notice_at = self.occurred_at

    class Surveyed(Event):
        TOPIC = "claims_ledger:ClaimSurveyed"

        def apply(self, aggregate: Any) -> None:
            aggregate.surveyed_at = self.occurred_at

    class PhotoDocumentationApproved(Event):
        """EC-S-2: the insurer lets the insured document the evidence with their own photos."""

        TOPIC = "claims_ledger:ClaimPhotoDocumentationApproved"

        def apply(self, aggregate: Any) -> None:
            aggregate.photos_approved_at = self.occurred_at

    class RepairOrCleanUpRecorded(Event):
        """EC-S-1: recorded with `violates_ec_s_1` when before the survey and without EC-S-2."""

        TOPIC = "claims_ledger:ClaimRepairOrCleanUpRecorded"
        work: str
        violates_ec_s_1: bool

        def apply(self, aggregate: Any) -> None:
            if self.violates_ec_s_1:
                aggregate.condition_violations.append(f"EC-S-1: {self.work} before survey")

    class DocumentsRequested(Event):
        TOPIC = "claims_ledger:ClaimDocumentsRequested"
        section: str
        documents: list[str]

        def apply(self, aggregate: Any) -> None:
            for document in self.documents:
                aggregate.documents.requested.setdefault(document, self.section)

    class DocumentsReceived(Event):
        TOPIC = "claims_ledger:ClaimDocumentsReceived"
        documents: list[str]

        def apply(self, aggregate: Any) -> None:
            for document in self.documents:
                aggregate.documents.received.setdefault(document, self.occurred_at)

    class ReinstatementEvidenced(Event):
        """EC-I-2: rebuilding / restoration done, with its invoices."""

        TOPIC = "claims_ledger:ClaimReinstatementEvidenced"
        invoices: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.reinstatement_evidenced_at = self.occurred_at

    class MedicalExaminationRequired(Event):
        """EC-IV-E: at the insurer's cost; `kind` is examination or autopsy."""

        TOPIC = "claims_ledger:ClaimMedicalExaminationRequired"
        kind: str

    class MedicalExaminationDone(Event):
        TOPIC = "claims_ledger:ClaimMedicalExaminationDone"
        kind: str
        finding: str

    # the settlement events (C-CALC-1, RG-CL-1), with this aggregate's topics
    class CalculationRecorded(SettlementEventRules.CalculationRecorded, Event):
        TOPIC = "claims_ledger:ClaimCalculationRecorded"

    class AmountAccepted(SettlementEventRules.AmountAccepted, Event):
        TOPIC = "claims_ledger:ClaimAmountAccepted"

    class SectionPaid(SettlementEventRules.SectionPaid, Event):
        TOPIC = "claims_ledger:ClaimSectionPaid"

    # the deadline engine's events (C-SLA-1), with this aggregate's topics
    class DeadlineSet(DeadlineEventRules.Set, Event):
        TOPIC = "claims_ledger:ClaimDeadlineSet"

    class DeadlineMet(DeadlineEventRules.Met, Event):
        TOPIC = "claims_ledger:ClaimDeadlineMet"

    class DeadlineExtended(DeadlineEventRules.Extended, Event):
        TOPIC = "claims_ledger:ClaimDeadlineExtended"

    class DeadlineBreached(DeadlineEventRules.Breached, Event):
        TOPIC = "claims_ledger:ClaimDeadlineBreached"

    class BreachClosed(DeadlineEventRules.BreachClosed, Event):
        TOPIC = "claims_ledger:ClaimBreachClosed"

    class DeadlineCancelled(DeadlineEventRules.Cancelled, Event):
        TOPIC = "claims_ledger:ClaimDeadlineCancelled"

    def __init__(
        self,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str,
        reference: str,
        policy_number: str,
        sections: list[str],
        loss_occurred_at: datetime,
        report_delay_seconds: int,
        in_writing: bool,
        estimate: Decimal | None,
        injured_person: str | None,
        rule_set: str,
    ) -> None:
        self.reference = reference
        self.policy_number = policy_number
        self.sections: dict[str, SectionState] = {Section(s): SectionState() for s in sections}
        self.loss_occurred_at = loss_occurred_at
        self.reported_at = occurred_at
        self.injured_person = injured_person
        self.rule_set = rule_set
        self.written_notice_at: datetime | None = occurred_at if in_writing else None
        self.surveyed_at: datetime | None = None
        self.photos_approved_at: datetime | None = None
        self.reinstatement_evidenced_at: datetime | None = None
        self.condition_violations: list[str] = []
        self.documents = Documents()
        self.deadlines: dict[str, DeadlineState] = {}

    @property
    def case_label(self) -> str:
        return f"claim {self.reference!r}"

    @property
    def rules(self) -> ClaimRuleSet:
        return claim_rule_set(self.rule_set)

    # -- the report (EC-N-1) and the notice deadlines (EC-III-N, EC-IV-N, EC-IV-D) --------------

    @classmethod
    def report(
        cls,
        *,
        reference: str,
        policy_number: str,
        sections: list[Section],
        loss_occurred_at: datetime,
        in_writing: bool,
        estimate: Decimal | None,
        third_party_claim_known_at: datetime | None,
        injured_person: str | None,
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> PropertyClaim:
        require_aware(loss_occurred_at, "loss_occurred_at")
        if not sections:
            raise RuleViolation("RG-CL-3", "a claim names at least one section")
        if loss_occurred_at > provenance.occurred_at:
            raise RuleViolation("EC-N-1", "the loss cannot occur after it is reported")
        if Section.III in sections and third_party_claim_known_at is None:
            raise RuleViolation(
                "EC-III-N",
                "a Section III claim states when the insured learned "
                "of the third party's claim (third_party_claim_known_at)",
            )
        if Section.IV in sections and not injured_person:
            raise RuleViolation("EC-IV-1", "a Section IV claim names the injured person")
        rule_set = claim_rule_set_for(provenance.occurred_at.date())
        claim = cls._create(
            cls.Reported,
            id=claim_id(reference),
            **provenance.fields(),
            reference=reference,
            policy_number=policy_number,
            sections=[str(s) for s in sections],
            loss_occurred_at=loss_occurred_at,
            report_delay_seconds=int((provenance.occurred_at - loss_occurred_at).total_seconds()),
            in_writing=in_writing,
            estimate=estimate,
            injured_person=injured_person,
            rule_set=rule_set.ref,
        )
        reported = f"ClaimReported v{claim.version}"
        hours = rule_set.notice_hours_x24
        if Section.III in sections and third_party_claim_known_at is not None:
            basis = provenance.at(require_aware(third_party_claim_known_at, "known at"))
            claim._set_deadline_of_kind(
                "EC-III-N", Party.CUSTOMER, DeadlineKind.HOURS_24, hours, reported, basis, calendar
            )
        if Section.IV in sections:
            at_accident = provenance.at(loss_occurred_at)
            claim._set_deadline_of_kind(
                "EC-IV-N",
                Party.CUSTOMER,
                DeadlineKind.HOURS_24,
                hours,
                reported,
                at_accident,
                calendar,
            )
            claim._set_deadline_of_kind(
                "EC-IV-D",
                Party.CUSTOMER,
                DeadlineKind.CALENDAR_DAYS,
                rule_set.section_iv_documents_days,
                reported,
                at_accident,
                calendar,
            )
        if in_writing:
            claim._fulfil_notices(provenance)
        return claim

    def give_written_notice(self, *, provenance: Provenance) -> None:
        self._require_after_report(provenance.occurred_at)
        if self.written_notice_at is not None:
            raise RuleViolation("EC-III-N", f"{self.case_label} already has its written notice")
        self.trigger_event(self.WrittenNoticeGiven, **provenance.fields())
        self._fulfil_notices(provenance)

    def _fulfil_notices(self, provenance: Provenance) -> None:
        for key in ("EC-III-N", "EC-IV-N"):
            self._fulfil(key, provenance)

    # -- survey (EC-S-1, EC-S-2) ----------------------------------------------------------------

    def record_survey(self, *, provenance: Provenance) -> None:
        self._require_after_report(provenance.occurred_at)
        self.trigger_event(self.Surveyed, **provenance.fields())

    def approve_photo_documentation(self, *, provenance: Provenance) -> None:
        self._require_after_report(provenance.occurred_at)
        self.trigger_event(self.PhotoDocumentationApproved, **provenance.fields())

    def record_repair_or_clean_up(self, *, work: str, provenance: Provenance) -> None:
        """EC-S-1: repairs or clean-up before the survey or permission are flagged (not a
        rejection); photo documentation approved under EC-S-2 satisfies the condition."""
        self._require_after_report(provenance.occurred_at)
        before_survey = self.surveyed_at is None or provenance.occurred_at < self.surveyed_at
        approved = (
            self.photos_approved_at is not None
            and self.photos_approved_at <= provenance.occurred_at
        )
        self.trigger_event(
            self.RepairOrCleanUpRecorded,
            **provenance.fields(),
            work=work,
            violates_ec_s_1=before_survey and not approved,
        )

    # -- documents (EC-S-3, EC-x-D, RG-CL-2) ----------------------------------------------------

    def request_documents(
        self, *, section: Section, extra: list[str], provenance: Provenance
    ) -> None:
        self._require_section(section)
        if section in SURVEYED_SECTIONS and self.surveyed_at is None:
            raise RuleViolation(
                "EC-S-3",
                f"the document request letter for Section {section} "
                "follows the survey; no survey is recorded",
                accepted="record the survey first",
            )
        wanted = [*SECTION_DOCUMENTS[section], *(f"other:{e}" for e in extra)]
        refuse_rerequest(self.documents.received, wanted, self.case_label)
        new = [d for d in wanted if d not in self.documents.requested]
        self.trigger_event(
            self.DocumentsRequested, **provenance.fields(), section=str(section), documents=new
        )

    def receive_documents(self, *, documents: list[str], provenance: Provenance) -> None:
        self._require_after_report(provenance.occurred_at)
        fresh = [d for d in documents if d not in self.documents.received]
        self.trigger_event(self.DocumentsReceived, **provenance.fields(), documents=fresh)
        section_iv = SECTION_DOCUMENTS[Section.IV]
        if Section.IV in self.sections and all(d in self.documents.received for d in section_iv):
            self._fulfil("EC-IV-D", provenance)

    def outstanding_documents(self) -> list[str]:
        return self.documents.outstanding()

    def evidence_reinstatement(self, *, invoices: list[str], provenance: Provenance) -> None:
        self._require_section(Section.I)
        if not invoices:
            raise RuleViolation("EC-I-2", "reinstatement is evidenced with its invoices")
        self.trigger_event(
            self.ReinstatementEvidenced, **provenance.fields(), invoices=list(invoices)
        )

    def require_medical_examination(self, *, kind: str, provenance: Provenance) -> None:
        self._require_section(Section.IV)
        if kind not in ("examination", "autopsy"):
            raise RuleViolation("EC-IV-E", f"{kind!r}: accepted are examination and autopsy")
        self.trigger_event(self.MedicalExaminationRequired, **provenance.fields(), kind=kind)

    def record_medical_examination(
        self, *, kind: str, finding: str, provenance: Provenance
    ) -> None:
        self._require_section(Section.IV)
        self.trigger_event(
            self.MedicalExaminationDone, **provenance.fields(), kind=kind, finding=finding
        )

    # -- assessment, agreement, payment (C-CALC-1, RG-CL-1, RG-CL-3) ----------------------------

    def record_calculation(self, calculation: Calculation, *, provenance: Provenance) -> None:
        section = Section(calculation.section)
        state = self._require_section(section)
        if state.status is SectionStatus.PAID:
            raise RuleViolation(
                "RG-CL-3",
                f"Section {section} of {self.case_label} is paid; it is not assessed again",
            )
        self._record_calculation(calculation, state, provenance)

    @property
    def payment_days_after_agreement(self) -> int:
        return self.rules.payment_days_after_agreement

    # -- helpers --------------------------------------------------------------------------------

    def _require_after_report(self, at: datetime) -> None:
        require_aware(at, "occurred_at")
        if at < self.reported_at:
            raise RuleViolation(
                "EC-N-1",
                f"{at.isoformat()} is before {self.case_label} was "
                f"reported ({self.reported_at.isoformat()})",
            )
