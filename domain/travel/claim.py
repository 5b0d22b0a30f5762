"""The single-trip travel claim: RULES.md section 3 with RG-CL-1..3.

The submission flow (TR-FLOW-1): the soft copy is submitted; the claims department confirms
receipt and names what is missing; missing documents are requested and received (RG-CL-2);
completeness is confirmed; all originals arrive; each section is assessed (TR-PAY-1, C-CALC-1),
decided, accepted by the insured and paid within 30 days (RG-CL-1), on its own (RG-CL-3).
Document lists come from data (TR-D-0, TR-D-A … TR-D-J); grounds are checked with their date
rules (TR-A-1..3); police reports are due 1 x 24 hours after the event abroad (TR-P-1).
Medical evacuation and repatriation are assistance cases, never document claims (TR-AS-1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from claims_ledger.domain.calendar import DEFAULT_CALENDAR, DeadlineKind, WorkingDayCalendar
from claims_ledger.domain.clock import require_aware
from claims_ledger.domain.deadlines import (
    DeadlineEventRules,
    DeadlineState,
    Party,
    Provenance,
)
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare.property_claim import claim_id
from claims_ledger.domain.personal import HoldsPersonalData, PersonalDataEventRules
from claims_ledger.domain.rulesets import TravelRuleSet, travel_rule_set, travel_rule_set_for
from claims_ledger.domain.settlement import (
    SectionSettlement,
    SectionState,
    SectionStatus,
    SettlementEventRules,
    refuse_rerequest,
)
from claims_ledger.domain.travel.catalogue import catalogue
from claims_ledger.domain.travel.grounds import GROUND_SECTIONS, GroundStatement, check_ground
from claims_ledger.domain.travel.payout import section_payout
from claims_ledger.domain.travel.schedule import benefit_schedule, schedule_by_ref

POLICE_REPORT_SECTIONS = frozenset({"G1", "G3", "G4", "G5"})  # TR-P-1
CARD_BLOCKING_SECTION = "G3"  # TR-P-1: the card-blocking report with its date and hour
CHEQUE_SUBJECT = "G5-cheque"  # TR-P-1: G5 cheque loss report within 1 x 24 hours
OTHER_PREFIX = "other:"


class Stage(enum.StrEnum):
    """Where the claim is in the submission flow (TR-FLOW-1)."""

    SUBMITTED = "submitted"  # soft copy sent
    CONFIRMED = "confirmed"  # the claims department confirmed receipt
    AWAITING_DOCUMENTS = "awaiting_documents"  # missing documents requested
    COMPLETE = "complete"  # completeness confirmed; originals to be sent
    ORIGINALS_RECEIVED = "originals_received"  # assessment and decisions
    SETTLED = "settled"  # every section paid or declined


FINAL = frozenset({SectionStatus.PAID, SectionStatus.DECLINED})


@dataclass(frozen=True)
class SectionClaim:
    """One section as the insured submits it. Times abroad keep their own UTC offsets."""

    section: str
    circumstances: tuple[str, ...] = ()
    incident_at: datetime | None = None
    police_report_at: datetime | None = None
    card_blocked_at: datetime | None = None
    cheque_loss_reported_at: datetime | None = None

    def as_payload(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "circumstances": list(self.circumstances),
            "incident_at": self.incident_at,
            "police_report_at": self.police_report_at,
            "card_blocked_at": self.card_blocked_at,
            "cheque_loss_reported_at": self.cheque_loss_reported_at,
        }


TravelSection = SectionState  # one claimed section's state, as for property claims


@dataclass
class TravelDocuments:
    required: dict[str, list[str]] = field(default_factory=dict)  # document -> sections
    requested: dict[str, datetime] = field(default_factory=dict)
    received: dict[str, datetime] = field(default_factory=dict)

    def outstanding(self) -> list[str]:
        wanted = [*self.required, *(d for d in self.requested if d not in self.required)]
        return [d for d in wanted if d not in self.received]


class TravelClaim(HoldsPersonalData, SectionSettlement, Aggregate):
    TOPIC = "claims_ledger:TravelClaim"
    ACCEPTED_AFTER = SectionStatus.APPROVED
    ACCEPTED_AFTER_TEXT = "an amount is accepted after the insurer approves it"

    class Event(Aggregate.Event):
        TOPIC = "claims_ledger:TravelClaimEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class PersonalDataErased(PersonalDataEventRules.Erased, Event):
        TOPIC = "claims_ledger:TravelClaimPersonalDataErased"

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:TravelClaimCreated"

    class Submitted(Created):
        """TR-FLOW-1: the soft copy of the claim file, with what it includes."""

        TOPIC = "claims_ledger:TravelClaimSubmitted"
        reference: str
        policy_number: str
        plan: str
        trip_start: date
        trip_end: date
        sections: list[dict[str, Any]]
        ground: dict[str, Any] | None
        ground_findings: list[str]
        required: dict[str, list[str]]
        documents: list[str]
        rule_set: str
        benefit_schedule: str

    class ReceiptConfirmed(Event):
        """The claims department confirms the soft copy and names what is missing."""

        TOPIC = "claims_ledger:TravelClaimReceiptConfirmed"
        missing: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.confirmed_at = self.occurred_at

    class DocumentsRequested(Event):
        TOPIC = "claims_ledger:TravelClaimDocumentsRequested"
        section: str
        documents: list[str]

        def apply(self, aggregate: Any) -> None:
            for document in self.documents:
                aggregate.documents.requested.setdefault(document, self.occurred_at)

    class DocumentsReceived(Event):
        TOPIC = "claims_ledger:TravelClaimDocumentsReceived"
        documents: list[str]

        def apply(self, aggregate: Any) -> None:
            for document in self.documents:
                aggregate.documents.received.setdefault(document, self.occurred_at)

    class CompletenessConfirmed(Event):
        TOPIC = "claims_ledger:TravelClaimCompletenessConfirmed"

        def apply(self, aggregate: Any) -> None:
            aggregate.complete_at = self.occurred_at

    class OriginalsReceived(Event):
        """TR-FLOW-1: all originals arrived at the claims department."""

        TOPIC = "claims_ledger:TravelClaimOriginalsReceived"

        def apply(self, aggregate: Any) -> None:
            aggregate.originals_at = self.occurred_at

    class PoliceReportRecorded(Event):
        """TR-P-1: when the police (or cheque loss) report was made, in local time."""

        TOPIC = "claims_ledger:TravelClaimPoliceReportRecorded"
        section: str
        report: str
        reported_at: datetime

    class CalculationRecorded(SettlementEventRules.CalculationRecorded, Event):
        TOPIC = "claims_ledger:TravelClaimCalculationRecorded"

    class SectionDecided(Event):
        """TR-FLOW-1: the insurer's decision on one section: approved (the latest calculation)
        or declined (with the reason)."""

        TOPIC = "claims_ledger:TravelClaimSectionDecided"
        section: str
        decision: str
        amount: Decimal | None
        calculation: int | None
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate._update_section(self.section, status=SectionStatus(self.decision))

    class AmountAccepted(SettlementEventRules.AmountAccepted, Event):
        TOPIC = "claims_ledger:TravelClaimAmountAccepted"

    class SectionPaid(SettlementEventRules.SectionPaid, Event):
        TOPIC = "claims_ledger:TravelClaimSectionPaid"

    # the deadline engine's events (C-SLA-1), with this aggregate's topics
    class DeadlineSet(DeadlineEventRules.Set, Event):
        TOPIC = "claims_ledger:TravelClaimDeadlineSet"

    class DeadlineMet(DeadlineEventRules.Met, Event):
        TOPIC = "claims_ledger:TravelClaimDeadlineMet"

    class DeadlineExtended(DeadlineEventRules.Extended, Event):
        TOPIC = "claims_ledger:TravelClaimDeadlineExtended"

    class DeadlineBreached(DeadlineEventRules.Breached, Event):
        TOPIC = "claims_ledger:TravelClaimDeadlineBreached"

    class BreachClosed(DeadlineEventRules.BreachClosed, Event):
        TOPIC = "claims_ledger:TravelClaimBreachClosed"

    class DeadlineCancelled(DeadlineEventRules.Cancelled, Event):
        TOPIC = "claims_ledger:TravelClaimDeadlineCancelled"

    def __init__(
        self,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str,
        reference: str,
        policy_number: str,
        plan: str,
        trip_start: date,
        trip_end: date,
        sections: list[dict[str, Any]],
        ground: dict[str, Any] | None,
        ground_findings: list[str],
        required: dict[str, list[str]],
        documents: list[str],
        rule_set: str,
        benefit_schedule: str,
    ) -> None:
        self.reference = reference
        self.policy_number = policy_number
        self.plan = plan
        self.trip_start = trip_start
        self.trip_end = trip_end
        self.claimed = {str(s["section"]): s for s in sections}
        self.sections = {str(s["section"]): TravelSection() for s in sections}
        self.ground = ground
        self.ground_findings = ground_findings
        self.rule_set = rule_set
        self.benefit_schedule = benefit_schedule
        self.submitted_at = occurred_at
        self.confirmed_at: datetime | None = None
        self.complete_at: datetime | None = None
        self.originals_at: datetime | None = None
        self.documents = TravelDocuments()
        for section, wanted in required.items():
            for document in wanted:
                self.documents.required.setdefault(document, []).append(section)
        self.documents.received = dict.fromkeys(documents, occurred_at)
        self.deadlines: dict[str, DeadlineState] = {}

    @property
    def case_label(self) -> str:
        return f"travel claim {self.reference!r}"

    @property
    def rules(self) -> TravelRuleSet:
        return travel_rule_set(self.rule_set)

    @property
    def stage(self) -> Stage:
        if all(s.status in FINAL for s in self.sections.values()):
            return Stage.SETTLED
        if self.originals_at is not None:
            return Stage.ORIGINALS_RECEIVED
        if self.complete_at is not None:
            return Stage.COMPLETE
        if self.documents.requested:
            return Stage.AWAITING_DOCUMENTS
        if self.confirmed_at is not None:
            return Stage.CONFIRMED
        return Stage.SUBMITTED

    @property
    def payment_days_after_agreement(self) -> int:
        return self.rules.payment_days_after_agreement

    # -- submission (TR-FLOW-1, TR-D-*, TR-A-1..3, TR-AS-1, TR-P-1) -----------------------------

    @classmethod
    def submit(
        cls,
        *,
        reference: str,
        policy_number: str,
        plan: str,
        trip_start: date,
        trip_end: date,
        sections: list[SectionClaim],
        ground: GroundStatement | None,
        documents: list[str],
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> TravelClaim:
        if not sections:
            raise RuleViolation("RG-CL-3", "a travel claim names at least one section")
        if trip_end < trip_start:
            raise RuleViolation(
                "TR-A-1", f"the trip ends ({trip_end}) before it starts ({trip_start})"
            )
        names = [s.section for s in sections]
        if len(set(names)) != len(names):
            raise RuleViolation("RG-CL-3", f"a section is claimed twice: {names}")
        schedule = benefit_schedule()
        schedule.limit(plan, names[0])  # TR-PAY-1: the plan is in the schedule
        ground_sections = [s for s in names if s in GROUND_SECTIONS]
        if ground_sections and ground is None:
            raise RuleViolation(
                "TR-A-1",
                f"section {ground_sections[0]} is claimed on a ground (A h-k, D d-f); "
                "the claim names it",
                accepted=", ".join(g.id for g in catalogue().grounds),
            )
        if ground is not None and not ground_sections:
            raise RuleViolation(
                "TR-A-1", "a ground belongs to a cancellation (A) or early-return (D) claim"
            )
        findings: list[str] = []
        if ground is not None:  # TR-A-1: a cancellation or early return states its ground (above)
            for section in ground_sections:
                findings += check_ground(ground, section, trip_start)
        required: dict[str, list[str]] = {}
        for claimed in sections:
            required[claimed.section] = _required_for(claimed, ground, provenance.occurred_at)
        known = set(catalogue().names())
        unknown = [d for d in documents if d not in known]
        if unknown:
            raise RuleViolation(
                "TR-D-0",
                f"unknown document ids {unknown} in the soft copy",
                accepted="ids of the lists, e.g. mandatory.1, A.d, G1.c",
            )
        rule_set = travel_rule_set_for(provenance.occurred_at.date())
        claim = cls._create(
            cls.Submitted,
            id=claim_id(reference),
            **provenance.fields(),
            reference=reference,
            policy_number=policy_number,
            plan=plan,
            trip_start=trip_start,
            trip_end=trip_end,
            sections=[s.as_payload() for s in sections],
            ground=None if ground is None else _ground_payload(ground),
            ground_findings=findings,
            required=required,
            documents=list(dict.fromkeys(documents)),
            rule_set=rule_set.ref,
            benefit_schedule=schedule.ref,
        )
        for claimed in sections:
            claim._set_report_deadlines(claimed, provenance, calendar)
        return claim

    def _set_report_deadlines(
        self, claimed: SectionClaim, provenance: Provenance, calendar: WorkingDayCalendar
    ) -> None:
        """TR-P-1 (customer): the police report within 1 x 24 hours of the event abroad (C-H-1),
        and for G5 the cheque loss report; met or breached at once when the report time is
        already known."""
        if claimed.incident_at is None:
            return
        at_incident = provenance.at(claimed.incident_at)
        submitted = f"TravelClaimSubmitted v{self.version}"
        hours = self.rules.police_report_hours_x24
        reports: list[tuple[str, datetime | None]] = []
        if claimed.section in POLICE_REPORT_SECTIONS:
            reports.append((claimed.section, claimed.police_report_at))
        if claimed.section == "G5" and "cheques" in claimed.circumstances:
            reports.append((CHEQUE_SUBJECT, claimed.cheque_loss_reported_at))
        for subject, reported_at in reports:
            self._set_deadline_of_kind(
                "TR-P-1",
                Party.CUSTOMER,
                DeadlineKind.HOURS_24,
                hours,
                submitted,
                at_incident,
                calendar,
                subject=subject,
            )
            if reported_at is not None:
                self._fulfil(f"TR-P-1/{subject}", provenance.at(reported_at))

    def record_police_report(
        self, *, section: str, report: str, reported_at: datetime, provenance: Provenance
    ) -> None:
        """A police (or cheque loss) report time learned after submission (TR-P-1)."""
        self._require_section(section)
        require_aware(reported_at, "reported_at")
        subject = CHEQUE_SUBJECT if report == "cheque_loss" else section
        key = f"TR-P-1/{subject}"
        state = self.deadlines.get(key)
        if state is None:
            raise RuleViolation(
                "TR-P-1",
                f"{self.case_label} has no {report} report to make for section {section}",
                accepted="G1, G3, G4, G5 police reports; the G5 cheque loss report",
            )
        if state.met_at is not None or state.fulfilled_at is not None:
            raise RuleViolation("TR-P-1", f"the {report} report for section {section} is known")
        incident = self.claimed[section]["incident_at"]
        if reported_at < incident:
            raise RuleViolation(
                "TR-P-1",
                f"the {report} report ({reported_at.isoformat()}) is before the event "
                f"({incident.isoformat()})",
            )
        if reported_at > provenance.occurred_at:
            raise RuleViolation("C-TIME-2", "a report time is not later than the command")
        self.trigger_event(
            self.PoliceReportRecorded,
            **provenance.fields(),
            section=section,
            report=report,
            reported_at=reported_at,
        )
        self._fulfil(key, provenance.at(reported_at))

    # -- the submission flow (TR-FLOW-1, RG-CL-2) -----------------------------------------------

    def confirm_receipt(self, *, provenance: Provenance) -> None:
        self._require_after_submission(provenance.occurred_at)
        if self.confirmed_at is not None:
            raise RuleViolation("TR-FLOW-1", f"{self.case_label}'s receipt is already confirmed")
        self.trigger_event(
            self.ReceiptConfirmed, **provenance.fields(), missing=self.documents.outstanding()
        )

    def request_documents(self, *, documents: list[str], provenance: Provenance) -> None:
        """Ask the customer for missing documents (all outstanding ones when none are named)."""
        self._require_after_submission(provenance.occurred_at)
        if self.confirmed_at is None:
            raise RuleViolation(
                "TR-FLOW-1",
                f"documents are requested after the claims department confirms receipt of "
                f"{self.case_label}",
                accepted="ConfirmTravelClaimReceipt first",
            )
        if self.complete_at is not None:
            raise RuleViolation(
                "TR-FLOW-1",
                f"{self.case_label} was confirmed complete on {self.complete_at.isoformat()}",
            )
        known = catalogue().names()
        wanted = documents or self.documents.outstanding()
        for document in wanted:
            if document not in known and not document.startswith(OTHER_PREFIX):
                raise RuleViolation(
                    "TR-D-0",
                    f"unknown document {document!r}",
                    accepted="an id of the lists (e.g. A.h.4) or other:<description>",
                )
        refuse_rerequest(self.documents.received, wanted, self.case_label)
        new = [d for d in wanted if d not in self.documents.requested]
        if not new:
            raise RuleViolation(
                "TR-FLOW-1", f"nothing to request: {self.case_label} has no missing documents"
            )
        sections = {s for d in new for s in self.documents.required.get(d, [])}
        self.trigger_event(
            self.DocumentsRequested,
            **provenance.fields(),
            section=",".join(sorted(sections)) or "claim",
            documents=new,
        )

    def receive_documents(self, *, documents: list[str], provenance: Provenance) -> None:
        self._require_after_submission(provenance.occurred_at)
        known = catalogue().names()
        for document in documents:
            if document not in known and document not in self.documents.requested:
                raise RuleViolation(
                    "TR-D-0",
                    f"unknown document {document!r}",
                    accepted="an id of the lists or a requested other:<description>",
                )
        fresh = [d for d in dict.fromkeys(documents) if d not in self.documents.received]
        self.trigger_event(self.DocumentsReceived, **provenance.fields(), documents=fresh)

    def confirm_complete(self, *, provenance: Provenance) -> None:
        self._require_after_submission(provenance.occurred_at)
        if self.confirmed_at is None:
            raise RuleViolation(
                "TR-FLOW-1",
                f"the claims department confirms receipt of {self.case_label} first",
                accepted="ConfirmTravelClaimReceipt",
            )
        if self.complete_at is not None:
            raise RuleViolation("TR-FLOW-1", f"{self.case_label} is already confirmed complete")
        outstanding = self.documents.outstanding()
        if outstanding:
            raise RuleViolation(
                "TR-FLOW-1",
                f"{self.case_label} is not complete: {', '.join(outstanding)} outstanding",
                accepted="receive the outstanding documents first",
            )
        self.trigger_event(self.CompletenessConfirmed, **provenance.fields())

    def receive_originals(self, *, provenance: Provenance) -> None:
        self._require_after_submission(provenance.occurred_at)
        if self.complete_at is None:
            raise RuleViolation(
                "TR-FLOW-1",
                f"originals are sent once {self.case_label} is confirmed complete",
                accepted="ConfirmTravelClaimComplete first",
            )
        if self.originals_at is not None:
            raise RuleViolation("TR-FLOW-1", f"{self.case_label}'s originals already arrived")
        self.trigger_event(self.OriginalsReceived, **provenance.fields())

    # -- assessment, decision, agreement, payment (TR-PAY-1, C-CALC-1, RG-CL-1, RG-CL-3) --------

    def assess(
        self,
        *,
        section: str,
        claimed: Decimal,
        refunds: Decimal,
        compensation: Decimal,
        provenance: Provenance,
    ) -> None:
        state = self._require_section(section)
        if self.originals_at is None:
            raise RuleViolation(
                "TR-FLOW-1",
                f"{self.case_label} is assessed after all originals are received "
                f"(it is {self.stage})",
            )
        if state.status not in (SectionStatus.CLAIMED, SectionStatus.ASSESSED):
            raise RuleViolation(
                "RG-CL-3", f"section {section} of {self.case_label} is {state.status}"
            )
        schedule = schedule_by_ref(self.benefit_schedule)
        calculation = section_payout(
            section=section,
            claimed=claimed,
            refunds=refunds,
            compensation=compensation,
            plan=self.plan,
            limit=schedule.limit(self.plan, section),
            schedule=schedule.ref,
            example_schedule=schedule.example,
            conditions_unmet=self._report_conditions(section),
        )
        self._record_calculation(calculation, state, provenance)

    def _report_conditions(self, section: str) -> tuple[str, ...]:
        """TR-P-1 reports late or missing, stated on the calculation for the decision maker."""
        unmet = []
        for key, state in sorted(self.deadlines.items()):
            if not key.startswith(f"TR-P-1/{section}"):
                continue
            if state.fulfilled_at is not None:
                minutes = int((state.fulfilled_at - state.due).total_seconds()) // 60
                late = f"{minutes // 60} h {minutes % 60} min"
                unmet.append(f"TR-P-1: {key} report made {late} after the 1 x 24 hours")
            elif state.met_at is None:
                unmet.append(f"TR-P-1: {key} report time not yet known")
        return tuple(unmet)

    def decide(
        self, *, section: str, approve: bool, reason: str | None, provenance: Provenance
    ) -> None:
        state = self._require_section(section)
        if self.complete_at is None:
            raise RuleViolation(
                "TR-FLOW-1",
                f"a decision on {self.case_label} before its completeness is confirmed is not "
                f"allowed (it is {self.stage})",
                accepted="ConfirmTravelClaimComplete first",
            )
        if approve and (state.status is not SectionStatus.ASSESSED or state.payable is None):
            raise RuleViolation(
                "TR-FLOW-1",
                f"section {section} of {self.case_label} is {state.status}; "
                "an approval follows an assessment",
            )
        if not approve and state.status not in (SectionStatus.CLAIMED, SectionStatus.ASSESSED):
            raise RuleViolation(
                "RG-CL-3", f"section {section} of {self.case_label} is {state.status}"
            )
        if not approve and not (reason and reason.strip()):
            raise RuleViolation("TR-FLOW-1", "a declined section states the reason")
        self.trigger_event(
            self.SectionDecided,
            **provenance.fields(),
            section=section,
            decision=str(SectionStatus.APPROVED if approve else SectionStatus.DECLINED),
            amount=state.payable if approve else None,
            calculation=state.calculations if approve else None,
            reason=reason,
        )

    # -- helpers --------------------------------------------------------------------------------

    def outstanding_documents(self) -> list[str]:
        return self.documents.outstanding()

    def _require_after_submission(self, at: datetime) -> None:
        require_aware(at, "occurred_at")
        if at < self.submitted_at:
            raise RuleViolation(
                "TR-FLOW-1",
                f"{at.isoformat()} is before {self.case_label} was submitted "
                f"({self.submitted_at.isoformat()})",
            )


def _ground_payload(ground: GroundStatement) -> dict[str, Any]:
    return {
        "ground": ground.ground,
        "event": ground.event,
        "person": ground.person,
        "layoff_date": ground.layoff_date,
        "employment_start": ground.employment_start,
        "damage_date": ground.damage_date,
    }


def _required_for(
    claimed: SectionClaim, ground: GroundStatement | None, submitted_at: datetime
) -> list[str]:
    """Validate one section's statement and return the documents it needs (TR-D-*)."""
    books = catalogue()
    listing = books.section(claimed.section)
    if listing.handling == "assistance":
        raise RuleViolation(
            "TR-AS-1",
            f"section {claimed.section} ({listing.title}) is arranged by Allianz Global "
            "Assistance and must be reported to it immediately; it is recorded as an assistance "
            "case, not filed as a document claim",
            accepted="ReportAssistanceCase",
        )
    allowed = books.circumstances_for(claimed.section)
    for circumstance in claimed.circumstances:
        if circumstance not in allowed:
            raise RuleViolation(
                listing.rule_id,
                f"{circumstance!r} does not apply to section {claimed.section}",
                accepted=", ".join(sorted(allowed)) or "none",
            )
    if listing.requires is not None and listing.requires not in claimed.circumstances:
        raise RuleViolation(
            listing.rule_id,
            f"section {claimed.section} ({listing.title}) is {listing.note!r}: condition "
            f"{listing.requires!r} is not stated",
            accepted=f"circumstances including {listing.requires}",
        )
    if claimed.section == "D" and not {"return_cost", "unused_portion"} & set(
        claimed.circumstances
    ):
        raise RuleViolation(
            "TR-D-D",
            "an early-return claim states what it claims (D b, D c)",
            accepted="return_cost and / or unused_portion",
        )
    _check_times(claimed, submitted_at)
    facts = frozenset(claimed.circumstances) | (ground.facts() if ground else frozenset())
    chosen = ground.ground if ground and claimed.section in GROUND_SECTIONS else None
    return books.required_documents(claimed.section, facts, chosen)


