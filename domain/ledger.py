"""The ledger application: handles commands against aggregates and stores their events.

Storage is chosen by the environment the application is built with (SQLite, PostgreSQL,
or in memory); nothing here knows which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from domain import commands as c
from domain.calendar import DEFAULT_CALENDAR, WorkingDayCalendar
from domain.clock import require_aware, require_not_future
from domain.complaint import Complaint, complaint_id
from domain.deadlines import Provenance
from domain.errors import CaseAlreadyExists, CaseNotFound, RuleViolation
from domain.payout import sections as payout
from domain.payout.contribution import OtherPolicy
from domain.policy import Policy, policy_id
from domain.property_claim import PropertyClaim, claim_id
from domain.report import QuarterlyComplaintReport, report_id
from domain.travel.assistance import AssistanceCase, Service, assistance_case_id
from domain.travel.claim import SectionClaim, TravelClaim
from domain.travel.grounds import GroundStatement


@dataclass(frozen=True)
class CommandContext:
    """Where a command came from: the ledger's time when it is recorded, and provenance."""

    recorded_at: datetime
    correlation_id: str
    causation_id: str

    def __post_init__(self) -> None:
        require_aware(self.recorded_at, "recorded_at")


@dataclass
class UnitOfWork:
    """Aggregates changed by a batch of commands, saved together in one transaction or not at
    all: a rejected command leaves nothing of its batch in the store."""

    ledger: Ledger
    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)

    def get(self, aggregate_id: UUID, kind: str, reference: str) -> Any:
        if aggregate_id not in self.aggregates:
            try:
                self.aggregates[aggregate_id] = self.ledger.repository.get(aggregate_id)
            except AggregateNotFoundError:
                raise CaseNotFound(kind, reference) from None
        return self.aggregates[aggregate_id]

    def get_complaint(self, reference: str) -> Complaint:
        complaint: Complaint = self.get(complaint_id(reference), "complaint", reference)
        return complaint

    def add(self, aggregate: Aggregate, kind: str, reference: str) -> None:
        if aggregate.id in self.aggregates or self.ledger.has_aggregate(aggregate.id):
            raise CaseAlreadyExists(kind, reference)
        self.aggregates[aggregate.id] = aggregate

    def commit(self) -> None:
        if self.aggregates:
            self.ledger.save(*self.aggregates.values())
        self.aggregates.clear()