def _check_times(claimed: SectionClaim, submitted_at: datetime) -> None:
    """C-TIME-1 for every time stated abroad; TR-P-1 needs the event time, G3 the blocking."""
    times = {
        "incident_at": claimed.incident_at,
        "police_report_at": claimed.police_report_at,
        "card_blocked_at": claimed.card_blocked_at,
        "cheque_loss_reported_at": claimed.cheque_loss_reported_at,
    }
    for name, value in times.items():
        if value is None:
            continue
        require_aware(value, name)
        if value > submitted_at:
            raise RuleViolation("C-TIME-2", f"{name} {value.isoformat()} is after the submission")
    if claimed.section in POLICE_REPORT_SECTIONS and claimed.incident_at is None:
        raise RuleViolation(
            "TR-P-1",
            f"section {claimed.section} states when the event happened (incident_at, with its "
            "local UTC offset): the police report is due 1 x 24 hours after it",
        )
    if claimed.section == CARD_BLOCKING_SECTION and claimed.card_blocked_at is None:
        raise RuleViolation(
            "TR-P-1",
            "section G3 states the date and hour the card was blocked (card_blocked_at)",
        )
    incident = claimed.incident_at
    for name in ("police_report_at", "cheque_loss_reported_at", "card_blocked_at"):
        value = times[name]
        if incident is not None and value is not None and value < incident:
            raise RuleViolation(
                "TR-P-1", f"{name} {value.isoformat()} is before the event {incident.isoformat()}"
            )