class DateAsISO(Transcoding):
    """Calendar dates (a receipt date, a layoff date) stored as ISO 8601 strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class Ledger(Application[UUID]):
    """The claims ledger. Its notification log is the outbox the relay publishes from."""

    name = "ClaimsLedger"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def __init__(
        self, env: dict[str, str] | None = None, calendar: WorkingDayCalendar = DEFAULT_CALENDAR
    ) -> None:
        super().__init__(env)
        self.calendar = calendar

    def has_aggregate(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, desc=True, limit=1))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    def execute(self, command: c.Command, context: CommandContext, attempts: int = 5) -> UUID:
        """Handle one command and store its events; returns the aggregate id.

        Optimistic concurrency: when another process saved one of the same aggregates first
        (two Section IV decisions on one policy, say), the store refuses the stale version and
        the command is handled again on fresh state, up to `attempts` times."""
        for attempt in range(1, attempts + 1):
            uow = self.unit_of_work()
            aggregate_id = self.handle(command, context, uow)
            try:
                uow.commit()
            except IntegrityError:
                if attempt == attempts:
                    raise
                continue
            return aggregate_id
        raise AssertionError("unreachable")

    def handle(self, command: c.Command, context: CommandContext, uow: UnitOfWork) -> UUID:
        """Apply one command to the unit of work's aggregates without storing anything."""
        require_not_future(command.occurred_at, context.recorded_at)
        prov = Provenance(
            occurred_at=command.occurred_at,
            recorded_at=context.recorded_at,
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
        )
        if isinstance(command, c.ProduceQuarterlyReport):
            return self._produce_report(command, prov, uow)
        if isinstance(command, c.IssuePolicy):
            return self._issue_policy(command, prov, uow)
        if isinstance(command, c.ClaimCommand):
            return self._handle_claim(command, prov, uow)
        if isinstance(command, c.TravelClaimCommand):
            return self._handle_travel_claim(command, prov, uow)
        if isinstance(command, c.AssistanceCommand):
            return self._handle_assistance(command, prov, uow)
        assert isinstance(command, c.ComplaintCommand)
        if isinstance(command, c.ReceiveComplaint):
            complaint = Complaint.receive(
                reference=command.complaint,
                channel=command.channel,
                form=command.form,
                explanation=command.explanation,
                product=command.product,
                represented=command.represented,
                provenance=prov,
                calendar=self.calendar,
            )
            uow.add(complaint, "complaint", command.complaint)
            return complaint.id
        complaint = uow.get_complaint(command.complaint)
        match command:
            case c.GiveInitialResponse():
                complaint.give_initial_response(
                    registration_reference=command.registration_reference,
                    receipt_date=command.receipt_date,
                    contact_phone=command.contact_phone,
                    provenance=prov,
                )
            case c.SubmitDocuments():
                complaint.submit_documents(
                    documents=command.documents,
                    other_documents=command.other_documents,
                    provenance=prov,
                    calendar=self.calendar,
                )
            case c.ExtendDocumentWindow():
                complaint.extend_document_window(
                    reason=command.reason, provenance=prov, calendar=self.calendar
                )
            case c.MoveToWrittenTrack():
                complaint.move_to_written_track(
                    reason=command.reason, provenance=prov, calendar=self.calendar
                )
            case c.VerifyComplaint():
                complaint.verify(provenance=prov)
            case c.RegisterComplaint():
                complaint.register(registration_number=command.registration_number, provenance=prov)
            case c.ForwardComplaint():
                complaint.forward(department=command.department, provenance=prov)
            case c.AnalyseComplaint():
                complaint.analyse(finding=command.finding, provenance=prov)
            case c.ExtendResolutionDeadline():
                complaint.extend_resolution_deadline(
                    reason_code=command.reason_code,
                    notice_sent_at=command.notice_sent_at,
                    provenance=prov,
                    calendar=self.calendar,
                )
            case c.ResolveComplaint():
                complaint.resolve(outcome=command.outcome, provenance=prov)
            case c.CloseComplaint():
                complaint.close(provenance=prov)
        return complaint.id

    def _issue_policy(self, command: c.IssuePolicy, prov: Provenance, uow: UnitOfWork) -> UUID:
        policy = Policy.issue(
            policy_number=command.policy,
            insured=command.insured,
            period_start=command.period_start,
            period_end=command.period_end,
            section_i_sum_insured=command.section_i_sum_insured,
            schedule=dict(command.schedule),
            other_policies=[
                OtherPolicy(o.insurer, o.policy_number, o.section, o.sum_insured)
                for o in command.other_policies
            ],
            family_members=command.family_members,
            domestic_helpers=command.domestic_helpers,
            provenance=prov,
        )
        uow.add(policy, "policy", command.policy)
        return policy.id

    def _handle_claim(self, command: c.ClaimCommand, prov: Provenance, uow: UnitOfWork) -> UUID:
        if isinstance(command, c.ReportClaim):
            policy: Policy = uow.get(policy_id(command.policy), "policy", command.policy)
            if not policy.covers(command.loss_occurred_at):
                raise RuleViolation(
                    "EC-N-1",
                    f"the loss on {command.loss_occurred_at.date()} is outside policy "
                    f"{command.policy}'s period {policy.period_start} to {policy.period_end}",
                )
            if command.injured_person is not None:
                policy.category_of(command.injured_person)  # EC-IV-1: named on the policy
            claim = PropertyClaim.report(
                reference=command.claim,
                policy_number=command.policy,
                sections=command.sections,
                loss_occurred_at=command.loss_occurred_at,
                in_writing=command.in_writing,
                estimate=command.estimate,
                third_party_claim_known_at=command.third_party_claim_known_at,
                injured_person=command.injured_person,
                provenance=prov,
                calendar=self.calendar,
            )
            uow.add(claim, "claim", command.claim)
            return claim.id
        claim = uow.get(claim_id(command.claim), "claim", command.claim)
        assert isinstance(claim, PropertyClaim)
        match command:
            case c.GiveWrittenNotice():
                claim.give_written_notice(provenance=prov)
            case c.RecordSurvey():
                claim.record_survey(provenance=prov)
            case c.ApprovePhotoDocumentation():
                claim.approve_photo_documentation(provenance=prov)
            case c.RecordRepairOrCleanUp():
                claim.record_repair_or_clean_up(work=command.work, provenance=prov)
            case c.RequestDocuments():
                claim.request_documents(
                    section=command.section, extra=command.extra, provenance=prov
                )
            case c.ReceiveClaimDocuments():
                claim.receive_documents(documents=command.documents, provenance=prov)
            case c.EvidenceReinstatement():
                claim.evidence_reinstatement(invoices=command.invoices, provenance=prov)
            case c.RequireMedicalExamination():
                claim.require_medical_examination(kind=command.kind, provenance=prov)
            case c.RecordMedicalExamination():
                claim.record_medical_examination(
                    kind=command.kind, finding=command.finding, provenance=prov
                )
            case c.AcceptAmount():
                claim.accept_amount(
                    section=command.section, provenance=prov, calendar=self.calendar
                )
            case c.PaySection():
                claim.pay(section=command.section, amount=command.amount, provenance=prov)
            case c.AssessFire() | c.AssessBurglary() | c.AssessLiability() | c.AssessAccident():
                self._assess(claim, command, prov, uow)
        return claim.id

    def _assess(
        self, claim: PropertyClaim, command: c.ClaimCommand, prov: Provenance, uow: UnitOfWork
    ) -> None:
        """Calculate a section's payout from the policy (C-CALC-1); a Section IV decision also
        reserves its amount on the policy's aggregate (EC-IV-1)."""
        policy: Policy = uow.get(policy_id(claim.policy_number), "policy", claim.policy_number)
        others = policy.others()
        if isinstance(command, c.AssessFire):
            calculation = payout.fire(
                sum_insured=policy.section_i_sum_insured,
                reinstatement_cost=command.reinstatement_cost,
                salvage=command.salvage,
                reinstatement_evidenced=claim.reinstatement_evidenced_at is not None,
                others=others,
            )
        elif isinstance(command, c.AssessBurglary):
            calculation = payout.burglary(
                schedule=policy.schedule,
                items=[payout.StolenItem(i.item, i.new_price, i.salvage) for i in command.items],
                building_damage=command.building_damage,
                others=others,
            )
        elif isinstance(command, c.AssessLiability):
            calculation = payout.liability(
                section_i_sum_insured=policy.section_i_sum_insured,
                award=command.award,
                legal_costs=command.legal_costs,
                others=others,
            )
        else:
            assert isinstance(command, c.AssessAccident)
            person = claim.injured_person or ""
            calculation = payout.accident(
                who=policy.category_of(person),
                benefit=command.benefit,
                aggregates=policy.aggregates(excluding_claim=claim.reference),
            )
            policy.reserve_section_iv(
                claim_reference=claim.reference,
                person=person,
                amount=calculation.payable,
                provenance=prov,
            )
        claim.record_calculation(calculation, provenance=prov)

    def _handle_travel_claim(
        self, command: c.TravelClaimCommand, prov: Provenance, uow: UnitOfWork
    ) -> UUID:
        if isinstance(command, c.SubmitTravelClaim):
            ground = command.ground
            claim = TravelClaim.submit(
                reference=command.claim,
                policy_number=command.policy,
                plan=command.plan,
                trip_start=command.trip_start,
                trip_end=command.trip_end,
                sections=[
                    SectionClaim(
                        section=s.section,
                        circumstances=tuple(s.circumstances),
                        incident_at=s.incident_at,
                        police_report_at=s.police_report_at,
                        card_blocked_at=s.card_blocked_at,
                        cheque_loss_reported_at=s.cheque_loss_reported_at,
                    )
                    for s in command.sections
                ],
                ground=None if ground is None else GroundStatement(**ground.model_dump()),
                documents=command.documents,
                provenance=prov,
                calendar=self.calendar,
            )
            uow.add(claim, "claim", command.claim)
            return claim.id
        claim = uow.get(claim_id(command.claim), "claim", command.claim)
        if not isinstance(claim, TravelClaim):
            raise RuleViolation(
                "TR-FLOW-1",
                f"claim {command.claim!r} is not a travel claim",
                accepted="a travel claim",
            )
        match command:
            case c.ConfirmTravelClaimReceipt():
                claim.confirm_receipt(provenance=prov)
            case c.RequestTravelDocuments():
                claim.request_documents(documents=command.documents, provenance=prov)
            case c.ReceiveTravelDocuments():
                claim.receive_documents(documents=command.documents, provenance=prov)
            case c.ConfirmTravelClaimComplete():
                claim.confirm_complete(provenance=prov)
            case c.ReceiveTravelOriginals():
                claim.receive_originals(provenance=prov)
            case c.RecordPoliceReport():
                claim.record_police_report(
                    section=command.section,
                    report=command.report,
                    reported_at=command.reported_at,
                    provenance=prov,
                )
            case c.AssessTravelSection():
                claim.assess(
                    section=command.section,
                    claimed=command.claimed,
                    refunds=command.refunds,
                    compensation=command.compensation,
                    provenance=prov,
                )
            case c.DecideTravelSection():
                claim.decide(
                    section=command.section,
                    approve=command.decision == "approve",
                    reason=command.reason,
                    provenance=prov,
                )
            case c.AcceptTravelAmount():
                claim.accept_amount(
                    section=command.section, provenance=prov, calendar=self.calendar
                )
            case c.PayTravelSection():
                claim.pay(section=command.section, amount=command.amount, provenance=prov)
        return claim.id

    def _handle_assistance(
        self, command: c.AssistanceCommand, prov: Provenance, uow: UnitOfWork
    ) -> UUID:
        if isinstance(command, c.ReportAssistanceCase):
            case = AssistanceCase.report(
                reference=command.case,
                service=Service(command.service),
                policy_number=command.policy,
                insured_name=command.insured_name,
                location=command.location,
                condition=command.condition,
                reported_by=command.reported_by,
                event_at=command.event_at,
                provenance=prov,
            )
            uow.add(case, "assistance case", command.case)
            return case.id
        case = uow.get(assistance_case_id(command.case), "assistance case", command.case)
        assert isinstance(case, AssistanceCase)
        match command:
            case c.ArrangeAssistance():
                case.arrange(arrangement=command.arrangement, provenance=prov)
            case c.CloseAssistanceCase():
                case.close(outcome=command.outcome, provenance=prov)
        return case.id

    def _produce_report(
        self, command: c.ProduceQuarterlyReport, prov: Provenance, uow: UnitOfWork
    ) -> UUID:
        aggregate_id = report_id(command.quarter)
        if aggregate_id in uow.aggregates or self.has_aggregate(aggregate_id):
            report: QuarterlyComplaintReport = uow.get(aggregate_id, "report", command.quarter)
        else:
            report = QuarterlyComplaintReport.open(command.quarter, prov.fields())
            uow.aggregates[aggregate_id] = report
        report.produce(command.content_sha256, prov.fields())
        return aggregate_id

    # -- the deadline process (C-SLA-1) ----------------------------------------------------

    def case_ids(self) -> list[UUID]:
        """Every case with deadlines (complaints and claims), in order of arrival."""
        return self._case_ids(
            [Complaint.Received.TOPIC, PropertyClaim.Reported.TOPIC, TravelClaim.Submitted.TOPIC]
        )

    def _case_ids(self, topics: list[str]) -> list[UUID]:
        ids: list[UUID] = []
        position = 0
        while True:
            batch = self.recorder.select_notifications(
                start=position,
                limit=1000,
                topics=topics,
                inclusive_of_start=False,
            )
            if not batch:
                return ids
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            position = batch[-1].id

    def load_open_cases(self, uow: UnitOfWork) -> None:
        """Bring every complaint that still has a deadline to watch into the unit of work."""
        for aggregate_id in self.case_ids():
            if aggregate_id not in uow.aggregates:
                uow.aggregates[aggregate_id] = self.repository.get(aggregate_id)

    @staticmethod
    def detect_breaches(uow: UnitOfWork, now: datetime, recorded_at: datetime) -> int:
        """Record a breach for every deadline passed unmet by `now` in the unit of work."""
        return sum(
            case.detect_breaches(now, recorded_at)
            for case in uow.aggregates.values()
            if isinstance(case, Complaint | PropertyClaim | TravelClaim)
        )

    def check_deadlines(self, now: datetime) -> int:
        """The deadline process on its own: given "now", record every breach; returns how many."""
        uow = self.unit_of_work()
        self.load_open_cases(uow)
        breaches = self.detect_breaches(uow, now, now)
        uow.commit()
        return breaches

    def complaint(self, reference: str) -> Complaint:
        try:
            aggregate: Complaint = self.repository.get(complaint_id(reference))
        except AggregateNotFoundError:
            raise CaseNotFound("complaint", reference) from None
        return aggregate

    def history(self, aggregate_id: UUID) -> Iterable[Complaint.Event]:
        """Every stored event of one case, in version order (what an auditor replays)."""
        yield from self.events.get(aggregate_id)  # type: ignore[misc]
